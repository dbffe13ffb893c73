"""Fixtures for the simulator tests: a gateway simulator on loopback and a JSON client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario

EPOCH = 1_790_000_000.0
SHANGHAI = "172DE6AC9832DE"
VEHICLE = "2A9F3C71B0E4D5"
WAREHOUSE = "3C0DE5F7A1B2C4"
OFFLINE = "4E5F60718293A4"
RULE_NMS = "ebfa83fe9b9aa6a83fe"
RULE_CAMERA = "5c1d2e3f4a5b6c7d8e9"

LIST = "/api/v1/devices/list"
QUERY = "/api/v1/devices/query"
SET = "/api/v1/devices/set"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """The simulator needs no Home Assistant; skip the package-wide hass setup."""


class Clock:
    """A hand-driven clock."""

    def __init__(self, now: float = EPOCH) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Api:
    """JSON requests to a running simulator."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def post(self, path: str, body: Any) -> dict[str, Any]:
        async with self.session.post(self.url + path, json=body) as resp:
            assert resp.status == 200, await resp.text()
            data: dict[str, Any] = await resp.json()
            return data

    async def get(self, path: str) -> dict[str, Any]:
        async with self.session.get(self.url + path) as resp:
            assert resp.status == 200, await resp.text()
            data: dict[str, Any] = await resp.json()
            return data

    async def list_devices(self, args: Any = None, **params: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "page": 1,
            "limit": 100,
            "filtration": 0,
            "condition": "",
            "sort_by": 0,
            "ascend": 1,
            "args": {} if args is None else args,
        }
        body.update(params)
        return await self.post(LIST, body)

    async def query(self, sns: list[str], args: Any = None) -> dict[str, Any]:
        return await self.post(QUERY, {"sns": sns, "args": {} if args is None else args})

    async def set(self, sn: str, changes: Any) -> dict[str, Any]:
        return await self.post(SET, {"devices": {sn: changes}})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sim(clock: Clock) -> AsyncIterator[GatewaySimulator]:
    simulator = GatewaySimulator(scenario=default_scenario(), drift=False, clock=clock)
    await simulator.start(host="127.0.0.1", port=0)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def api(sim: GatewaySimulator, session: aiohttp.ClientSession) -> Api:
    assert sim.url is not None
    return Api(session, sim.url)
