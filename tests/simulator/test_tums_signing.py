"""TUMS simulator: request signing (1.2.2), the envelope (1.3.3), admin routes.

Also home of the signed client the other ``test_tums_*`` modules use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from email.utils import parsedate_to_datetime
import itertools
import json
from typing import Any

import aiohttp
import pytest

from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator
from simulator.tums.signing import authorization, parse_authorization, signature, string_to_sign

from .conftest import Clock

OVERVIEW = "/tums/open/deviceManager/v1/getApplicationOverview"
PROJECT_LIST = "/tums/open/deviceManager/v1/getDeviceListInProjectApplication"
_NONCES = itertools.count()


class Tums:
    """Signed JSON calls to a running TUMS simulator."""

    def __init__(self, session: aiohttp.ClientSession, sim: TumsSimulator) -> None:
        assert sim.url is not None
        self.session = session
        self.sim = sim
        self.url = sim.url

    def header(
        self,
        path: str,
        raw: bytes,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        access_key: str = DEMO_ACCESS_KEY,
        secret_key: str = DEMO_SECRET_KEY,
    ) -> str:
        return authorization(
            access_key=access_key,
            secret_key=secret_key,
            timestamp=int(self.sim.now()) if timestamp is None else timestamp,
            nonce=nonce or f"{next(_NONCES):032x}",
            terminal_id="fa5d13475934410b9398a95be95f7079",
            path=path,
            payload=raw,
        )

    async def raw(
        self, path: str, raw: bytes, header: str | None = None, **sign: Any
    ) -> tuple[aiohttp.ClientResponse, dict[str, Any]]:
        headers = {"Content-Type": "application/json;charset=UTF-8"}
        headers["X-Authorization"] = (
            header if header is not None else self.header(path, raw, **sign)
        )
        async with self.session.post(self.url + path, data=raw, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            data: dict[str, Any] = await resp.json()
            return resp, data

    async def call(self, path: str, body: Any = None, **sign: Any) -> dict[str, Any]:
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        _resp, data = await self.raw(path, raw, **sign)
        return data

    async def ok(self, path: str, body: Any = None) -> Any:
        reply = await self.call(path, body)
        assert reply["error_code"] == 0, reply
        return reply.get("result")

    async def code(self, path: str, body: Any = None) -> int:
        reply = await self.call(path, body)
        assert reply["error_code"] != 0
        assert reply["msg"]
        assert "result" not in reply
        code: int = reply["error_code"]
        return code


async def started(clock: Clock, **options: Any) -> TumsSimulator:
    sim = TumsSimulator(clock=clock, flv_frame_interval=0.0, **options)
    await sim.start(host="127.0.0.1", port=0)
    return sim


@pytest.fixture
async def sim(clock: Clock) -> AsyncIterator[TumsSimulator]:
    simulator = await started(clock)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
def tums(sim: TumsSimulator, session: aiohttp.ClientSession) -> Tums:
    return Tums(session, sim)


# -- the algorithm ----------------------------------------------------------------------


def test_known_answer() -> None:
    """The document's worked example."""
    payload = b'{"regionName":"root1.2","order":2,"parentId":"1"}'
    assert (
        signature(
            "0123456789abcdef0123456789abcdef",
            "1706701924",
            "POST",
            "/tums/open/resource/v1/addRegion",
            payload,
        )
        == "15242a03126d68d84e458ebc42013191123fbeaf932a477219c98735abf7c601"
    )


def test_string_to_sign_and_empty_payload() -> None:
    text = string_to_sign("1706701924", "POST", "/a", b"")
    assert text.split("\n")[:3] == ["HmacSHA256", "1706701924", "POST /a tp-link_request"]
    # An empty body is signed as "{}".
    assert text == string_to_sign("1706701924", "POST", "/a", b"{}")
    assert signature("k", "1706701924", "POST", "/a", b"") == signature(
        "k", "1706701924", "POST", "/a", b"{}"
    )


@pytest.mark.parametrize(
    "value",
    [
        "Timestamp=1706701924,Nonce=n,AccessKey=a,Signature=s",
        "Timestamp=1706701924, Nonce=n,AccessKey=a,Signature=s,TerminalId=t",
        "Timestamp=170670192,Nonce=n,AccessKey=a,Signature=s,TerminalId=t",
        "Timestamp=1706701924,Nonce=n,AccessKey=a,Signature=s,TerminalId=t,Extra=1",
        "Timestamp=1706701924,Nonce=n,Nonce=m,AccessKey=a,Signature=s",
        "Timestamp=1706701924,Nonce=,AccessKey=a,Signature=s,TerminalId=t",
        "Timestamp=1706701924,Nonce,AccessKey=a,Signature=s,TerminalId=t",
        f"Timestamp=1706701924,Nonce=n,AccessKey=a,Signature=s,TerminalId={'t' * 65}",
    ],
)
def test_malformed_headers(value: str) -> None:
    assert parse_authorization(value) is None


def test_header_round_trip() -> None:
    value = authorization(
        access_key="YWJj==",
        secret_key="k",
        timestamp=1706701924,
        nonce="n1",
        terminal_id="t",
        path="/p",
        payload=b"{}",
    )
    parsed = parse_authorization(value)
    assert parsed is not None
    assert (parsed.access_key, parsed.nonce, parsed.timestamp) == ("YWJj==", "n1", "1706701924")
    assert parsed.signature == signature("k", "1706701924", "POST", "/p", b"{}")


# -- verification by the simulator ------------------------------------------------------


async def test_accepts_signed_requests_and_sends_date(tums: Tums, clock: Clock) -> None:
    resp, reply = await tums.raw(OVERVIEW, b"")
    assert reply["error_code"] == 0
    assert parsedate_to_datetime(resp.headers["Date"]).timestamp() == int(clock.now)
    # Exact raw bytes are signed: whitespace and key order are the client's business.
    raw = b'{ "limit": 5,\n  "start": 0 }'
    _resp, reply = await tums.raw(PROJECT_LIST, raw)
    assert reply["error_code"] == 0
    assert len(reply["result"]["list"]) == 5


async def test_rejections(tums: Tums, clock: Clock) -> None:
    raw = b'{"start":0,"limit":1}'
    # Missing and malformed header: -10303.
    async with tums.session.post(tums.url + PROJECT_LIST, data=raw) as resp:
        assert (await resp.json())["error_code"] == -10303
    _r, reply = await tums.raw(PROJECT_LIST, raw, header="Timestamp=1")
    assert reply["error_code"] == -10303
    # Unknown AK.
    _r, reply = await tums.raw(PROJECT_LIST, raw, access_key="nope")
    assert reply["error_code"] == -10304
    # Wrong SK, or a body changed after signing: -10301.
    _r, reply = await tums.raw(PROJECT_LIST, raw, secret_key="0" * 32)
    assert reply["error_code"] == -10301
    header = tums.header(PROJECT_LIST, raw)
    _r, reply = await tums.raw(PROJECT_LIST, b'{"start":0,"limit":2}', header=header)
    assert reply["error_code"] == -10301
    # Signed for another path.
    _r, reply = await tums.raw(PROJECT_LIST, raw, header=tums.header(OVERVIEW, raw))
    assert reply["error_code"] == -10301
    # Skew beyond five minutes either way: -10302; just inside is fine.
    now = int(clock.now)
    for stamp, code in ((now - 301, -10302), (now + 301, -10302), (now - 299, 0), (now + 299, 0)):
        _r, reply = await tums.raw(PROJECT_LIST, raw, timestamp=stamp)
        assert reply["error_code"] == code, stamp


async def test_nonce_replay(tums: Tums, clock: Clock) -> None:
    assert (await tums.call(OVERVIEW, nonce="a" * 32))["error_code"] == 0
    assert (await tums.call(OVERVIEW, nonce="a" * 32))["error_code"] == -10303
    # A failed signature does not burn the nonce.
    assert (await tums.call(OVERVIEW, nonce="b" * 32, secret_key="x"))["error_code"] == -10301
    assert (await tums.call(OVERVIEW, nonce="b" * 32))["error_code"] == 0
    clock.now += 301
    assert (await tums.call(OVERVIEW, nonce="a" * 32))["error_code"] == 0
    assert len(tums.sim.nonces) == 1


async def test_custom_credentials(clock: Clock, session: aiohttp.ClientSession) -> None:
    sim = await started(clock, access_key="AK1", secret_key="s" * 32)
    try:
        api = Tums(session, sim)
        assert (await api.call(OVERVIEW))["error_code"] == -10304
        assert (await api.call(OVERVIEW, access_key="AK1", secret_key="s" * 32))["error_code"] == 0
    finally:
        await sim.stop()


async def test_clock_skew_admin(tums: Tums, clock: Clock) -> None:
    async with tums.session.post(tums.url + "/_sim/tums/clock_skew", json={"seconds": 600}) as r:
        assert (await r.json())["now"] == clock.now + 600
    # A client using its own (now 10 minutes behind) clock is refused...
    assert (await tums.call(OVERVIEW, timestamp=int(clock.now)))["error_code"] == -10302
    # ...and can learn the offset from the Date header.
    resp, _reply = await tums.raw(OVERVIEW, b"", timestamp=int(clock.now))
    offset = parsedate_to_datetime(resp.headers["Date"]).timestamp() - clock.now
    assert offset == 600
    assert (await tums.call(OVERVIEW, timestamp=int(clock.now + offset)))["error_code"] == 0
    bads: list[Any] = [{"seconds": "1"}, {"seconds": True}, [], {"seconds": float("nan")}]
    for bad in bads:
        async with tums.session.post(tums.url + "/_sim/tums/clock_skew", data=json.dumps(bad)) as r:
            assert r.status == 400
    async with tums.session.post(tums.url + "/_sim/tums/clock_skew", data=b"{") as r:
        assert r.status == 400


# -- envelope ---------------------------------------------------------------------------


async def test_envelope_and_json_errors(tums: Tums) -> None:
    reply = await tums.call(OVERVIEW)
    assert set(reply) == {"error_code", "result"}
    _r, reply = await tums.raw(PROJECT_LIST, b"{not json")
    assert reply == {"error_code": -10100, "msg": "JSON 消息体格式错误"}
    _r, reply = await tums.raw(PROJECT_LIST, b"[1]")
    assert reply["error_code"] == -10100
    # An empty body is {}: fine where nothing is required, a parameter error elsewhere.
    assert (await tums.call(PROJECT_LIST))["error_code"] == -80328


async def test_admin_app_type_state_and_reset(tums: Tums, clock: Clock) -> None:
    async with tums.session.post(
        tums.url + "/_sim/tums/app_type", json={"app_type": "device"}
    ) as r:
        assert (await r.json()) == {"app_type": "device"}
    assert tums.sim.app_type == "device"
    for bad in ({"app_type": "x"}, None):
        async with tums.session.post(
            tums.url + "/_sim/tums/app_type", data=json.dumps(bad) if bad else b"{"
        ) as r:
            assert r.status == 400
    async with tums.session.get(tums.url + "/_sim/state") as r:
        state = (await r.json())["tums"]
    assert state["app_type"] == "device"
    assert state["access_keys"] == [DEMO_ACCESS_KEY]
    assert len(state["devices"]) == 12
    assert {d["status"] for d in state["devices"]} == {0, 1}
    async with tums.session.post(
        tums.url + "/_sim/devices/nope/online", json={"online": False}
    ) as r:
        assert r.status == 404
    tums.sim.reset()
    assert tums.sim.app_type == "device"  # configuration, not state
    assert tums.sim.requests == []


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="app_type"):
        TumsSimulator(app_type="other")  # type: ignore[arg-type]
