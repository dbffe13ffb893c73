"""Gateway actions: device registration and port mappings."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..actions import async_register_actions, device_target, loaded_runtime, validator
from ..const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID, DOMAIN
from .errors import GATEWAY_ERRORS
from .models import PortMapping, Protocol
from .runtime import GatewayRuntime
from .validation import validate_ipv4, validate_port_spec, validate_serial

ATTR_SERIAL = "serial"
ATTR_ALIAS = "alias"
ATTR_RULE = "rule"
ATTR_RULES = "rules"
ATTR_NAME = "name"
ATTR_IP = "ip"
ATTR_PORTS = "ports"
ATTR_PROTOCOL = "protocol"
ATTR_NOTE = "note"

SERVICE_REGISTER_DEVICE = "gateway_register_device"
SERVICE_DELETE_DEVICE = "gateway_delete_device"
SERVICE_LIST_PORT_MAPPINGS = "gateway_list_port_mappings"
SERVICE_ADD_PORT_MAPPING = "gateway_add_port_mapping"
SERVICE_EDIT_PORT_MAPPING = "gateway_edit_port_mapping"
SERVICE_DELETE_PORT_MAPPINGS = "gateway_delete_port_mappings"
SERVICE_ASSIGN_PORT_MAPPING = "gateway_assign_port_mapping"
SERVICE_EDIT_ASSIGNMENT = "gateway_edit_port_mapping_assignment"
SERVICE_UNASSIGN_PORT_MAPPINGS = "gateway_unassign_port_mappings"

PROTOCOLS = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "tcp_udp": Protocol.TCP_UDP}

_IP = validator("invalid_ip", validate_ipv4)
_PORTS = validator("invalid_port_spec", validate_port_spec)
_SERIAL = validator("invalid_serial", validate_serial)
_PROTOCOL = validator("invalid_protocol", lambda v: PROTOCOLS[_known(v, PROTOCOLS)])
_ALIAS = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=32))
_NAME = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=64))
_NOTE = vol.All(cv.string, vol.Length(max=128))
_UUID = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=64))
_ENTRY: dict[vol.Marker, Any] = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
_DEVICE: dict[vol.Marker, Any] = {vol.Required(ATTR_DEVICE_ID): cv.string}


def _known(value: str, choices: dict[str, Any]) -> str:
    key = value.strip().lower()
    if key not in choices:
        raise ValueError(value)
    return key


SCHEMAS: dict[str, vol.Schema] = {
    SERVICE_REGISTER_DEVICE: vol.Schema(
        {**_ENTRY, vol.Required(ATTR_SERIAL): _SERIAL, vol.Required(ATTR_ALIAS): _ALIAS}
    ),
    SERVICE_DELETE_DEVICE: vol.Schema(_DEVICE),
    SERVICE_LIST_PORT_MAPPINGS: vol.Schema(_ENTRY),
    SERVICE_ADD_PORT_MAPPING: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_NAME): _NAME,
            vol.Required(ATTR_IP): _IP,
            vol.Required(ATTR_PORTS): _PORTS,
            vol.Required(ATTR_PROTOCOL): _PROTOCOL,
            vol.Optional(ATTR_NOTE, default=""): _NOTE,
        }
    ),
    SERVICE_EDIT_PORT_MAPPING: vol.Schema(
        {
            **_ENTRY,
            vol.Required(ATTR_RULE): _UUID,
            vol.Optional(ATTR_NAME): _NAME,
            vol.Optional(ATTR_IP): _IP,
            vol.Optional(ATTR_PORTS): _PORTS,
            vol.Optional(ATTR_PROTOCOL): _PROTOCOL,
            vol.Optional(ATTR_NOTE): _NOTE,
        }
    ),
    SERVICE_DELETE_PORT_MAPPINGS: vol.Schema(
        {**_ENTRY, vol.Required(ATTR_RULES): vol.All(cv.ensure_list, [_UUID], vol.Length(min=1))}
    ),
    SERVICE_ASSIGN_PORT_MAPPING: vol.Schema(
        {**_DEVICE, vol.Required(ATTR_RULE): _UUID, vol.Required(ATTR_IP): _IP}
    ),
    SERVICE_EDIT_ASSIGNMENT: vol.Schema(
        {**_DEVICE, vol.Required(ATTR_RULE): _UUID, vol.Required(ATTR_IP): _IP}
    ),
    SERVICE_UNASSIGN_PORT_MAPPINGS: vol.Schema(
        {
            **_DEVICE,
            vol.Required(ATTR_RULES): vol.All(cv.ensure_list, [_UUID], vol.Length(min=1)),
        }
    ),
}


def _runtime_for_entry(hass: HomeAssistant, call: ServiceCall) -> GatewayRuntime:
    return loaded_runtime(hass, call.data[ATTR_CONFIG_ENTRY_ID], GatewayRuntime)


def _runtime_and_sn(hass: HomeAssistant, call: ServiceCall) -> tuple[GatewayRuntime, str]:
    return device_target(
        hass, call.data[ATTR_DEVICE_ID], GatewayRuntime, GatewayRuntime.sn_for_device
    )


async def _call_translated[T](runtime: GatewayRuntime, call: Awaitable[T]) -> T:
    """Run one client call, translating its errors."""
    return await GATEWAY_ERRORS.async_guard(runtime.hass, runtime.entry, call)


def _raise_failed(failed: list[str]) -> None:
    if failed:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="rules_not_processed",
            translation_placeholders={"rules": ", ".join(failed)},
        )


async def _register_device(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime = _runtime_for_entry(hass, call)
    await _call_translated(
        runtime, runtime.client.async_register(call.data[ATTR_SERIAL], call.data[ATTR_ALIAS])
    )
    await runtime.coordinator.async_request_refresh()


async def _delete_device(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, sn = _runtime_and_sn(hass, call)
    await _call_translated(runtime, runtime.client.async_delete(sn))
    await runtime.coordinator.async_request_refresh()


async def _list_port_mappings(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    runtime = _runtime_for_entry(hass, call)
    rules = await _call_translated(runtime, runtime.client.async_list_mappings())
    return {"rules": [rule.as_dict() for rule in rules]}


async def _add_port_mapping(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime = _runtime_for_entry(hass, call)
    await _call_translated(
        runtime,
        runtime.client.async_add_mapping(
            call.data[ATTR_NAME],
            call.data[ATTR_IP],
            call.data[ATTR_PORTS],
            call.data[ATTR_PROTOCOL],
            call.data[ATTR_NOTE],
        ),
    )


async def _find_rule(runtime: GatewayRuntime, uuid: str) -> PortMapping:
    rules = await _call_translated(runtime, runtime.client.async_list_mappings())
    for rule in rules:
        if rule.uuid == uuid:
            return rule
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="rule_not_found",
        translation_placeholders={"rule": uuid},
    )


async def _edit_port_mapping(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime = _runtime_for_entry(hass, call)
    # The backend wants the whole rule, so unchanged fields come from the list.
    rule = await _find_rule(runtime, call.data[ATTR_RULE])
    data = call.data
    updated = replace(
        rule,
        name=data.get(ATTR_NAME, rule.name),
        ip=data.get(ATTR_IP, rule.ip),
        port=data.get(ATTR_PORTS, rule.port),
        protocol=data.get(ATTR_PROTOCOL, rule.protocol),
        mark=data.get(ATTR_NOTE, rule.mark),
    )
    await _call_translated(runtime, runtime.client.async_edit_mapping(updated))
    await runtime.coordinator.async_request_refresh()


async def _delete_port_mappings(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime = _runtime_for_entry(hass, call)
    failed = await _call_translated(
        runtime, runtime.client.async_delete_mappings(call.data[ATTR_RULES])
    )
    await runtime.coordinator.async_request_refresh()
    _raise_failed(failed)


async def _assign_port_mapping(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, sn = _runtime_and_sn(hass, call)
    await _call_translated(
        runtime, runtime.client.async_assign_mapping(call.data[ATTR_RULE], sn, call.data[ATTR_IP])
    )
    await runtime.coordinator.async_request_refresh()


async def _edit_assignment(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, sn = _runtime_and_sn(hass, call)
    await _call_translated(
        runtime,
        runtime.client.async_edit_assignment(call.data[ATTR_RULE], sn, call.data[ATTR_IP]),
    )
    await runtime.coordinator.async_request_refresh()


async def _unassign_port_mappings(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, sn = _runtime_and_sn(hass, call)
    failed = await _call_translated(
        runtime, runtime.client.async_unassign_mappings(sn, call.data[ATTR_RULES])
    )
    await runtime.coordinator.async_request_refresh()
    _raise_failed(failed)


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the gateway actions."""
    none, only = SupportsResponse.NONE, SupportsResponse.ONLY
    async_register_actions(
        hass,
        {
            SERVICE_REGISTER_DEVICE: (SCHEMAS[SERVICE_REGISTER_DEVICE], _register_device, none),
            SERVICE_DELETE_DEVICE: (SCHEMAS[SERVICE_DELETE_DEVICE], _delete_device, none),
            SERVICE_LIST_PORT_MAPPINGS: (
                SCHEMAS[SERVICE_LIST_PORT_MAPPINGS],
                _list_port_mappings,
                only,
            ),
            SERVICE_ADD_PORT_MAPPING: (SCHEMAS[SERVICE_ADD_PORT_MAPPING], _add_port_mapping, none),
            SERVICE_EDIT_PORT_MAPPING: (
                SCHEMAS[SERVICE_EDIT_PORT_MAPPING],
                _edit_port_mapping,
                none,
            ),
            SERVICE_DELETE_PORT_MAPPINGS: (
                SCHEMAS[SERVICE_DELETE_PORT_MAPPINGS],
                _delete_port_mappings,
                none,
            ),
            SERVICE_ASSIGN_PORT_MAPPING: (
                SCHEMAS[SERVICE_ASSIGN_PORT_MAPPING],
                _assign_port_mapping,
                none,
            ),
            SERVICE_EDIT_ASSIGNMENT: (SCHEMAS[SERVICE_EDIT_ASSIGNMENT], _edit_assignment, none),
            SERVICE_UNASSIGN_PORT_MAPPINGS: (
                SCHEMAS[SERVICE_UNASSIGN_PORT_MAPPINGS],
                _unassign_port_mappings,
                none,
            ),
        },
        read_only={SERVICE_LIST_PORT_MAPPINGS},
    )
