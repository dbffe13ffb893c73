"""Polling of one Gizwits product, within the enterprise's shared quota."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
import math
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..absence import AbsenceCounter
from ..client.errors import (
    CniotDeviceOfflineError,
    CniotError,
    CniotRateLimitedError,
    CniotVendorError,
)
from ..client.http import is_transient
from ..client.paging import gather_or_raise
from ..const import CONF_SCAN_INTERVAL, DOMAIN, LOGGER
from ..errors import clear_entry_issues, raise_entry_issue
from ..features import Feature, FeatureTracker, Reason
from .client import DEFAULT_PAGE_SIZE as PAGE_SIZE, DEVICE_GONE_ERRORS, SUMMARY_CALLS, GizwitsClient
from .const import (
    DEFAULT_SCAN_INTERVAL,
    ERROR_API_SERVICE,
    ERROR_WHITELIST,
    IP_LOOKUP_URL,
    ISSUE_API_SERVICE,
    ISSUE_WHITELIST,
    REPORT_INTERVAL,
    VENDOR_GIZWITS,
)
from .errors import GIZWITS_ERRORS
from .models import DeviceState, GizwitsDevice, ProductSchema, ProductSummary, RateLimit
from .quota import QuotaBudget

if TYPE_CHECKING:
    from ..vendor import CniotConfigEntry

# The split of Gizwits calls (see features.py).
# Core, without which there is nothing to show: access_token, datapoint (the schema),
# devices/search (the device list) and devices/{did}/data (each device's values).
# Features, each costing only its own entities when absent or refused: the three
# reports (domestic servers only, and plan-dependent) and control (5404: off).
FEATURE_SUMMARY: Final = "summary"
FEATURE_FAULT_REPORT: Final = "fault_report"
FEATURE_ALERT_REPORT: Final = "alert_report"
FEATURE_CONTROL: Final = "control"
GIZWITS_FEATURES: Final = (
    Feature(FEATURE_SUMMARY, ("/v1/products/{product_key}/devices/summary",)),
    Feature(FEATURE_FAULT_REPORT, ("/v1/products/{product_key}/fault/report/devices",)),
    Feature(FEATURE_ALERT_REPORT, ("/v1/products/{product_key}/alert/report/devices",)),
    # 5404's repair issue is the remote-control one (runtime.py).
    Feature(
        FEATURE_CONTROL,
        ("/v1/products/{product_key}/devices/{did}/control",),
        own_issue_codes=frozenset({5404}),
    ),
)
# Which report feeds which field of ProductSummary.
REPORT_FEATURES: Final = {
    FEATURE_FAULT_REPORT: "fault",
    FEATURE_ALERT_REPORT: "alert",
}
FEATURE_CODES: Final[Mapping[int, Reason]] = {
    5014: Reason.ABSENT,  # report has not been generated (or not on this server)
    5018: Reason.FORBIDDEN,  # product operation not allowed
    5024: Reason.FORBIDDEN,  # api deny to visit
    5404: Reason.FORBIDDEN,  # remote control not allowed
}


# Refusals that only the user can fix in the Gizwits console, each with its repair issue.
_ISSUES: Final[Mapping[int, str]] = {
    ERROR_WHITELIST: ISSUE_WHITELIST,
    ERROR_API_SERVICE: ISSUE_API_SERVICE,
}


# Values outlive a paused poll this long at least.
MIN_GRACE: Final = 600
# When the quota spaces whole cycles further apart, each cycle reads a share of the devices.
MAX_CYCLE_INTERVAL: Final = 600


@dataclass(frozen=True, slots=True)
class GizwitsData:
    """The product as last seen. Compared between refreshes to skip idle writes."""

    product_key: str
    schema: ProductSchema
    devices: dict[str, GizwitsDevice]
    states: dict[str, DeviceState]
    stale: frozenset[str] = frozenset()
    summary: ProductSummary | None = None
    interval: float = DEFAULT_SCAN_INTERVAL
    calls_used: int | None = None
    paused: bool = False
    # Device identifier -> successful lists in a row without it (absence.py).
    absent: Mapping[str, int] = field(default_factory=dict)

    def values_of(self, did: str) -> Mapping[str, Any] | None:
        """The device's decoded values by datapoint name."""
        state = self.states.get(did)
        return state.attrs if state else None

    def current(self, did: str) -> bool:
        """Online, read, and read lately: offline devices are not polled."""
        device = self.devices.get(did)
        online = device is not None and device.online is True
        return online and did in self.states and did not in self.stale

    def source_of(self, did: str) -> object:
        """The device, its reading (with its timestamp) and whether that is stale."""
        return self.devices.get(did), self.states.get(did), did in self.stale


class GizwitsCoordinator(DataUpdateCoordinator[GizwitsData]):
    """Device list, then the latest values of each online device, every cycle."""

    config_entry: CniotConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: GizwitsClient,
        budget: QuotaBudget,
        identifiers: Callable[[GizwitsData], Collection[str]],
    ) -> None:
        self.configured_interval = float(
            entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} gizwits {entry.title}",
            update_interval=timedelta(seconds=self.configured_interval),
            always_update=False,
        )
        self.client = client
        self.budget = budget
        self.features = FeatureTracker(hass, entry, VENDOR_GIZWITS, GIZWITS_FEATURES, FEATURE_CODES)
        self._consumer = budget.register(entry.entry_id)
        self.absence = AbsenceCounter(identifiers)
        self._fetched_at: dict[str, float] = {}
        self._summary_at: float | None = None
        # Read in _async_setup, which the first refresh awaits before any poll.
        self._schema: ProductSchema
        self._pause_logged = False
        self._slice_credit = 0.0  # calls carried over between slices of a cycle
        # The polling cadence; update_interval also serves as a wake-up timer in pauses.
        self._poll_interval = self.configured_interval
        client.on_rate_limit = self._observe_rate

    def _observe_rate(self, rate: RateLimit) -> None:
        self.budget.observe(rate.limit, rate.remaining, rate.reset)

    @property
    def grace(self) -> float:
        """How long values outlive the last successful read of their device."""
        return max(3 * self._poll_interval, MIN_GRACE)

    def release(self) -> None:
        """Give this entry's share of the quota back."""
        self.budget.unregister(self.config_entry.entry_id)

    async def _async_setup(self) -> None:
        """The product's datapoints, read once, before the first poll.

        While the enterprise's quota is paused (used up), setup retries send nothing.
        """
        now = time.time()
        if self.budget.paused(now):
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=max(1.0, (self.budget.paused_until or now) - now),
            )
        try:
            self._schema = await self.client.async_get_schema()
        except CniotRateLimitedError as err:
            retry = err.retry_after if err.retry_after is not None else 3600
            self._start_pause(time.time() + retry)
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="rate_limited") from err
        except CniotError as err:
            raise self._failure(err) from err

    async def _async_update_data(self) -> GizwitsData:
        now = time.time()
        # A pause's short wake-up must not outlive it: failures wait the normal cadence.
        self.update_interval = timedelta(seconds=min(self._poll_interval, self._slice_interval))
        schema = self._schema
        try:
            if self.budget.paused(now):
                return self._hold(schema, now)
            data = await self._poll(schema, now)
        except CniotRateLimitedError as err:
            until = now + (err.retry_after if err.retry_after is not None else 3600)
            self._start_pause(until)
            return self._hold(schema, now)
        except CniotError as err:
            raise self._failure(err) from err
        clear_entry_issues(self.hass, self.config_entry, *_ISSUES.values())
        if self._pause_logged:
            LOGGER.info("Gizwits quota for %s restored; polling resumes", self.config_entry.title)
            self._pause_logged = False
        complete = not self.client.malformed.count  # a missing device may be a bad entry
        return replace(data, absent=self.absence.count(self.data, data, complete=complete))

    def _failure(self, err: CniotError) -> Exception:
        if isinstance(err, CniotVendorError) and err.code in _ISSUES:
            self._raise_issue(_ISSUES[err.code])
            if self.config_entry.state is ConfigEntryState.SETUP_IN_PROGRESS:
                # Refused until the user acts in the Gizwits console (the issue says how):
                # retrying setup cannot help. Once loaded, polls go on and recover by
                # themselves when the user has acted.
                key, placeholders = GIZWITS_ERRORS.translation(err)
                return ConfigEntryError(
                    translation_domain=DOMAIN,
                    translation_key=key,
                    translation_placeholders=placeholders,
                )
        return GIZWITS_ERRORS.update_error(err)

    async def _poll(self, schema: ProductSchema, now: float) -> GizwitsData:
        listed = await self.client.async_get_devices()
        devices = {device.did: device for device in listed}
        # Devices gone from the list no longer count for staleness or the wake-up.
        self._fetched_at = {did: t for did, t in self._fetched_at.items() if did in devices}
        online = [did for did, device in devices.items() if device.online]
        pages = max(1, -(-len(listed) // PAGE_SIZE))
        want_summary = self._summary_at is None or now - self._summary_at >= REPORT_INTERVAL
        self._consumer.per_cycle = pages + len(online)
        self._consumer.per_hour_fixed = SUMMARY_CALLS * 3600 / REPORT_INTERVAL
        period = self.budget.effective_interval(self.configured_interval, now)
        reads = self._slice(online, pages, period, now)
        if not self.budget.can_afford(len(reads) + (SUMMARY_CALLS if want_summary else 0)):
            # Spending the rest of the window would end in 5013: wait for the reset.
            self._start_pause(self.budget.reset_at or now + 3600)
            return self._hold(schema, now, devices)

        previous = self.data.states if self.data else {}
        states = {did: state for did, state in previous.items() if did in devices}
        flaky: list[CniotError] = []

        # The client keeps no more requests in flight than the API allows.
        async def fetch(did: str) -> None:
            try:
                state = await self.client.async_get_latest(did)
            except CniotDeviceOfflineError:
                return
            except CniotVendorError as err:
                if err.code not in DEVICE_GONE_ERRORS:
                    raise
                # Deleted or deregistered since the listing: the next one drops it.
                return
            except CniotError as err:
                if not is_transient(err):
                    raise
                # One device's read failing (twice) must not blank the whole fleet:
                # its last values stay, and go stale after the grace period.
                LOGGER.debug("Gizwits read of %s failed: %s", did, err)
                flaky.append(err)
                return
            if state is not None:
                states[did] = replace(state, attrs=schema.decode(state.attrs))
                self._fetched_at[did] = now

        # All reads end before a failure is raised: none lands after this refresh.
        await gather_or_raise(*(fetch(did) for did in reads))
        if reads and len(flaky) == len(reads):
            # Every read failed: the service is down, not a device.
            raise flaky[0]
        summary = self.data.summary if self.data else None
        if want_summary:
            summary = await self._read_reports()
            self._summary_at = now

        interval = self.budget.effective_interval(self.configured_interval, time.time())
        self._poll_interval = interval
        self.update_interval = timedelta(seconds=min(interval, self._slice_interval))
        return GizwitsData(
            product_key=self.client.product_key,
            schema=schema,
            devices=devices,
            states=states,
            stale=self._stale(now, states),
            summary=summary,
            interval=interval,
            calls_used=self.budget.used_in_window if self.budget.remaining is not None else None,
        )

    async def _read_reports(self) -> ProductSummary:
        """The reports that are available; a failing one leaves its counts unknown."""
        features = self.features
        client = self.client
        try:
            overview, (faulty, alerting) = await self._report_calls(features, client)
        except CniotError:
            features.settle(core_ok=False)  # refused credentials or quota: the core's say
            raise
        # The core calls (list, reads) came first and worked: failures here count.
        features.settle()
        total, online = overview if overview is not None else (None, None)
        return ProductSummary(total=total, online=online, faulty=faulty, alerting=alerting)

    @staticmethod
    async def _report_calls(
        features: FeatureTracker, client: GizwitsClient
    ) -> tuple[tuple[int | None, int | None] | None, tuple[int | None, ...]]:
        return await gather_or_raise(
            features.async_call(FEATURE_SUMMARY, client.async_get_device_summary, absorb=True),
            gather_or_raise(
                *(
                    features.async_call(
                        name, partial(client.async_get_unresolved, report), absorb=True
                    )
                    for name, report in REPORT_FEATURES.items()
                )
            ),
        )

    @property
    def _slice_interval(self) -> float:
        # A longer configured interval is the user's choice: whole cycles, as configured.
        return max(float(MAX_CYCLE_INTERVAL), self.configured_interval)

    def _slice(self, online: list[str], pages: int, period: float, now: float) -> list[str]:
        """The devices to read this cycle: every online one, or the stalest share.

        Whole cycles further apart than MAX_CYCLE_INTERVAL (or the configured
        interval, if longer) would spend the quota in bursts, so that an hourly
        window holds fewer of them than the share allows, and a fleet whose single
        cycle exceeds the share would overspend it. Instead a cycle runs every
        MAX_CYCLE_INTERVAL and reads its part of the devices, stalest first: each
        device is still read about once per ``period``.
        """
        if period <= self._slice_interval:
            self._slice_credit = 0.0
            return online
        # This cycle's part of what a whole cycle spends per period, but never more than
        # its part of what the window has left; the listing is paid for first.
        demand = pages + len(online)
        calls = demand * self._slice_interval / period
        allowance = self.budget.window_allowance(now, self._slice_interval)
        if allowance is not None:
            total = sum(c.per_cycle for c in self.budget.consumers.values()) or demand
            calls = min(calls, allowance * demand / total)
        share = calls - pages
        self._slice_credit = min(float(len(online)), self._slice_credit + share)
        count = max(0, int(self._slice_credit))
        self._slice_credit -= count
        return sorted(online, key=lambda did: self._fetched_at.get(did, -math.inf))[:count]

    def _stale(self, now: float, states: Mapping[str, Any]) -> frozenset[str]:
        grace = self.grace
        return frozenset(did for did in states if now - self._fetched_at.get(did, now) > grace)

    def _hold(
        self,
        schema: ProductSchema,
        now: float,
        devices: dict[str, GizwitsDevice] | None = None,
    ) -> GizwitsData:
        """Keep the last values during a pause; they go stale after the grace period."""
        base = self.data or GizwitsData(
            product_key=self.client.product_key, schema=schema, devices={}, states={}
        )
        paused_until = self.budget.paused_until or now
        # Wake at the end of the pause, or just after values outlive their grace.
        grace = self.grace
        expiries = [t + grace + 1 for t in self._fetched_at.values() if t + grace >= now]
        wake = min([paused_until, *expiries]) - now
        self.update_interval = timedelta(seconds=max(1.0, wake))
        return replace(
            base,
            devices=devices if devices is not None else base.devices,
            stale=self._stale(now, base.states),
            paused=True,
        )

    def _start_pause(self, until: float) -> None:
        self.budget.pause(until)
        if not self._pause_logged:
            LOGGER.warning(
                "Gizwits API quota exhausted for %s; polling paused for %d s",
                self.config_entry.title,
                max(0, round(until - time.time())),
            )
            self._pause_logged = True

    def _raise_issue(self, issue: str) -> None:
        placeholders = {"lookup_url": IP_LOOKUP_URL} if issue == ISSUE_WHITELIST else {}
        raise_entry_issue(self.hass, self.config_entry, issue, placeholders=placeholders)

    def apply_state(self, did: str, state: DeviceState, fetched: bool) -> None:
        """Publish new values for one device (optimistic, or freshly read and raw)."""
        if fetched:
            self._fetched_at[did] = time.time()
            state = replace(state, attrs=self.data.schema.decode(state.attrs))
        states = {**self.data.states, did: state}
        # Not async_set_updated_data: that re-arms the product's poll timer and marks the
        # last poll successful, so frequent writes would postpone every device's poll.
        self.data = replace(self.data, states=states, stale=self.data.stale - {did})
        self.async_update_listeners()
