"""TUMS device operations of one application: cloud calls, batching, error translation.

After a write the tiers' data is updated at once (or a read is asked for), so the
entities show the new state without waiting for the next sweep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import replace
from datetime import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..client.errors import CniotError
from ..const import DOMAIN, LOGGER
from ..vendor import CniotConfigEntry
from .client import TumsClient
from .codes import AlarmType, TimingMode
from .const import DEFAULT_NTP_SERVER, DEFAULT_REBOOT_TIME
from .coordinator import TumsDeviceCoordinator, tier_item
from .errors import TUMS_ERRORS
from .models import Device, FailItem
from .tiers import (
    TumsFirmwareCoordinator,
    TumsSettingsCoordinator,
    TumsSolarCoordinator,
    storage_ref_device,
)


class TumsOperations:
    """What can be done to an application's devices; each call is one user action."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: TumsClient,
        coordinator: TumsDeviceCoordinator,
        *,
        firmware: TumsFirmwareCoordinator,
        solar: TumsSolarCoordinator,
        settings: TumsSettingsCoordinator,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.coordinator = coordinator
        self.firmware = firmware
        self.solar = solar
        self.settings = settings

    async def _call_translated_reauth_if_revoked[T](self, call: Awaitable[T]) -> T:
        # Only an unknown or revoked key (not a bad signature or clock) needs new credentials.
        return await TUMS_ERRORS.async_guard(self.hass, self.entry, call)

    async def _batched(
        self, call: Any, devices: Sequence[Device], *args: Any, **kwargs: Any
    ) -> list[FailItem]:
        # The client sends 100 devices a call, one call after another, stopping at a failure.
        failures: list[FailItem] = await self._call_translated_reauth_if_revoked(
            call(devices, *args, **kwargs)
        )
        return failures

    async def async_reboot(self, devices: Sequence[Device]) -> None:
        """Reboot devices (100 per call); name every device the cloud refused."""
        failures = await self._batched(self.client.async_reboot, devices)
        await self.coordinator.async_request_refresh()
        self.raise_failures(failures)

    async def async_rename(self, device: Device, name: str) -> None:
        """Rename a device in the cloud."""
        await self._call_translated_reauth_if_revoked(self.client.async_rename(device, name))
        await self.coordinator.async_request_refresh()

    async def async_upgrade(self, devices: Sequence[Device]) -> None:
        """Start firmware upgrades, then follow them every 15 seconds."""
        failures = await self._batched(self.client.async_upgrade, devices)
        self.raise_failures(failures)
        await self.firmware.async_watch()

    async def async_check_firmware(self, devices: Sequence[Device]) -> None:
        """Ask devices to look for new firmware; the firmware tier reads the answer."""
        failures = await self._batched(self.client.async_check_newest_firmware, devices)
        await self.firmware.async_watch()
        self.raise_failures(failures)

    async def async_reset_ptz(self, device: Device) -> None:
        """Send a PTZ camera back to its origin."""
        await self._call_translated_reauth_if_revoked(self.client.async_reset_ptz(device))

    async def async_manual_timing(self, device: Device) -> None:
        """Set the device's clock from the cloud's (and switch it to manual time)."""
        await self._call_translated_reauth_if_revoked(self.client.async_manual_timing(device))
        settings = tier_item(self.settings, device.key)
        if settings is not None and settings.time_sync is not None:
            self.settings.async_apply(
                device.key,
                # The device keeps its NTP server for a later switch back.
                time_sync=replace(settings.time_sync, mode=str(TimingMode.MANUAL)),
            )

    async def async_solar_load_reset(self, device: Device, load: int) -> None:
        """Restart a solar system's load."""
        if not await self._call_translated_reauth_if_revoked(
            self.client.async_solar_load_reset(device, load)
        ):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="tums_solar_reset_failed",
                translation_placeholders={"name": device.name or device.key},
            )

    async def async_set_record_loop(self, device: Device, enabled: bool) -> None:
        """Loop recording on or off."""
        storage = self._storage_device(device)
        await self._call_translated_reauth_if_revoked(
            self.client.async_set_record_loop(storage, enabled)
        )
        self.settings.async_apply(device.key, record_loop=enabled)

    async def async_set_time_sync(self, device: Device, mode: str) -> None:
        """Manual time or NTP (keeping the known server, else a public one)."""
        settings = tier_item(self.settings, device.key)
        current = settings.time_sync if settings else None
        server = (current.server if current else None) or DEFAULT_NTP_SERVER
        timing_mode = TimingMode(mode)
        await self._call_translated_reauth_if_revoked(
            self.client.async_set_time_sync(
                device, timing_mode, server if timing_mode is TimingMode.NTP else None
            )
        )
        if current is not None:
            self.settings.async_apply(
                device.key,
                time_sync=replace(current, mode=str(timing_mode), server=current.server or server),
            )

    async def async_set_timing_reboot(
        self,
        device: Device,
        *,
        enabled: bool | None = None,
        at: time | None = None,
        day: int | None = None,
    ) -> None:
        """Change part of the reboot schedule; the rest stays as it is."""
        settings = tier_item(self.settings, device.key)
        current = settings.timing_reboot if settings else None
        new_enabled = enabled if enabled is not None else bool(current and current.enabled)
        new_time = (
            at.strftime("%H:%M:%S")
            if at is not None
            else (current.time if current and current.time else DEFAULT_REBOOT_TIME)
        )
        new_day = day if day is not None else (current.day if current and current.day else 0)
        await self._call_translated_reauth_if_revoked(
            self.client.async_set_timing_reboot(
                device, new_enabled, time_of_day=new_time, day=new_day
            )
        )
        if current is not None:
            self.settings.async_apply(
                device.key,
                timing_reboot=replace(current, enabled=new_enabled, time=new_time, day=new_day),
            )

    async def async_format_storage(self, device: Device, index: int) -> None:
        """Erase one SD card or disk."""
        await self._call_translated_reauth_if_revoked(
            self.client.async_format_sd_card(self._storage_device(device), index)
        )
        await self.settings.async_read_soon(device.key)

    async def async_trigger_alarm(self, device: Device, on: bool) -> None:
        """Start or stop the alarm output by hand."""
        await self._call_translated_reauth_if_revoked(self.client.async_trigger_alarm(device, on))

    async def async_set_detection(
        self, devices: Sequence[Device], alarm_types: Sequence[AlarmType], enabled: bool
    ) -> None:
        """Turn detections on or off for many cameras."""
        self.raise_failures(
            await self._batched(self.client.async_set_detection, devices, alarm_types, enabled)
        )

    async def async_set_alarm_io(
        self, devices: Sequence[Device], *, output: bool, enabled: bool
    ) -> None:
        """Enable or disable alarm inputs or outputs."""
        call = self.client.async_set_alarm_output if output else self.client.async_set_alarm_input
        self.raise_failures(await self._batched(call, devices, enabled))

    async def async_set_solar_supply(
        self,
        device: Device,
        *,
        start: tuple[int, int],
        end: tuple[int, int],
        on: bool,
        load: str | None,
    ) -> None:
        """Set when a solar system supplies its load."""
        await self._call_translated_reauth_if_revoked(
            self.client.async_set_solar_supply_time(
                device, start=start, end=end, on=on, load_num=load
            )
        )

    async def async_stream_url(
        self, device: Device, stream_type: str, resolution: int | None
    ) -> str:
        """The SDK stream URL (1.4.5.2) for TP-LINK's players."""
        return await self._call_translated_reauth_if_revoked(
            self.client.async_request_stream_url(
                device,
                device.channel_id or 1,
                stream_type=stream_type,
                resolution=resolution,
            )
        )

    async def async_flv_url(self, device: Device) -> str:
        """A fresh live HTTP-FLV URL (2 hours, one pull at a time)."""
        return await self._call_translated_reauth_if_revoked(
            self.client.async_get_flv_url(device, device.channel_id or 1)
        )

    async def async_flv_close_reason(self, url: str) -> str | None:
        """Why the cloud closed a pull, if it can say."""
        try:
            return await self.client.async_get_flv_close_reason(url)
        except CniotError as err:
            LOGGER.debug("No close reason for a stream: %s", type(err).__name__)
            return None

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
            translation_placeholders={"devices": ", ".join(dict.fromkeys(names))},
        )

    def _storage_device(self, device: Device) -> Device:
        """Storage calls go to an IPC itself, or to an NVR through one of its channels."""
        target = storage_ref_device(device, self.coordinator.data.devices)
        if target is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="tums_no_storage",
                translation_placeholders={"name": device.name or device.key},
            )
        return target
