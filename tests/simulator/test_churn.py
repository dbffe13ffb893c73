"""Churn: flipping the online state of a spread of devices, for benchmarks."""

from __future__ import annotations

import aiohttp
import pytest

from simulator.base import VendorSimulator
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import generate_scenario
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.scenario import generate_gizwits_scenario
from simulator.tums import TumsSimulator
from simulator.tums.state import generate_scenario as generate_tums


def _simulators() -> list[VendorSimulator]:
    return [
        GatewaySimulator(scenario=generate_scenario(20)),
        GizwitsSimulator(generate_gizwits_scenario(30)),
        TumsSimulator(scenario=generate_tums(16)),
    ]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["gateway", "gizwits", "tums"])
def test_churn_flips_a_spread_and_back(index: int) -> None:
    sim = _simulators()[index]
    before = sim.online_states()
    flipped = sim.churn(4)
    assert len(flipped) == len(set(flipped)) == 4
    after = sim.online_states()
    assert {d for d in before if before[d] != after[d]} == set(flipped)
    # Spread over the fleet, not the first four.
    ids = sorted(before)
    assert ids.index(flipped[-1]) >= len(ids) // 2
    assert sim.churn(4) == flipped
    assert sim.online_states() == before
    assert sim.churn(0) == []
    assert len(sim.churn(10_000)) == len(before)


async def test_churn_endpoint() -> None:
    sim = GatewaySimulator(scenario=generate_scenario(10))
    before = sim.online_states()
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{url}/_sim/churn", json={"count": 2}) as resp:
                assert resp.status == 200
                reply = await resp.json()
            flipped = reply["flipped"]
            assert reply["devices"] == 10
            assert len(flipped) == 2
            assert all(sim.devices[sn].online is not before[sn] for sn in flipped)
            for bad in ({"count": -1}, {"count": True}, {"count": "2"}, [2]):
                async with session.post(f"{url}/_sim/churn", json=bad) as resp:
                    assert resp.status == 400
            async with session.post(f"{url}/_sim/churn", data=b"{") as resp:
                assert resp.status == 400
        assert not sim.requests  # admin calls are not recorded
    finally:
        await sim.stop()
