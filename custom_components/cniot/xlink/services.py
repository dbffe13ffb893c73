"""Xlink actions: several datapoints of one device at once."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, SupportsResponse

from ..actions import TranslatedInvalid, async_register_actions
from ..datapoints.runtime import set_datapoints_action
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


SCHEMA, _set_datapoints = set_datapoints_action(XlinkRuntime, ATTR_DATAPOINTS, _datapoints)


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the Xlink actions."""
    async_register_actions(
        hass, {SERVICE_SET_DATAPOINTS: (SCHEMA, _set_datapoints, SupportsResponse.NONE)}
    )
