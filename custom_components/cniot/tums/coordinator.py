"""The TUMS polling: the device list, and the base every other tier builds on.

Each tier is one coordinator whose calls serve every entity that needs them.
The device tier is the source of truth for which devices exist; the others
read their device set from it and skip devices that are offline. A call that
fails for one device (offline, restricted, unsupported) leaves only that
device without data. A read that fails on the way (a dropped connection, a
5xx) is tried once more; failing again, that device keeps its last data and is
read at the next wake-up. The tier fails only when every device of the round
failed, or the cloud refuses the key or the rate.

The tiers beyond the list (firmware, solar, passenger flow, settings) are in
tiers.py; the split of TUMS calls into core and features is in tums/features.py.
"""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import timedelta
import math
import time
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..absence import AbsenceCounter
from ..client.errors import (
    CniotError,
    CniotRateLimitedError,
    CniotVendorError,
)
from ..client.http import is_transient, retry_once
from ..client.paging import background_requests, gather_or_raise
from ..const import CONF_SCAN_INTERVAL, DOMAIN, LOGGER
from ..features import FeatureTracker
from ..split import CONF_PART
from .client import TumsClient
from .client_core import ERROR_PLAN_EXCEEDED, TumsAccessDeniedError
from .codes import ApplicationType, DeviceStatus
from .const import (
    CONF_APP_TYPE,
    CONF_REGIONS,
    DEFAULT_SCAN_INTERVAL,
    ISSUE_API_DENIED,
    ISSUE_PLAN_EXCEEDED,
    SLICE_BACKLOG,
    SLICE_MIN_DEVICES,
    SLICE_TICK,
    SLICE_WIDTH,
    VENDOR_TUMS,
)
from .errors import TUMS_ERRORS
from .features import FEATURE_CODES, TUMS_FEATURES
from .models import Device, Overview

if TYPE_CHECKING:
    from ..vendor import CniotConfigEntry


@dataclass(frozen=True, slots=True)
class TumsData:
    """Every device of the application (NVR channels and sub-devices flattened in)."""

    devices: dict[str, Device]
    overview: Overview
    # Optional features without current data: entities showing them are unavailable.
    unavailable: frozenset[str] = frozenset()
    # Device identifier -> successful lists in a row without it (absence.py).
    absent: Mapping[str, int] = field(default_factory=dict)


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


# Set while one device of a tier's round is read: its transient failures, which
# cost that device's read only.
_DEVICE_FAILURES: ContextVar[list[CniotError] | None] = ContextVar(
    "cniot_tums_device_failures", default=None
)


def _monotonic() -> float:
    # Looked up at call time, so a clock frozen after construction applies.
    return time.monotonic()


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
        except TumsAccessDeniedError as err:
            if self.tier == "devices":
                # Without the device list nothing works: the key is disabled (1.2.2.4)
                # or belongs to an application without it, and another key is the fix.
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="auth_failed"
                ) from err
            self.note_denied()
            raise TUMS_ERRORS.update_error(err) from err
        except CniotError as err:
            if isinstance(err, CniotRateLimitedError) and err.code == ERROR_PLAN_EXCEEDED:
                self._set_issue(ISSUE_PLAN_EXCEEDED, True)
            raise TUMS_ERRORS.update_error(err) from err
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
        identifiers: Callable[[TumsData], Collection[str]],
    ) -> None:
        super().__init__(
            hass,
            entry,
            client,
            "devices",
            timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)),
        )
        self.app_type = ApplicationType(entry.data[CONF_APP_TYPE])
        # A part of a split application lists its regions; the first part alone
        # shows the overview (the whole application's counts).
        regions = entry.data.get(CONF_REGIONS)
        self.regions: tuple[str, ...] | None = tuple(regions) if regions is not None else None
        self.shows_overview = entry.data.get(CONF_PART, 1) == 1
        self.absence = AbsenceCounter(identifiers)
        self.features = FeatureTracker(hass, entry, VENDOR_TUMS, TUMS_FEATURES, FEATURE_CODES)

    async def _async_fetch(self) -> TumsData:
        # Independent calls: the overview goes out beside the device pages. It is a
        # feature: failing, it leaves its counts as they were (and unavailable).
        try:
            devices, overview = await gather_or_raise(
                self.client.async_get_devices(self.app_type, self.regions),
                self._async_overview(),
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
        complete = not self.client.malformed.count  # a missing device may be a bad entry
        return replace(data, absent=self.absence.count(previous, data, complete=complete))

    async def _async_overview(self) -> Overview | None:
        if not self.shows_overview:
            return Overview(counts={})
        return await self.features.async_call(
            "overview", self.client.async_get_overview, absorb=True
        )

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

    Within a wake-up a few devices are read at a time (the client's slots' worth),
    as background requests that let the device list and user actions go first,
    for at most one tick; what is left over (a large fleet's first sweep) is read
    in the wake-ups that follow, a second apart, until the sweep has caught up.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        devices: TumsDeviceCoordinator,
        tier: str,
        interval: timedelta,
    ) -> None:
        self._slice = min(interval, SLICE_TICK)
        super().__init__(hass, entry, devices.client, tier, self._slice)
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
        return self._slice.total_seconds()

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
        with background_requests():
            await self._async_prepare()
            targets = self.targets()
            chosen = self.due(targets)
            now = self.clock()
            fresh, read, failed = await self._read_sliced(chosen) if chosen else ({}, [], 0)
        for device in read:
            self._read_at[device.key] = now
        wanted = {device.key for device in targets}
        for key in [key for key in self._read_at if key not in wanted]:
            del self._read_at[key]
        # Left over: the sweep continues a moment from now, not a tick.
        # (Devices whose read failed wait for the next tick.)
        self.update_interval = SLICE_BACKLOG if len(read) + failed < len(chosen) else self._slice
        # Listed devices keep their last data (an offline one's entities are
        # unavailable anyway); devices gone from the list lose it.
        listed = self.devices.data.devices
        data = {key: value for key, value in (self.data or {}).items() if key in listed}
        for device in read:
            data.pop(device.key, None)
        data.update(fresh)
        return data

    async def _read_sliced(self, chosen: list[Device]) -> tuple[dict[str, T], list[Device], int]:
        """Read the chosen devices a few at a time, for at most one tick.

        Returns the data, the devices read and how many failed transiently; the
        rest stay due. Fails only when every device tried failed.
        """
        deadline = self.clock() + self._tick
        pending = iter(chosen)
        fresh: dict[str, T] = {}
        read: list[Device] = []
        errors: list[CniotError] = []

        failed: list[CniotError] = []

        async def worker() -> None:
            for device in pending:
                if errors or self.clock() >= deadline:
                    return
                transient: list[CniotError] = []
                token = _DEVICE_FAILURES.set(transient)
                try:
                    result = await self._async_read([device])
                except CniotError as err:
                    errors.append(err)
                    return
                finally:
                    _DEVICE_FAILURES.reset(token)
                if transient:
                    # This device's read failed on the way: it keeps its last data
                    # and is read again next wake-up; the others are unaffected.
                    failed.append(transient[0])
                    continue
                fresh.update(result)
                read.append(device)

        width = self.client.max_concurrency or SLICE_WIDTH
        await asyncio.gather(*(worker() for _ in range(min(width, len(chosen)))))
        if errors:
            raise errors[0]
        if failed and not read:
            # Every device of the round failed: the cloud, not a device.
            raise failed[0]
        if failed:
            LOGGER.debug("%s tier: %d devices not read this time", self.tier, len(failed))
        return fresh, read, len(failed)

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
        unavailable for every device. A transient failure is tried once more;
        failing again within a round, it marks that device's read as failed. The
        client keeps the number of requests in flight within the API's limit.
        """
        features = self.devices.features
        if not features.due(feature):
            return None
        try:
            # A dropped connection or a 5xx is tried again at once, as the list is.
            result = await retry_once(call)
        except CniotError as err:
            if isinstance(err, TumsAccessDeniedError):
                # The key may not call this API at all (section 1.5): a repair says so.
                self.note_denied()
            if features.failed(feature, err, provisional=True):
                return None
            if not isinstance(err, CniotVendorError):
                bucket = _DEVICE_FAILURES.get()
                if bucket is None or not is_transient(err):
                    raise
                bucket.append(err)
                return None
            # Offline, restricted or unsupported: this device only.
            LOGGER.debug("%s tier: device call refused (%s)", self.tier, err.code)
            if on_refused is not None:
                on_refused(err)
            return None
        features.succeeded(feature)
        return result


def tier_item[T](tier: TumsCoordinator[dict[str, T]] | None, key: str) -> T | None:
    """One device's data in a tier, if the tier has any yet."""
    data = tier.data if tier is not None else None
    return data.get(key) if data else None
