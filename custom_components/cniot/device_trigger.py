"""Device triggers: a device's real-time events, chosen in the automation editor.

Each trigger listens for the ``cniot_event`` bus event of its device and type.
The vendors' specs name every type; the vendor runtime says which a device offers.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .const import CONF_VENDOR, DOMAIN, EVENT_CNIOT
from .vendor import CniotConfigEntry
from .vendors import VENDORS

TRIGGER_TYPES = frozenset[str]().union(*(spec.trigger_types for spec in VENDORS.values()))
TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {vol.Required(CONF_TYPE): vol.In(sorted(TRIGGER_TYPES))}
)


def _device_entry(
    hass: HomeAssistant, device_id: str
) -> tuple[dr.DeviceEntry, CniotConfigEntry] | None:
    device = dr.async_get(hass).async_get(device_id)
    if not isinstance(device, dr.DeviceEntry):  # unknown, or a child device (2026.10 on)
        return None
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.domain != DOMAIN:
        return None
    return device, entry


def _trigger_types(hass: HomeAssistant, device_id: str) -> list[str] | None:
    """The device's trigger types now, or None while its entry is not loaded."""
    found = _device_entry(hass, device_id)
    if found is None:
        return []
    device, entry = found
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return entry.runtime_data.device_trigger_types(device)


def _valid_types(hass: HomeAssistant, device_id: str) -> Collection[str] | None:
    """The types a saved trigger of the device may have; None: cannot be told yet.

    By what the device is (its vendor, its class where known), never by runtime
    state: push turned off or a device briefly missing leaves automations valid (R12).
    """
    found = _device_entry(hass, device_id)
    if found is None:
        return []
    device, entry = found
    if entry.state is not ConfigEntryState.LOADED:
        return None
    types = entry.runtime_data.valid_trigger_types(device)
    if types is not None:
        return types
    spec = VENDORS.get(entry.data.get(CONF_VENDOR, ""))
    return spec.trigger_types if spec is not None else []


async def async_validate_trigger_config(hass: HomeAssistant, config: ConfigType) -> ConfigType:
    """A known event type, and one the device's kind can push."""
    config = TRIGGER_SCHEMA(config)
    types = _valid_types(hass, config[CONF_DEVICE_ID])
    if types is not None and config[CONF_TYPE] not in types:
        raise InvalidDeviceAutomationConfig(
            f"{config[CONF_TYPE]} is not an event of device {config[CONF_DEVICE_ID]}"
        )
    return config


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """One trigger per event type the device can push."""
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: kind,
        }
        for kind in _trigger_types(hass, device_id) or []
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the device's events of the type."""
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: EVENT_CNIOT,
            CONF_EVENT_DATA: {
                CONF_DEVICE_ID: config[CONF_DEVICE_ID],
                CONF_TYPE: config[CONF_TYPE],
            },
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
