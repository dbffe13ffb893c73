"""Removal of devices a vendor no longer reports (the stale-devices rule)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .absence import MISSES_TO_REMOVE, AbsenceCounter
from .const import DOMAIN, LOGGER
from .vendor import CniotConfigEntry, VendorRuntime

# Builders name a device's parent by the parent's own info (made when it is needed); the
# registry (2026.8 on) takes the parent's registry id (``via_device_id``), known only once
# the parent is registered. ``for_registry`` turns one into the other. The maker rides in
# ``via_device``, a field every supported release's DeviceInfo accepts (2026.11's is a
# dataclass that refuses other keys); ``for_registry`` takes it out before the registry
# or Home Assistant sees the info.
_PARENT = "via_device"


def with_parent(info: DeviceInfo, parent: Callable[[], DeviceInfo]) -> DeviceInfo:
    """Name ``info``'s parent device by what makes the parent's own info."""
    cast("dict[str, Any]", info)[_PARENT] = parent
    return info


def for_registry[InfoT: DeviceInfo | dr.ChildDeviceInfo](
    registry: dr.DeviceRegistry, entry_id: str, info: InfoT
) -> InfoT:
    """``info`` with its parent linked by registry id, as the device registry takes it.

    A parent not registered yet is registered first: platforms add their entities in
    no fixed order, and a device may appear in the same refresh as its parent.
    """
    parent = cast("dict[str, Any]", info).get(_PARENT)
    if parent is None:
        return info
    linked: dict[str, Any] = {k: v for k, v in info.items() if k != _PARENT}
    parent_info: DeviceInfo = parent()
    identifier = next(iter(parent_info["identifiers"]))
    device = registry.async_get_device_by_identifier(identifier, entry_id)
    if device is None:
        device = registry.async_get_or_create(
            config_entry_id=entry_id, **for_registry(registry, entry_id, parent_info)
        )
    linked["via_device_id"] = device.id
    return cast("InfoT", linked)


class StaleDevicePruner:
    """Removes an entry's devices once they are missing from several refreshes.

    The counts come with the coordinator's data (absence.py); this runs in a
    listener. A single miss is forgiven: a device deleted while the list was
    being paged can shift another one out of the pages we read.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        self._hass = hass
        self._entry = entry
        self._handled: Mapping[str, int] | None = None

    @callback
    def async_prune(
        self, absent: Mapping[str, int], present: Callable[[], Collection[str]]
    ) -> set[str]:
        """Remove devices whose counts reached the threshold; return their identifiers."""
        if absent is self._handled:
            # Unchanged counts (the coordinator keeps the object): handled already.
            return set()
        self._handled = absent
        due = {ident for ident, misses in absent.items() if misses >= MISSES_TO_REMOVE}
        if not due:
            return set()
        reported = set(present())
        registry = dr.async_get(self._hass)
        removed: set[str] = set()
        for device in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if not ids & due or ids & reported:
                continue
            LOGGER.debug("Removing device %s, no longer reported", device.name)
            # The device is this entry's alone (the registry's rule from 2026.8 on).
            registry.async_remove_device(device.id)
            removed |= ids
        return removed

    def registered(self) -> set[str]:
        """Identifiers of the entry's devices in the registry."""
        registry = dr.async_get(self._hass)
        return {
            ident
            for device in dr.async_entries_for_config_entry(registry, self._entry.entry_id)
            for domain, ident in device.identifiers
            if domain == DOMAIN
        }

    @staticmethod
    def is_reported(device: dr.DeviceEntry, present: Collection[str]) -> bool:
        """Whether any of the device's identifiers is currently reported."""
        return any(domain == DOMAIN and ident in present for domain, ident in device.identifiers)


# (unique ID, device identifier, factory) of an entity the current data supports.
type EntityCandidate = tuple[str, str, Callable[[], Entity]]


class DynamicDevicesRuntime(VendorRuntime):
    """A vendor runtime whose devices and entities follow what the vendor reports.

    Entities are added once each, as their data appears; devices missing from
    consecutive refreshes are removed, and their entities may come back later.
    """

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        self._pruner = StaleDevicePruner(hass, entry)
        self._adders: dict[Platform, AddConfigEntryEntitiesCallback] = {}
        # unique_id -> device identifier, per platform, of entities already added.
        self._known: dict[Platform, dict[str, str]] = {}

    @abstractmethod
    def entity_candidates(self, platform: Platform) -> Iterable[EntityCandidate]:
        """Every entity of a platform the latest data supports."""

    @abstractmethod
    def present_identifiers(self) -> set[str]:
        """Device identifiers of everything the vendor currently reports."""

    def async_setup_platform(
        self, platform: Platform, async_add_entities: AddConfigEntryEntitiesCallback
    ) -> None:
        """Add the entities of one platform; later ones come with updates."""
        self._adders[platform] = async_add_entities
        self._known[platform] = {}
        self._async_add_platform(platform)

    @callback
    def async_add_new_entities(self) -> None:
        """Add entities for data that appeared since the last call."""
        for platform in self._adders:
            self._async_add_platform(platform)

    def async_track_registered(self, counter: AbsenceCounter[Any]) -> None:
        """Before the first refresh: devices already registered are counted too.

        One left over from an earlier run (removed at the vendor meanwhile) goes
        after two polls, as one that disappears later.
        """
        counter.track(self._pruner.registered())

    @callback
    def async_prune(self, absent: Mapping[str, int]) -> None:
        """From a listener: remove devices that stay missing, and forget their entities."""
        removed = self._pruner.async_prune(absent, self.present_identifiers)
        if not removed:
            return
        for known in self._known.values():
            for unique_id in [uid for uid, ident in known.items() if ident in removed]:
                del known[unique_id]

    @callback
    def _async_add_platform(self, platform: Platform) -> None:
        known = self._known[platform]
        new: list[Entity] = []
        for unique_id, identifier, factory in self.entity_candidates(platform):
            if unique_id not in known:
                known[unique_id] = identifier
                new.append(factory())
        if new:
            self._adders[platform](new)

    def async_device_removable(self, device: dr.DeviceEntry) -> bool:
        """Only devices the vendor no longer reports may be deleted by hand."""
        return not StaleDevicePruner.is_reported(device, self.present_identifiers())
