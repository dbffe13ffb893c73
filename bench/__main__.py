"""``python -m bench``: run the fleet benchmark and write docs/BENCHMARKS.md and its JSON."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
import json
import logging
from pathlib import Path
import sys
import time
from typing import Any

from .fleet import ROOT, Fleet, run_fleet
from .machine import describe_machine
from .quota import QuotaRun, run_quota
from .report import render_markdown


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Measure cniot at fleet scale against the simulators (issue #6).",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.1,
        metavar="SEC",
        help="simulated per-request latency (default %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one repeat per refresh, one simulated hour, fewer quota fleet sizes",
    )
    parser.add_argument("--tums-devices", type=int, default=1000, metavar="N")
    parser.add_argument("--gizwits-devices", type=int, default=300, metavar="N")
    parser.add_argument("--xlink-devices", type=int, default=200, metavar="N")
    parser.add_argument("--gateways", type=int, default=50, metavar="N")
    parser.add_argument("--channels", type=int, default=4, metavar="K")
    parser.add_argument(
        "--hours", type=int, default=3, metavar="H", help="simulated Gizwits hours (default 3)"
    )
    parser.add_argument(
        "--quota-sizes",
        default="30,300,1000,2500,3500",
        metavar="N,N",
        help="Gizwits fleet sizes for the quota sweep (default %(default)s)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "docs" / "BENCHMARKS.md",
        help="Markdown report (default docs/BENCHMARKS.md; the JSON goes beside it)",
    )
    parser.add_argument("--skip-fleet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-quota", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.latency < 0:
        parser.error("--latency must be >= 0")
    for name in ("tums_devices", "gizwits_devices", "xlink_devices", "gateways"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be >= 0")
    try:
        args.quota_sizes = sorted({int(size) for size in args.quota_sizes.split(",") if size})
    except ValueError:
        parser.error("--quota-sizes takes comma-separated integers")
    if args.quick:
        args.hours = min(args.hours, 2)
        args.quota_sizes = [size for size in args.quota_sizes if size <= 1000]
    return args


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the report."""
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement, as the JSON report."""
    started = time.perf_counter()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": describe_machine(),
        "command": "scripts/bench " + " ".join(sys.argv[1:]),
    }
    fleet = Fleet(
        gateways=args.gateways,
        channels=args.channels,
        gizwits_devices=args.gizwits_devices,
        tums_devices=args.tums_devices,
        xlink_devices=args.xlink_devices,
        latency=args.latency,
        repeats=1 if args.quick else 5,
    )
    if not args.skip_fleet:
        report["fleet"] = await run_fleet(fleet, log)
    if not args.skip_quota:
        sizes = sorted({args.gizwits_devices, *args.quota_sizes})
        runs = [
            QuotaRun(devices=size, hours=args.hours, entities=size == args.gizwits_devices)
            for size in sizes
        ]
        report["quota"] = [await run_quota(item, log) for item in runs]
    report["duration_s"] = round(time.perf_counter() - started, 1)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(run(args))
    markdown = render_markdown(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown, encoding="utf-8")
    json_path = args.output.with_suffix(".json")
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(markdown)
    log(f"wrote {args.output} and {json_path} in {report['duration_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
