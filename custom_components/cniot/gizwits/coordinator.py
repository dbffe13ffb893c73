"""Polling of one Gizwits product, within the enterprise's shared quota."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
import time
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..client.errors import (
    CniotAuthenticationError,
    CniotDeviceOfflineError,
    CniotError,
    CniotRateLimitedError,
    CniotVendorError,
)
from ..client.http import is_transient
from ..const import CONF_SCAN_INTERVAL, DOMAIN, LOGGER, VENDOR_GIZWITS
from ..errors import translation_for
from .client import DEFAULT_PAGE_SIZE as PAGE_SIZE, SUMMARY_CALLS, GizwitsClient
from .const import (
    DATA_CONCURRENCY,
    DEFAULT_SCAN_INTERVAL,
    ERROR_WHITELIST,
    ISSUE_WHITELIST,
    MIN_GRACE,
    REPORT_INTERVAL,
    TRANSLATED_CODES,
)
from .models import DeviceState, GizwitsDevice, ProductSchema, ProductSummary, RateLimit
from .quota import QuotaBudget

if TYPE_CHECKING:
    from ..vendor import CniotConfigEntry


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


class GizwitsCoordinator(DataUpdateCoordinator[GizwitsData]):
    """Device list, then the latest values of each online device, every cycle."""

    config_entry: CniotConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: GizwitsClient,
        budget: QuotaBudget,
        on_refresh: Callable[[GizwitsData], None] | None = None,
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
        self._consumer = budget.register(entry.entry_id)
        self._on_refresh = on_refresh
        self._fetched_at: dict[str, float] = {}
        self._summary_at: float | None = None
        self._schema: ProductSchema | None = None
        self._pause_logged = False
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

    async def _async_update_data(self) -> GizwitsData:
        now = time.time()
        try:
            if self._schema is None:
                self._schema = await self.client.async_get_schema()
            if self.budget.paused(now):
                return self._hold(self._schema, now)
            data = await self._poll(self._schema, now)
        except CniotRateLimitedError as err:
            until = now + (err.retry_after if err.retry_after is not None else 3600)
            self._start_pause(until)
            if self._schema is None:
                raise UpdateFailed(
                    translation_domain=DOMAIN, translation_key="rate_limited"
                ) from err
            return self._hold(self._schema, now)
        except CniotAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except CniotError as err:
            if isinstance(err, CniotVendorError) and err.code == ERROR_WHITELIST:
                self._raise_whitelist_issue()
            key, placeholders = translation_for(err, VENDOR_GIZWITS, TRANSLATED_CODES)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders=placeholders,
            ) from err
        ir.async_delete_issue(self.hass, DOMAIN, f"{ISSUE_WHITELIST}_{self.config_entry.entry_id}")
        if self._pause_logged:
            LOGGER.info("Gizwits quota for %s restored; polling resumes", self.config_entry.title)
            self._pause_logged = False
        if self._on_refresh is not None:
            self._on_refresh(data)
        return data

    async def _poll(self, schema: ProductSchema, now: float) -> GizwitsData:
        listed = await self.client.async_get_devices()
        devices = {device.did: device for device in listed if not device.disabled}
        online = [did for did, device in devices.items() if device.online]
        pages = max(1, -(-len(listed) // PAGE_SIZE))
        want_summary = self._summary_at is None or now - self._summary_at >= REPORT_INTERVAL
        if not self.budget.can_afford(len(online) + (SUMMARY_CALLS if want_summary else 0)):
            # Spending the rest of the window would end in 5013: wait for the reset.
            self._start_pause(self.budget.reset_at or now + 3600)
            return self._hold(schema, now, devices)

        previous = self.data.states if self.data else {}
        states = {did: state for did, state in previous.items() if did in devices}
        semaphore = asyncio.Semaphore(DATA_CONCURRENCY)
        flaky: list[CniotError] = []

        async def fetch(did: str) -> None:
            async with semaphore:
                try:
                    state = await self.client.async_get_latest(did)
                except CniotDeviceOfflineError:
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

        try:
            # A task group, unlike gather, cancels the other reads once one fails, so
            # none is left running (and writing into this cycle's states) afterwards.
            async with asyncio.TaskGroup() as group:
                for did in online:
                    group.create_task(fetch(did))
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None
        if online and len(flaky) == len(online):
            # Every read failed: the service is down, not a device.
            raise flaky[0]
        summary = self.data.summary if self.data else None
        if want_summary:
            summary = await self.client.async_get_summary()
            self._summary_at = now

        self._consumer.per_cycle = pages + len(online)
        self._consumer.per_hour_fixed = SUMMARY_CALLS * 3600 / REPORT_INTERVAL
        interval = self.budget.effective_interval(self.configured_interval, time.time())
        self._poll_interval = interval
        self.update_interval = timedelta(seconds=interval)
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

    def _raise_whitelist_issue(self) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_WHITELIST}_{self.config_entry.entry_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_WHITELIST,
            translation_placeholders={"name": self.config_entry.title},
        )

    def apply_state(self, did: str, state: DeviceState, fetched: bool) -> None:
        """Publish new values for one device (optimistic, or freshly read and raw)."""
        if fetched:
            self._fetched_at[did] = time.time()
            state = replace(state, attrs=self.data.schema.decode(state.attrs))
        states = {**self.data.states, did: state}
        self.async_set_updated_data(
            replace(self.data, states=states, stale=self.data.stale - {did})
        )
