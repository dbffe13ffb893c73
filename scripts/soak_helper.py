"""Soak test: Home Assistant against the vendor simulators, with faults on a schedule.

Started by ``scripts/soak`` with ``.venv-dev`` (the Home Assistant release with its
frontend: without it Home Assistant starts in recovery mode and loads no custom
integration). Runs a real Home Assistant, bootstrapped in this process from a throw-away
configuration directory, with one config entry per vendor added through the config flow,
against the simulators on loopback. Its HTTP server is stored as 127.0.0.1 on a free
port before the first start, as ``scripts/develop seed-http`` does: from 2026.11 an
``http:`` YAML block is a five-minute trial that reverts and restarts (stops) Home
Assistant. The simulators run in a child process, so the memory measured is Home
Assistant's alone.

Faults: every ``--fault-interval`` seconds each vendor's next request fails, in a kind
drawn from a shuffled deck of every kind the simulators know (``simulator.faults``), so
each kind comes once per round of 13. At the default 20 s a vendor gets a round in about
260 s, every kind at least once in 10 minutes even at the slowest default poll.

It reports, as JSON (printed and written to ``--report``): what it exercised (faults by
vendor and kind), every coordinator's refreshes and failures (TUMS tiers included),
whether each recovered once the faults stopped, memory over time, unavailable-entity
minutes and log lines. It exits 1 unless every check in ``verdict`` holds: Home
Assistant ran to the end outside recovery mode, served HTTP on loopback only, every cniot
entry stayed loaded, no reauthentication was asked, nothing raised an unexpected error,
every fault kind was exercised, every coordinator recovered, memory stayed flat and log
lines stayed within budget.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
import ipaddress
import json
import logging
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
import random
import resource
import shutil
import socket
import sys
import tempfile
import time
from typing import Any, Final

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from aiohttp import web  # noqa: E402
from homeassistant import bootstrap, runner  # noqa: E402
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState  # noqa: E402
from homeassistant.const import (  # noqa: E402
    EVENT_HOMEASSISTANT_STARTED,
    STATE_UNAVAILABLE,
    __version__ as ha_version,
)
from homeassistant.core import CoreState, Event, HomeAssistant  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator  # noqa: E402

from custom_components.cniot.const import CONF_SCAN_INTERVAL, DOMAIN  # noqa: E402
from custom_components.cniot.vendors import VENDORS  # noqa: E402
from scripts.develop_helper import seed_http  # noqa: E402
from simulator.__main__ import parse_without  # noqa: E402
from simulator.base import VendorSimulator  # noqa: E402
from simulator.faults import FAULT_KINDS, Fault, Handler  # noqa: E402
from simulator.gateway import GatewaySimulator  # noqa: E402
from simulator.gateway.scenario import default_scenario  # noqa: E402
from simulator.gizwits import GizwitsSimulator  # noqa: E402
from simulator.gizwits.state import (  # noqa: E402
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
)
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator  # noqa: E402
from simulator.xlink import XlinkSimulator  # noqa: E402
from simulator.xlink.state import DEMO_ACCOUNT, DEMO_PASSWORD  # noqa: E402

SOAK_VENDORS: Final = ("gateway", "gizwits", "tums", "xlink")
# Every kind the simulators can inject, in a fixed order (the deck is shuffled per round).
ALL_FAULT_KINDS: Final[tuple[str, ...]] = tuple(sorted(FAULT_KINDS))
# Values for the kinds that need one. The latency is past the clients' 15 s timeout.
FAULT_VALUES: Final[Mapping[str, float]] = {
    "latency": 16.0,
    "http_status": 503,
    "huge": 10_000_000,
}
# A transient refusal in each vendor's own error shape: not a credential problem, so it
# must never ask the user to log in again.
VENDOR_CODES: Final[Mapping[str, int]] = {
    "gateway": 7001,  # invalid data
    "gizwits": 5009,  # token refused: renewed once, then read again
    "tums": -20000,  # system busy
    "xlink": 5031001,  # server error
}
DEFAULT_FAULT_INTERVAL: Final = 20.0
# At their defaults the gateway polls once in 30 s, one request: too few for 13 kinds.
DEFAULT_SCAN_INTERVAL: Final = 15.0
SAMPLE_SECONDS: Final = 5.0
WARM_UP: Final = 60.0
# Warnings and errors an hour beyond one per injected fault.
LOG_BUDGET_PER_HOUR: Final = 30
# RSS wobbles with allocator caching and the 10 MB replies: growth within this is noise.
MEMORY_NOISE_MB: Final = 10.0
MEMORY_NOISE_SHARE: Final = 0.05
# Refresh attempts per coordinator once the faults stopped.
RECOVERY_ATTEMPTS: Final = 3

CONFIGURATION = """\
# Written by scripts/soak for one run; deleted afterwards. No http: block: HTTP is
# stored in .storage/http (127.0.0.1 only), as Home Assistant 2026.11 keeps it.
homeassistant:
  name: cniot soak
  latitude: 31.2304
  longitude: 121.4737
  elevation: 4
  unit_system: metric
  time_zone: Asia/Shanghai
  country: CN
logger:
  default: warning
  logs:
    custom_components.cniot: info
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fault_for(kind: str, vendor: str) -> Fault:
    """The fault of this kind the soak injects into one of the vendor's requests."""
    value: float | None = FAULT_VALUES.get(kind)
    if kind == "vendor_code":
        value = VENDOR_CODES[vendor]
    return Fault(kind=kind, value=value)  # type: ignore[arg-type]


@dataclass
class FaultPacer:
    """One vendor's schedule: a fault every ``interval`` seconds, kinds dealt from a deck."""

    vendor: str
    interval: float
    rng: random.Random
    enabled: bool = False
    next_due: float = 0.0
    deck: list[str] = field(default_factory=list)
    last_faulted: bool = False
    injected: Counter[str] = field(default_factory=Counter)

    def start(self, now: float) -> None:
        """Faults from now on; the first is due one interval later."""
        self.enabled = self.interval > 0
        self.next_due = now + self.interval

    def next_fault(self, now: float) -> Fault | None:
        """The fault for a request arriving now, or None.

        Faults due meanwhile are caught up with (at most two intervals' worth: a vendor
        polling in bursts gets several faults per burst), but never on two requests in
        a row, so a read retried at once is not failed twice by the schedule.
        """
        if not self.enabled or now < self.next_due or self.last_faulted:
            self.last_faulted = False
            return None
        if not self.deck:
            self.deck = list(ALL_FAULT_KINDS)
            self.rng.shuffle(self.deck)
        kind = self.deck.pop()
        self.next_due = max(self.next_due + self.interval, now - 2 * self.interval)
        self.last_faulted = True
        self.injected[kind] += 1
        return fault_for(kind, self.vendor)

    def install(self, sim: VendorSimulator) -> None:
        """Put the schedule in front of the simulator's own fault injection."""
        original = sim.faults.apply

        async def apply(request: web.Request, handler: Handler) -> web.StreamResponse:
            fault = self.next_fault(time.monotonic())
            if fault is None:
                return await original(request, handler)
            if fault.kind == "latency":
                await asyncio.sleep(float(fault.value or 0))
                return await handler(request)
            return await sim.faults.render(request, handler, fault)

        sim.faults.apply = apply  # type: ignore[method-assign]


def refuse_credentials(vendor: str, sim: VendorSimulator) -> None:
    """From now on the simulator refuses the demo credentials, as after a password change."""
    if vendor == "gateway":
        sim._username = "admin"  # noqa: SLF001  (the backend now wants a login)
        sim._password = "changed"  # noqa: S105, SLF001
    elif vendor == "gizwits":
        sim.faults.add(Fault(kind="vendor_code", value=5004))  # enterprise secret wrong
    elif vendor == "tums":
        sim.faults.add(Fault(kind="vendor_code", value=-10304))  # access key refused
    else:
        sim.faults.add(Fault(kind="vendor_code", value=4031022, path_prefix="/v2/product"))
        sim.faults.add(Fault(kind="vendor_code", value=4001007, path_prefix="/v2/corp_auth"))


class LogCounter(logging.Handler):
    """Counts log records by level, keeps the loud ones' messages and the tracebacks."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.levels: Counter[str] = Counter()
        self.loud: Counter[str] = Counter()
        self.tracebacks: Counter[str] = Counter()
        self.active = False

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record."""
        if not self.active:
            return
        self.levels[record.levelname] += 1
        if record.levelno >= logging.WARNING:
            line = f"{record.name}: {record.getMessage()[:160]}"
            self.loud[line] += 1
            if record.exc_info:
                self.tracebacks[line] += 1


def rss_mb() -> float:
    """This process's resident memory now, in MB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    # Elsewhere only the peak is known.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


async def add_entry(hass: HomeAssistant, vendor: str, data: dict[str, Any]) -> str:
    """Add a config entry through the config flow, as a user would."""
    flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    flow = await hass.config_entries.flow.async_configure(flow["flow_id"], {"next_step_id": vendor})
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], data)
    if result.get("type") != "create_entry":
        raise RuntimeError(f"could not add the {vendor} entry: {result.get('errors')}")
    await hass.async_block_till_done()
    return str(result["result"].entry_id)


def _proc_address(text: str) -> str:
    """``0100007F:1F90`` (as /proc/net/tcp writes it) as ``127.0.0.1:8080``."""
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    # Each 32-bit word is in the machine's (little-endian) order.
    packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(packed)
    shown = f"[{address}]" if address.version == 6 else str(address)
    return f"{shown}:{int(port, 16)}"


def listening_addresses(hass: HomeAssistant) -> list[str]:
    """Every address a TCP socket of this process (Home Assistant's) listens on.

    Read from /proc, so whatever opened it is seen; elsewhere, the HTTP server's own.
    """
    try:
        inodes = set()
        for fd in Path("/proc/self/fd").iterdir():
            with contextlib.suppress(OSError):
                target = fd.readlink().name
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        found = []
        for table in ("tcp", "tcp6"):
            for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    found.append(_proc_address(fields[1]))
        return sorted(set(found))
    except OSError:
        server = getattr(getattr(hass, "http", None), "_server", None)
        sockets = getattr(server, "sockets", None) or ()
        return [f"{sock.getsockname()[0]}:{sock.getsockname()[1]}" for sock in sockets]


def is_loopback(address: str) -> bool:
    """Whether a listening ``host:port`` is reachable from this machine only."""
    host = address.rsplit(":", 1)[0].strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class CoordinatorTally:
    """One coordinator's refreshes while faults ran, and its recovery afterwards."""

    vendor: str
    refreshes: int = 0
    failed: int = 0
    recovered: bool | None = None


@dataclass
class Soak:
    """One run: its settings, simulators and what it measured."""

    duration: float
    fault_interval: float
    seed: int
    scan_interval: float | None = None
    refuse: str | None = None
    urls: dict[str, str] = field(default_factory=dict)
    injected: dict[str, dict[str, int]] = field(default_factory=dict)
    simulators: SimulatorProcess | None = None
    entries: dict[str, str] = field(default_factory=dict)
    entry_states: dict[str, str] = field(default_factory=dict)
    logs: LogCounter = field(default_factory=LogCounter)
    memory: list[tuple[float, float]] = field(default_factory=list)
    unavailable_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    requests: Counter[str] = field(default_factory=Counter)
    coordinators: dict[str, CoordinatorTally] = field(default_factory=dict)
    latest: dict[str, DataUpdateCoordinator[Any]] = field(default_factory=dict)
    counting: bool = False
    error: str | None = None
    recovery_mode: bool = False
    addresses: list[str] = field(default_factory=list)
    ran_s: float = 0.0
    stopped_early: bool = False
    reauth_flows: int = 0
    # Optional features the simulators serve as unavailable: (vendor, feature, mode, code).
    without: list[tuple[str, str, str, int | None]] = field(default_factory=list)

    def watch_coordinators(self) -> None:
        """Count the refreshes of every cniot coordinator, main and tier alike."""
        original = DataUpdateCoordinator._async_refresh  # noqa: SLF001  (measurement only)
        soak = self

        async def counted(
            coordinator: DataUpdateCoordinator[Any], *args: Any, **kwargs: Any
        ) -> None:
            try:
                await original(coordinator, *args, **kwargs)
            finally:
                entry = coordinator.config_entry
                if entry is not None and entry.domain == DOMAIN:
                    soak.seen(coordinator)

        DataUpdateCoordinator._async_refresh = counted  # type: ignore[method-assign,assignment]  # noqa: SLF001

    def seen(self, coordinator: DataUpdateCoordinator[Any]) -> None:
        """Note one refresh of a coordinator (the newest instance per name is kept)."""
        entry_id = coordinator.config_entry.entry_id if coordinator.config_entry else None
        vendor = next((v for v, e in self.entries.items() if e == entry_id), None)
        if vendor is None:
            return
        key = f"{vendor}: {coordinator.name}"
        self.latest[key] = coordinator
        if not self.counting:
            return
        tally = self.coordinators.setdefault(key, CoordinatorTally(vendor))
        tally.refreshes += 1
        if not coordinator.last_update_success:
            tally.failed += 1

    async def add_entries(self, hass: HomeAssistant) -> None:
        """One entry per vendor, through the config flow."""
        urls = self.urls
        data: dict[str, dict[str, Any]] = {
            "gateway": {"url": urls["gateway"]},
            "gizwits": {
                "enterprise_id": DEMO_ENTERPRISE_ID,
                "enterprise_secret": DEMO_ENTERPRISE_SECRET,
                "product_key": AC_PRODUCT_KEY,
                "product_secret": AC_PRODUCT_SECRET,
                "url": urls["gizwits"],
            },
            "tums": {
                "access_key": DEMO_ACCESS_KEY,
                "secret_key": DEMO_SECRET_KEY,
                "url": urls["tums"],
            },
            "xlink": {
                "mode": "corp",
                "login": DEMO_ACCOUNT,
                "password": DEMO_PASSWORD,
                "url": urls["xlink"],
            },
        }
        for vendor in SOAK_VENDORS:
            self.entries[vendor] = await add_entry(hass, vendor, data[vendor])
        if self.scan_interval is not None:
            # Faster polling than the defaults: more requests per hour.
            for vendor, entry_id in self.entries.items():
                entry = hass.config_entries.async_get_entry(entry_id)
                if entry is None:
                    raise RuntimeError(f"the {vendor} entry went away")
                spec = VENDORS[vendor]
                interval = min(max(self.scan_interval, spec.min_scan_interval), 3600)
                hass.config_entries.async_update_entry(
                    entry, options={**entry.options, CONF_SCAN_INTERVAL: interval}
                )
                await hass.config_entries.async_reload(entry_id)
            await hass.async_block_till_done()

    async def break_setup(self, hass: HomeAssistant) -> None:
        """--refuse-credentials: the vendor refuses the login, then its entry reloads."""
        if self.refuse is None:
            return
        assert self.simulators is not None  # noqa: S101  (started before Home Assistant)
        await self.simulators.ask(("refuse", self.refuse))
        await hass.config_entries.async_reload(self.entries[self.refuse])
        await hass.async_block_till_done()

    def note_entries(self, hass: HomeAssistant) -> list[str]:
        """Record each entry's state; the vendors whose entry is not loaded."""
        bad = []
        for vendor, entry_id in self.entries.items():
            entry = hass.config_entries.async_get_entry(entry_id)
            state = entry.state if entry is not None else None
            self.entry_states[vendor] = state.value if state is not None else "removed"
            if state is not ConfigEntryState.LOADED:
                bad.append(vendor)
        self.reauth_flows = max(
            self.reauth_flows,
            sum(
                1
                for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
                if flow["context"].get("source") == SOURCE_REAUTH
            ),
        )
        return bad

    def unavailable(self, hass: HomeAssistant) -> dict[str, int]:
        """Unavailable entities per vendor now."""
        registry = er.async_get(hass)
        counts: dict[str, int] = {}
        for vendor, entry_id in self.entries.items():
            counts[vendor] = sum(
                1
                for item in er.async_entries_for_config_entry(registry, entry_id)
                if (state := hass.states.get(item.entity_id)) is not None
                and state.state == STATE_UNAVAILABLE
            )
        return counts

    async def recover(self) -> None:
        """With the faults off, every coordinator must refresh successfully again."""
        for key, coordinator in self.latest.items():
            tally = self.coordinators.setdefault(key, CoordinatorTally(key.split(":", 1)[0]))
            tally.recovered = False
            for _attempt in range(RECOVERY_ATTEMPTS):
                was_counting, self.counting = self.counting, False
                try:
                    await coordinator.async_refresh()
                finally:
                    self.counting = was_counting
                if coordinator.last_update_success:
                    tally.recovered = True
                    break
                await asyncio.sleep(2)

    async def run(self, hass: HomeAssistant, started_event: asyncio.Event) -> None:
        """Add the entries, then measure until the time is up; stop Home Assistant."""
        begun = time.monotonic()
        try:
            if hass.state is not CoreState.running:
                await started_event.wait()
            self.recovery_mode = bool(hass.config.recovery_mode)
            self.addresses = listening_addresses(hass)
            if self.recovery_mode:
                raise RuntimeError(
                    "Home Assistant started in recovery mode: no custom integration loads "
                    "(is this .venv-dev, with the frontend?)"
                )
            self.watch_coordinators()
            await self.add_entries(hass)
            await self.break_setup(hass)
            if bad := self.note_entries(hass):
                raise RuntimeError(f"cniot did not load: {self._states(bad)}")
            # Give every entry one clean refresh: what is unavailable now is by design.
            await asyncio.sleep(2)
            baseline = self.unavailable(hass)
            assert self.simulators is not None  # noqa: S101  (started before Home Assistant)
            await self.simulators.ask(("enable",))
            self.counting = True
            self.logs.active = True
            started = time.monotonic()
            minute_peak = 0.0
            minute = 0
            while (elapsed := time.monotonic() - started) < self.duration:
                await asyncio.sleep(SAMPLE_SECONDS)
                if hass.state is not CoreState.running:
                    raise RuntimeError(f"Home Assistant stopped ({hass.state.value})")
                if bad := self.note_entries(hass):
                    raise RuntimeError(f"cniot entries stopped being loaded: {self._states(bad)}")
                minute_peak = max(minute_peak, rss_mb())
                for vendor, count in self.unavailable(hass).items():
                    excess = max(0, count - baseline[vendor])
                    self.unavailable_seconds[vendor] += excess * SAMPLE_SECONDS
                self.requests.update(await self.simulators.ask(("requests",)))
                if int(elapsed // 60) > minute or elapsed + SAMPLE_SECONDS >= self.duration:
                    minute = int(elapsed // 60)
                    self.memory.append((round(elapsed), round(minute_peak, 1)))
                    minute_peak = 0.0
            self.counting = False
            self.addresses = sorted({*self.addresses, *listening_addresses(hass)})
            await self.simulators.ask(("disable",))
            await self.recover()
            self.logs.active = False
            self.note_entries(hass)
        except Exception as err:  # noqa: BLE001  (reported, and the run fails)
            self.error = f"{type(err).__name__}: {err}"
        finally:
            self.ran_s = time.monotonic() - begun
            self.logs.active = False
            await hass.async_stop()

    def _states(self, vendors: Sequence[str]) -> str:
        return ", ".join(f"{vendor} entry {self.entry_states.get(vendor)}" for vendor in vendors)

    def report(self) -> dict[str, Any]:
        """What the run measured, and the verdict on it."""
        hours = self.duration / 3600
        loud = sum(self.logs.loud.values())
        after_warm_up = [mb for t, mb in self.memory if t >= WARM_UP] or [
            mb for _t, mb in self.memory
        ]
        baseline = after_warm_up[0] if after_warm_up else 0.0
        growth = (max(after_warm_up) - baseline) if after_warm_up else 0.0
        noise = max(MEMORY_NOISE_MB, baseline * MEMORY_NOISE_SHARE)
        faults_total = sum(sum(kinds.values()) for kinds in self.injected.values())
        report: dict[str, Any] = {
            "duration_s": self.duration,
            "fault_interval_s": self.fault_interval,
            "scan_interval_s": self.scan_interval,
            "seed": self.seed,
            "refuse_credentials": self.refuse,
            "error": self.error,
            "home_assistant": {
                "version": ha_version,
                "python": sys.executable,
                "recovery_mode": self.recovery_mode,
                "listens_on": self.addresses,
                "stopped_on_its_own": self.stopped_early,
                "ran_s": round(self.ran_s),
            },
            "entries": {vendor: self.entry_states.get(vendor) for vendor in SOAK_VENDORS},
            "reauth_flows": self.reauth_flows,
            "faults": {
                "kinds": list(ALL_FAULT_KINDS),
                "injected": {v: dict(sorted(self.injected.get(v, {}).items())) for v in self.urls},
                "not_exercised": {
                    v: [k for k in ALL_FAULT_KINDS if not self.injected.get(v, {}).get(k)]
                    for v in self.urls
                },
                "total": faults_total,
            },
            "requests": {vendor: self.requests[vendor] for vendor in self.urls},
            "coordinators": {
                key: {
                    "refreshes": tally.refreshes,
                    "failed": tally.failed,
                    "recovered": tally.recovered,
                }
                for key, tally in sorted(self.coordinators.items())
            },
            "memory_mb": {
                "timeline": [{"t_s": t, "peak_rss": mb} for t, mb in self.memory],
                "peak": max((mb for _t, mb in self.memory), default=0.0),
                "after_first_minute": baseline,
                "growth_after_first_minute": round(growth, 1),
                "noise_allowance": round(noise, 1),
            },
            "unavailable_entity_minutes": {
                **{v: round(s / 60, 1) for v, s in self.unavailable_seconds.items()},
                "total": round(sum(self.unavailable_seconds.values()) / 60, 1),
            },
            "log_lines": {
                "by_level": dict(self.logs.levels),
                "warning_or_worse": loud,
                "beyond_one_per_fault_per_hour": round(max(0, loud - faults_total) / hours, 1)
                if hours
                else 0.0,
                "budget_per_hour": LOG_BUDGET_PER_HOUR,
                "tracebacks": dict(self.logs.tracebacks.most_common(10)),
                "loudest": dict(self.logs.loud.most_common(10)),
            },
        }
        report["verdict"] = verdict(report)
        return report


def verdict(report: Mapping[str, Any]) -> dict[str, bool]:
    """Each check of a soak report; the run passes only when every one holds."""
    ha = report["home_assistant"]
    faults = report["faults"]
    coordinators = report["coordinators"]
    memory = report["memory_mb"]
    logs = report["log_lines"]
    entries = report["entries"]
    faults_on = report["fault_interval_s"] > 0
    return {
        "ran": report["error"] is None,
        "home_assistant_ran_to_the_end": not ha["stopped_on_its_own"]
        and not ha["recovery_mode"]
        and ha["ran_s"] >= report["duration_s"],
        "http_on_loopback_only": bool(ha["listens_on"])
        and all(is_loopback(a) for a in ha["listens_on"]),
        "cniot_loaded": bool(entries) and all(state == "loaded" for state in entries.values()),
        "no_reauthentication": report["reauth_flows"] == 0,
        "no_unexpected_errors": not logs["tracebacks"],
        "every_fault_kind_exercised": not faults_on
        or (
            bool(faults["not_exercised"])
            and not any(faults["not_exercised"].values())
            and faults["total"] > 0
        ),
        "every_coordinator_recovered": bool(coordinators)
        and all(c["recovered"] is True for c in coordinators.values()),
        "memory_stable": memory["growth_after_first_minute"] <= memory["noise_allowance"],
        "log_lines_within_budget": logs["beyond_one_per_fault_per_hour"] < LOG_BUDGET_PER_HOUR,
    }


def _write_report(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


class SimulatorProcess:
    """The simulators, in a child process, driven over a pipe."""

    def __init__(
        self,
        fault_interval: float,
        seed: int,
        without: Sequence[tuple[str, str, str, int | None]] = (),
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_simulators_main,
            args=(child, fault_interval, seed, list(without)),
            daemon=True,
        )

    async def start(self) -> dict[str, str]:
        """Start them; their base URLs by vendor."""
        self._process.start()
        urls: dict[str, str] = await asyncio.to_thread(self._conn.recv)
        return urls

    async def ask(self, command: tuple[str, ...]) -> Any:
        """Send a command (enable, disable, requests, refuse, stop); wait for the answer."""
        await asyncio.to_thread(self._conn.send, command)
        return await asyncio.to_thread(self._conn.recv)

    async def stop(self) -> dict[str, dict[str, int]]:
        """Stop them; the faults injected, by vendor and kind."""
        injected: dict[str, dict[str, int]] = await self.ask(("stop",))
        await asyncio.to_thread(self._process.join, 10)
        return injected


def _simulators_main(
    conn: Connection,
    fault_interval: float,
    seed: int,
    without: Sequence[tuple[str, str, str, int | None]] = (),
) -> None:
    asyncio.run(_serve_simulators(conn, fault_interval, seed, without))


async def _serve_simulators(
    conn: Connection,
    fault_interval: float,
    seed: int,
    without: Sequence[tuple[str, str, str, int | None]] = (),
) -> None:
    rng = random.Random(seed)
    sims: dict[str, VendorSimulator] = {
        "gateway": GatewaySimulator(scenario=default_scenario(), drift=True, seed=seed),
        "gizwits": GizwitsSimulator(drift=True, seed=seed),
        "tums": TumsSimulator(drift=True, seed=seed),
        "xlink": XlinkSimulator(drift=True, seed=seed),
    }
    # An account without some optional features (--without).
    for vendor, feature, mode, code in without:
        sims[vendor].set_feature(feature, mode, code)
    pacers: dict[str, FaultPacer] = {}
    for vendor, sim in sims.items():
        await sim.start(host="127.0.0.1", port=0)
        pacers[vendor] = FaultPacer(vendor, fault_interval, random.Random(rng.random()))
        pacers[vendor].install(sim)
    conn.send({vendor: str(sim.url) for vendor, sim in sims.items()})
    while True:
        command, *args = await asyncio.to_thread(conn.recv)
        if command == "enable":
            for pacer in pacers.values():
                pacer.start(time.monotonic())
            conn.send(True)
        elif command == "disable":
            for pacer in pacers.values():
                pacer.enabled = False
            conn.send(True)
        elif command == "refuse":
            refuse_credentials(args[0], sims[args[0]])
            conn.send(True)
        elif command == "requests":
            # Recorded requests would only pile up here: count and forget them.
            conn.send({vendor: len(sim.requests) for vendor, sim in sims.items()})
            for sim in sims.values():
                sim.requests.clear()
        else:
            conn.send({vendor: dict(pacer.injected) for vendor, pacer in pacers.items()})
            break
    for sim in sims.values():
        await sim.stop()


async def _main(
    soak: Soak, config_dir: Path, report_path: Path, keep_config: bool
) -> dict[str, Any]:
    soak.simulators = SimulatorProcess(soak.fault_interval, soak.seed, soak.without)
    soak.urls = await soak.simulators.start()
    try:
        runtime_config = runner.RuntimeConfig(
            config_dir=str(config_dir),
            skip_pip=True,
            log_file=str(config_dir / "home-assistant.log"),
            log_no_color=True,
        )
        hass = await bootstrap.async_setup_hass(runtime_config)
        if hass is None:
            raise RuntimeError("Home Assistant did not start; see its log")
        logging.getLogger().addHandler(soak.logs)
        started = asyncio.Event()

        def _started(_event: Event) -> None:
            started.set()

        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, _started)
        task = asyncio.create_task(soak.run(hass, started))
        await hass.async_run(attach_signals=False)
        if not task.done():
            # Home Assistant stopped without the soak asking (a restart, a reverted trial).
            soak.stopped_early = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            soak.error = soak.error or "Home Assistant stopped on its own"
        else:
            await task
    except Exception as err:  # noqa: BLE001  (reported, and the run fails)
        soak.error = soak.error or f"{type(err).__name__}: {err}"
    finally:
        soak.injected = await soak.simulators.stop()
    report = soak.report()
    # Home Assistant watches for blocking calls in the loop, even after it stopped.
    await asyncio.to_thread(_write_report, report, report_path)
    if not keep_config:
        await asyncio.to_thread(shutil.rmtree, config_dir, True)
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print and write the report; 0 when every check of the verdict holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument(
        "--fault-interval",
        type=float,
        default=DEFAULT_FAULT_INTERVAL,
        help="seconds between one vendor's faults (default %(default)g; 0: no faults)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--scan-interval",
        type=float,
        default=DEFAULT_SCAN_INTERVAL,
        help="poll every entry this often, at least each platform's minimum (default "
        "%(default)g: the gateway's one request per poll then meets every fault kind); "
        "0: the platforms' defaults",
    )
    parser.add_argument(
        "--refuse-credentials",
        choices=SOAK_VENDORS,
        default=None,
        metavar="VENDOR",
        help="make the VENDOR simulator refuse the login before the soak: it must fail",
    )
    parser.add_argument(
        "--report", type=Path, default=ROOT / ".soak" / "report.json", help="JSON report file"
    )
    parser.add_argument("--keep-config", action="store_true", help="keep Home Assistant's dir")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="VENDOR.FEATURE[=MODE[:CODE]]",
        help="run an account without an optional feature (as python -m simulator --without)",
    )
    args = parser.parse_args(argv)
    try:
        without = [parse_without(item) for item in args.without]
        for vendor, feature, _mode, _code in without:
            known = {
                "gateway": {"settings"},
                "gizwits": set(GizwitsSimulator.FEATURE_PATHS),
                "tums": set(TumsSimulator.FEATURE_PATHS),
            }
            if feature not in known.get(vendor, set()):
                raise ValueError(f"unknown feature {vendor}.{feature}")
    except ValueError as err:
        parser.error(f"--without: {err}")
    if args.duration <= 0 or args.fault_interval < 0:
        parser.error("--duration must be > 0 and --fault-interval >= 0")

    soak = Soak(
        duration=args.duration,
        fault_interval=args.fault_interval,
        seed=args.seed,
        scan_interval=args.scan_interval or None,
        refuse=args.refuse_credentials,
    )
    soak.without = without
    config_dir = Path(tempfile.mkdtemp(prefix="cniot-soak-"))
    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / DOMAIN).symlink_to(ROOT / "custom_components" / DOMAIN)
    (config_dir / "configuration.yaml").write_text(CONFIGURATION)
    port = _free_port()
    seed_http(config_dir, "127.0.0.1", port)
    print(
        f"[soak] {args.duration:g} s, a fault per vendor every {args.fault_interval:g} s, "
        f"Home Assistant {ha_version} on 127.0.0.1:{port}, in {config_dir}",
        flush=True,
    )
    main = _main(soak, config_dir, args.report, args.keep_config)
    report = asyncio.run(main, loop_factory=runner.create_event_loop)
    if args.keep_config:
        print(f"[soak] Home Assistant's files are in {config_dir}", flush=True)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    failed = [check for check, held in report["verdict"].items() if not held]
    print(f"[soak] report written to {args.report}", flush=True)
    if failed:
        print(
            f"[soak] FAILED: {', '.join(failed)}"
            + (f" ({report['error']})" if report["error"] else ""),
            flush=True,
        )
        return 1
    print("[soak] PASSED: " + ", ".join(report["verdict"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
