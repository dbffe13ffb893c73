"""Drift: values move on their own only when it is enabled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario

from .conftest import EPOCH, OFFLINE, SHANGHAI, WAREHOUSE, Api, Clock


async def _snapshot(api: Api) -> dict[str, Any]:
    reply = await api.query([SHANGHAI, WAREHOUSE, OFFLINE], {"base": [], "channel": []})
    devices: dict[str, Any] = reply["devices"]
    return devices


@pytest.fixture
async def drifting(clock: Clock, session: aiohttp.ClientSession) -> AsyncIterator[Api]:
    sim = GatewaySimulator(default_scenario(), drift=True, clock=clock, seed=7)
    url = await sim.start()
    try:
        yield Api(session, url)
    finally:
        await sim.stop()


async def test_no_drift_keeps_values(api: Api, clock: Clock) -> None:
    first = await _snapshot(api)
    clock.now = EPOCH + 3600
    for _ in range(5):
        later = await _snapshot(api)
    assert later == first


async def test_drift_moves_values_within_bounds(drifting: Api, clock: Clock) -> None:
    first = await _snapshot(drifting)
    seen_rates = set()
    for step in range(1, 201):
        clock.now = EPOCH + step * 10
        devices = await _snapshot(drifting)
        shanghai = devices[SHANGHAI]["channel"]
        seen_rates.add(shanghai["0"]["rateup"])
        for key in ("0", "1"):
            channel = shanghai[key]
            assert -120 <= channel["signal"] <= -60
            assert channel["rssp"] == channel["signal"]
            assert 5 <= channel["rtt"] <= 500
            assert 0 <= channel["rateup"] <= 2 * 30000
            assert 0 <= channel["ratedown"] <= 2 * 150000
            assert -5 <= channel["sinru"] <= 30
        assert -90 <= shanghai["8"]["wifiSignal"] <= -30
    assert len(seen_rates) > 50

    last = devices
    shanghai_first, shanghai_last = first[SHANGHAI]["channel"], last[SHANGHAI]["channel"]
    # Data volumes grow with the data moved, and the allowance shrinks by as much.
    moved = shanghai_last["0"]["used"] - shanghai_first["0"]["used"]
    assert moved > 0
    assert shanghai_last["0"]["todayUsedFlow"] - shanghai_first["0"]["todayUsedFlow"] == (
        pytest.approx(moved, abs=2)
    )
    assert shanghai_first["0"]["remain"] - shanghai_last["0"]["remain"] == pytest.approx(
        moved, abs=2
    )
    assert shanghai_last["8"]["used"] > shanghai_first["8"]["used"]
    # 2000 s at tens of Mbit/s move hundreds of megabytes.
    assert moved > 2000 * 1000 / 8
    assert shanghai_last["2"] == {}
    # Disabled channels and offline gateways stand still.
    assert last[WAREHOUSE]["channel"]["1"] == first[WAREHOUSE]["channel"]["1"]
    assert last[OFFLINE] == first[OFFLINE]
    # The gateway's rates stay the sum of its connected channels.
    reply = await drifting.query([SHANGHAI], {"base": ["rateup", "ratedown"], "channel": []})
    device = reply["devices"][SHANGHAI]
    live = [ch for ch in device["channel"].values() if ch and ch["state"]]
    assert device["base"]["rateup"] == sum(ch["rateup"] for ch in live)
    assert device["base"]["ratedown"] == sum(ch["ratedown"] for ch in live)


async def test_drift_is_seeded(clock: Clock, session: aiohttp.ClientSession) -> None:
    results = []
    for _ in range(2):
        sim = GatewaySimulator(default_scenario(), drift=True, clock=clock, seed=3)
        url = await sim.start()
        try:
            api = Api(session, url)
            for _step in range(5):
                await api.query([SHANGHAI], {"channel": ["0"]})
            results.append(await _snapshot(api))
        finally:
            await sim.stop()
    assert results[0] == results[1]
