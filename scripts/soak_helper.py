"""Soak test: Home Assistant against the vendor simulators, with random faults.

Started by ``scripts/soak``. Runs a real Home Assistant (bootstrapped in this process
from a throw-away configuration directory) with one config entry per vendor, added
through the config flow, against the simulators on loopback. The simulators run in a
child process, so the memory measured is Home Assistant's alone. Each vendor request
fails with probability ``--fault-rate`` in one of the ways the fault suite knows
(HTTP 500/502/503, an HTML page, truncated JSON, an empty page, a dropped connection,
a reply past the client's timeout, a 10 MB reply).

It reports, as JSON (printed and written to ``--report``): memory over time (the
peak RSS of each minute), API error counts (faults injected and refreshes that
failed), unavailable-entity minutes (beyond those unavailable by design at the
start) and log lines per hour. It exits 1 when memory grew after the first minute
beyond noise, or when warning-or-worse log lines reach 30 per hour.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass, field
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from aiohttp import web  # noqa: E402
from homeassistant import bootstrap, runner  # noqa: E402
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, STATE_UNAVAILABLE  # noqa: E402
from homeassistant.core import CoreState, Event, HomeAssistant  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402

from custom_components.cniot.const import CONF_SCAN_INTERVAL, DOMAIN  # noqa: E402
from custom_components.cniot.vendors import VENDORS  # noqa: E402
from simulator.__main__ import parse_without  # noqa: E402
from simulator.base import VendorSimulator  # noqa: E402
from simulator.faults import Fault, FaultKind, Handler  # noqa: E402
from simulator.gateway import GatewaySimulator  # noqa: E402
from simulator.gizwits import GizwitsSimulator  # noqa: E402
from simulator.gizwits_state import (  # noqa: E402
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
)
from simulator.scenario import default_scenario  # noqa: E402
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator  # noqa: E402
from simulator.xlink import XlinkSimulator  # noqa: E402
from simulator.xlink_state import DEMO_ACCOUNT, DEMO_PASSWORD  # noqa: E402

# The kinds of transient trouble injected, with their values. The latency is past the
# clients' 15 s timeout.
FAULTS: tuple[tuple[FaultKind, float | None], ...] = (
    ("http_status", 500),
    ("http_status", 502),
    ("http_status", 503),
    ("html", None),
    ("truncated", None),
    ("empty_page", None),
    ("disconnect", None),
    ("latency", 16.0),
    ("huge", 10_000_000),
)
SAMPLE_SECONDS = 5.0
WARM_UP = 60.0
LOG_BUDGET_PER_HOUR = 30
# RSS wobbles with allocator caching and the 10 MB replies: growth within this is noise.
MEMORY_NOISE_MB = 10.0
MEMORY_NOISE_SHARE = 0.05

CONFIGURATION = """\
# Written by scripts/soak for one run; deleted afterwards.
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
# The webhook dependency loads http: keep it on loopback, off scripts/develop's 8123.
http:
  server_host: 127.0.0.1
  server_port: {port}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class FaultDice:
    """Replaces a simulator's fault injection: each request fails with some probability."""

    sim: VendorSimulator
    rate: float
    rng: random.Random
    enabled: bool = False
    injected: Counter[str] = field(default_factory=Counter)

    def install(self) -> None:
        """Take over the simulator's fault injection."""
        original = self.sim.faults.apply

        async def apply(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not self.enabled or self.rng.random() >= self.rate:
                return await original(request, handler)
            kind, value = self.rng.choice(FAULTS)
            self.injected[kind if value is None or kind == "huge" else f"{kind}_{value:g}"] += 1
            if kind == "latency":
                await asyncio.sleep(float(value or 0))
                return await handler(request)
            return await self.sim.faults.render(request, handler, Fault(kind=kind, value=value))

        self.sim.faults.apply = apply  # type: ignore[method-assign]


class LogCounter(logging.Handler):
    """Counts log records by level, and keeps the loud ones' messages."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.levels: Counter[str] = Counter()
        self.loud: Counter[str] = Counter()
        self.active = False

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record."""
        if not self.active:
            return
        self.levels[record.levelname] += 1
        if record.levelno >= logging.WARNING:
            self.loud[f"{record.name}: {record.getMessage()[:160]}"] += 1


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


@dataclass
class Soak:
    """One run: its settings, simulators and what it measured."""

    duration: float
    fault_rate: float
    seed: int
    scan_interval: float | None = None
    urls: dict[str, str] = field(default_factory=dict)
    injected: dict[str, dict[str, int]] = field(default_factory=dict)
    simulators: SimulatorProcess | None = None
    entries: dict[str, str] = field(default_factory=dict)
    logs: LogCounter = field(default_factory=LogCounter)
    memory: list[tuple[float, float]] = field(default_factory=list)
    unavailable_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    requests: Counter[str] = field(default_factory=Counter)
    refreshes: Counter[tuple[str, bool]] = field(default_factory=Counter)
    error: str | None = None
    # Optional features the simulators serve as unavailable: (vendor, feature, mode, code).
    without: list[tuple[str, str, str, int | None]] = field(default_factory=list)

    def count_refreshes(self, hass: HomeAssistant) -> None:
        """Count each coordinator's refreshes, and those that failed, per vendor."""
        for vendor, entry_id in self.entries.items():
            entry = hass.config_entries.async_get_entry(entry_id)
            coordinator = getattr(getattr(entry, "runtime_data", None), "coordinator", None)
            if coordinator is None:
                continue
            fetch = coordinator._async_update_data  # noqa: SLF001  (measurement only)

            async def counted(vendor: str = vendor, fetch: Any = fetch) -> Any:
                try:
                    data = await fetch()
                except Exception:
                    self.refreshes[vendor, False] += 1
                    raise
                self.refreshes[vendor, True] += 1
                return data

            coordinator._async_update_data = counted  # noqa: SLF001

    async def add_entries(self, hass: HomeAssistant) -> None:
        """One entry per vendor, through the config flow."""
        urls = self.urls
        self.entries["gateway"] = await add_entry(hass, "gateway", {"url": urls["gateway"]})
        self.entries["gizwits"] = await add_entry(
            hass,
            "gizwits",
            {
                "enterprise_id": DEMO_ENTERPRISE_ID,
                "enterprise_secret": DEMO_ENTERPRISE_SECRET,
                "product_key": AC_PRODUCT_KEY,
                "product_secret": AC_PRODUCT_SECRET,
                "url": urls["gizwits"],
            },
        )
        self.entries["tums"] = await add_entry(
            hass,
            "tums",
            {"access_key": DEMO_ACCESS_KEY, "secret_key": DEMO_SECRET_KEY, "url": urls["tums"]},
        )
        self.entries["xlink"] = await add_entry(
            hass,
            "xlink",
            {
                "mode": "corp",
                "login": DEMO_ACCOUNT,
                "password": DEMO_PASSWORD,
                "url": urls["xlink"],
            },
        )
        if self.scan_interval is not None:
            # Faster polling than the defaults: more requests, so more faults, per hour.
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

    async def run(self, hass: HomeAssistant, started_event: asyncio.Event) -> None:
        """Add the entries, then measure until the time is up; stop Home Assistant."""
        try:
            if hass.state is not CoreState.running:
                await started_event.wait()
            await self.add_entries(hass)
            # Give every entry one clean refresh: what is unavailable now is by design.
            await asyncio.sleep(2)
            baseline = self.unavailable(hass)
            assert self.simulators is not None  # noqa: S101  (started before Home Assistant)
            await self.simulators.ask("enable")
            self.count_refreshes(hass)
            self.logs.active = True
            started = time.monotonic()
            minute_peak = 0.0
            minute = 0
            while (elapsed := time.monotonic() - started) < self.duration:
                await asyncio.sleep(SAMPLE_SECONDS)
                minute_peak = max(minute_peak, rss_mb())
                for vendor, count in self.unavailable(hass).items():
                    excess = max(0, count - baseline[vendor])
                    self.unavailable_seconds[vendor] += excess * SAMPLE_SECONDS
                self.requests.update(await self.simulators.ask("requests"))
                if int(elapsed // 60) > minute or elapsed + SAMPLE_SECONDS >= self.duration:
                    minute = int(elapsed // 60)
                    self.memory.append((round(elapsed), round(minute_peak, 1)))
                    minute_peak = 0.0
            self.logs.active = False
        except Exception as err:  # noqa: BLE001  (reported, and the run fails)
            self.error = f"{type(err).__name__}: {err}"
        finally:
            await hass.async_stop()

    def report(self) -> dict[str, Any]:
        """What the run measured, and whether the budgets held."""
        hours = self.duration / 3600
        loud = sum(self.logs.loud.values())
        after_warm_up = [mb for t, mb in self.memory if t >= WARM_UP] or [
            mb for _t, mb in self.memory
        ]
        baseline = after_warm_up[0] if after_warm_up else 0.0
        growth = (max(after_warm_up) - baseline) if after_warm_up else 0.0
        noise = max(MEMORY_NOISE_MB, baseline * MEMORY_NOISE_SHARE)
        per_hour = loud / hours if hours else 0.0
        return {
            "duration_s": self.duration,
            "fault_rate": self.fault_rate,
            "scan_interval_s": self.scan_interval,
            "seed": self.seed,
            "error": self.error,
            "memory_mb": {
                "timeline": [{"t_s": t, "peak_rss": mb} for t, mb in self.memory],
                "peak": max((mb for _t, mb in self.memory), default=0.0),
                "after_first_minute": baseline,
                "growth_after_first_minute": round(growth, 1),
                "noise_allowance": round(noise, 1),
            },
            "api_errors": {
                vendor: {
                    "faults_injected": self.injected.get(vendor, {}),
                    "faults_total": sum(self.injected.get(vendor, {}).values()),
                    "requests": self.requests[vendor],
                    "refreshes": self.refreshes[vendor, True] + self.refreshes[vendor, False],
                    "failed_refreshes": self.refreshes[vendor, False],
                }
                for vendor in self.urls
            },
            "unavailable_entity_minutes": {
                **{v: round(s / 60, 1) for v, s in self.unavailable_seconds.items()},
                "total": round(sum(self.unavailable_seconds.values()) / 60, 1),
            },
            "log_lines": {
                "by_level": dict(self.logs.levels),
                "warning_or_worse": loud,
                "warning_or_worse_per_hour": round(per_hour, 1),
                "budget_per_hour": LOG_BUDGET_PER_HOUR,
                "loudest": dict(self.logs.loud.most_common(10)),
            },
            "verdict": {
                "ran": self.error is None,
                "memory_stable": growth <= noise,
                "log_lines_within_budget": per_hour < LOG_BUDGET_PER_HOUR,
            },
        }


def _write_report(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


class SimulatorProcess:
    """The simulators, in a child process, driven over a pipe."""

    def __init__(
        self,
        fault_rate: float,
        seed: int,
        without: Sequence[tuple[str, str, str, int | None]] = (),
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_simulators_main, args=(child, fault_rate, seed, list(without)), daemon=True
        )

    async def start(self) -> dict[str, str]:
        """Start them; their base URLs by vendor."""
        self._process.start()
        urls: dict[str, str] = await asyncio.to_thread(self._conn.recv)
        return urls

    async def ask(self, command: str) -> Any:
        """Send a command (enable, requests, stop) and wait for the answer."""
        await asyncio.to_thread(self._conn.send, command)
        return await asyncio.to_thread(self._conn.recv)

    async def stop(self) -> dict[str, dict[str, int]]:
        """Stop them; the faults injected, by vendor and kind."""
        injected: dict[str, dict[str, int]] = await self.ask("stop")
        await asyncio.to_thread(self._process.join, 10)
        return injected


def _simulators_main(
    conn: Connection,
    fault_rate: float,
    seed: int,
    without: Sequence[tuple[str, str, str, int | None]] = (),
) -> None:
    asyncio.run(_serve_simulators(conn, fault_rate, seed, without))


async def _serve_simulators(
    conn: Connection,
    fault_rate: float,
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
    dice: dict[str, FaultDice] = {}
    for vendor, sim in sims.items():
        await sim.start(host="127.0.0.1", port=0)
        dice[vendor] = FaultDice(sim, fault_rate, random.Random(rng.random()))
        dice[vendor].install()
    conn.send({vendor: str(sim.url) for vendor, sim in sims.items()})
    while True:
        command = await asyncio.to_thread(conn.recv)
        if command == "enable":
            for item in dice.values():
                item.enabled = True
            conn.send(True)
        elif command == "requests":
            # Recorded requests would only pile up here: count and forget them.
            conn.send({vendor: len(sim.requests) for vendor, sim in sims.items()})
            for sim in sims.values():
                sim.requests.clear()
        else:
            conn.send({vendor: dict(item.injected) for vendor, item in dice.items()})
            break
    for sim in sims.values():
        await sim.stop()


async def _main(
    soak: Soak, config_dir: Path, report_path: Path, keep_config: bool
) -> dict[str, Any]:
    soak.simulators = SimulatorProcess(soak.fault_rate, soak.seed, soak.without)
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
        await task
    finally:
        soak.injected = await soak.simulators.stop()
    report = soak.report()
    # Home Assistant watches for blocking calls in the loop, even after it stopped.
    await asyncio.to_thread(_write_report, report, report_path)
    if not keep_config:
        await asyncio.to_thread(shutil.rmtree, config_dir, True)
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print and write the report; 0 when both budgets hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument(
        "--fault-rate", type=float, default=0.05, help="share of requests that fail (0.05)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--scan-interval",
        type=float,
        default=None,
        help="poll every entry this often (at least each platform's minimum); default: theirs",
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
    if args.duration <= 0 or not 0 <= args.fault_rate <= 1:
        parser.error("--duration must be > 0 and --fault-rate within 0..1")

    soak = Soak(
        duration=args.duration,
        fault_rate=args.fault_rate,
        seed=args.seed,
        scan_interval=args.scan_interval,
    )
    soak.without = without
    config_dir = Path(tempfile.mkdtemp(prefix="cniot-soak-"))
    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / DOMAIN).symlink_to(ROOT / "custom_components" / DOMAIN)
    (config_dir / "configuration.yaml").write_text(CONFIGURATION.format(port=_free_port()))
    print(
        f"[soak] {args.duration:g} s, fault rate {args.fault_rate:g}, "
        f"Home Assistant in {config_dir}",
        flush=True,
    )
    main = _main(soak, config_dir, args.report, args.keep_config)
    report = asyncio.run(main, loop_factory=runner.create_event_loop)
    if args.keep_config:
        print(f"[soak] Home Assistant's files are in {config_dir}", flush=True)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"[soak] report written to {args.report}", flush=True)
    return 0 if all(report["verdict"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
