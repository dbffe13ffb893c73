"""Entity snapshots that hold on every supported Home Assistant release.

A snapshot holds what the integration decides: each entity's registry facts and its
state, keyed by unique ID. It leaves out what Home Assistant derives or represents
differently between the supported releases: the entity ID (newer releases put the
area into new object IDs), registry bookkeeping (``aliases``, ``object_id_base``,
timestamps), the enum types of attribute and capability keys, and the few values
listed below.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from syrupy.assertion import SnapshotAssertion

_ENTRY_FIELDS = (
    "domain",
    "original_name",
    "translation_key",
    "original_device_class",
    "original_icon",
    "entity_category",
    "unit_of_measurement",
    "capabilities",
    "supported_features",
    "has_entity_name",
    "disabled_by",
    "hidden_by",
)


# Capabilities Home Assistant itself adds on newer releases (device trackers'
# ``tracking_type``).
_ADDED_BY_RELEASE = frozenset({"tracking_type"})
# State attributes Home Assistant builds itself, differently per release: a camera's
# proxy URL names the entity ID, an update's brand icon moved from the brands CDN to
# Home Assistant's own /api/brands, and newer device trackers add their zones and
# tracking type.
_DERIVED_ATTRIBUTES = frozenset({"entity_picture", "in_zones", "tracking_type"})


def plain(value: Any) -> Any:
    """``value`` with enums as their values and sets sorted, the same on every release."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(plain(key)): plain(item) for key, item in sorted(value.items(), key=str)}
    if isinstance(value, (set, frozenset)):
        return sorted((plain(item) for item in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


async def snapshot_platform(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry_id: str,
) -> None:
    """Snapshot every entity of one loaded platform: its registry facts and its state."""
    entity_entries = er.async_entries_for_config_entry(entity_registry, config_entry_id)
    assert entity_entries
    assert len({entity_entry.domain for entity_entry in entity_entries}) == 1, (
        "Load one platform only."
    )
    devices = dr.async_get(hass)
    for entity_entry in entity_entries:
        assert entity_entry.disabled_by is None, "Enable every entity."
        device = devices.async_get(entity_entry.device_id) if entity_entry.device_id else None
        facts = {field: plain(getattr(entity_entry, field)) for field in _ENTRY_FIELDS}
        facts["device"] = plain(device.identifiers) if device is not None else None
        if isinstance(capabilities := facts["capabilities"], dict):
            kept = {k: v for k, v in capabilities.items() if k not in _ADDED_BY_RELEASE}
            facts["capabilities"] = kept or None
        assert facts == snapshot(name=f"{entity_entry.unique_id}-entry")
        state = hass.states.get(entity_entry.entity_id)
        assert state, f"State not found for {entity_entry.entity_id}"
        attributes = {k: v for k, v in state.attributes.items() if k not in _DERIVED_ATTRIBUTES}
        shown = {"state": state.state, "attributes": plain(attributes)}
        assert shown == snapshot(name=f"{entity_entry.unique_id}-state")
