"""``python -m simulator`` with the Gizwits simulator: options, serving, a real process."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
import re
import signal
import sys

import aiohttp
import pytest

from simulator.__main__ import (
    build_gizwits_simulator,
    build_scenario,
    build_simulators,
    parse_args,
    serve,
)
from simulator.gizwits import AC_PRODUCT_KEY, PLUG_PRODUCT_KEY, GizwitsSimulator

from .test_gizwits_api import GApi

ROOT = Path(__file__).resolve().parents[2]
GIZWITS_LINE = re.compile(r"^gizwits simulator on (http://127\.0\.0\.1:(\d+))$", re.MULTILINE)


@pytest.mark.parametrize(
    "argv",
    [["--gizwits-port", "70000"], ["--gizwits-devices", "-1"], ["--gizwits-quota", "-1"]],
)
def test_bad_options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as err:
        parse_args(argv)
    assert err.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_options() -> None:
    args = parse_args([])
    assert (args.gizwits_port, args.gizwits_devices, args.gizwits_quota) == (8502, None, 3600)
    simulator, port = build_gizwits_simulator(args)
    assert port == 8502
    assert isinstance(simulator, GizwitsSimulator)
    assert simulator.drift
    assert simulator.quota == 3600
    assert sum(len(devices) for devices in simulator.devices.values()) == 10

    args = parse_args(
        ["--gizwits-devices", "30", "--gizwits-quota", "5", "--gizwits-port", "0", "--no-drift"]
    )
    simulator, port = build_gizwits_simulator(args)
    assert isinstance(simulator, GizwitsSimulator)
    assert (port, simulator.quota, simulator.drift) == (0, 5, False)
    assert len(simulator.devices[AC_PRODUCT_KEY]) == 20
    assert len(simulator.devices[PLUG_PRODUCT_KEY]) == 10


class _Announcements(io.StringIO):
    """Captures what serve() prints and tells when both simulators were announced."""

    def __init__(self) -> None:
        super().__init__()
        self.done = asyncio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if GIZWITS_LINE.search(self.getvalue()):
            self.done.set()
        return written


async def test_serve_in_process(session: aiohttp.ClientSession) -> None:
    args = parse_args(["--gateway-port", "0", "--gizwits-port", "0", "--gizwits-quota", "9"])
    simulators = [*build_simulators(args, build_scenario(args)), build_gizwits_simulator(args)]
    stop = asyncio.Event()
    out = _Announcements()
    task = asyncio.create_task(
        serve(simulators, args.host, stop=stop, out=out, handle_signals=False)
    )
    await asyncio.wait_for(out.done.wait(), 10)
    match = GIZWITS_LINE.search(out.getvalue())
    assert match
    reply = await GApi(session, match.group(1)).access_token()
    assert reply.status == 200
    assert reply.rate()[0] == 9
    stop.set()
    await task
    assert simulators[1][0].url is None


@pytest.mark.enable_socket
async def test_subprocess(session: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--gateway-port",
        "0",
        "--gizwits-port",
        "0",
        "--tums-port",
        "0",
        "--xlink-port",
        "0",
        "--gizwits-devices",
        "3",
        "--gizwits-quota",
        "7",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 30)).decode() for _ in range(2)]
        assert lines[0].startswith("gateway simulator on http://127.0.0.1:")
        match = GIZWITS_LINE.search(lines[1])
        assert match, lines
        api = GApi(session, match.group(1))
        body = await api.ok("/devices/search")
        assert body["meta"]["total"] == 2
        assert (await api.get("/datapoint")).rate()[:2] == (7, 4)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
