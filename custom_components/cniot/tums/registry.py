"""Registry upkeep: device names, firmware versions and (if asked) areas follow the cloud's."""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)

from ..const import DOMAIN
from ..vendor import CniotConfigEntry
from .const import CONF_REGION_AREAS
from .coordinator import TumsData
from .events import PUSH_DETECTION_KEY, PUSH_EVENT_KEY
from .ids import device_identifier
from .tier_models import UpgradeInfo


class TumsRegistrySync:
    """Carries what changes in the cloud into the device registry."""

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry, access_key: str) -> None:
        self.hass = hass
        self.entry = entry
        self.access_key = access_key
        self._names: dict[str, str] = {}  # device names last seen in the list
        self._regions: dict[str, str] = {}  # region names last seen, by region id
        self._placed: set[str] = set()  # devices given their region's area this run

    def _device(self, registry: dr.DeviceRegistry, key: str) -> dr.DeviceEntry | None:
        return registry.async_get_device_by_identifier(
            (DOMAIN, device_identifier(self.access_key, key)), self.entry.entry_id
        )

    @callback
    def async_sync_names(self, data: TumsData) -> None:
        """Carry renames in the cloud (or by the rename action) into the device registry."""
        registry: dr.DeviceRegistry | None = None
        names = self._names
        for key in names.keys() - data.devices.keys():
            del names[key]
        for key, device in data.devices.items():
            name = device.name or key
            previous = names.get(key)
            if previous == name:
                continue
            names[key] = name
            if previous is None:
                continue  # first sight: the entities' device info names the device
            registry = registry or dr.async_get(self.hass)
            entry = self._device(registry, key)
            if entry is not None and entry.name != name:
                registry.async_update_device(entry.id, name=name)

    @callback
    def async_sync_areas(self, data: TumsData) -> None:
        """With the option on: devices in their region's area, areas renamed with regions.

        A device is placed once a run, and only when it has no area: an area the user
        chose stays. Off, nothing is touched (areas already assigned stay as they are).
        """
        if not self.entry.options.get(CONF_REGION_AREAS):
            return
        areas = ar.async_get(self.hass)
        for region_id, name in {
            d.region_id: d.region_name
            for d in data.devices.values()
            if d.region_id and d.region_name
        }.items():
            previous = self._regions.get(region_id)
            self._regions[region_id] = name
            if previous is None or previous == name:
                continue
            area = areas.async_get_area_by_name(previous)
            if area is not None and areas.async_get_area_by_name(name) is None:
                areas.async_update(area.id, name=name)
        registry = dr.async_get(self.hass)
        for key, device in data.devices.items():
            if key in self._placed or not device.region_name:
                continue
            entry = self._device(registry, key)
            if entry is None:
                continue  # not registered yet: its device info suggests the area
            self._placed.add(key)
            if entry.area_id is None:
                area = areas.async_get_or_create(device.region_name)
                registry.async_update_device(entry.id, area_id=area.id)

    @callback
    def async_sync_versions(self, firmware: Mapping[str, UpgradeInfo] | None) -> None:
        """The device list has no versions: the firmware tier keeps the registry current."""
        registry = dr.async_get(self.hass)
        for key, info in (firmware or {}).items():
            device = self._device(registry, key)
            if (
                device is not None
                and info.current_version
                and (device.sw_version != info.current_version)
            ):
                registry.async_update_device(device.id, sw_version=info.current_version)


@callback
def async_remove_push_entities(hass: HomeAssistant, entry: CniotConfigEntry) -> None:
    """With real-time events off, their entities would never change again."""
    registry = er.async_get(hass)
    suffixes = (f"_{PUSH_EVENT_KEY}", f"_{PUSH_DETECTION_KEY}")
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.unique_id.endswith(suffixes):
            registry.async_remove(entity.entity_id)
