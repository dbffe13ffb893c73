"""Removal of devices a vendor no longer reports (the stale-devices rule)."""

from __future__ import annotations

from collections.abc import Collection

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, LOGGER


class StaleDevicePruner:
    """Removes an entry's devices after they are missing from several refreshes.

    A single miss is forgiven: a device deleted while the list was being paged
    can shift another one out of the pages we read.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, *, misses: int = 2) -> None:
        self._hass = hass
        self._entry = entry
        self._required = max(1, misses)
        self._missed: dict[str, int] = {}

    @callback
    def async_prune(self, present: Collection[str]) -> set[str]:
        """Forget devices whose identifiers are absent; return those removed."""
        registry = dr.async_get(self._hass)
        present_ids = set(present)
        removed: set[str] = set()
        for device in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if not ids or ids & present_ids:
                for ident in ids:
                    self._missed.pop(ident, None)
                continue
            key = min(ids)
            self._missed[key] = self._missed.get(key, 0) + 1
            if self._missed[key] < self._required:
                continue
            LOGGER.debug("Removing device %s, no longer reported", device.name)
            registry.async_update_device(device.id, remove_config_entry_id=self._entry.entry_id)
            self._missed.pop(key, None)
            removed |= ids
        return removed

    @staticmethod
    def is_reported(device: dr.DeviceEntry, present: Collection[str]) -> bool:
        """Whether any of the device's identifiers is currently reported."""
        return any(domain == DOMAIN and ident in present for domain, ident in device.identifiers)
