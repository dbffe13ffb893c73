"""``python -m simulator``: serve the vendor API simulators until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import ipaddress
import json
from pathlib import Path
import signal
import sys
from typing import TextIO

from .base import FEATURE_MODES, VendorSimulator
from .gateway import DEFAULT_MAX_DEVICES, DEFAULT_SET_PATH, GatewaySimulator
from .gateway.scenario import (
    Scenario,
    default_scenario,
    generate_scenario,
    load_scenario,
    scenario_to_json,
)
from .gateway.state import SIM_SLOTS, ScenarioError
from .gizwits import GizwitsSimulator
from .gizwits.codes import DEFAULT_QUOTA
from .gizwits.scenario import default_gizwits_scenario, generate_gizwits_scenario
from .tls import Certificate, make_certificate
from .tums import TumsSimulator
from .tums.state import (
    default_scenario as default_tums_scenario,
    generate_scenario as generate_tums,
)
from .xlink import XlinkSimulator
from .xlink.state import default_xlink_scenario, generate_xlink_scenario

DEFAULT_GATEWAY_PORT = 8501
DEFAULT_GIZWITS_PORT = 8502
DEFAULT_TUMS_PORT = 8503
DEFAULT_XLINK_PORT = 8504


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Serve simulated vendor APIs on loopback for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding a non-loopback --host (the simulators have no real security)",
    )
    parser.add_argument(
        "--gateway-port",
        type=int,
        default=DEFAULT_GATEWAY_PORT,
        help="gateway backend port; 0 picks a free one (default %(default)s)",
    )
    parser.add_argument(
        "--gizwits-port",
        type=int,
        default=DEFAULT_GIZWITS_PORT,
        help="Gizwits enterprise API port; 0 picks a free one (default %(default)s)",
    )
    parser.add_argument(
        "--gizwits-devices",
        type=int,
        metavar="N",
        help="generate N Gizwits devices instead of the default set",
    )
    parser.add_argument(
        "--gizwits-quota",
        type=int,
        default=DEFAULT_QUOTA,
        metavar="Q",
        help="Gizwits API calls per hour per enterprise (default %(default)s)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--devices", type=int, metavar="N", help="generate N gateways instead of the default set"
    )
    source.add_argument("--scenario", metavar="FILE", help="load a JSON scenario file")
    parser.add_argument(
        "--channels",
        type=int,
        metavar="K",
        help=f"SIM channels per generated gateway, 0..{SIM_SLOTS} (default 2; needs --devices)",
    )
    parser.add_argument(
        "--tums-port",
        type=int,
        default=DEFAULT_TUMS_PORT,
        help="TUMS cloud OpenAPI port; 0 picks a free one (default %(default)s)",
    )
    parser.add_argument(
        "--tums-devices",
        type=int,
        metavar="N",
        help="generate N TUMS devices instead of the default set",
    )
    parser.add_argument(
        "--tums-push-rate",
        type=float,
        default=0.0,
        metavar="PER_MIN",
        help="push random TUMS alarms to the subscribed URL, on average PER_MIN a minute "
        "(default 0: only on request and on online changes)",
    )
    parser.add_argument(
        "--tums-flv-frames",
        type=int,
        metavar="N",
        help="end each HTTP-FLV pull after N frames (25 a second); default: stream until the "
        "client leaves or the URL expires",
    )
    parser.add_argument(
        "--tums-all-subscribed",
        action="store_true",
        help="every TUMS device has its subscription (the default scenario keeps one "
        "restricted, -88315, which the integration reports as a repair issue)",
    )
    parser.add_argument(
        "--xlink-port",
        type=int,
        default=DEFAULT_XLINK_PORT,
        help="Xlink /v2 API port; 0 picks a free one (default %(default)s)",
    )
    parser.add_argument(
        "--xlink-devices",
        type=int,
        metavar="N",
        help="generate N Xlink water heaters instead of the default set",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for generation and drift")
    parser.add_argument(
        "--no-drift", action="store_true", help="keep rates and signals still between writes"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="SEC", help="delay every vendor request"
    )
    parser.add_argument(
        "--tls",
        metavar="CA_FILE",
        help="serve HTTPS with a certificate made at start, and write the certificate "
        "authority that signed it to CA_FILE (for REQUESTS_CA_BUNDLE or curl --cacert)",
    )
    parser.add_argument("--username", help="require HTTP Basic auth with this user name")
    parser.add_argument("--password", help="password for --username")
    parser.add_argument(
        "--set-path",
        default=DEFAULT_SET_PATH,
        help="path of the settings write (default %(default)s)",
    )
    parser.add_argument(
        "--max-devices",
        type=int,
        default=DEFAULT_MAX_DEVICES,
        help="registration limit, error 7011 beyond it (default %(default)s)",
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="VENDOR.FEATURE[=MODE[:CODE]]",
        help="serve an account without an optional feature, e.g. gizwits.summary or "
        "tums.solar=refused:-88311; MODE is absent (404, the default), forbidden (403), "
        "refused (the vendor's permission code, or CODE) or unreadable; repeatable",
    )
    parser.add_argument(
        "--dump-scenario",
        metavar="FILE",
        help="write the chosen scenario as JSON ('-' for stdout) and exit",
    )
    args = parser.parse_args(argv)
    if args.channels is not None and args.devices is None:
        parser.error("--channels needs --devices")
    if args.channels is not None and not 0 <= args.channels <= SIM_SLOTS:
        parser.error(f"--channels must be 0..{SIM_SLOTS}")
    if args.devices is not None and args.devices < 0:
        parser.error("--devices must be >= 0")
    if (args.username is None) != (args.password is None):
        parser.error("--username and --password go together")
    if args.latency < 0:
        parser.error("--latency must be >= 0")
    if not 0 <= args.gateway_port <= 65535:
        parser.error("--gateway-port must be 0..65535")
    if not 0 <= args.tums_port <= 65535:
        parser.error("--tums-port must be 0..65535")
    if args.tums_devices is not None and args.tums_devices < 0:
        parser.error("--tums-devices must be >= 0")
    if args.tums_push_rate < 0:
        parser.error("--tums-push-rate must be >= 0")
    if args.tums_flv_frames is not None and args.tums_flv_frames < 1:
        parser.error("--tums-flv-frames must be >= 1")
    if not 0 <= args.gizwits_port <= 65535:
        parser.error("--gizwits-port must be 0..65535")
    if args.gizwits_devices is not None and args.gizwits_devices < 0:
        parser.error("--gizwits-devices must be >= 0")
    if args.gizwits_quota < 0:
        parser.error("--gizwits-quota must be >= 0")
    if not 0 <= args.xlink_port <= 65535:
        parser.error("--xlink-port must be 0..65535")
    if args.xlink_devices is not None and args.xlink_devices < 0:
        parser.error("--xlink-devices must be >= 0")
    try:
        args.without = [parse_without(item) for item in args.without]
    except ValueError as err:
        parser.error(f"--without: {err}")
    if not args.allow_remote and not _is_loopback(args.host):
        parser.error(f"{args.host} is not a loopback address; add --allow-remote to bind it")
    return args


def parse_without(text: str) -> tuple[str, str, str, int | None]:
    """``vendor.feature[=mode[:code]]`` as (vendor, feature, mode, code)."""
    target, _, spec = text.partition("=")
    vendor, _, feature = target.partition(".")
    mode, _, code_text = (spec or "absent").partition(":")
    if not vendor or not feature:
        raise ValueError(f"{text!r} is not VENDOR.FEATURE[=MODE[:CODE]]")
    if mode not in FEATURE_MODES:
        raise ValueError(f"mode must be one of {', '.join(FEATURE_MODES)}")
    try:
        code = int(code_text) if code_text else None
    except ValueError as err:
        raise ValueError(f"{code_text!r} is not a number") from err
    return vendor, feature, mode, code


def apply_without(
    simulators: Sequence[tuple[VendorSimulator, int]],
    without: Sequence[tuple[str, str, str, int | None]],
) -> None:
    """Make the named features unavailable; ValueError for an unknown vendor or feature."""
    by_vendor = {simulator.vendor: simulator for simulator, _port in simulators}
    for vendor, feature, mode, code in without:
        if vendor not in by_vendor:
            raise ValueError(f"unknown vendor {vendor!r}")
        by_vendor[vendor].set_feature(feature, mode, code)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_scenario(args: argparse.Namespace) -> Scenario:
    """The scenario the options select; OSError or ScenarioError for a bad file."""
    if args.scenario is not None:
        return load_scenario(args.scenario)
    if args.devices is not None:
        channels = 2 if args.channels is None else args.channels
        return generate_scenario(args.devices, seed=args.seed, channels=channels)
    return default_scenario()


def build_simulators(
    args: argparse.Namespace, scenario: Scenario
) -> list[tuple[VendorSimulator, int]]:
    """Each vendor simulator with the port it should listen on."""
    gateway = GatewaySimulator(
        scenario,
        drift=not args.no_drift,
        username=args.username,
        password=args.password,
        set_path=args.set_path,
        max_devices=args.max_devices,
        latency=args.latency,
        seed=args.seed,
    )
    return [(gateway, args.gateway_port)]


def build_tums(args: argparse.Namespace) -> list[tuple[VendorSimulator, int]]:
    """The TUMS cloud simulator with its port."""
    scenario = (
        default_tums_scenario()
        if args.tums_devices is None
        else generate_tums(args.tums_devices, seed=args.seed)
    )
    if getattr(args, "tums_all_subscribed", False):
        for device in scenario.devices:
            if device.open_status == 0:
                device.open_status = 2  # in use, as the rest
    tums = TumsSimulator(
        scenario=scenario,
        drift=not args.no_drift,
        latency=args.latency,
        seed=args.seed,
        push_rate=args.tums_push_rate,
        flv_frames=args.tums_flv_frames,
    )
    return [(tums, args.tums_port)]


def build_gizwits_simulator(args: argparse.Namespace) -> tuple[VendorSimulator, int]:
    """The Gizwits enterprise API simulator with the port it should listen on."""
    scenario = (
        default_gizwits_scenario()
        if args.gizwits_devices is None
        else generate_gizwits_scenario(args.gizwits_devices, seed=args.seed)
    )
    simulator = GizwitsSimulator(
        scenario,
        quota=args.gizwits_quota,
        latency=args.latency,
        seed=args.seed,
        drift=not args.no_drift,
    )
    return simulator, args.gizwits_port


def build_xlink_simulator(args: argparse.Namespace) -> tuple[VendorSimulator, int]:
    """The Xlink /v2 API simulator with the port it should listen on."""
    scenario = (
        default_xlink_scenario()
        if args.xlink_devices is None
        else generate_xlink_scenario(args.xlink_devices, seed=args.seed)
    )
    simulator = XlinkSimulator(
        scenario, latency=args.latency, seed=args.seed, drift=not args.no_drift
    )
    return simulator, args.xlink_port


async def serve(
    simulators: Sequence[tuple[VendorSimulator, int]],
    host: str,
    *,
    stop: asyncio.Event | None = None,
    out: TextIO | None = None,
    handle_signals: bool = True,
    tls_ca: Path | None = None,
) -> None:
    """Start every simulator, announce its URL, and run until ``stop`` or a signal.

    With ``tls_ca`` every simulator serves HTTPS with one certificate made now, whose
    authority is written to that file before the first URL is announced.
    """
    stop = stop or asyncio.Event()
    certificate: Certificate | None = None
    if tls_ca is not None:
        hosts = tuple(dict.fromkeys((host, "127.0.0.1", "localhost", "::1")))
        certificate = await asyncio.to_thread(make_certificate, hosts)
        await asyncio.to_thread(tls_ca.write_bytes, certificate.ca_pem)
    out = out or sys.stdout
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if handle_signals else ()
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    started: list[VendorSimulator] = []
    try:
        for simulator, port in simulators:
            url = await simulator.start(host, port, tls=certificate or False)
            started.append(simulator)
            out.write(f"{simulator.vendor} simulator on {url}\n")
            out.flush()
        await stop.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        for simulator in started:
            await simulator.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        scenario = build_scenario(args)
        simulators = [
            *build_simulators(args, scenario),
            build_gizwits_simulator(args),
            # Before TUMS: scripts/develop waits for the last vendor's line.
            build_xlink_simulator(args),
        ]
    except (OSError, ScenarioError) as err:
        sys.stderr.write(f"simulator: {err}\n")
        return 2
    if args.dump_scenario is not None:
        text = json.dumps(scenario_to_json(scenario), ensure_ascii=False, indent=2) + "\n"
        if args.dump_scenario == "-":
            sys.stdout.write(text)
        else:
            Path(args.dump_scenario).write_text(text, encoding="utf-8")
        return 0
    simulators += build_tums(args)
    try:
        apply_without(simulators, args.without)
    except ValueError as err:
        sys.stderr.write(f"simulator: {err}\n")
        return 2
    try:
        tls_ca = None if args.tls is None else Path(args.tls)
        asyncio.run(serve(simulators, args.host, tls_ca=tls_ca))
    except OSError as err:
        sys.stderr.write(f"simulator: {err}\n")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
