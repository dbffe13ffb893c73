"""Simulator switches that serve an account without an optional feature."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from simulator.__main__ import apply_without, main, parse_args, parse_without
from simulator.base import VendorSimulator
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY
from simulator.tums import TumsSimulator

OVERVIEW = "/tums/open/deviceManager/v1/getApplicationOverview"
SUMMARY = f"/v1/products/{AC_PRODUCT_KEY}/devices/summary"


async def _send(sim: VendorSimulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    assert sim.url is not None
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{sim.url}{path}", json=body) as resp,
    ):
        text = await resp.text()
        try:
            return resp.status, await resp.json(content_type=None)
        except ValueError:
            return resp.status, text


@pytest.fixture
async def tums() -> Any:
    sim = TumsSimulator()
    await sim.start()
    yield sim
    await sim.stop()


@pytest.mark.parametrize(
    ("mode", "code", "status", "body"),
    [
        ("absent", None, 404, None),
        ("absent", 501, 501, None),
        ("forbidden", None, 403, None),
        ("refused", None, 200, {"error_code": -20001, "msg": "injected fault"}),
        ("refused", -88311, 200, {"error_code": -88311, "msg": "injected fault"}),
    ],
)
async def test_tums_feature_modes(
    tums: TumsSimulator, mode: str, code: int | None, status: int, body: Any
) -> None:
    """Each mode answers the feature's path only; the device list still works."""
    tums.set_feature("overview", mode, code)
    got_status, got = await _send(tums, "POST", OVERVIEW, {})
    assert got_status == status
    if body is not None:
        assert got == body
    # The core path is untouched (unsigned, so refused for that reason, not a fault).
    list_status, listed = await _send(
        tums, "POST", "/tums/open/deviceManager/v1/getDeviceListInProjectApplication", {}
    )
    assert list_status == 200
    assert listed["error_code"] != -20001
    tums.set_feature("overview", None)
    assert not tums.unavailable_features


async def test_unreadable_keeps_the_envelope(tums: TumsSimulator) -> None:
    """A successful reply keeps its envelope around a list; others become a list."""
    tums.set_feature("overview", "unreadable")
    # Unsigned, so the cloud's own answer is an error without a result.
    _status, got = await _send(tums, "POST", OVERVIEW, {})
    assert got == ["unreadable"]
    tums.requests.clear()


async def test_gizwits_unreadable_and_reset() -> None:
    sim = GizwitsSimulator()
    await sim.start()
    try:
        sim.set_feature("summary", "unreadable")
        status, got = await _send(sim, "GET", SUMMARY)
        assert (status, got) == (200, ["unreadable"])
        sim.set_feature("summary", "refused")
        status, got = await _send(sim, "GET", SUMMARY)
        assert (status, got["error_code"]) == (403, 5024)
        sim.reset()
        assert not sim.unavailable_features
    finally:
        await sim.stop()


def test_bad_switches() -> None:
    gateway = GatewaySimulator(scenario=default_scenario())
    with pytest.raises(ValueError, match="unknown gateway feature"):
        gateway.set_feature("reports", "absent")
    with pytest.raises(ValueError, match="no permission code"):
        gateway.set_feature("settings", "refused")
    with pytest.raises(ValueError, match="mode must be one of"):
        gateway.set_feature("settings", "gone")
    # The settings path follows the configured one.
    custom = GatewaySimulator(scenario=default_scenario(), set_path="/api/v2/set")
    assert custom.feature_paths == {"settings": "/api/v2/set"}


async def test_admin_api(tums: TumsSimulator) -> None:
    status, got = await _send(tums, "GET", "/_sim/features")
    assert status == 200
    assert "solar" in got["features"]
    assert got["unavailable"] == {}
    status, got = await _send(
        tums, "POST", "/_sim/features", {"feature": "solar", "mode": "refused", "code": -82401}
    )
    assert status == 200
    assert got["unavailable"]["solar"]["value"] == -82401
    status, got = await _send(tums, "POST", "/_sim/features", {"feature": "solar", "mode": None})
    assert got["unavailable"] == {}
    for bad in (
        [],
        {"feature": 1},
        {"feature": "solar", "mode": 3},
        {"feature": "solar", "mode": "refused", "code": True},
        {"feature": "nope", "mode": "absent"},
    ):
        status, got = await _send(tums, "POST", "/_sim/features", bad)
        assert status == 400, bad
        assert "error" in got


def test_without_option() -> None:
    assert parse_without("gizwits.summary") == ("gizwits", "summary", "absent", None)
    assert parse_without("tums.solar=refused:-88311") == ("tums", "solar", "refused", -88311)
    assert parse_without("gateway.settings=forbidden") == ("gateway", "settings", "forbidden", None)
    for bad in ("gizwits", "tums.solar=gone", "tums.solar=refused:x"):
        with pytest.raises(ValueError, match=r"VENDOR\.FEATURE|mode must|not a number"):
            parse_without(bad)
    args = parse_args(["--without", "tums.flow", "--without", "gizwits.alert_report=unreadable"])
    assert args.without == [
        ("tums", "flow", "absent", None),
        ("gizwits", "alert_report", "unreadable", None),
    ]
    with pytest.raises(SystemExit):
        parse_args(["--without", "tums"])
    sims: list[tuple[VendorSimulator, int]] = [(TumsSimulator(), 0)]
    apply_without(sims, args.without[:1])
    assert set(sims[0][0].unavailable_features) == {"flow"}
    with pytest.raises(ValueError, match="unknown vendor"):
        apply_without(sims, [("acme", "flow", "absent", None)])


def test_main_refuses_unknown_feature(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--without", "tums.nothing"]) == 2
    assert "unknown tums feature" in capsys.readouterr().err
