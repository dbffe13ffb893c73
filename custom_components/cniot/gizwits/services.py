"""Gizwits actions beside the shared set-datapoints one: raw bytes."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..actions import TranslatedInvalid, async_register_actions, device_target
from ..client.parse import as_bytes
from ..const import ATTR_DEVICE_ID
from .runtime import GizwitsRuntime

ATTR_RAW = "raw"
SERVICE_SEND_RAW = "gizwits_send_raw"
MAX_RAW = 1024


def _raw_bytes(value: Any) -> list[int]:
    """A list of 0-255 ints, or a hex string such as ``0a ff 10``."""
    if isinstance(value, str):
        value = "".join(value.split()).removeprefix("0x")
    data = as_bytes(value) if isinstance(value, str | list) else None
    if data is None or not 0 < len(data) <= MAX_RAW:
        raise TranslatedInvalid("invalid_raw")
    return list(data)


SCHEMAS: dict[str, vol.Schema] = {
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
        hass, {SERVICE_SEND_RAW: (SCHEMAS[SERVICE_SEND_RAW], _send_raw, SupportsResponse.NONE)}
    )
