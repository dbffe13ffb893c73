"""CN IoT Clouds: Chinese commercial IoT platforms in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .const import CONF_VENDOR, DOMAIN, LOGGER
from .datapoints.appliances import CONF_PROPOSALS
from .datapoints.runtime import DatapointRuntime
from .entity_limit import async_track_entity_limit
from .vendor import CniotConfigEntry
from .vendors import VENDORS

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

# Every platform any vendor may use; an entry forwards only its vendor's.
PLATFORMS: tuple[Platform, ...] = (
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.CLIMATE,
    Platform.DEVICE_TRACKER,
    Platform.EVENT,
    Platform.FAN,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TEXT,
    Platform.TIME,
    Platform.UPDATE,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register every vendor's actions once, whether or not entries exist."""
    for spec in VENDORS.values():
        if issubclass(spec.runtime_factory, DatapointRuntime):
            spec.runtime_factory.async_setup_actions(hass)
        if spec.setup_services is not None:
            spec.setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: CniotConfigEntry) -> bool:
    """Set up one vendor account or backend."""
    spec = VENDORS[entry.data[CONF_VENDOR]]
    runtime = spec.runtime_factory(hass, entry)
    await runtime.async_setup()
    entry.runtime_data = runtime
    await hass.config_entries.async_forward_entry_setups(entry, runtime.platforms)
    async_track_entity_limit(hass, entry)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: CniotConfigEntry) -> bool:
    """Bring an entry stored by an older release up to date (same major version only).

    1.1 → 1.2: appliance proposals (a climate made of datapoints) are for new entries;
    an existing one keeps the entities it has until the user accepts a proposal.
    """
    if entry.version > 1:
        return False  # written by a newer release: this one cannot read it
    if entry.minor_version < 2:
        spec = VENDORS.get(entry.data.get(CONF_VENDOR, ""))
        options = dict(entry.options)
        if spec is not None and issubclass(spec.runtime_factory, DatapointRuntime):
            options[CONF_PROPOSALS] = False
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
        LOGGER.debug("Migrated entry %s to 1.2", entry.entry_id)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: CniotConfigEntry) -> bool:
    """Unload a config entry."""
    runtime = entry.runtime_data
    unloaded = await hass.config_entries.async_unload_platforms(entry, runtime.platforms)
    if unloaded:
        await runtime.async_unload()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: CniotConfigEntry) -> None:
    """Drop what the vendor stored for a deleted entry outside the entry itself."""
    spec = VENDORS.get(entry.data.get(CONF_VENDOR, ""))
    if spec is not None and spec.remove_entry is not None:
        await spec.remove_entry(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: CniotConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a device only once the vendor no longer reports it.

    Home Assistant asks whatever the entry's state; unless it is loaded (the cloud is
    down, say, and setup retries) what the vendor reports is unknown, so the device stays.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return False
    return entry.runtime_data.async_device_removable(device)
