"""Gizwits calls per simulated hour against the enterprise's quota.

Two products of one enterprise poll an in-process simulator on a virtual clock:
``time.time`` (read by the coordinator, the client and the simulator) and the event
loop's clock both follow it, and it jumps from one scheduled timer to the next, so
hours pass in seconds. Counts do not depend on latency, so there is none here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
import math
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.cniot.gizwits.client import DEFAULT_PAGE_SIZE, SUMMARY_CALLS
from custom_components.cniot.gizwits.const import REPORT_INTERVAL
from custom_components.cniot.gizwits.coordinator import GizwitsCoordinator
from custom_components.cniot.gizwits.quota import HOUR, QUOTA_SHARE, QuotaBudget
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.scenario import generate_gizwits_scenario

from .harness import add_fleet_entries, home_assistant, preload

START = 1_790_000_000.0


@dataclass(frozen=True, slots=True)
class QuotaRun:
    """One fleet size, simulated for some hours."""

    devices: int
    hours: int
    entities: bool = False
    quota: int = 3600


class VirtualClock:
    """Seconds since the epoch that only move when told to."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        """The current virtual time."""
        return self.now


def _next_timer(loop: asyncio.AbstractEventLoop) -> float | None:
    # The loop's own queue of timers: the next moment anything is due.
    scheduled: list[asyncio.TimerHandle] = getattr(loop, "_scheduled", [])
    return min((handle.when() for handle in scheduled if not handle.cancelled()), default=None)


async def _settle(hass: HomeAssistant) -> None:
    await asyncio.sleep(0)
    await hass.async_block_till_done(wait_background_tasks=True)


async def run_quota(run: QuotaRun, log: Callable[[str], None]) -> dict[str, Any]:
    """Calls per hour, their share of the quota, and the polling interval reached."""
    clock = VirtualClock()
    log(f"simulating {run.hours} h of {run.devices} Gizwits devices")
    sim = GizwitsSimulator(
        generate_gizwits_scenario(run.devices), quota=run.quota, clock=clock, drift=True
    )
    url = await sim.start("127.0.0.1", 0)
    # Without entities the sweep stays quick; the polling is the same.
    no_entities = (
        nullcontext()
        if run.entities
        else patch("custom_components.cniot.gizwits.runtime.GizwitsRuntime.platforms", ())
    )
    try:
        with patch("time.time", clock), no_entities:
            async with home_assistant() as hass:
                with patch.object(hass.loop, "time", clock):
                    return await _simulate(hass, sim, url, run, clock)
    finally:
        await sim.stop()


async def _simulate(
    hass: HomeAssistant, sim: GizwitsSimulator, url: str, run: QuotaRun, clock: VirtualClock
) -> dict[str, Any]:
    await preload(hass)
    entries = add_fleet_entries(hass, {"gizwits": url})
    for entry in entries:
        await hass.config_entries.async_setup(entry.entry_id)
    await _settle(hass)
    if any(entry.state is not ConfigEntryState.LOADED for entry in entries):
        raise RuntimeError("the Gizwits entries did not load")
    coordinators: list[GizwitsCoordinator] = [entry.runtime_data.coordinator for entry in entries]
    budget: QuotaBudget = coordinators[0].budget

    hours: list[int] = []
    reads: list[int] = []
    boundary = START + HOUR
    end = START + run.hours * HOUR
    counted = 0
    paused = False
    while clock.now < end:
        due = _next_timer(hass.loop)
        target = end if due is None else min(max(due, clock.now), end)
        while target >= boundary and boundary <= end:
            hour = sim.requests[counted:]
            hours.append(len(hour))
            reads.append(sum(1 for request in hour if request.path.endswith("/data")))
            counted = len(sim.requests)
            boundary += HOUR
        clock.now = max(target, clock.now + 1e-3)
        await _settle(hass)
        paused = paused or budget.paused_until is not None
    allowed = run.quota * QUOTA_SHARE
    per_cycle = sum(consumer.per_cycle for consumer in budget.consumers.values())
    fixed = sum(consumer.per_hour_fixed for consumer in budget.consumers.values())
    # The freshest interval the share permits when every cycle is spread evenly.
    freshest = math.ceil(HOUR * per_cycle / (allowed - fixed)) if allowed > fixed else None
    # How often each device is read: the whole-cycle interval, also when read in slices.
    intervals = [c.data.interval for c in coordinators]
    cadence = [c.update_interval.total_seconds() for c in coordinators if c.update_interval]
    listed = sum(len(devices) for devices in sim.devices.values())
    online = sum(1 for devices in sim.devices.values() for d in devices.values() if d.is_online)
    # After the first hour (which holds the setup), how often each online device is read.
    steady = hours[1:] or hours
    steady_reads = reads[1:] or reads
    mean_reads = sum(steady_reads) / len(steady_reads) if steady_reads else 0
    result = {
        "devices": run.devices,
        "listed": listed,
        "online": online,
        "entities": run.entities,
        "quota_per_hour": run.quota,
        "allowed_per_hour": allowed,
        "calls_per_hour": hours,
        "data_reads_per_hour": reads,
        "allowance_used": sum(steady) / len(steady) / allowed if steady else None,
        "read_period_s": HOUR * online / mean_reads if mean_reads else None,
        "max_share": max(hours) / run.quota if hours else None,
        "calls_per_cycle": per_cycle,
        "fixed_per_hour": fixed,
        "freshest_interval_s": freshest,
        "configured_interval_s": coordinators[0].configured_interval,
        "interval_s": max(intervals) if intervals else None,
        "cycle_s": max(cadence) if cadence else None,
        "paused": paused,
        "page_size": DEFAULT_PAGE_SIZE,
        "summary_calls_per_hour": SUMMARY_CALLS * HOUR / REPORT_INTERVAL * len(coordinators),
    }
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    return result
