"""Entity snapshots that hold on every supported Home Assistant release.

A snapshot holds what the integration decides, for one device of each model (the
first by identifier) and the entities that belong to no device: each entity's ID,
registry facts and state, keyed by unique ID; and, for the whole fleet, how many
entities of each kind there are. It leaves out what Home Assistant derives or
represents differently between the supported releases: the area some releases put in
front of new object IDs, registry bookkeeping (``aliases``, ``object_id_base``,
timestamps), the enum types of attribute and capability keys, and the few values
listed below.
"""

from __future__ import annotations

from enum import Enum
import fnmatch
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er
from homeassistant.util import slugify
from syrupy.assertion import SnapshotAssertion

_ENTRY_FIELDS = (
    "original_name",
    "translation_key",
    "original_device_class",
    "original_icon",
    "entity_category",
    "unit_of_measurement",
    "capabilities",
    "supported_features",
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


def trimmed(
    value: Any, per_device: frozenset[str] = frozenset(), keep: int = 2, path: str = ""
) -> Any:
    """``value`` with long lists, and the mappings at the ``per_device`` paths, cut short.

    Diagnostics of a whole fleet repeat one shape per device; a few show the shape.
    A path is its keys joined by ``/``, ``*`` standing for any key.
    """
    if isinstance(value, dict):
        kept = {
            key: trimmed(item, per_device, keep, f"{path}/{key}") for key, item in value.items()
        }
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in per_device):
            return _cut(dict(sorted(kept.items(), key=lambda item: str(item[0]))), keep)
        return kept
    if isinstance(value, (list, tuple)):
        return _cut([trimmed(item, per_device, keep, f"{path}/[]") for item in value], keep)
    return value


def _cut(value: Any, keep: int) -> Any:
    if len(value) <= keep + 1:
        return value
    more = f"… {len(value) - keep} more"
    if isinstance(value, dict):
        return {**dict(list(value.items())[:keep]), "…": more}
    return [*value[:keep], more]


def _kind(entity_entry: er.RegistryEntry) -> str:
    return entity_entry.translation_key or entity_entry.original_name or "-"


def _samples(entity_entries: list[er.RegistryEntry]) -> set[str]:
    """One device per shape (the kinds of entity it has): the first by unique ID."""
    shapes: dict[str, set[tuple[str, Any, Any]]] = {}
    first: dict[str, str] = {}
    for entity_entry in entity_entries:
        if entity_entry.device_id is None:
            continue
        shapes.setdefault(entity_entry.device_id, set()).add(
            (
                _kind(entity_entry),
                entity_entry.original_device_class,
                entity_entry.unit_of_measurement,
            )
        )
        first[entity_entry.device_id] = min(
            first.get(entity_entry.device_id, entity_entry.unique_id), entity_entry.unique_id
        )
    chosen: dict[frozenset[tuple[str, Any, Any]], str] = {}
    for device_id in sorted(shapes, key=first.__getitem__):
        chosen.setdefault(frozenset(shapes[device_id]), device_id)
    return set(chosen.values())


def _entity_id(hass: HomeAssistant, entity_id: str, device: dr.DeviceEntry | None) -> str:
    """The entity ID without the area prefix that some releases add to new object IDs."""
    if device is None or device.area_id is None:
        return entity_id
    area = ar.async_get(hass).async_get_area(device.area_id)
    domain, object_id = entity_id.split(".", 1)
    prefix = f"{slugify(area.name)}_" if area is not None else ""
    if prefix and object_id.startswith(prefix):
        object_id = object_id[len(prefix) :]
    return f"{domain}.{object_id}"


async def snapshot_platform(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry_id: str,
) -> None:
    """Snapshot one loaded platform: a device per shape in full, and the fleet's counts.

    Each entity is one item: its ID, device, the registry facts that differ from the
    default, its state and attributes.
    """
    entity_entries = er.async_entries_for_config_entry(entity_registry, config_entry_id)
    assert entity_entries
    assert len({entity_entry.domain for entity_entry in entity_entries}) == 1, (
        "Load one platform only."
    )
    devices = dr.async_get(hass)
    samples = _samples(entity_entries)
    counts: dict[str, int] = {}
    for entity_entry in entity_entries:
        assert entity_entry.disabled_by is None, "Enable every entity."
        assert entity_entry.hidden_by is None
        assert entity_entry.has_entity_name
        state = hass.states.get(entity_entry.entity_id)
        assert state, f"State not found for {entity_entry.entity_id}"
        counts[_kind(entity_entry)] = counts.get(_kind(entity_entry), 0) + 1
        if entity_entry.device_id is not None and entity_entry.device_id not in samples:
            continue
        device = devices.async_get(entity_entry.device_id) if entity_entry.device_id else None
        facts: dict[str, Any] = {"entity_id": _entity_id(hass, entity_entry.entity_id, device)}
        if device is not None:
            facts["device"] = " ".join(sorted(":".join(ident) for ident in device.identifiers))
        for field in _ENTRY_FIELDS:
            if (value := plain(getattr(entity_entry, field))) not in (None, 0, {}):
                facts[field] = value
        if isinstance(capabilities := facts.get("capabilities"), dict):
            kept = {k: v for k, v in capabilities.items() if k not in _ADDED_BY_RELEASE}
            if kept:
                facts["capabilities"] = kept
            else:
                del facts["capabilities"]
        if entity_entry.translation_key is not None:
            # The name comes from the translations; the friendly name shows it.
            facts.pop("original_name", None)
        attributes = {k: v for k, v in state.attributes.items() if k not in _DERIVED_ATTRIBUTES}
        facts["name"] = attributes.pop("friendly_name", None)
        facts["state"] = state.state
        if attributes:
            facts["attributes"] = plain(attributes)
        assert facts == snapshot(name=entity_entry.unique_id)
    assert dict(sorted(counts.items())) == snapshot(name="fleet")
