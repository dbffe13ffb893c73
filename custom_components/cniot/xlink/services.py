"""Xlink actions: several datapoints of one device at once."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..actions import TranslatedInvalid, async_register_actions, device_target
from ..const import ATTR_DEVICE_ID
from .runtime import XlinkRuntime

ATTR_DATAPOINTS = "datapoints"
SERVICE_SET_DATAPOINTS = "xlink_set_datapoints"


def _datapoints(value: Any) -> dict[int, Any]:
    """``{index: value}``; indexes may come as text (``"1"``), as YAML and JSON keys do."""
    if not isinstance(value, dict) or not value:
        raise TranslatedInvalid("invalid_datapoints")
    checked: dict[int, Any] = {}
    for raw, item in value.items():
        key = int(raw.strip()) if isinstance(raw, str) and raw.strip().isdigit() else raw
        if isinstance(key, bool) or not isinstance(key, int) or key < 0:
            raise TranslatedInvalid("invalid_datapoints")
        checked[key] = item
    return checked


SCHEMA = vol.Schema(
    {vol.Required(ATTR_DEVICE_ID): cv.string, vol.Required(ATTR_DATAPOINTS): _datapoints}
)


async def _set_datapoints(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, device_id = device_target(
        hass, call.data[ATTR_DEVICE_ID], XlinkRuntime, XlinkRuntime.device_for
    )
    await runtime.async_control(device_id, call.data[ATTR_DATAPOINTS])


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the Xlink actions."""
    async_register_actions(
        hass, {SERVICE_SET_DATAPOINTS: (SCHEMA, _set_datapoints, SupportsResponse.NONE)}
    )
