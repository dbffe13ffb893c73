"""The scaled fleet: setup, then each coordinator's refreshes, against simulators in a subprocess.

The simulators get their own process (``python -m simulator``) so that their CPU
time is not counted as Home Assistant's loop time, and with drift off so that an
unchanged refresh really changes nothing. A refresh "with changes" first flips the
online state of 1% of the vendor's devices through ``POST /_sim/churn``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import timedelta
import gc
import math
from pathlib import Path
import statistics
import sys
import time
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from custom_components.cniot.const import CONF_VENDOR

from .coordinators import Found, concurrency, find_coordinators, minimum
from .harness import WriteCounter, add_fleet_entries, home_assistant, peak_rss, preload

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 60.0
CHURN_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class Fleet:
    """The scaled scenario of issue #6."""

    gateways: int = 50
    channels: int = 4
    gizwits_devices: int = 300
    tums_devices: int = 1000
    xlink_devices: int = 200
    latency: float = 0.1
    repeats: int = 3


class SimulatorProcess:
    """``python -m simulator`` on loopback with free ports, stopped on exit."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.urls: dict[str, str] = {}
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self) -> dict[str, str]:
        """Start the process and return each vendor's base URL."""
        fleet = self.fleet
        args = [
            "-m", "simulator", "--host", "127.0.0.1",
            "--gateway-port", "0", "--gizwits-port", "0", "--tums-port", "0",
            "--devices", str(fleet.gateways), "--channels", str(fleet.channels),
            "--gizwits-devices", str(fleet.gizwits_devices),
            "--tums-devices", str(fleet.tums_devices),
            "--xlink-port", "0", "--xlink-devices", str(fleet.xlink_devices),
            "--latency", str(fleet.latency), "--no-drift",
            # The quota is measured on its own (bench.quota): here it must not pause polling.
            "--gizwits-quota", "10000000",
        ]  # fmt: skip
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        assert self._proc.stdout is not None  # noqa: S101
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while len(self.urls) < 4:
                line = (await self._proc.stdout.readline()).decode()
                if not line:
                    raise RuntimeError("the simulator process exited while starting")
                vendor, _, url = line.strip().partition(" simulator on ")
                if url:
                    self.urls[vendor] = url
        return self.urls

    async def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            async with asyncio.timeout(10):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()

    async def churn(self, session: aiohttp.ClientSession, vendor: str, count: int) -> int:
        """Flip the online state of ``count`` of a vendor's devices; its device count."""
        async with session.post(f"{self.urls[vendor]}/_sim/churn", json={"count": count}) as resp:
            resp.raise_for_status()
            devices: int = (await resp.json())["devices"]
            return devices

    async def hold_counts(self, session: aiohttp.ClientSession) -> None:
        """Stop the TUMS people counters, which otherwise grow with the clock."""
        if "tums" not in self.urls:
            return
        url = f"{self.urls['tums']}/_sim/tums/hold_counts"
        async with session.post(url, json={"hold": True}) as resp:
            resp.raise_for_status()


@dataclass(slots=True)
class Refresh:
    """One measured refresh of one coordinator."""

    wall_s: float
    loop_cpu_s: float
    dispatch_cpu_s: float
    requests: int | None
    writes: int
    written: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CoordinatorReport:
    """The figures of one coordinator."""

    vendor: str
    entry: str
    tier: str
    path: str
    entities: int
    requests: int | None
    minimum: int | None
    minimum_rule: str
    concurrency: int
    latency_s: float
    wall_s: float
    bound_s: float | None
    loop_cpu_s: float
    dispatch_cpu_s: float
    unchanged_writes: int
    unchanged_written: list[str]
    schedule: str = ""
    changed_loop_cpu_s: float | None = None
    changed_dispatch_cpu_s: float | None = None
    changed_writes: int | None = None
    changed_devices: int | None = None


@contextmanager
def dispatch_timer(coordinator: DataUpdateCoordinator[Any]) -> Iterator[list[float]]:
    """Loop CPU spent handing updates to listeners (entities), per call."""
    spent: list[float] = []
    original = coordinator.async_update_listeners

    def timed() -> None:
        start = time.thread_time()
        original()
        spent.append(time.thread_time() - start)

    # An instance attribute shadows the method the refresh calls.
    coordinator.async_update_listeners = timed  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        del coordinator.async_update_listeners


def _requests(coordinator: DataUpdateCoordinator[Any]) -> int | None:
    count = getattr(getattr(coordinator, "client", None), "request_count", None)
    return count if isinstance(count, int) else None


def _schedule(coordinator: DataUpdateCoordinator[Any]) -> str:
    interval = coordinator.update_interval
    every = f"every {_duration(interval)}" if interval else "on demand"
    sweep = getattr(coordinator, "sweep", None)
    if isinstance(sweep, timedelta) and sweep != interval:
        return f"{every}, each device every {_duration(sweep)}"
    return every


def _duration(span: timedelta) -> str:
    seconds = round(span.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def steady_state(coordinator: DataUpdateCoordinator[Any]) -> Callable[[], None]:
    """For a tier that reads a share of its devices each wake-up: its clock, moved on.

    The first call moves it a whole sweep on, so every device is due; each later
    call one wake-up on. A refresh then reads a full share, as in steady state
    (measured at once instead of waiting for the wake-ups in real time).
    """
    sweep, tick = getattr(coordinator, "sweep", None), coordinator.update_interval
    if not isinstance(sweep, timedelta) or tick is None or not hasattr(coordinator, "clock"):
        return lambda: None
    offset = [0.0]
    coordinator.clock = lambda: time.monotonic() + offset[0]

    def advance() -> None:
        offset[0] += (sweep if not offset[0] else tick).total_seconds()

    return advance


async def measure_refresh(
    hass: HomeAssistant,
    coordinator: DataUpdateCoordinator[Any],
    writes: WriteCounter,
    advance: Callable[[], None] = lambda: None,
) -> Refresh:
    """Refresh once; wall time, loop CPU (main thread), requests and state writes."""
    advance()
    await hass.async_block_till_done()
    gc.collect()
    writes.take()
    before = _requests(coordinator)
    with dispatch_timer(coordinator) as dispatch:
        cpu = time.thread_time()
        start = time.perf_counter()
        await coordinator.async_refresh()
        wall = time.perf_counter() - start
        cpu = time.thread_time() - cpu
    await hass.async_block_till_done()
    after = _requests(coordinator)
    written = writes.take()
    return Refresh(
        wall_s=wall,
        loop_cpu_s=cpu,
        dispatch_cpu_s=sum(dispatch),
        requests=after - before if after is not None and before is not None else None,
        writes=sum(written.values()),
        written=sorted(written),
    )


def _stop_polling(coordinators: list[Found]) -> Callable[[], None]:
    """No scheduled refresh interferes with the measured ones."""
    for found in coordinators:
        found.coordinator._async_unsub_refresh()  # noqa: SLF001
    patcher = patch.object(DataUpdateCoordinator, "_schedule_refresh", lambda self: None)
    patcher.start()
    return patcher.stop


def _entity_count(hass: HomeAssistant, entry: ConfigEntry) -> int:
    return len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))


@asynccontextmanager
async def simulators(fleet: Fleet) -> AsyncIterator[SimulatorProcess]:
    """The simulator process for the duration of the block."""
    process = SimulatorProcess(fleet)
    try:
        await process.start()
        yield process
    finally:
        await process.stop()


async def run_fleet(fleet: Fleet, log: Callable[[str], None]) -> dict[str, Any]:
    """Set the fleet up and measure every coordinator; the report's fleet section."""
    async with simulators(fleet) as sims, home_assistant() as hass:
        # "Unchanged" means the simulators answer as before, people counts too: they
        # stop where they are from the start, so every read of them agrees.
        async with aiohttp.ClientSession() as session:
            await sims.hold_counts(session)
        await preload(hass)
        entries = add_fleet_entries(hass, sims.urls)
        log(f"setting up {len(entries)} entries")
        setup = await _measure_setup(hass, entries)
        log(
            f"setup {setup['seconds']:.2f} s, {setup['entities']} entities, "
            f"{setup['memory_per_1000_entities_mib']:.1f} MiB per 1,000"
        )
        # TUMS tiers beyond the device list start in the background after setup.
        started = time.perf_counter()
        await hass.async_block_till_done(wait_background_tasks=True)
        log(
            f"background first refreshes done {time.perf_counter() - started:.2f} s later, "
            f"{sum(_entity_count(hass, entry) for entry in entries)} entities"
        )
        found = [
            (entry, item) for entry in entries for item in find_coordinators(entry.runtime_data)
        ]
        restore = _stop_polling([item for _entry, item in found])
        writes = WriteCounter()
        reports: list[CoordinatorReport] = []
        try:
            async with aiohttp.ClientSession() as session:
                with writes.installed():
                    for entry, item in found:
                        log(f"measuring {entry.title} {item.tier}")
                        reports.append(
                            await _measure_coordinator(
                                hass, fleet, sims, session, entry, item, writes
                            )
                        )
        finally:
            restore()
        for entry in entries:
            with suppress(Exception):
                await hass.config_entries.async_unload(entry.entry_id)
        return {
            "scenario": asdict(fleet),
            "setup": setup,
            "coordinators": [asdict(report) for report in reports],
        }


async def _measure_setup(hass: HomeAssistant, entries: list[ConfigEntry]) -> dict[str, Any]:
    """All entries at once, as at startup, until every entity is registered."""
    gc.collect()
    rss_before = peak_rss()
    cpu = time.thread_time()
    start = time.perf_counter()
    finished: dict[str, float] = {}

    async def one(entry: ConfigEntry) -> None:
        await hass.config_entries.async_setup(entry.entry_id)
        finished[entry.title] = time.perf_counter() - start

    await asyncio.gather(*(one(entry) for entry in entries))
    await hass.async_block_till_done()
    seconds = time.perf_counter() - start
    cpu = time.thread_time() - cpu
    rss_added = peak_rss() - rss_before
    not_loaded = [entry.title for entry in entries if entry.state is not ConfigEntryState.LOADED]
    if not_loaded:
        raise RuntimeError(f"entries did not load: {not_loaded}")
    entities = sum(_entity_count(hass, entry) for entry in entries)
    devices = sum(
        len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
        for entry in entries
    )
    return {
        "seconds": seconds,
        "loop_cpu_s": cpu,
        "entries": {title: round(value, 3) for title, value in finished.items()},
        "entities": entities,
        "devices": devices,
        "states": len(hass.states.async_all()),
        "peak_rss_added_mib": rss_added / 2**20,
        "memory_per_1000_entities_mib": rss_added / 2**20 / max(1, entities) * 1000,
    }


async def _measure_coordinator(
    hass: HomeAssistant,
    fleet: Fleet,
    sims: SimulatorProcess,
    session: aiohttp.ClientSession,
    entry: ConfigEntry,
    found: Found,
    writes: WriteCounter,
) -> CoordinatorReport:
    coordinator = found.coordinator
    vendor = str(entry.data[CONF_VENDOR])
    advance = steady_state(coordinator)
    # A first refresh settles whatever setup left (tokens, speculative pages).
    await measure_refresh(hass, coordinator, writes, advance)
    samples = [
        await measure_refresh(hass, coordinator, writes, advance)
        for _ in range(max(1, fleet.repeats))
    ]
    limit = concurrency(coordinator)
    requests = samples[-1].requests
    least, rule = minimum(coordinator)
    report = CoordinatorReport(
        schedule=_schedule(coordinator),
        vendor=vendor,
        entry=entry.title,
        tier=found.tier,
        path=found.path,
        entities=_entity_count(hass, entry),
        requests=requests,
        minimum=least,
        minimum_rule=rule,
        concurrency=limit,
        latency_s=fleet.latency,
        wall_s=statistics.median(s.wall_s for s in samples),
        bound_s=math.ceil(requests / limit) * fleet.latency if requests is not None else None,
        loop_cpu_s=statistics.median(s.loop_cpu_s for s in samples),
        dispatch_cpu_s=statistics.median(s.dispatch_cpu_s for s in samples),
        unchanged_writes=max(s.writes for s in samples),
        unchanged_written=sorted({e for s in samples for e in s.written}),
    )
    if vendor in sims.urls:
        count = max(1, round(CHURN_SHARE * await sims.churn(session, vendor, 0)))
        report.changed_devices = count
        changed = []
        # Flip 1% of the devices, refresh; flip them back, refresh again (twice unless quick).
        for _ in range(4 if fleet.repeats > 1 else 2):
            await sims.churn(session, vendor, count)
            changed.append(await measure_refresh(hass, coordinator, writes, advance))
        report.changed_loop_cpu_s = statistics.median(s.loop_cpu_s for s in changed)
        report.changed_dispatch_cpu_s = statistics.median(s.dispatch_cpu_s for s in changed)
        report.changed_writes = round(statistics.median(s.writes for s in changed))
    return report
