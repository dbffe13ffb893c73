"""Diagnostics, with secrets and exact locations redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import CONF_PASSWORD, CONF_USERNAME, CONF_VENDOR
from .vendor import CniotConfigEntry
from .vendors import VENDORS

# Redacted for every vendor; each vendor adds its own keys.
ALWAYS_REDACT = frozenset(
    {
        CONF_PASSWORD,
        CONF_USERNAME,
        "secret",
        "token",
        "latitude",
        "longitude",
        "lat",
        "lon",
    }
)


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CniotConfigEntry
) -> dict[str, Any]:
    """Diagnostics for a config entry."""
    spec = VENDORS[entry.data[CONF_VENDOR]]
    redact = ALWAYS_REDACT | spec.redact
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), redact),
            "options": async_redact_data(dict(entry.options), redact),
        },
        "vendor": async_redact_data(await entry.runtime_data.async_diagnostics(), redact),
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: CniotConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """One device: its registry record and its entities with their states.

    At fleet scale the entry's diagnostics are large; this is the part a report
    about one device needs.
    """
    spec = VENDORS[entry.data[CONF_VENDOR]]
    redact = ALWAYS_REDACT | spec.redact
    entities = []
    for item in er.async_entries_for_device(
        er.async_get(hass), device.id, include_disabled_entities=True
    ):
        state = hass.states.get(item.entity_id)
        entities.append(
            {
                "entity_id": item.entity_id,
                "unique_id": item.unique_id,
                "original_name": item.original_name,
                "translation_key": item.translation_key,
                "disabled_by": item.disabled_by,
                "entity_category": item.entity_category,
                "state": None
                if state is None
                else {
                    "state": state.state,
                    "attributes": async_redact_data(dict(state.attributes), redact),
                    "last_changed": state.last_changed.isoformat(),
                },
            }
        )
    return {
        "entry": {"title": entry.title, "vendor": entry.data[CONF_VENDOR]},
        "device": {
            "name": device.name,
            "name_by_user": device.name_by_user,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "model_id": device.model_id,
            "sw_version": device.sw_version,
            "hw_version": device.hw_version,
            "identifiers": sorted(list(identifier) for identifier in device.identifiers),
            "disabled_by": device.disabled_by,
        },
        "entities": sorted(entities, key=lambda entity: str(entity["unique_id"])),
    }
