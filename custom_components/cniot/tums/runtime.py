"""The TUMS vendor's runtime for one application (config entry).

It composes the parts, each in its module: the polling tiers (coordinator), entity
discovery, device operations, the restricted-devices repair, registry upkeep, real-time
events (webhook) and diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import CONF_URL, DOMAIN
from ..devices import DynamicDevicesRuntime, EntityCandidate
from ..features import FeatureTracker
from ..vendor import CniotConfigEntry
from .capability import CapabilityCache
from .client import TumsClient
from .codes import ApplicationType
from .const import CONF_ACCESS_KEY, CONF_APP_TYPE, CONF_SECRET_KEY, CONF_TERMINAL_ID, VENDOR_TUMS
from .coordinator import TumsCoordinator, TumsData, TumsDeviceCoordinator
from .descriptions import TIER_PASSENGER_FLOW, TIER_SETTINGS, TIER_SOLAR
from .diagnostics import tums_diagnostics
from .discovery import TumsEntityDiscovery
from .ids import account_identifier, device_identifier, entry_title, legacy_title
from .operations import TumsOperations
from .push import push_event_types
from .registry import TumsRegistrySync, async_remove_push_entities
from .repairs import RestrictedDevicesIssue
from .tiers import (
    TumsFirmwareCoordinator,
    TumsPassengerFlowCoordinator,
    TumsSettingsCoordinator,
    TumsSolarCoordinator,
)
from .webhook import TumsPush


def entry_client(hass: HomeAssistant, entry: ConfigEntry) -> TumsClient:
    """A client for the entry's application, on Home Assistant's shared session."""
    return TumsClient(
        async_get_clientsession(hass),
        entry.data[CONF_URL],
        access_key=entry.data[CONF_ACCESS_KEY],
        secret_key=entry.data[CONF_SECRET_KEY],
        terminal_id=entry.data[CONF_TERMINAL_ID],
    )


class TumsRuntime(DynamicDevicesRuntime):
    """One TUMS application (an AK/SK)."""

    vendor = VENDOR_TUMS
    platforms = (
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.CAMERA,
        Platform.EVENT,
        Platform.SELECT,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TIME,
        Platform.UPDATE,
    )

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        self.access_key: str = entry.data[CONF_ACCESS_KEY]
        self.client = entry_client(hass, entry)
        self.capabilities = CapabilityCache(self.client)
        self.coordinator = TumsDeviceCoordinator(
            hass, entry, self.client, partial(_identifiers, self.access_key)
        )
        self.firmware = TumsFirmwareCoordinator(hass, entry, self.coordinator)
        self.solar = TumsSolarCoordinator(hass, entry, self.coordinator)
        self.settings = TumsSettingsCoordinator(hass, entry, self.coordinator)
        # Passenger flow is a project-application feature (1.4.7).
        self.passenger_flow: TumsPassengerFlowCoordinator | None = (
            TumsPassengerFlowCoordinator(hass, entry, self.coordinator)
            if self.coordinator.app_type is ApplicationType.PROJECT
            else None
        )
        self.operations = TumsOperations(
            hass,
            entry,
            self.client,
            self.coordinator,
            firmware=self.firmware,
            solar=self.solar,
            settings=self.settings,
        )
        self.push = TumsPush(hass, entry, self.client, self.coordinator, self.access_key)
        self.restricted = RestrictedDevicesIssue(hass, entry)
        self._registry_sync = TumsRegistrySync(hass, entry, self.access_key)
        self._discovery = TumsEntityDiscovery(self, self.passenger_flow, self._known)

    @property
    def features(self) -> FeatureTracker:
        """The optional features of this application, and which are unavailable."""
        return self.coordinator.features

    @property
    def tiers(self) -> dict[str, TumsCoordinator[Any]]:
        """The tiers beyond the device list, by name."""
        tiers: dict[str, TumsCoordinator[Any]] = {
            "firmware": self.firmware,
            TIER_SOLAR: self.solar,
            TIER_SETTINGS: self.settings,
        }
        if self.passenger_flow is not None:
            tiers[TIER_PASSENGER_FLOW] = self.passenger_flow
        return tiers

    async def async_setup(self) -> None:
        """The first device list; failures make the entry retry.

        The other tiers start in the background: their entities appear as
        their first answers arrive, so a large fleet does not hold up startup.
        """
        if self.entry.title == legacy_title(self.access_key):
            # Not renamed by the user: the readable title new entries get.
            self.hass.config_entries.async_update_entry(
                self.entry,
                title=entry_title(self.entry.data.get(CONF_APP_TYPE, ""), self.access_key),
            )
        self.async_track_registered(self.coordinator.absence)
        await self.coordinator.async_config_entry_first_refresh()
        self._async_devices_changed()
        self.entry.async_on_unload(self.coordinator.async_add_listener(self._async_devices_changed))
        self.entry.async_on_unload(self.features.add_listener(self._async_features_changed))
        self.entry.async_on_unload(self.firmware.async_add_listener(self._async_firmware_changed))
        for name, tier in self.tiers.items():
            self.entry.async_on_unload(tier.async_add_listener(self.async_add_new_entities))
            # A background task: startup does not wait for it, unloading cancels it.
            self.entry.async_create_background_task(
                self.hass, tier.async_refresh(), f"cniot tums {name} first refresh"
            )
        if not self.push.enabled:
            async_remove_push_entities(self.hass, self.entry)
        await self.push.async_start()

    async def async_unload(self) -> None:
        """Stop real-time events; drop this entry's repair issues with it."""
        await self.push.async_stop()
        self.restricted.async_delete()
        self.features.async_unload()

    @callback
    def _async_devices_changed(self) -> None:
        """A new device list (or push status): the registry, repairs and entities follow."""
        data = self.coordinator.data
        self.async_prune(data.absent)
        self.restricted.async_sync(data)
        self._registry_sync.async_sync_names(data)
        self.async_add_new_entities()
        self._registry_sync.async_sync_areas(data)

    @callback
    def _async_features_changed(self) -> None:
        """A feature turned (un)available: its entities look again, data changed or not."""
        for coordinator in (self.coordinator, *self.tiers.values()):
            if coordinator.data is not None:
                coordinator.async_update_listeners()

    @callback
    def _async_firmware_changed(self) -> None:
        self._registry_sync.async_sync_versions(self.firmware.data)

    def present_identifiers(self) -> set[str]:
        """The account and every listed device."""
        return _identifiers(self.access_key, self.coordinator.data)

    def entity_candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """The entities the current data of all tiers supports, but for settled devices."""
        return self._discovery.candidates(platform)

    def device_trigger_types(self, device: dr.DeviceEntry) -> list[str]:
        """The device's pushed event types, while real-time events are on."""
        if not self.push.enabled:
            return []
        return self.valid_trigger_types(device) or []

    def valid_trigger_types(self, device: dr.DeviceEntry) -> list[str] | None:
        """The event types of the device's class, push on or off (R12).

        A device not in the current list (briefly missing) may have any TUMS type.
        """
        key = self.key_for_identifiers(
            ident for domain, ident in device.identifiers if domain == DOMAIN
        )
        listed = self.coordinator.data.devices.get(key) if key is not None else None
        return push_event_types(listed) if listed is not None else None

    def key_for_identifiers(self, identifiers: Iterable[str]) -> str | None:
        """The device key behind a registry device's identifiers."""
        prefix = device_identifier(self.access_key, "")
        for ident in identifiers:
            key = ident.removeprefix(prefix)
            if key in self.coordinator.data.devices:
                return key
        return None

    async def async_diagnostics(self) -> dict[str, Any]:
        """The application's devices, overview and every tier as parsed."""
        return tums_diagnostics(self.client, self.coordinator, self.features, self.push, self.tiers)


def _identifiers(access_key: str, data: TumsData) -> set[str]:
    return {account_identifier(access_key)} | {
        device_identifier(access_key, key) for key in data.devices
    }
