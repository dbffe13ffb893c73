"""Config entry migrations: registry IDs rewritten when their scheme changes.

1.2 scopes entity unique IDs and device identifiers to the entry for the first
vendors, 1.3 for the next. A vendor says how through ``VendorSpec.scoped_ids``
(a rewrite that leaves scoped IDs alone, so it may run at any step); the rewrite
here is the same for all.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .compat import entry_ids
from .const import CONF_VENDOR, DOMAIN, LOGGER
from .vendor import ScopedIds
from .vendors import VENDORS

CURRENT_VERSION = 1
CURRENT_MINOR_VERSION = 3


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry and its registry entries to the current version."""
    if entry.version > CURRENT_VERSION:
        return False  # a downgrade: this code cannot read the newer entry
    if entry.minor_version < CURRENT_MINOR_VERSION:
        spec = VENDORS.get(entry.data.get(CONF_VENDOR, ""))
        if spec is not None and spec.scoped_ids is not None:
            async_scope_registry_ids(hass, entry, spec.scoped_ids(entry))
        data = dict(entry.data)
        if entry.minor_version < 2 and spec is not None and spec.upgrade_data is not None:
            data = spec.upgrade_data(entry.data)
        hass.config_entries.async_update_entry(
            entry, data=data, minor_version=CURRENT_MINOR_VERSION
        )
        LOGGER.debug("Migrated %s to version 1.%d", entry.title, CURRENT_MINOR_VERSION)
    return True


@callback
def async_scope_registry_ids(hass: HomeAssistant, entry: ConfigEntry, ids: ScopedIds) -> None:
    """Rewrite the entry's entity unique IDs and device identifiers in place.

    Entity IDs, names, areas and customisations stay. Before Home Assistant 2026.8 a
    device seen by two entries was one registry device owned by both; this entry
    lets go of it (its entities are kept, unlinked) and gets its own at setup.
    """
    entities = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
        new = ids.unique_id(entity.unique_id)
        if new is not None and new != entity.unique_id:
            entities.async_update_entity(entity.entity_id, new_unique_id=new)
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        new_ids = {
            (domain, (ids.identifier(ident) or ident) if domain == DOMAIN else ident)
            for domain, ident in device.identifiers
        }
        if new_ids == device.identifiers:
            continue
        if entry_ids(device) != {entry.entry_id}:
            for entity in er.async_entries_for_device(
                entities, device.id, include_disabled_entities=True
            ):
                if entity.config_entry_id == entry.entry_id:
                    entities.async_update_entity(entity.entity_id, device_id=None)
            devices.async_update_device(device.id, remove_config_entry_id=entry.entry_id)
            continue
        devices.async_update_device(device.id, new_identifiers=new_ids)
