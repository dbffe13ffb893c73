"""Xlink simulator: the documented semantics seen from raw HTTP, the admin API and the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import aiohttp
import pytest

from simulator.__main__ import build_xlink_simulator, parse_args
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import (
    DEMO_ACCOUNT,
    DEMO_CORP_ID,
    DEMO_PASSWORD,
    DEMO_USER_EMAIL,
    DEMO_USER_ID,
    DEMO_USER_PASSWORD,
    HEATER_PRODUCT_ID,
    PURIFIER_PRODUCT_ID,
    SimDatapoint,
    ValueRefusedError,
    generate_xlink_scenario,
)

from .conftest import EPOCH, Clock

HEATER, HEATER_OFFLINE = 1658785277, 1658785279


class Api:
    """Raw requests to a running Xlink simulator."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url
        self.token = ""

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        headers = {"Access-Token": self.token if token is None else token}
        kwargs: dict[str, Any] = {"headers": headers}
        if raw is not None:
            kwargs["data"] = raw
        elif body is not None:
            kwargs["json"] = body
        async with self.session.request(method, self.url + path, **kwargs) as resp:
            text = await resp.read()
            try:
                return resp.status, await resp.json(content_type=None) if text else None
            except ValueError:
                return resp.status, text

    async def login(self) -> dict[str, Any]:
        status, body = await self.call(
            "POST", "/v2/corp_auth", {"account": DEMO_ACCOUNT, "password": DEMO_PASSWORD}
        )
        assert status == 200
        self.token = body["access_token"]
        return dict(body)

    async def user_login(self, resource: str = "app") -> dict[str, Any]:
        status, body = await self.call(
            "POST",
            "/v2/user_auth",
            {
                "corp_id": DEMO_CORP_ID,
                "email": DEMO_USER_EMAIL,
                "password": DEMO_USER_PASSWORD,
                "resource": resource,
            },
        )
        assert status == 200, body
        self.token = body["access_token"]
        return dict(body)


def code(body: Any) -> int:
    return int(body["error"]["code"])


@pytest.fixture
async def xsim(clock: Clock) -> AsyncIterator[XlinkSimulator]:
    sim = XlinkSimulator(clock=clock, token_ttl=100)
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def api(xsim: XlinkSimulator) -> AsyncIterator[Api]:
    assert xsim.url is not None
    async with aiohttp.ClientSession() as session:
        yield Api(session, xsim.url)


async def test_error_envelope_and_statuses(api: Api) -> None:
    status, body = await api.call("GET", "/v2/corp", token="")
    assert (status, code(body)) == (403, 4031002)
    status, body = await api.call("GET", "/v2/corp", token="nope")
    assert (status, code(body)) == (403, 4031003)
    status, body = await api.call("POST", "/v2/corp_auth", raw=b"{not json")
    assert (status, code(body)) == (400, 4001001)
    status, body = await api.call("POST", "/v2/corp_auth", {"account": DEMO_ACCOUNT})
    assert (status, code(body)) == (400, 4001002)
    status, body = await api.call("POST", "/v2/corp_auth", [1])
    assert code(body) == 4001002
    await api.login()
    status, body = await api.call("GET", "/v2/product/ffff/datapoints")
    assert (status, code(body)) == (404, 4041005)


async def test_token_lifecycle(api: Api, clock: Clock) -> None:
    """Expiry, refresh with rotation, and what the spent tokens answer."""
    first = await api.login()
    assert first["expire_in"] == 100
    refresh = "/v2/corp/token/refresh"
    status, body = await api.call("POST", refresh, {"refresh_token": "wrong"})
    assert code(body) == 4001010
    status, second = await api.call("POST", refresh, {"refresh_token": first["refresh_token"]})
    assert status == 200
    assert second["access_token"] != first["access_token"]
    # The old access token is replaced; the old refresh token is spent.
    _, body = await api.call("GET", "/v2/corp", token=first["access_token"])
    assert code(body) == 4031022
    api.token = second["access_token"]
    _, body = await api.call("POST", refresh, {"refresh_token": first["refresh_token"]})
    assert code(body) == 4001010
    _, body = await api.call("POST", "/v2/user/token/refresh", {"refresh_token": "x"})
    assert code(body) == 4031003
    clock.now += 101
    _, body = await api.call("GET", "/v2/corp")
    assert code(body) == 4031021
    # An expired token cannot be refreshed.
    _, body = await api.call("POST", refresh, {"refresh_token": second["refresh_token"]})
    assert code(body) == 4031021


async def test_access_key_and_user_logins(api: Api, xsim: XlinkSimulator) -> None:
    status, body = await api.call("POST", "/v2/accesskey_auth", {"id": "x", "secret": "y"})
    assert code(body) == 4041024
    user = await api.user_login("app")
    assert user["user_id"] == DEMO_USER_ID
    # A user's token cannot call enterprise APIs, nor another user's list.
    _, body = await api.call("GET", "/v2/products")
    assert code(body) == 4031004
    _, body = await api.call("GET", "/v2/user/1/subscribe/devices")
    assert code(body) == 4031010
    status, listed = await api.call("GET", f"/v2/user/{DEMO_USER_ID}/subscribe/devices")
    assert status == 200
    assert {item["id"] for item in listed["list"]} == {HEATER, 1094}
    _, body = await api.call("GET", f"/v2/diagnosis/device/probe/{HEATER_OFFLINE}")
    assert code(body) == 4031010
    # A corp token may not read the user list.
    await api.login()
    _, body = await api.call("GET", f"/v2/user/{DEMO_USER_ID}/subscribe/devices")
    assert code(body) == 4031003
    for bad in (
        {"corp_id": DEMO_CORP_ID, "password": "x", "resource": "y" * 17},
        {"corp_id": DEMO_CORP_ID, "password": "x", "email": "nobody@example.com"},
        {"corp_id": "other", "password": "x", "email": DEMO_USER_EMAIL},
    ):
        _, body = await api.call("POST", "/v2/user_auth", bad)
        assert code(body) in (4001001, 4041011)


async def test_lockout(api: Api, clock: Clock) -> None:
    for _ in range(5):
        _, body = await api.call(
            "POST", "/v2/corp_auth", {"account": DEMO_ACCOUNT, "password": "bad-one"}
        )
        assert code(body) == 4001007
    _, body = await api.call(
        "POST", "/v2/corp_auth", {"account": DEMO_ACCOUNT, "password": DEMO_PASSWORD}
    )
    assert code(body) == 4001061
    clock.now += 301
    await api.login()


async def test_device_list_query_and_limits(api: Api) -> None:
    await api.login()
    path = f"/v2/product/{HEATER_PRODUCT_ID}/devices"
    status, body = await api.call("POST", path, {"offset": 1, "limit": 1, "filter": ["mac"]})
    assert status == 200
    assert body["count"] == 3
    assert body["list"] == [{"id": 1658785278, "mac": "F0FE6B792674"}]
    _, body = await api.call("POST", path, {"query": {"is_online": {"$in": [False]}}})
    assert [item["id"] for item in body["list"]] == [HEATER_OFFLINE]
    _, body = await api.call("POST", path, {"order": {"id": "desc"}})
    assert body["list"][0]["id"] == HEATER_OFFLINE
    _, body = await api.call("POST", path, None)
    assert body["count"] == 3
    for bad in (
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"offset": True},
        {"query": {"name": {"$in": ["x"]}}},
        {"query": {"id": {"$lt": 3}}},
        {"query": []},
        {"order": []},
        [],
    ):
        _, body = await api.call("POST", path, bad)
        assert code(body) == 4001001, bad


async def test_batched_values(api: Api) -> None:
    await api.login()
    path = f"/v2/product/{HEATER_PRODUCT_ID}/v_devices"
    status, body = await api.call("POST", path, [HEATER, HEATER, 1094, 42])
    assert status == 200
    # Duplicates once; other products' and unknown devices left out.
    assert [item["device_id"] for item in body["list"]] == [HEATER]
    assert body["list"][0]["1"] == 50
    for bad in ([], {"ids": [1]}, ["1"], [True], list(range(1001))):
        _, body = await api.call("POST", path, bad)
        assert code(body) == 4001001


async def test_probe_and_set(api: Api, xsim: XlinkSimulator, clock: Clock) -> None:
    await api.login()
    status, body = await api.call("GET", f"/v2/diagnosis/device/probe/{HEATER_OFFLINE}")
    assert (status, body) == (202, None)
    _, body = await api.call("GET", "/v2/diagnosis/device/probe/abc")
    assert code(body) == 4041008
    set_path = f"/v2/diagnosis/device/set/{HEATER}"
    status, body = await api.call("POST", set_path, {"datapoint": [{"index": 1, "value": 70}]})
    assert (status, body) == (200, None)
    assert xsim.devices[HEATER].values[1] == 70
    for bad in (
        {},
        {"datapoint": []},
        {"datapoint": [1]},
        {"datapoint": [{"index": "1", "value": 1}]},
        {"datapoint": [{"index": 1}]},
    ):
        _, body = await api.call("POST", set_path, bad)
        assert code(body) in (4001001, 4001002), bad


def test_datapoint_checks() -> None:
    point = SimDatapoint(0, "x", 5, 0.0, True, "", 0, 10)
    assert point.check(5) == 5.0
    for bad in (11, float("nan"), "1", True):
        with pytest.raises(ValueRefusedError):
            point.check(bad)
    text = SimDatapoint(1, "t", 6, "")
    assert text.check("ok") == "ok"
    with pytest.raises(ValueRefusedError):
        text.check(1)
    raw = SimDatapoint(2, "b", 7, "")
    assert raw.check("0A") == "0a"
    for bad in ("0", "zz", 5):
        with pytest.raises(ValueRefusedError):
            raw.check(bad)
    wide = SimDatapoint(3, "i", 2, 0)
    with pytest.raises(ValueRefusedError):
        wide.check(256)
    with pytest.raises(ValueRefusedError):
        wide.check(1.5)


async def test_admin_routes(api: Api, xsim: XlinkSimulator) -> None:
    base = api.url
    session = api.session
    async with session.post(f"{base}/_sim/xlink/token_ttl", json={"seconds": 30}) as resp:
        assert (await resp.json())["token_ttl"] == 30
    async with session.post(f"{base}/_sim/xlink/token_ttl", json={"seconds": -1}) as resp:
        assert resp.status == 400
    await api.login()
    async with session.post(f"{base}/_sim/xlink/expire_tokens") as resp:
        assert (await resp.json())["expired"] == 1
    report = f"{base}/_sim/xlink/devices/{HEATER}/report"
    async with session.post(report, json={"values": {"2": 66}}) as resp:
        assert (await resp.json())["values"]["2"] == 66
    async with session.post(report, json={"values": {"2": "hot"}}) as resp:
        assert resp.status == 400
    async with session.post(report, json={"values": {"77": 1}}) as resp:
        assert resp.status == 400
    async with session.post(report, json={}) as resp:
        assert resp.status == 400
    async with session.post(
        f"{base}/_sim/xlink/devices/9/report", json={"values": {"1": 1}}
    ) as resp:
        assert resp.status == 404
    async with session.post(f"{base}/_sim/devices/{HEATER}/online", json={"online": False}) as resp:
        assert resp.status == 200
    assert not xsim.devices[HEATER].online
    with pytest.raises(KeyError):
        xsim.set_online("abc", True)
    xsim.set_online(str(HEATER), True)
    dump = xsim.state_dump()["xlink"]
    assert dump["corp_id"] == DEMO_CORP_ID
    assert len(dump["devices"]) == 5
    assert xsim.churn(2)
    xsim.reset()
    assert xsim.devices[HEATER].values[2] == 45


async def test_drift_moves_readings_only(clock: Clock) -> None:
    sim = XlinkSimulator(clock=clock, drift=True, seed=3)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        async with aiohttp.ClientSession() as session:
            api = Api(session, url)
            await api.login()
            before = {d: dict(dev.values) for d, dev in sim.devices.items()}
            for _ in range(10):
                await api.call("POST", f"/v2/product/{PURIFIER_PRODUCT_ID}/v_devices", [1094, 1095])
            after = sim.devices[1094].values
            assert after[1] != before[1094][1] or after[3] != before[1094][3]
            assert after[0] == before[1094][0]  # writable: unchanged
            assert sim.devices[1095].values == before[1095]  # offline: unchanged
    finally:
        await sim.stop()


async def test_drift_keeps_meters_rising_and_codes_still(clock: Clock) -> None:
    """累计用电 (kWh) never falls and 故障码 does not walk: a meter and a code, not readings."""
    sim = XlinkSimulator(clock=clock, drift=True, seed=3)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        async with aiohttp.ClientSession() as session:
            api = Api(session, url)
            await api.login()
            totals = [sim.devices[HEATER].values[6]]
            for _ in range(40):
                await api.call("POST", f"/v2/product/{HEATER_PRODUCT_ID}/v_devices", [HEATER])
                totals.append(sim.devices[HEATER].values[6])
                assert sim.devices[HEATER].values[5] == 0
            assert all(b >= a for a, b in pairwise(totals))
            assert totals[-1] > totals[0]
    finally:
        await sim.stop()


def test_scenarios_and_cli() -> None:
    with pytest.raises(ValueError, match="token_ttl"):
        XlinkSimulator(token_ttl=0)
    with pytest.raises(ValueError, match="count"):
        generate_xlink_scenario(-1)
    generated = generate_xlink_scenario(50, seed=1)
    assert len(generated.devices) == 50
    assert len({d.device_id for d in generated.devices}) == 50
    args = parse_args([])
    simulator, port = build_xlink_simulator(args)
    assert port == 8504
    assert isinstance(simulator, XlinkSimulator)
    assert len(simulator.devices) == 5
    simulator, port = build_xlink_simulator(
        parse_args(["--xlink-devices", "20", "--xlink-port", "0", "--no-drift"])
    )
    assert isinstance(simulator, XlinkSimulator)
    assert (port, len(simulator.devices), simulator.drift) == (0, 20, False)
    for argv in (["--xlink-port", "70000"], ["--xlink-devices", "-1"]):
        with pytest.raises(SystemExit):
            parse_args(argv)
    assert EPOCH > 0
