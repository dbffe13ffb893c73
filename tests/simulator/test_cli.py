"""``python -m simulator``: options, scenario selection, serving, and a real process."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
import re
import signal
import ssl
import sys

import aiohttp
import pytest

from simulator.__main__ import (
    build_scenario,
    build_simulators,
    build_tums,
    main,
    parse_args,
    serve,
)
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario, dump_scenario
from simulator.tums import TumsSimulator

from .conftest import SHANGHAI, Api

ROOT = Path(__file__).resolve().parents[2]
URL_LINE = re.compile(r"^gateway simulator on (http://127\.0\.0\.1:(\d+))$")


@pytest.mark.parametrize(
    "argv",
    [
        ["--channels", "2"],
        ["--devices", "5", "--channels", "7"],
        ["--devices", "-1"],
        ["--devices", "5", "--scenario", "x.json"],
        ["--username", "admin"],
        ["--password", "only"],
        ["--latency", "-1"],
        ["--gateway-port", "70000"],
        ["--host", "192.0.2.1"],
        ["--host", "example.com"],
        ["--tums-flv-frames", "0"],
    ],
)
def test_bad_options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as err:
        parse_args(argv)
    assert err.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_options_and_scenarios(tmp_path: Path) -> None:
    args = parse_args([])
    assert (args.host, args.gateway_port, args.no_drift, args.latency) == (
        "127.0.0.1",
        8501,
        False,
        0.0,
    )
    assert build_scenario(args) == default_scenario()
    (gateway, port), *others = build_simulators(args, build_scenario(args))
    assert not others
    assert port == 8501
    assert isinstance(gateway, GatewaySimulator)
    assert gateway.drift

    for host in ("localhost", "::1", "127.0.0.2"):
        assert parse_args(["--host", host]).host == host
    assert parse_args(["--host", "192.0.2.1", "--allow-remote"]).allow_remote

    args = parse_args(["--devices", "50", "--channels", "4", "--seed", "9", "--no-drift"])
    scenario = build_scenario(args)
    assert len(scenario.gateways) == 50
    (gateway, _port), *_ = build_simulators(args, scenario)
    assert isinstance(gateway, GatewaySimulator)
    assert not gateway.drift
    assert len(build_scenario(parse_args(["--devices", "3"])).gateways[0].channels) == 3

    path = tmp_path / "s.json"
    dump_scenario(default_scenario(), path)
    assert build_scenario(parse_args(["--scenario", str(path)])) == default_scenario()


def test_tums_stream_length() -> None:
    """The demo's cameras stream without end unless --tums-flv-frames limits them."""
    [(endless, _port)] = build_tums(parse_args([]))
    [(limited, _port)] = build_tums(parse_args(["--tums-flv-frames", "250"]))
    assert getattr(endless, "flv_frames", 0) is None
    assert getattr(limited, "flv_frames", 0) == 250


def test_tums_all_subscribed() -> None:
    """The demo's account has every device subscribed; the default keeps one restricted."""
    [(default, _port)] = build_tums(parse_args([]))
    [(demo, _port)] = build_tums(parse_args(["--tums-all-subscribed"]))
    assert isinstance(default, TumsSimulator)
    assert isinstance(demo, TumsSimulator)
    # The restricted device, whose repair the integration's tests cover, stays by default.
    assert [d for d in default.devices.values() if not d.open_status]
    assert set(demo.devices) == set(default.devices)
    assert all(device.open_status for device in demo.devices.values())
    # It is the scenario that changes: a reset of the simulator keeps it so.
    demo.reset_state()
    assert all(device.open_status for device in demo.devices.values())


def test_dump_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.json"
    assert main(["--devices", "2", "--dump-scenario", str(target)]) == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))["gateway"]["devices"]) == 2
    assert main(["--dump-scenario", "-"]) == 0
    assert "上海1" in capsys.readouterr().out


def test_bad_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"gateway": {"devices": [{}]}}', encoding="utf-8")
    assert main(["--scenario", str(path)]) == 2
    assert "sn and alias" in capsys.readouterr().err
    assert main(["--scenario", str(tmp_path / "missing.json")]) == 2


class _Announcements(io.StringIO):
    """Captures what serve() prints and tells when something was."""

    def __init__(self) -> None:
        super().__init__()
        self.written = asyncio.Event()

    def write(self, text: str) -> int:
        self.written.set()
        return super().write(text)


async def test_serve_in_process(session: aiohttp.ClientSession) -> None:
    args = parse_args(["--gateway-port", "0", "--username", "u", "--password", "p"])
    simulators = build_simulators(args, build_scenario(args))
    stop = asyncio.Event()
    out = _Announcements()
    task = asyncio.create_task(
        serve(simulators, args.host, stop=stop, out=out, handle_signals=False)
    )
    await asyncio.wait_for(out.written.wait(), 10)
    match = URL_LINE.match(out.getvalue().strip())
    assert match
    api_session = aiohttp.ClientSession(auth=aiohttp.BasicAuth("u", "p"))
    async with api_session:
        reply = await Api(api_session, match.group(1)).query([SHANGHAI], {"base": ["sn"]})
    assert reply["devices"][SHANGHAI]["base"] == {"sn": SHANGHAI}
    stop.set()
    await task
    assert simulators[0][0].url is None


async def test_serve_https_in_process(tmp_path: Path) -> None:
    """--tls: HTTPS only, with the authority that signed the certificate written out."""
    args = parse_args(["--gateway-port", "0", "--tls", str(tmp_path / "ca.pem")])
    simulators = build_simulators(args, build_scenario(args))
    stop = asyncio.Event()
    out = _Announcements()
    task = asyncio.create_task(
        serve(
            simulators, args.host, stop=stop, out=out, handle_signals=False, tls_ca=Path(args.tls)
        )
    )
    await asyncio.wait_for(out.written.wait(), 30)
    match = re.match(r"^gateway simulator on (https://127\.0\.0\.1:\d+)$", out.getvalue().strip())
    assert match, out.getvalue()
    trusted = await asyncio.to_thread(ssl.create_default_context, cafile=tmp_path / "ca.pem")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusted)) as https:
        reply = await Api(https, match.group(1)).query([SHANGHAI], {"base": ["sn"]})
    assert reply["devices"][SHANGHAI]["base"] == {"sn": SHANGHAI}
    stop.set()
    await task


async def _start_process(*argv: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *argv,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.enable_socket
async def test_subprocess(session: aiohttp.ClientSession) -> None:
    # Every vendor on a free port, so a running demo or a parallel test cannot clash.
    free = ("--gizwits-port", "0", "--tums-port", "0", "--xlink-port", "0")
    proc = await _start_process("--gateway-port", "0", *free, "--no-drift", "--devices", "3")
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        match = URL_LINE.match(line)
        assert match, line
        reply = await Api(session, match.group(1)).list_devices({"base": ["alias"]})
        assert reply["count"] == 3
        assert reply["devices"][0]["base"] == {"alias": "GW-001"}

        # A second process cannot take the same port and says so.
        clash = await _start_process("--gateway-port", match.group(2), *free)
        _out, err = await asyncio.wait_for(clash.communicate(), 30)
        assert clash.returncode == 1
        assert b"simulator:" in err
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
