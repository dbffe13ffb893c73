"""The gateway backend's device endpoints (devices/list, query, set, regist, delete)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..common import fail
from .codes import (
    ALIAS_EXISTS,
    ALIAS_INVALID,
    BAD_SERIAL,
    DEVICE_OFFLINE,
    HOTSPOT_WRITABLE,
    INVALID_DATA,
    LAN_WRITABLE,
    MAX_PAGE_SIZE,
    OK,
    PARAMETER_ERROR,
    PARAMETERS_WRITABLE,
    REMARK_MAX,
    SERIAL_EXISTS,
    SET_ROUTE,
    SIM_WRITABLE,
    SN_RE,
    TOO_MANY_DEVICES,
    WIFI_WRITABLE,
    GatewayHandler,
    _Plan,
    alias_ok,
    int_param,
    param,
    parse_selection,
    str_list,
    text,
    validate_group,
)
from .core import GatewayCore
from .network import (
    lan_problem,
)
from .scenario import (
    new_gateway,
)
from .state import (
    KB_PER_GB,
    Channel,
    GatewayState,
    SimChannel,
    WifiChannel,
    channel_keys,
)


class DevicesApi(GatewayCore):
    """Device lists and queries, the settings write, registration and deletion."""

    def _handlers(self) -> dict[str, GatewayHandler]:
        return {
            **super()._handlers(),
            "/api/v1/devices/list": self._list,
            "/api/v1/devices/query": self._query,
            "/api/v1/devices/regist": self._regist,
            "/api/v1/devices/delete": self._delete,
            SET_ROUTE: self._set,
        }

    # -- devices ---------------------------------------------------------------------

    def _list(self, body: dict[str, Any]) -> dict[str, Any]:
        page = param(body, "page", int)
        if page < 1:
            fail(PARAMETER_ERROR, "page counts from 1")
        limit = int_param(body, "limit", 1, MAX_PAGE_SIZE)
        filtration = int_param(body, "filtration", 0, 3)
        condition = param(body, "condition", str)
        param(body, "sort_by", int)
        param(body, "ascend", int)
        selection = parse_selection(param(body, "args", dict), chart=False)
        now = self._tick()
        matching = [gw for gw in self.devices.values() if _matches(gw, filtration, condition)]
        start = (page - 1) * limit
        return {
            "code": OK,
            "msg": "success",
            "count": len(matching),
            "devices": [self.render(gw, selection, now) for gw in matching[start : start + limit]],
        }

    def _query(self, body: dict[str, Any]) -> dict[str, Any]:
        sns = str_list(body.get("sns"), "sns")
        selection = parse_selection(param(body, "args", dict), chart=True)
        now = self._tick()
        devices: dict[str, Any] = {}
        for sn in sns:
            gateway = self.devices.get(sn)
            devices[sn] = (
                {"state": 0}
                if gateway is None
                else {"state": 1, **self.render(gateway, selection, now)}
            )
        return {"code": OK, "msg": "success", "devices": devices}

    def _set(self, body: dict[str, Any]) -> dict[str, Any]:
        requested = param(body, "devices", dict)
        plans: list[_Plan] = []
        for sn, changes in requested.items():
            if not isinstance(changes, dict):
                fail(PARAMETER_ERROR, f"devices.{sn} must be an object")
            gateway = self.devices.get(sn)
            if gateway is None:
                fail(BAD_SERIAL, sn)
            if not gateway.online:
                fail(DEVICE_OFFLINE, sn)
            plans.append(self._plan(gateway, changes))
        final_alias = {sn: gateway.alias for sn, gateway in self.devices.items()}
        final_alias.update(
            {plan.gateway.sn: plan.base["alias"] for plan in plans if "alias" in plan.base}
        )
        for plan in plans:
            alias = plan.base.get("alias")
            if alias is not None and any(
                other == alias for sn, other in final_alias.items() if sn != plan.gateway.sn
            ):
                fail(ALIAS_EXISTS, alias)
        for plan in plans:
            self._apply(plan)
        return {"code": OK, "msg": "success"}

    def _plan(self, gateway: GatewayState, changes: dict[str, Any]) -> _Plan:
        plan = _Plan(gateway, base={}, lan=None, hotspot={}, channels=[], parameters={})
        for group, value in changes.items():
            where = f"{gateway.sn}.{group}"
            if group == "base":
                if not isinstance(value, dict):
                    fail(INVALID_DATA, f"{where} must be an object")
                if "alias" in value and not alias_ok(value["alias"]):
                    fail(ALIAS_INVALID, where)
                rest = {key: item for key, item in value.items() if key != "alias"}
                plan.base = validate_group(where, rest, {"remark": text(0, REMARK_MAX)})
                if "alias" in value:
                    plan.base["alias"] = value["alias"]
            elif group == "network":
                self._plan_network(plan, where, value)
            elif group == "channel":
                self._plan_channels(plan, where, value)
            elif group == "parameters":
                plan.parameters = validate_group(where, value, PARAMETERS_WRITABLE)
            else:
                fail(INVALID_DATA, f"{where} is not writable")
        return plan

    @staticmethod
    def _plan_network(plan: _Plan, where: str, value: Any) -> None:
        network = validate_group(
            where, value, {"lan": lambda item: item, "hotspot": lambda item: item}
        )
        if "lan" in network:
            lan_changes = validate_group(f"{where}.lan", network["lan"], LAN_WRITABLE)
            plan.lan = replace(plan.gateway.lan, **lan_changes)
            problem = lan_problem(plan.lan)
            if problem:
                fail(INVALID_DATA, f"{where}.lan: {problem}")
        if "hotspot" in network:
            plan.hotspot = validate_group(f"{where}.hotspot", network["hotspot"], HOTSPOT_WRITABLE)

    @staticmethod
    def _plan_channels(plan: _Plan, where: str, value: Any) -> None:
        if not isinstance(value, dict):
            fail(INVALID_DATA, f"{where} must be an object")
        for key, changes in value.items():
            channel = plan.gateway.channels.get(key)
            if channel is None:
                fail(INVALID_DATA, f"{where}.{key} is not an active channel")
            writable = WIFI_WRITABLE if isinstance(channel, WifiChannel) else SIM_WRITABLE
            plan.channels.append((channel, validate_group(f"{where}.{key}", changes, writable)))

    def _apply(self, plan: _Plan) -> None:
        gateway = plan.gateway
        for attr, value in plan.base.items():
            setattr(gateway, attr, value)
        if plan.lan is not None:
            gateway.lan = plan.lan
        for attr, value in plan.hotspot.items():
            setattr(gateway.hotspot, attr, value)
        for channel, changes in plan.channels:
            _apply_channel(channel, changes)
        for attr, value in plan.parameters.items():
            setattr(gateway, attr, value)

    def _regist(self, body: dict[str, Any]) -> dict[str, Any]:
        sn = param(body, "sn", str)
        alias = param(body, "alias", str)
        if not SN_RE.match(sn):
            fail(BAD_SERIAL, "4-64 letters, digits, '-' or '_'")
        if sn in self.devices:
            fail(SERIAL_EXISTS, sn)
        if not alias_ok(alias):
            fail(ALIAS_INVALID)
        if any(gateway.alias == alias for gateway in self.devices.values()):
            fail(ALIAS_EXISTS, alias)
        if len(self.devices) >= self.max_devices:
            fail(TOO_MANY_DEVICES, str(self.max_devices))
        gateway = new_gateway(sn, alias)
        now = self.clock()
        self.devices[sn] = gateway
        self._anchors[sn] = now
        self._sample(gateway, now)
        return {"code": OK, "msg": "success"}

    def _delete(self, body: dict[str, Any]) -> dict[str, Any]:
        sn = param(body, "sn", str)
        if sn not in self.devices:
            fail(BAD_SERIAL, sn)
        del self.devices[sn]
        self._anchors.pop(sn, None)
        self._charts.pop(sn, None)
        return {"code": OK, "msg": "success"}


def _matches(gateway: GatewayState, filtration: int, condition: str) -> bool:
    if filtration == 1:
        return condition.casefold() in gateway.alias.casefold()
    if filtration == 2:
        return gateway.model == condition
    if filtration == 3:
        return gateway.version == condition
    return True


def _apply_channel(channel: Channel, changes: Mapping[str, Any]) -> None:
    attrs = dict(channel_keys(channel))
    for key, value in changes.items():
        setattr(channel, attrs[key], value)
    if "enable" in changes:
        channel.state = changes["enable"]
        if not changes["enable"]:
            channel.rateup = channel.ratedown = 0
    if isinstance(channel, SimChannel) and "initFlow" in changes:
        channel.total = channel.init_flow * KB_PER_GB
        if "remainFlow" not in changes:
            channel.remain = max(0.0, channel.total - channel.used)
