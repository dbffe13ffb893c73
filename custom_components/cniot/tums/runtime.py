"""The TUMS vendor's runtime for one application (config entry)."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Iterator
from dataclasses import asdict
from functools import partial
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import CONF_URL, DOMAIN, VENDOR_TUMS
from ..devices import DynamicDevicesRuntime, EntityCandidate
from ..errors import async_translated
from ..vendor import CniotConfigEntry
from .client import REAUTH_ERRORS, TumsClient
from .const import (
    CONF_ACCESS_KEY,
    CONF_SECRET_KEY,
    CONF_TERMINAL_ID,
    ISSUE_RESTRICTED,
    MANUFACTURER,
)
from .coordinator import TumsData, TumsDeviceCoordinator
from .entity import (
    DEVICE_BINARY_SENSORS,
    DEVICE_BUTTONS,
    DEVICE_SENSORS,
    OverviewSensor,
    TumsBinarySensor,
    TumsButton,
    TumsSensor,
    account_identifier,
    device_identifier,
)
from .models import Device, FailItem, OpenStatus

BATCH = 100


class TumsRuntime(DynamicDevicesRuntime):
    """One TUMS application (an AK/SK)."""

    platforms = (Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR)

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        self.access_key: str = entry.data[CONF_ACCESS_KEY]
        self.client = TumsClient(
            async_get_clientsession(hass),
            entry.data[CONF_URL],
            access_key=self.access_key,
            secret_key=entry.data[CONF_SECRET_KEY],
            terminal_id=entry.data[CONF_TERMINAL_ID],
        )
        self.coordinator = TumsDeviceCoordinator(hass, entry, self.client, self._async_refreshed)
        self._restricted: set[str] = set()

    async def async_setup(self) -> None:
        """The first device list; failures make the entry retry."""
        await self.coordinator.async_config_entry_first_refresh()
        # Devices name the account as their via_device; it must exist before the binary
        # sensors and buttons (set up before the overview sensors) add their entities.
        dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.entry.entry_id,
            identifiers={(DOMAIN, account_identifier(self.access_key))},
            name=self.entry.title,
            manufacturer=MANUFACTURER,
            model="TUMS application",
            entry_type=dr.DeviceEntryType.SERVICE,
        )
        self.entry.async_on_unload(self.coordinator.async_add_listener(self.async_add_new_entities))

    async def async_unload(self) -> None:
        """Drop this entry's repair issues with it."""
        for key in self._restricted:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(key))
        self._restricted.clear()

    @callback
    def _async_refreshed(self, data: TumsData) -> None:
        self.async_prune(_identifiers(self.access_key, data))
        self._async_sync_restricted(data)

    def _issue_id(self, key: str) -> str:
        return f"{ISSUE_RESTRICTED}_{self.entry.entry_id}_{key}"

    @callback
    def _async_sync_restricted(self, data: TumsData) -> None:
        """A device without a paid or trial subscription gets a repair issue."""
        restricted = {
            key
            for key, device in data.devices.items()
            if device.open_status is OpenStatus.RESTRICTED
        }
        for key in restricted - self._restricted:
            device = data.devices[key]
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id(key),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_RESTRICTED,
                translation_placeholders={"name": device.name or key, "entry": self.entry.title},
            )
        for key in self._restricted - restricted:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(key))
        self._restricted = restricted

    def present_identifiers(self) -> set[str]:
        """The account and every listed device."""
        return _identifiers(self.access_key, self.coordinator.data)

    def entity_candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """Overview counters, and per device its status, connectivity and operations."""
        data = self.coordinator.data
        account = account_identifier(self.access_key)
        if platform is Platform.SENSOR:
            for category, count in data.overview.counts.items():
                for kind in ("total", "online", "error"):
                    if getattr(count, kind) is not None:
                        yield (
                            f"tums_{self.access_key}_overview_{category}_{kind}",
                            account,
                            partial(OverviewSensor, self, category, kind),
                        )
        for key, device in data.devices.items():
            ident = device_identifier(key)
            prefix = f"tums_{self.access_key}_{key}_"
            if platform is Platform.SENSOR:
                for sensor in DEVICE_SENSORS:
                    if sensor.exists_fn(device):
                        yield prefix + sensor.key, ident, partial(TumsSensor, self, key, sensor)
            elif platform is Platform.BINARY_SENSOR:
                for binary in DEVICE_BINARY_SENSORS:
                    yield prefix + binary.key, ident, partial(TumsBinarySensor, self, key, binary)
            elif platform is Platform.BUTTON:
                for button in DEVICE_BUTTONS:
                    if button.exists_fn(device):
                        yield prefix + button.key, ident, partial(TumsButton, self, key, button)

    def key_for_identifiers(self, identifiers: Iterable[str]) -> str | None:
        """The device key behind a registry device's identifiers."""
        for ident in identifiers:
            key = ident.removeprefix("tums:")
            if key in self.coordinator.data.devices:
                return key
        return None

    async def _guarded[T](self, call: Awaitable[T]) -> T:
        # Only an unknown or revoked key (not a bad signature or clock) needs new credentials.
        return await async_translated(
            self.hass, self.entry, call, VENDOR_TUMS, reauth=lambda err: err.code in REAUTH_ERRORS
        )

    async def async_reboot(self, devices: list[Device]) -> None:
        """Reboot devices (100 per call); name every device the cloud refused."""
        failures: list[FailItem] = []
        for start in range(0, len(devices), BATCH):
            failures += await self._guarded(
                self.client.async_reboot(devices[start : start + BATCH])
            )
        await self.coordinator.async_request_refresh()
        self.raise_failures(failures)

    async def async_rename(self, device: Device, name: str) -> None:
        """Rename a device in the cloud."""
        await self._guarded(self.client.async_rename(device, name))
        await self.coordinator.async_request_refresh()

    def raise_failures(self, failures: list[FailItem]) -> None:
        """A translated error naming each device a batch call failed for."""
        if not failures:
            return
        lookup: dict[str, Device] = {}
        for known in self.coordinator.data.devices.values():
            lookup[known.key] = known
            lookup[known.ref.key] = known
        names = []
        for item in failures:
            keys = [item.ref.key if item.ref else None, item.key, item.qr_code, item.mac]
            found = next((lookup[k] for k in keys if k and k in lookup), None)
            names.append(found.name if found and found.name else (item.key or "?"))
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="tums_batch_failed",
            translation_placeholders={"devices": ", ".join(names)},
        )

    async def async_diagnostics(self) -> dict[str, Any]:
        """The application's devices and overview as parsed."""
        data = self.coordinator.data
        return {
            "base_url": self.client.base_url,
            "request_count": self.client.request_count,
            "clock_offset": self.client.clock_offset,
            "app_type": str(self.coordinator.app_type),
            "last_update_success": self.coordinator.last_update_success,
            "overview": asdict(data.overview),
            "devices": [asdict(device) for device in data.devices.values()],
        }


def _identifiers(access_key: str, data: TumsData) -> set[str]:
    return {account_identifier(access_key)} | {device_identifier(key) for key in data.devices}
