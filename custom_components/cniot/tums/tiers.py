"""The TUMS tiers beyond the device list: firmware, solar, passenger flow and settings.

Each reads its device set from the device tier (coordinator.py) and skips devices
that are offline; a call that fails for one device leaves only that device without
data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
import time
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..client.errors import (
    CniotVendorError,
)
from ..client.parse import as_int
from ..const import DOMAIN
from .client_core import TumsAccessDeniedError
from .codes import DeviceCategory, PassengerFlowAccuracy, UpgradeStatus
from .const import (
    FIRMWARE_CHECK_INTERVAL,
    FIRMWARE_FAST_INTERVAL,
    PASSENGER_FLOW_INTERVAL,
    SETTINGS_INTERVAL,
    SOLAR_INTERVAL,
)
from .features import SETTING_FEATURES
from .models import Device
from .tier_models import (
    PassengerFlow,
    SdCard,
    SolarPower,
    SolarSupplyTime,
    TimeSync,
    TimingReboot,
    UpgradeInfo,
)

if TYPE_CHECKING:
    from ..vendor import CniotConfigEntry


from .coordinator import TumsCoordinator, TumsDeviceCoordinator, TumsTierCoordinator, keep_unchanged

# -- firmware ------------------------------------------------------------------------


def firmware_check_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, float]]:
    """Where an entry keeps the time of its last fleet-wide firmware check."""
    return Store(hass, 1, f"{DOMAIN}.tums_firmware_check.{entry_id}")


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: so is its stored check time."""
    await firmware_check_store(hass, entry.entry_id).async_remove()


class TumsFirmwareCoordinator(TumsCoordinator[dict[str, UpgradeInfo]]):
    """Versions and upgrade progress of every device, 100 per call.

    Every 6 hours the devices are also asked to look for new firmware first,
    so the read that follows knows the newest version. While any device is
    checking, downloading or installing, the tier polls every 15 seconds.
    """

    def __init__(
        self, hass: HomeAssistant, entry: CniotConfigEntry, devices: TumsDeviceCoordinator
    ) -> None:
        super().__init__(hass, entry, devices.client, "firmware", FIRMWARE_CHECK_INTERVAL)
        self.devices = devices
        # The fleet-wide check is a command to every online device: its time survives
        # restarts and reloads, so those do not send it again before 6 hours are up.
        self._store = firmware_check_store(hass, entry.entry_id)
        self._next_check: float | None = None  # wall clock; None until loaded

    async def _async_due_check(self, now: float) -> bool:
        if self._next_check is None:
            stored = await self._store.async_load() or {}
            checked = stored.get("checked_at")
            self._next_check = (
                float(checked) + FIRMWARE_CHECK_INTERVAL.total_seconds()
                if isinstance(checked, int | float) and checked <= now
                else 0.0
            )
        return now >= self._next_check

    def targets(self) -> list[Device]:
        """Every listed device: the list itself carries no firmware versions."""
        return list(self.devices.data.devices.values())

    async def _async_fetch(self) -> dict[str, UpgradeInfo]:
        devices = self.targets()
        if not devices:
            return {}
        now = time.time()
        if await self._async_due_check(now):
            online = [d for d in devices if d.online]
            if online:
                # Failures (restricted, busy) only mean no news for those devices.
                await self.devices.features.async_call(
                    "firmware_check", partial(self.client.async_check_newest_firmware, online)
                )
            self._next_check = now + FIRMWARE_CHECK_INTERVAL.total_seconds()
            await self._store.async_save({"checked_at": now})
        report = await self.devices.features.async_call(
            "firmware", partial(self.client.async_get_upgrade_info, devices)
        )
        if report is None:
            # Not available to this application: no versions to show.
            return {}
        # Replies name devices as addressed (an IPC with its channel 1): map back to keys.
        by_ref = {device.ref.key: device.key for device in devices}
        infos: dict[str, UpgradeInfo] = {}
        for info in report.infos:
            key = by_ref.get(info.ref.key) if info.ref is not None else info.key
            if key is not None:
                infos[key] = info
        busy = any(info.status is not None and info.status.in_progress for info in infos.values())
        self.update_interval = FIRMWARE_FAST_INTERVAL if busy else FIRMWARE_CHECK_INTERVAL
        return keep_unchanged(infos, self.data)

    async def async_watch(self) -> None:
        """Poll fast from now on: an upgrade or check was just started."""
        self.update_interval = FIRMWARE_FAST_INTERVAL
        await self.async_refresh()


def upgrade_running(info: UpgradeInfo | None) -> bool:
    """Whether an upgrade (not merely a check) is under way."""
    return info is not None and info.status in (
        UpgradeStatus.UPGRADING,
        UpgradeStatus.IMPORTING,
        UpgradeStatus.DOWNLOADING,
        UpgradeStatus.WAITING_TO_UPGRADE,
    )


# -- solar ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SolarState:
    """The live readings of a solar power system and today's energy so far."""

    power: SolarPower
    energy_in: float | None  # Wh since local midnight, completed hours only
    energy_out: float | None
    # The load numbers of a system with several loads; empty with a single load.
    loads: tuple[int, ...] = ()
    # When each load is supplied (1.4.4.20); None when the read failed.
    schedules: tuple[SolarSupplyTime, ...] | None = None
    # The local day energy_in and energy_out are of.
    day: date | None = None


def energy_today(
    series: dict[str, list[tuple[int, float]]], metric: str, start_ms: int, now_ms: int
) -> float | None:
    """Wh from hourly average watts: each completed hour contributes its average."""
    points = series.get(metric)
    if points is None:
        return None
    return round(
        sum(value for stamp, value in points if start_ms <= stamp and stamp + 3_600_000 <= now_ms),
        1,
    )


class TumsSolarCoordinator(TumsTierCoordinator[SolarState]):
    """Every 5 minutes: live power, today's hourly energy and the loads of each solar system."""

    def __init__(
        self, hass: HomeAssistant, entry: CniotConfigEntry, devices: TumsDeviceCoordinator
    ) -> None:
        super().__init__(hass, entry, devices, "solar", SOLAR_INTERVAL)
        # Per device: the local day and the highest input/output energy seen that day.
        self._energy_seen: dict[str, tuple[date, float | None, float | None]] = {}

    def today_energy(
        self, key: str, day: date, energy_in: float | None, energy_out: float | None
    ) -> tuple[float | None, float | None]:
        """Today's energy, never below what was already reported today.

        The sums come from the cloud's hourly averages, which it may revise down or
        return an hour short; a drop would read as a new meter cycle to the
        recorder (total_increasing) and count the day twice.
        """
        seen = self._energy_seen.get(key)
        if seen is not None and seen[0] == day:
            energy_in, energy_out = _highest(energy_in, seen[1]), _highest(energy_out, seen[2])
        self._energy_seen[key] = (day, energy_in, energy_out)
        return energy_in, energy_out

    def restore_energy(
        self,
        key: str,
        day: date,
        energy_in: float | None = None,
        energy_out: float | None = None,
    ) -> None:
        """Raise the day's floor to what a sensor showed before a reload or restart (R4).

        The floor otherwise starts from the cloud's raw sum in each new coordinator.
        """
        seen = self._energy_seen.get(key)
        if seen is not None and seen[0] != day:
            return  # the restored value is of another day
        floor_in, floor_out = (seen[1], seen[2]) if seen is not None else (None, None)
        self._energy_seen[key] = (
            day,
            _highest(energy_in, floor_in),
            _highest(energy_out, floor_out),
        )
        state = self.data.get(key) if self.data else None
        if state is None or state.day != day:
            return
        raised = replace(
            state,
            energy_in=_highest(state.energy_in, energy_in) if state.energy_in is not None else None,
            energy_out=(
                _highest(state.energy_out, energy_out) if state.energy_out is not None else None
            ),
        )
        if raised != state:
            # Without rescheduling, as async_apply: the sweep's timing stays.
            self.data = {**self.data, key: raised}
            self.async_update_listeners()

    def targets(self) -> list[Device]:
        """Online solar systems."""
        return self.online(lambda d: d.category is DeviceCategory.SOLAR_POWER)

    async def _async_read(self, devices: list[Device]) -> dict[str, SolarState]:
        results = await asyncio.gather(*(self._fetch_one(device) for device in devices))
        return {d.key: state for d, state in zip(devices, results, strict=True) if state}

    async def _fetch_one(self, device: Device) -> SolarState | None:
        power = await self._per_device("solar", partial(self.client.async_get_solar_power, device))
        if power is None:
            return None
        now = dt_util.now()
        start = dt_util.start_of_local_day(now)
        start_ms, now_ms = _ms(start), _ms(now)
        series = None
        if now_ms > start_ms:
            series = await self._per_device(
                "solar_energy",
                partial(self.client.async_get_solar_metrics, device, start_ms, now_ms),
            )
        schedules = await self._per_device(
            "solar_loads", partial(self.client.async_get_solar_supply_times, device)
        )
        loads = tuple(
            sorted({n for item in schedules or () if (n := as_int(item.load_num)) is not None})
        )
        kept = tuple(schedules) if schedules is not None else None
        if series is None:
            return SolarState(power, None, None, loads, kept)
        energy_in, energy_out = self.today_energy(
            device.key,
            start.date(),
            energy_today(series, "inputPowerInWatt", start_ms, now_ms),
            energy_today(series, "outputPowerInWatt", start_ms, now_ms),
        )
        return SolarState(power, energy_in, energy_out, loads, kept, start.date())


def _highest(value: float | None, seen: float | None) -> float | None:
    if value is None or seen is None:
        return value if seen is None else seen
    return max(value, seen)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# -- passenger flow ------------------------------------------------------------------


class TumsPassengerFlowCoordinator(TumsTierCoordinator[PassengerFlow]):
    """Every 15 minutes: today's counts of the IPCs that count (project apps only).

    Which IPCs count is asked per region (1.4.7.1); only those are queried.
    """

    def __init__(
        self, hass: HomeAssistant, entry: CniotConfigEntry, devices: TumsDeviceCoordinator
    ) -> None:
        super().__init__(hass, entry, devices, "flow", PASSENGER_FLOW_INTERVAL)
        self.counting: set[str] = set()
        self._found_at: float | None = None

    async def _async_prepare(self) -> None:
        # Which IPCs count changes rarely: asked once a sweep, not every wake-up.
        if self._found_at is not None and self._found_at > self._due_before():
            return
        now = self.clock()
        listed = self.devices.data.devices
        regions = sorted({d.region_id for d in listed.values() if d.region_id})
        found = await asyncio.gather(
            *(
                self._per_device("flow", partial(self.client.async_get_passenger_flow_devices, r))
                for r in regions
            )
        )
        self.counting = {d.key for devices in found if devices for d in devices}
        self._found_at = now

    def targets(self) -> list[Device]:
        """Online IPCs that count people."""
        return self.online(lambda d: d.key in self.counting)

    async def _async_read(self, devices: list[Device]) -> dict[str, PassengerFlow]:
        now = dt_util.now()
        start = int(dt_util.start_of_local_day(now).timestamp())
        end = int(now.timestamp())
        if end <= start:
            return {}
        counts = await asyncio.gather(
            *(
                self._per_device(
                    "flow",
                    partial(
                        self.client.async_get_device_passenger_flow,
                        d,
                        PassengerFlowAccuracy.DAY,
                        start,
                        end,
                    ),
                )
                for d in devices
            )
        )
        return {d.key: count for d, count in zip(devices, counts, strict=True) if count}


# -- storage and configuration -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """One camera's or NVR's storage and configuration; None where unknown."""

    sd_cards: tuple[SdCard, ...] | None = None
    record_loop: bool | None = None
    time_sync: TimeSync | None = None
    timing_reboot: TimingReboot | None = None
    ptz_reset: bool | None = None


def storage_ref_device(device: Device, devices: dict[str, Device]) -> Device | None:
    """The device to address for storage: an IPC itself, an NVR through a channel."""
    if device.category is DeviceCategory.IPC and not device.is_child:
        return device
    if device.category is DeviceCategory.NVR:
        channels = [
            child
            for child in devices.values()
            if child.is_child
            and child.channel_id is not None
            and device.key in (child.parent_qr_code, child.parent_mac)
        ]
        return min(channels, key=lambda c: c.channel_id or 0) if channels else None
    return None


def has_settings(device: Device) -> bool:
    """IPCs, NVRs and NVR channels have configuration of their own."""
    return device.category in (DeviceCategory.IPC, DeviceCategory.NVR) or (
        device.is_child and device.channel_id is not None
    )


class TumsSettingsCoordinator(TumsTierCoordinator[DeviceSettings]):
    """Every 30 minutes: storage, loop recording, time sync, reboot schedule, PTZ.

    IPCs answer all five; an NVR its disks (through a channel), loop recording,
    time sync and schedule; an NVR channel its schedule and PTZ. A setting a
    device refuses as unsupported is not asked again until the entry reloads.
    """

    def __init__(
        self, hass: HomeAssistant, entry: CniotConfigEntry, devices: TumsDeviceCoordinator
    ) -> None:
        super().__init__(hass, entry, devices, "settings", SETTINGS_INTERVAL)
        self._unsupported: set[tuple[str, str]] = set()

    def targets(self) -> list[Device]:
        """Online cameras, NVRs and NVR channels."""
        return self.online(has_settings)

    async def _async_read(self, devices: list[Device]) -> dict[str, DeviceSettings]:
        listed = self.devices.data.devices
        results = await asyncio.gather(*(self._fetch_one(d, listed) for d in devices))
        return {d.key: settings for d, settings in zip(devices, results, strict=True)}

    async def _setting[R](
        self, device: Device, name: str, call: Callable[[], Awaitable[R]]
    ) -> R | None:
        if (device.key, name) in self._unsupported or name in self.denied_apis:
            return None

        def refused(err: CniotVendorError) -> None:
            if isinstance(err, TumsAccessDeniedError):
                # Not licensed for this key: no device is asked again until a reload.
                self.denied_apis |= {name}
            elif err.code in UNSUPPORTED_CODES:
                self._unsupported.add((device.key, name))

        return await self._per_device(SETTING_FEATURES[name], call, refused)

    async def _fetch_one(self, device: Device, listed: dict[str, Device]) -> DeviceSettings:
        client = self.client
        calls: dict[str, Callable[[], Awaitable[Any]]] = {}
        is_ipc = device.category is DeviceCategory.IPC and not device.is_child
        is_channel = device.is_child and device.channel_id is not None
        storage = storage_ref_device(device, listed)
        if storage is not None:
            calls["sd_cards"] = partial(client.async_get_sd_cards, storage)
            calls["record_loop"] = partial(client.async_get_record_loop, storage)
        if not is_channel:
            calls["time_sync"] = partial(client.async_get_time_sync, device)
        calls["timing_reboot"] = partial(client.async_get_timing_reboot, device)
        if is_ipc or is_channel:
            calls["ptz_reset"] = partial(client.async_get_ptz_reset_support, device)
        names = list(calls)
        values = await asyncio.gather(*(self._setting(device, name, calls[name]) for name in names))
        found = dict(zip(names, values, strict=True))
        if (cards := found.get("sd_cards")) is not None:
            found["sd_cards"] = tuple(cards)
        return DeviceSettings(**found)

    def async_apply(self, key: str, **changes: Any) -> None:
        """Record a setting just written, without asking the device again."""
        if self.data is None or key not in self.data:
            return
        # Without rescheduling: a write must not postpone the tier's sweep (review D2).
        self.data = {**self.data, key: replace(self.data[key], **changes)}
        self.async_update_listeners()


# Codes meaning "this device cannot do that": no storage, not supported, no channel.
UNSUPPORTED_CODES = frozenset({-80391, -80420, -81100})
