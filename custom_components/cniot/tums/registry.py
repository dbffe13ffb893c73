"""Registry upkeep: device names and firmware versions follow the cloud's."""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from ..const import DOMAIN
from ..vendor import CniotConfigEntry
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
