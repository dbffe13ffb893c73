"""The TUMS polling tiers: devices, firmware, solar, passenger flow and settings.

Each tier is one coordinator whose calls serve every entity that needs them.
The device tier is the source of truth for which devices exist; the others
read their device set from it and skip devices that are offline. A call that
fails for one device (offline, restricted, unsupported) leaves only that
device without data; a failure of the cloud itself fails the whole tier.

The split of TUMS calls into core and features is in tums/features.py.
"""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
import math
import time
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..client.errors import (
    CniotAuthenticationError,
    CniotError,
    CniotRateLimitedError,
    CniotVendorError,
)
from ..client.paging import gather_or_raise
from ..client.parse import as_int
from ..const import CONF_SCAN_INTERVAL, DOMAIN, LOGGER, VENDOR_TUMS
from ..errors import translation_for
from ..features import FeatureTracker
from .client import TumsClient
from .client_core import ERROR_PLAN_EXCEEDED, REAUTH_ERRORS, TRANSLATED_CODES, TumsAccessDeniedError
from .codes import ApplicationType, DeviceCategory, DeviceStatus, FlowAccuracy, UpgradeStatus
from .const import (
    CONF_APP_TYPE,
    DEFAULT_SCAN_INTERVAL,
    FIRMWARE_CHECK_INTERVAL,
    FIRMWARE_FAST_INTERVAL,
    ISSUE_API_DENIED,
    ISSUE_PLAN_EXCEEDED,
    PASSENGER_FLOW_INTERVAL,
    SETTINGS_INTERVAL,
    SLICE_MIN_DEVICES,
    SLICE_TICK,
    SOLAR_INTERVAL,
)
from .features import FEATURE_CODES, SETTING_FEATURES, TUMS_FEATURES
from .models import Device, Overview
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


@dataclass(frozen=True, slots=True)
class TumsData:
    """Every device of the application (NVR channels and sub-devices flattened in)."""

    devices: dict[str, Device]
    overview: Overview
    # Optional features without current data: entities showing them are unavailable.
    unavailable: frozenset[str] = frozenset()


def flatten(devices: Iterable[Device]) -> dict[str, Device]:
    """Devices and their children, by key; children keep their own entries."""
    result: dict[str, Device] = {}
    stack = list(devices)
    while stack:
        device = stack.pop(0)
        if device.key:
            result.setdefault(device.key, device)
        stack.extend(device.children)
    return result


def keep_unchanged[K, V](new: dict[K, V], old: Mapping[K, V] | None) -> dict[K, V]:
    """``new``, with each value that equals the old one replaced by the old object.

    Entities and the dynamic-entity scan compare what they last saw; an identical
    object compares at once, where an equal copy is compared field by field.
    """
    if not old:
        return new
    result: dict[K, V] = {}
    for key, value in new.items():
        previous = old.get(key)
        if previous is not None and (previous is value or previous == value):
            result[key] = previous
        else:
            result[key] = value
    return result


def _monotonic() -> float:
    # Looked up at call time, so a clock frozen after construction applies.
    return time.monotonic()


def _update_failed(err: CniotError) -> UpdateFailed:
    key, placeholders = translation_for(err, VENDOR_TUMS, TRANSLATED_CODES)
    return UpdateFailed(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


class TumsCoordinator[T](DataUpdateCoordinator[T]):
    """A tier: client errors become translated failures; only a bad key reauths."""

    config_entry: CniotConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: TumsClient,
        tier: str,
        interval: timedelta,
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} tums {tier} {entry.title}",
            update_interval=interval,
            always_update=False,
        )
        self.client = client
        self.tier = tier
        # Calls this tier's key may not make (-10305); a tier skips them where it can.
        self.denied_apis: frozenset[str] = frozenset()
        self.denied_now = False

    @abstractmethod
    async def _async_fetch(self) -> T:
        """One refresh of the tier's data."""

    async def _async_update_data(self) -> T:
        self.denied_now = False
        try:
            data = await self._async_fetch()
        except CniotAuthenticationError as err:
            if err.code in REAUTH_ERRORS:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="auth_failed"
                ) from err
            raise _update_failed(err) from err
        except TumsAccessDeniedError as err:
            if self.tier == "devices":
                # Without the device list nothing works: the key is disabled (1.2.2.4)
                # or belongs to an application without it, and another key is the fix.
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="auth_failed"
                ) from err
            self.note_denied()
            raise _update_failed(err) from err
        except CniotRateLimitedError as err:
            if err.code == ERROR_PLAN_EXCEEDED:
                self._set_issue(ISSUE_PLAN_EXCEEDED, True)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=err.retry_after,
            ) from err
        except CniotError as err:
            raise _update_failed(err) from err
        self._set_issue(ISSUE_PLAN_EXCEEDED, False)
        if not self.denied_now and not self.denied_apis:
            self._set_issue(ISSUE_API_DENIED, False)
        return data

    def note_denied(self) -> None:
        """-10305 in this tier: a repair issue names the tier; no reauthentication."""
        self.denied_now = True
        self._set_issue(ISSUE_API_DENIED, True)

    def _set_issue(self, issue: str, present: bool) -> None:
        # One issue per entry and tier for denials; one per entry for the plan quota.
        suffix = f"_{self.tier}" if issue == ISSUE_API_DENIED else ""
        issue_id = f"{issue}_{self.config_entry.entry_id}{suffix}"
        if not present:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=issue,
            translation_placeholders={"entry": self.config_entry.title, "tier": self.tier},
        )


class TumsDeviceCoordinator(TumsCoordinator[TumsData]):
    """One paged device list (100 per call, children included) and one overview call."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: TumsClient,
        on_refresh: Callable[[TumsData], None] | None = None,
    ) -> None:
        super().__init__(
            hass,
            entry,
            client,
            "devices",
            timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)),
        )
        self.app_type = ApplicationType(entry.data[CONF_APP_TYPE])
        self._on_refresh = on_refresh
        self.features = FeatureTracker(hass, entry, VENDOR_TUMS, TUMS_FEATURES, FEATURE_CODES)

    async def _async_fetch(self) -> TumsData:
        # Independent calls: the overview goes out beside the device pages. It is a
        # feature: failing, it leaves its counts as they were (and unavailable).
        try:
            devices, overview = await gather_or_raise(
                self.client.async_get_devices(self.app_type),
                self.features.async_call("overview", self.client.async_get_overview, absorb=True),
            )
        except CniotError:
            # The list failed: its line is the one logged, not the overview's.
            self.features.settle(core_ok=False)
            raise
        self.features.settle()
        previous = self.data
        if overview is None:
            overview = previous.overview if previous is not None else Overview(counts={})
        elif previous is not None and previous.overview == overview:
            overview = previous.overview
        data = TumsData(
            devices=keep_unchanged(flatten(devices), previous.devices if previous else None),
            overview=overview,
            unavailable=self.features.unavailable,
        )
        if self._on_refresh is not None:
            self._on_refresh(data)
        return data

    @callback
    def async_apply_status(self, key: str, online: bool) -> None:
        """A pushed online/offline message, shown at once; the next poll has the last word.

        The data is replaced without rescheduling the poll: frequent pushes must
        not keep postponing it. A device rebooting or upgrading already counts
        as online and keeps its status.
        """
        device = self.data.devices.get(key) if self.data else None
        if device is None or device.online == online:
            return
        status = DeviceStatus.ONLINE if online else DeviceStatus.OFFLINE
        devices = {**self.data.devices, key: replace(device, status_code=int(status))}
        self.data = replace(self.data, devices=devices)
        self.async_update_listeners()


class TumsTierCoordinator[T](TumsCoordinator[dict[str, T]]):
    """A tier whose data is keyed by device, drawn from the device tier's list.

    Each target device is read once per ``interval`` (a sweep). The tier wakes
    every 30 seconds and reads the devices due, least recently read first, at
    most a 30-second share of the sweep: a large fleet's calls (a settings sweep
    of 1,000 cameras is over 2,000) are spread over the sweep, not sent in one
    burst that holds the event loop and queues every other call behind it.
    Devices not read yet (new, or back online) are read at the next wake-up.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        devices: TumsDeviceCoordinator,
        tier: str,
        interval: timedelta,
    ) -> None:
        super().__init__(hass, entry, devices.client, tier, min(interval, SLICE_TICK))
        self.devices = devices
        self.sweep = interval
        # Injectable, so a benchmark can measure a steady-state wake-up at once.
        self.clock: Callable[[], float] = _monotonic
        self._read_at: dict[str, float] = {}

    @abstractmethod
    def targets(self) -> list[Device]:
        """The listed devices this tier reads now (online, of its kind)."""

    @abstractmethod
    async def _async_read(self, devices: list[Device]) -> dict[str, T]:
        """Read these devices; one missing from the result has no data."""

    async def _async_prepare(self) -> None:
        """Work before choosing targets (e.g. finding them); called every wake-up."""

    @property
    def _tick(self) -> float:
        return self.update_interval.total_seconds() if self.update_interval else 0.0

    def _due_before(self) -> float:
        """Something done at or before this clock reading is due again."""
        # Timers fire a little early or late: half a tick of slack keeps the rhythm.
        return self.clock() - self.sweep.total_seconds() + self._tick / 2

    def due(self, targets: list[Device]) -> list[Device]:
        """The targets to read in this wake-up."""
        cutoff = self._due_before()
        read_at = self._read_at
        unread = [d for d in targets if d.key not in read_at]
        waiting = sorted(
            (d for d in targets if d.key in read_at and read_at[d.key] <= cutoff),
            key=lambda d: read_at[d.key],
        )
        share = math.ceil(len(targets) * self._tick / self.sweep.total_seconds())
        share = max(SLICE_MIN_DEVICES, share)
        return unread + waiting[:share]

    async def async_read_soon(self, key: str) -> None:
        """Read this device in a refresh soon (debounced), due or not."""
        self._read_at.pop(key, None)
        await self.async_request_refresh()

    async def _async_fetch(self) -> dict[str, T]:
        await self._async_prepare()
        targets = self.targets()
        chosen = self.due(targets)
        now = self.clock()
        fresh = await self._async_read(chosen) if chosen else {}
        for device in chosen:
            self._read_at[device.key] = now
        wanted = {device.key for device in targets}
        for key in [key for key in self._read_at if key not in wanted]:
            del self._read_at[key]
        # Listed devices keep their last data (an offline one's entities are
        # unavailable anyway); devices gone from the list lose it.
        listed = self.devices.data.devices
        data = {key: value for key, value in (self.data or {}).items() if key in listed}
        for device in chosen:
            data.pop(device.key, None)
        data.update(fresh)
        return data

    async def _async_update_data(self) -> dict[str, T]:
        return keep_unchanged(await super()._async_update_data(), self.data)

    def online(self, wanted: Callable[[Device], bool]) -> list[Device]:
        """Listed devices of this tier that can answer now."""
        return [d for d in self.devices.data.devices.values() if d.online and wanted(d)]

    async def _per_device[R](
        self,
        feature: str,
        call: Callable[[], Awaitable[R]],
        on_refused: Callable[[CniotVendorError], None] | None = None,
    ) -> R | None:
        """One device's call of a feature; a refusal for that device alone yields None.

        A refusal of the feature itself (absent, forbidden, unreadable) makes it
        unavailable for every device. The client keeps the number of requests in
        flight within the API's limit.
        """
        features = self.devices.features
        if not features.due(feature):
            return None
        try:
            result = await call()
        except CniotError as err:
            if isinstance(err, TumsAccessDeniedError):
                # The key may not call this API at all (section 1.5): a repair says so.
                self.note_denied()
            if features.failed(feature, err, provisional=True):
                return None
            if not isinstance(err, CniotVendorError):
                raise
            # Offline, restricted or unsupported: this device only.
            LOGGER.debug("%s tier: device call refused (%s)", self.tier, err.code)
            if on_refused is not None:
                on_refused(err)
            return None
        features.succeeded(feature)
        return result


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
        return SolarState(power, energy_in, energy_out, loads, kept)


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
                        self.client.async_get_device_passenger_flow, d, FlowAccuracy.DAY, start, end
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


def tier_item[T](tier: TumsCoordinator[dict[str, T]] | None, key: str) -> T | None:
    """One device's data in a tier, if the tier has any yet."""
    data = tier.data if tier is not None else None
    return data.get(key) if data else None
