"""Gizwits actions: several datapoints at once, and raw bytes."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..actions import TranslatedInvalid, async_register_actions, device_target
from ..const import ATTR_DEVICE_ID
from ..datapoints.runtime import set_datapoints_action
from .runtime import GizwitsRuntime

ATTR_ATTRS = "attrs"
ATTR_RAW = "raw"
SERVICE_SET_DATAPOINTS = "gizwits_set_datapoints"
SERVICE_SEND_RAW = "gizwits_send_raw"
MAX_RAW = 1024


def _raw_bytes(value: Any) -> list[int]:
    """A list of 0-255 ints, or a hex string such as ``0a ff 10``."""
    if isinstance(value, str):
        text = "".join(value.split()).removeprefix("0x")
        if not text or len(text) % 2 or len(text) > 2 * MAX_RAW:
            raise TranslatedInvalid("invalid_raw")
        try:
            return list(bytes.fromhex(text))
        except ValueError as err:
            raise TranslatedInvalid("invalid_raw") from err
    if (
        isinstance(value, list)
        and 0 < len(value) <= MAX_RAW
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value)
    ):
        return list(value)
    raise TranslatedInvalid("invalid_raw")


def _attrs(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise TranslatedInvalid("invalid_attrs")
    if not all(isinstance(key, str) and key for key in value):
        raise TranslatedInvalid("invalid_attrs")
    return value


_SET_SCHEMA, _set_datapoints = set_datapoints_action(GizwitsRuntime, ATTR_ATTRS, _attrs)
SCHEMAS: dict[str, vol.Schema] = {
    SERVICE_SET_DATAPOINTS: _SET_SCHEMA,
    SERVICE_SEND_RAW: vol.Schema(
        {vol.Required(ATTR_DEVICE_ID): cv.string, vol.Required(ATTR_RAW): _raw_bytes}
    ),
}


async def _send_raw(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, did = device_target(
        hass, call.data[ATTR_DEVICE_ID], GizwitsRuntime, GizwitsRuntime.device_key
    )
    await runtime.async_send_raw(did, call.data[ATTR_RAW])


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the Gizwits actions."""
    async_register_actions(
        hass,
        {
            SERVICE_SET_DATAPOINTS: (_SET_SCHEMA, _set_datapoints, SupportsResponse.NONE),
            SERVICE_SEND_RAW: (SCHEMAS[SERVICE_SEND_RAW], _send_raw, SupportsResponse.NONE),
        },
    )
