"""The gateway backend's port-mapping endpoints (mapping/*, device/*Mapping)."""

from __future__ import annotations

from typing import Any

from ..common import fail, is_int as _is_int
from .codes import (
    BAD_SERIAL,
    DEVICE_OFFLINE,
    INVALID_DATA,
    OK,
    PARAMETER_ERROR,
    PORT_IN_USE,
    RULE_NAME_EXISTS,
    RULE_NAME_MAX,
    UUID_NOT_FOUND,
    GatewayHandler,
    param,
    str_list,
)
from .core import GatewayCore
from .network import (
    format_port_spec,
    lan_network,
    parse_ipv4,
    parse_port_spec,
)
from .state import (
    Assignment,
    GatewayState,
    MappingRule,
)


class MappingApi(GatewayCore):
    """Port-mapping rules and their assignment to gateways."""

    def _handlers(self) -> dict[str, GatewayHandler]:
        return {
            **super()._handlers(),
            "/api/v1/mapping/list": self._mapping_list,
            "/api/v1/mapping/add": self._mapping_add,
            "/api/v1/mapping/edit": self._mapping_edit,
            "/api/v1/mapping/delete": self._mapping_delete,
            "/api/v1/device/addMapping": self._assign,
            "/api/v1/device/editMapping": self._edit_assignment,
            "/api/v1/device/deleteMapping": self._unassign,
        }

    # -- port mapping ----------------------------------------------------------------

    def _mapping_list(self, body: dict[str, Any]) -> dict[str, Any]:
        owners: dict[str, GatewayState] = {}
        for gateway in self.devices.values():
            for item in gateway.mappings:
                owners.setdefault(item.uuid, gateway)
        items = []
        for rule in self.rules.values():
            owner = owners.get(rule.uuid)
            items.append(
                {
                    "uuid": rule.uuid,
                    "name": rule.name,
                    "ip": rule.ip,
                    "port": rule.port,
                    "protocol": rule.protocol,
                    "devName": owner.alias if owner else "",
                    "sn": owner.sn if owner else "",
                    "devType": owner.model if owner else "",
                    "mark": rule.mark,
                }
            )
        return {"code": OK, "msg": "success", "list": items}

    def _rule_fields(self, body: dict[str, Any], exclude: str | None) -> MappingRule:
        name = param(body, "name", str)
        # The document's edit table calls the address "addr"; its example says "ip".
        ip = param(body, "ip" if "ip" in body or "addr" not in body else "addr", str)
        port = body.get("port")
        if not isinstance(port, str) and not _is_int(port):
            fail(PARAMETER_ERROR, "port is required and must be a string")
        protocol = param(body, "protocol", int)
        mark = param(body, "mark", str)
        if not name.strip() or len(name) > RULE_NAME_MAX:
            fail(INVALID_DATA, "name")
        address = parse_ipv4(ip)
        if address is None:
            fail(INVALID_DATA, "ip")
        ranges = parse_port_spec(str(port))
        if ranges is None:
            fail(INVALID_DATA, "port")
        if protocol not in (0, 1, 2):
            fail(INVALID_DATA, "protocol")
        others = [rule for rule in self.rules.values() if rule.uuid != exclude]
        if any(rule.name == name for rule in others):
            fail(RULE_NAME_EXISTS, name)
        for rule in others:
            if rule.ip == str(address) and _protocols_overlap(rule.protocol, protocol):
                taken = parse_port_spec(rule.port) or []
                if any(_ranges_overlap(a, b) for a in ranges for b in taken):
                    fail(PORT_IN_USE, f"overlaps rule {rule.name}")
        return MappingRule(
            uuid=exclude or "",
            name=name,
            ip=str(address),
            port=format_port_spec(ranges),
            protocol=protocol,
            mark=mark,
        )

    def _mapping_add(self, body: dict[str, Any]) -> dict[str, Any]:
        rule = self._rule_fields(body, exclude=None)
        rule.uuid = self._new_uuid()
        self.rules[rule.uuid] = rule
        return {"code": OK, "msg": "success"}

    def _mapping_edit(self, body: dict[str, Any]) -> dict[str, Any]:
        uuid = param(body, "uuid", str)
        # Who the rule is assigned to is derived from device/*Mapping; these are echoes.
        for key in ("devName", "sn", "devType"):
            param(body, key, str)
        if uuid not in self.rules:
            fail(UUID_NOT_FOUND, uuid)
        self.rules[uuid] = self._rule_fields(body, exclude=uuid)
        return {"code": OK, "msg": "success"}

    def _mapping_delete(self, body: dict[str, Any]) -> dict[str, Any]:
        uuids = str_list(body.get("rules"), "rules")
        failed = [uuid for uuid in uuids if uuid not in self.rules]
        doomed = set(uuids) & set(self.rules)
        for uuid in doomed:
            del self.rules[uuid]
        for gateway in self.devices.values():
            gateway.mappings = [item for item in gateway.mappings if item.uuid not in doomed]
        return {"code": OK, "msg": failed}

    def _online_gateway(self, sn: str) -> GatewayState:
        gateway = self.devices.get(sn)
        if gateway is None:
            fail(BAD_SERIAL, sn)
        if not gateway.online:
            fail(DEVICE_OFFLINE, sn)
        return gateway

    @staticmethod
    def _lan_host(gateway: GatewayState, ip: str) -> str:
        address = parse_ipv4(ip)
        network = lan_network(gateway.lan)
        if (
            address is None
            or network is None
            or address not in network
            or address in (network.network_address, network.broadcast_address)
            or str(address) == gateway.lan.ip
        ):
            fail(INVALID_DATA, f"{ip} is not a host on the gateway's LAN")
        return str(address)

    def _assign(self, body: dict[str, Any]) -> dict[str, Any]:
        rule = param(body, "rule", str)
        sn = param(body, "sn", str)
        ip = param(body, "ip", str)
        if rule not in self.rules:
            fail(UUID_NOT_FOUND, rule)
        gateway = self._online_gateway(sn)
        host = self._lan_host(gateway, ip)
        if any(item.uuid == rule for item in gateway.mappings):
            fail(INVALID_DATA, "rule already assigned to this device")
        gateway.mappings.append(Assignment(uuid=rule, ip=host))
        return {"code": OK, "msg": "success"}

    def _edit_assignment(self, body: dict[str, Any]) -> dict[str, Any]:
        rule = param(body, "rule", str)
        sn = param(body, "sn", str)
        ip = param(body, "ip", str)
        gateway = self._online_gateway(sn)
        current = next((item for item in gateway.mappings if item.uuid == rule), None)
        if current is None:
            fail(UUID_NOT_FOUND, f"{rule} is not assigned to {sn}")
        current.ip = self._lan_host(gateway, ip)
        return {"code": OK, "msg": "success"}

    def _unassign(self, body: dict[str, Any]) -> dict[str, Any]:
        sn = param(body, "sn", str)
        uuids = str_list(body.get("rules"), "rules")
        gateway = self.devices.get(sn)
        if gateway is None:
            fail(BAD_SERIAL, sn)
        assigned = {item.uuid for item in gateway.mappings}
        failed = [uuid for uuid in uuids if uuid not in assigned]
        gateway.mappings = [item for item in gateway.mappings if item.uuid not in set(uuids)]
        return {"code": OK, "msg": failed}


def _protocols_overlap(first: int, second: int) -> bool:
    return first == second or 2 in (first, second)


def _ranges_overlap(first: tuple[int, int], second: tuple[int, int]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]
