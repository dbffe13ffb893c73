"""Diagnostics, with secrets and exact locations redacted."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
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


# Shorter values (a user name such as "admin") would mask ordinary words.
MIN_MASKED_LENGTH = 8


def _masked_values(entry: CniotConfigEntry, redact: Collection[str]) -> list[str]:
    """The entry's redacted values that are long enough to look for inside other text."""
    values = [
        value
        for source in (entry.data, entry.options)
        for key, value in source.items()
        if key in redact and isinstance(value, str) and len(value) >= MIN_MASKED_LENGTH
    ]
    return sorted(set(values), key=len, reverse=True)


def _mask(data: Any, values: Collection[str]) -> Any:
    """Replace redacted values where they are part of other text (unique IDs, identifiers).

    An account key, say, may be part of every unique ID and device identifier of its
    entry; the IDs themselves keep it, their copies in diagnostics do not.
    """
    if isinstance(data, str):
        # Text without them stays as it is (an enum member stays a member).
        for value in values:
            if value in data:
                data = str(data).replace(value, REDACTED)
        return data
    if isinstance(data, Mapping):
        return {_mask(key, values): _mask(item, values) for key, item in data.items()}
    if isinstance(data, tuple):
        return tuple(_mask(item, values) for item in data)
    if isinstance(data, list):
        return [_mask(item, values) for item in data]
    return data


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CniotConfigEntry
) -> dict[str, Any]:
    """Diagnostics for a config entry."""
    spec = VENDORS[entry.data[CONF_VENDOR]]
    redact = ALWAYS_REDACT | spec.redact
    diagnostics = {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), redact),
            "options": async_redact_data(dict(entry.options), redact),
        },
        "vendor": async_redact_data(await entry.runtime_data.async_diagnostics(), redact),
    }
    masked: dict[str, Any] = _mask(diagnostics, _masked_values(entry, redact))
    return masked


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
    diagnostics = {
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
    masked: dict[str, Any] = _mask(diagnostics, _masked_values(entry, redact))
    return masked
