"""Gizwits simulator: tokens, the Authorization header, quota, whitelist and error bodies.

Also holds :class:`GApi`, the small client the other Gizwits simulator tests use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest

from simulator.gizwits import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
    ERRORS,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
    GizwitsSimulator,
)
from simulator.gizwits.scenario import AC_LIVING
from simulator.gizwits.state import SimEnterprise

from .conftest import EPOCH, Clock

SECRETS = {AC_PRODUCT_KEY: AC_PRODUCT_SECRET, PLUG_PRODUCT_KEY: PLUG_PRODUCT_SECRET}


class Reply:
    """Status, JSON body and headers of one call."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str]) -> None:
        self.status = status
        self.body = body
        self.headers = headers

    @property
    def code(self) -> int | None:
        return self.body.get("error_code") if isinstance(self.body, dict) else None

    def rate(self) -> tuple[int, int, int]:
        return (
            int(self.headers["X-RateLimit-Limit"]),
            int(self.headers["X-RateLimit-Remaining"]),
            int(self.headers["X-RateLimit-Reset"]),
        )


class GApi:
    """Requests to a running Gizwits simulator."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url
        self.tokens: dict[str, str] = {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        async with self.session.request(
            method, self.url + path, json=json, data=data, params=params, headers=headers
        ) as resp:
            body = await resp.json() if resp.content_type == "application/json" else None
            return Reply(resp.status, body, resp.headers)

    async def access_token(self, product_key: str = AC_PRODUCT_KEY, **changes: Any) -> Reply:
        body = {
            "enterprise_id": DEMO_ENTERPRISE_ID,
            "enterprise_secret": DEMO_ENTERPRISE_SECRET,
            "product_secret": SECRETS.get(product_key, "x"),
        }
        body.update(changes)
        return await self.request("POST", f"/v1/products/{product_key}/access_token", json=body)

    async def token(self, product_key: str = AC_PRODUCT_KEY) -> str:
        if product_key not in self.tokens:
            reply = await self.access_token(product_key)
            assert reply.status == 200, reply.body
            self.tokens[product_key] = reply.body["token"]
        return self.tokens[product_key]

    async def call(
        self,
        method: str,
        product_key: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        token: str | None = None,
    ) -> Reply:
        token = token if token is not None else await self.token(product_key)
        return await self.request(
            method,
            f"/v1/products/{product_key}{path}",
            json=json,
            data=data,
            params=params,
            headers={"Authorization": f"token {token}"},
        )

    async def get(self, path: str, product_key: str = AC_PRODUCT_KEY, **params: str | int) -> Reply:
        query = {key: str(value) for key, value in params.items()}
        return await self.call("GET", product_key, path, params=query)

    async def ok(self, path: str, product_key: str = AC_PRODUCT_KEY, **params: str | int) -> Any:
        reply = await self.get(path, product_key, **params)
        assert reply.status == 200, reply.body
        return reply.body

    async def control(
        self, did: str, body: Any, product_key: str = AC_PRODUCT_KEY, data: bytes | None = None
    ) -> Reply:
        return await self.call("POST", product_key, f"/devices/{did}/control", json=body, data=data)

    async def latest(self, did: str, product_key: str = AC_PRODUCT_KEY) -> dict[str, Any]:
        body = await self.ok(f"/devices/{did}/data", product_key, limit=1)
        attrs: dict[str, Any] = body["objects"][0]["attrs"]
        return attrs


def assert_error(reply: Reply, code: int) -> None:
    """The reply is the error table's status and body for ``code``."""
    status, message = ERRORS[code]
    assert (reply.status, reply.code) == (status, code), reply.body
    assert reply.body["error_message"] == message
    assert isinstance(reply.body["detail"], str)


@pytest.fixture
async def gsim(clock: Clock) -> AsyncIterator[GizwitsSimulator]:
    simulator = GizwitsSimulator(clock=clock)
    await simulator.start(host="127.0.0.1", port=0)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
def gapi(gsim: GizwitsSimulator, session: aiohttp.ClientSession) -> GApi:
    assert gsim.url is not None
    return GApi(session, gsim.url)


# -- tokens ------------------------------------------------------------------------------


async def test_access_token(gapi: GApi, gsim: GizwitsSimulator) -> None:
    reply = await gapi.access_token()
    assert reply.status == 200
    token = reply.body["token"]
    assert len(token) == 32
    assert int(token, 16) >= 0
    assert reply.body == {"token": token, "expired_at": int(EPOCH + 7 * 86400)}
    assert reply.rate() == (3600, 3599, int(EPOCH + 3600))
    assert gsim.tokens[token].product_key == AC_PRODUCT_KEY
    # Each request issues a fresh token; the earlier ones stay valid until they expire.
    second = (await gapi.access_token()).body["token"]
    assert second != token
    for each in (token, second):
        assert (await gapi.call("GET", AC_PRODUCT_KEY, "/datapoint", token=each)).status == 200
    plug = await gapi.access_token(PLUG_PRODUCT_KEY)
    assert plug.status == 200


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"enterprise_id": "nobody"}, 5003),
        ({"enterprise_secret": "wrong"}, 5004),
        ({"product_secret": "wrong"}, 5005),
        ({"enterprise_id": None}, 5002),
        ({"product_secret": 1}, 5002),
    ],
)
async def test_access_token_refusals(gapi: GApi, changes: dict[str, Any], code: int) -> None:
    reply = await gapi.access_token(**changes)
    assert_error(reply, code)
    assert "X-RateLimit-Remaining" in reply.headers


async def test_access_token_bad_bodies(gapi: GApi, gsim: GizwitsSimulator) -> None:
    path = f"/v1/products/{AC_PRODUCT_KEY}/access_token"
    assert_error(await gapi.request("POST", path, data=b"{"), 5001)
    assert_error(await gapi.request("POST", path, data=b""), 5001)
    assert_error(await gapi.request("POST", path, json=[1]), 5001)
    assert_error(await gapi.access_token("0" * 32), 5015)
    # An unknown product has no owner, so the reply carries no quota headers.
    assert "X-RateLimit-Limit" not in (await gapi.access_token("0" * 32)).headers
    # A product of another enterprise is not associated with the demo enterprise.
    gsim.enterprises["other"] = SimEnterprise("other", "other-secret")
    reply = await gapi.access_token(enterprise_id="other", enterprise_secret="other-secret")
    assert_error(reply, 5007)
    assert not gsim.tokens


@pytest.mark.parametrize(
    "header",
    [None, "", "token", "token ", "Token abc", "Bearer abc", "token  {t}", "token {t} x", "{t}"],
)
async def test_authorization_header_format(gapi: GApi, header: str | None) -> None:
    token = await gapi.token()
    headers = {} if header is None else {"Authorization": header.format(t=token)}
    path = f"/v1/products/{AC_PRODUCT_KEY}/datapoint"
    assert_error(await gapi.request("GET", path, headers=headers), 5009)
    ok = await gapi.request("GET", path, headers={"Authorization": f"token {token}"})
    assert ok.status == 200


async def test_token_checks(gapi: GApi, gsim: GizwitsSimulator, clock: Clock) -> None:
    assert_error(await gapi.call("GET", AC_PRODUCT_KEY, "/datapoint", token="f" * 32), 5009)
    plug_token = await gapi.token(PLUG_PRODUCT_KEY)
    assert_error(await gapi.call("GET", AC_PRODUCT_KEY, "/datapoint", token=plug_token), 5010)
    await gapi.token()
    # Valid up to and including expired_at, as "now > expired_at" is the document's test.
    clock.now = EPOCH + 7 * 86400
    assert (await gapi.get("/datapoint")).status == 200
    clock.now += 1
    assert_error(await gapi.get("/datapoint"), 5011)

    gsim.issue_token_ttl = 60
    assert gsim.token_ttl == 60
    fresh = await gapi.access_token()
    assert fresh.body["expired_at"] == int(clock.now + 60)
    with pytest.raises(ValueError, match="token_ttl"):
        gsim.issue_token_ttl = 0


# -- quota -------------------------------------------------------------------------------


async def test_quota_window(clock: Clock, session: aiohttp.ClientSession) -> None:
    sim = GizwitsSimulator(clock=clock, quota=3)
    url = await sim.start()
    try:
        api = GApi(session, url)
        reply = await api.access_token()
        assert reply.rate() == (3, 2, int(EPOCH + 3600))
        clock.now = EPOCH + 10
        # Both products belong to the one enterprise and share its quota.
        second = await api.access_token(PLUG_PRODUCT_KEY)
        assert second.rate() == (3, 1, int(EPOCH + 3600))
        api.tokens = {AC_PRODUCT_KEY: reply.body["token"]}
        assert (await api.get("/datapoint")).rate() == (3, 0, int(EPOCH + 3600))

        refused = await api.get("/datapoint")
        assert_error(refused, 5013)
        assert refused.status == 403
        assert refused.body["error_message"] == "API call rate limit execeed quota"
        assert refused.rate() == (3, 0, int(EPOCH + 3600))
        assert_error(await api.access_token(), 5013)

        # The window resets an hour after its first call, then starts at the next call.
        clock.now = EPOCH + 3599
        assert_error(await api.get("/datapoint"), 5013)
        clock.now = EPOCH + 3600.5
        again = await api.get("/datapoint")
        assert again.status == 200
        assert again.rate() == (3, 2, int(EPOCH + 7201))
        enterprise = sim.enterprises[DEMO_ENTERPRISE_ID]
        assert (enterprise.window_start, enterprise.calls) == (EPOCH + 3600.5, 1)
    finally:
        await sim.stop()


async def test_every_call_counts(gapi: GApi) -> None:
    token = await gapi.token()
    replies = [
        await gapi.get("/datapoint"),
        await gapi.call("GET", AC_PRODUCT_KEY, "/datapoint", token="bad"),
        await gapi.get("/devices/nosuch/data"),
        await gapi.get("/devices/search", limit=0),
        await gapi.call("GET", AC_PRODUCT_KEY, "/datapoint", token=token),
    ]
    assert [reply.rate()[1] for reply in replies] == [3598, 3597, 3596, 3595, 3594]


async def test_zero_quota(clock: Clock, session: aiohttp.ClientSession) -> None:
    sim = GizwitsSimulator(clock=clock, quota=0)
    url = await sim.start()
    try:
        reply = await GApi(session, url).access_token()
        assert_error(reply, 5013)
        assert reply.rate() == (0, 0, int(EPOCH + 3600))
    finally:
        await sim.stop()


async def test_whitelist(gapi: GApi, gsim: GizwitsSimulator) -> None:
    await gapi.token()
    gsim.ip_whitelist_ok = False
    assert_error(await gapi.access_token(), 5012)
    assert_error(await gapi.get("/datapoint"), 5012)
    # Refused calls still count, and the whitelist is checked before the product key.
    assert (await gapi.get("/datapoint")).rate()[1] == 3596
    assert_error(await gapi.access_token("0" * 32), 5012)
    gsim.ip_whitelist_ok = True
    assert (await gapi.get(f"/devices/{AC_LIVING}/data")).status == 200


def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="quota"):
        GizwitsSimulator(quota=-1)
    with pytest.raises(ValueError, match="token_ttl"):
        GizwitsSimulator(token_ttl=0)
    with pytest.raises(ValueError, match="latency"):
        GizwitsSimulator(latency=-1)
