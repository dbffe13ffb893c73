"""TUMS simulator: pushing signed messages to the subscribed URL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import hashlib
import hmac
import json
import random
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.__main__ import build_tums, parse_args
from simulator.tums import TumsSimulator
from simulator.tums.messages import (
    PUSH_TYPES,
    TYPE_FAMILY,
    build_message,
    random_type,
    run_generator,
    status_type,
)
from simulator.tums.state import CHANNEL_QRS, IPC_GATE, NVR_QR, ROUTER_MAC, SOLAR_QR

from .conftest import EPOCH, Clock
from .test_tums_signing import Tums, started

PUSH = "/tums/open/msgTranspond/v1/"
KEY = "A1b2" * 8


class Receiver:
    """A webhook on loopback that records what it is sent."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.arrived = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/hook", self._hook)
        self.runner = web.AppRunner(self.app)
        self.url = ""

    async def _hook(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), dict(request.headers)))
        self.arrived.set()
        return web.Response(status=self.status)

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"

    def message(self, index: int = -1) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.received[index][0])
        return body


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    try:
        yield hook
    finally:
        await hook.runner.cleanup()


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


async def _subscribe(tums: Tums, url: str, kinds: list[str] | None = None) -> None:
    """Subscribe as a client would: key first, then the config."""
    await tums.ok(PUSH + "setAppMsgPushSk", {"sk": KEY})
    await tums.ok(
        PUSH + "setAppMsgPushConfig",
        {"serverUrl": url, "openMsgTransport": 1, "msgContentType": kinds or []},
    )


async def _admin(
    session: aiohttp.ClientSession, sim: TumsSimulator, body: Any
) -> tuple[int, dict[str, Any]]:
    async with session.post(f"{sim.url}/_sim/tums/push", json=body) as response:
        data: dict[str, Any] = await response.json()
        return response.status, data


def _signature(raw: bytes) -> str:
    return hmac.new(KEY.encode(), raw, hashlib.sha256).hexdigest()


# -- the admin endpoint -----------------------------------------------------------------


async def test_admin_push_signed(
    tums: Tums, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A signed message of the revised body about the device, at the simulator clock."""
    await _subscribe(tums, receiver.url)
    status, reply = await _admin(
        session, tums.sim, {"device": IPC_GATE, "type": "humanDetected", "msgId": "m-1"}
    )
    assert status == 200
    assert reply["status"] == 200
    assert reply["signed"] is True
    raw, headers = receiver.received[0]
    assert headers["Signature"] == _signature(raw)
    message = receiver.message()
    assert reply["body"] == message
    assert message["qrcode"] == message["qrCode"] == IPC_GATE
    assert message["mac"]
    assert message["deviceName"] == "大门口球机"
    assert message["msgId"] == "m-1"
    assert message["time"] == str(int(EPOCH))
    assert message["msgType"] == "monitorAlarm"
    assert message["msgContentType"] == ["humanDetected"]
    assert message["imageId"]
    assert "channelId" not in message
    # The state dump keeps what was sent.
    state = tums.sim.state_dump()["tums"]
    assert state["pushes"][-1]["body"] == message


async def test_admin_push_channel_and_network_device(
    tums: Tums, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """An NVR channel's alarm names its NVR and channel; a router has no qrcode."""
    await _subscribe(tums, receiver.url)
    channel = CHANNEL_QRS[1]
    status, _reply = await _admin(
        session,
        tums.sim,
        {"device": channel, "type": "movementDetected", "msgType": "monitorAlarm"},
    )
    assert status == 200
    message = receiver.message()
    assert message["qrCode"] == channel
    assert message["parentQrCode"] == NVR_QR
    assert message["parentMac"] == tums.sim.devices[NVR_QR].mac
    assert message["channelId"] == 2

    status, _reply = await _admin(
        session, tums.sim, {"device": ROUTER_MAC, "type": "nmsAccessException", "time": 1.79e9}
    )
    assert status == 200
    message = receiver.message()
    assert "qrcode" not in message
    assert "qrCode" not in message
    assert message["mac"] == ROUTER_MAC
    assert message["msgType"] == "nmsDeviceAlarm"
    assert message["time"] == "1790000000"
    assert "imageId" not in message


async def test_admin_push_unsigned_and_without_key(
    tums: Tums, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """``signed: false`` and a subscription without a key both send no Signature."""
    await tums.ok(
        PUSH + "setAppMsgPushConfig",
        {"serverUrl": receiver.url, "openMsgTransport": 1, "msgContentType": []},
    )
    status, reply = await _admin(
        session, tums.sim, {"device": SOLAR_QR, "type": "RTCTimeException"}
    )
    assert status == 200
    assert reply["signed"] is False
    assert "Signature" not in receiver.received[-1][1]
    await tums.ok(PUSH + "setAppMsgPushSk", {"sk": KEY})
    await _admin(
        session, tums.sim, {"device": SOLAR_QR, "type": "RTCTimeException", "signed": False}
    )
    assert "Signature" not in receiver.received[-1][1]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ([1], 400),
        ({"device": IPC_GATE}, 400),
        ({"device": IPC_GATE, "type": "noSuchType"}, 400),
        ({"device": IPC_GATE, "type": "humanDetected", "msgType": "nmsDeviceAlarm"}, 400),
        ({"device": IPC_GATE, "type": "humanDetected", "signed": "yes"}, 400),
        ({"device": IPC_GATE, "type": "humanDetected", "msgId": 7}, 400),
        ({"device": IPC_GATE, "type": "humanDetected", "time": True}, 400),
        ({"device": "NOPE", "type": "humanDetected"}, 404),
    ],
)
async def test_admin_push_refuses(
    tums: Tums,
    session: aiohttp.ClientSession,
    receiver: Receiver,
    body: Any,
    status: int,
) -> None:
    """Bad bodies and unknown devices are refused before anything is sent."""
    await _subscribe(tums, receiver.url)
    got, reply = await _admin(session, tums.sim, body)
    assert got == status
    assert reply["error"]
    assert receiver.received == []


async def test_admin_push_needs_subscription(
    tums: Tums, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Nothing subscribed, switched off, or the type filtered out: 409, nothing sent."""
    body = {"device": IPC_GATE, "type": "humanDetected"}
    assert (await _admin(session, tums.sim, body))[0] == 409
    await _subscribe(tums, receiver.url, ["ipcDeviceOffline"])
    assert (await _admin(session, tums.sim, body))[0] == 409
    await tums.ok(
        PUSH + "setAppMsgPushConfig",
        {"serverUrl": receiver.url, "openMsgTransport": 0, "msgContentType": []},
    )
    assert (await _admin(session, tums.sim, body))[0] == 409
    assert receiver.received == []


async def test_admin_push_unreachable(tums: Tums, session: aiohttp.ClientSession) -> None:
    """A URL that does not answer is a 502 with the error, not a simulator failure."""
    await _subscribe(tums, "http://127.0.0.1:9/hook")
    status, reply = await _admin(session, tums.sim, {"device": IPC_GATE, "type": "humanDetected"})
    assert status == 502
    assert reply["status"] is None
    assert reply["error"]


async def test_receiver_status_passed_on(
    tums: Tums, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """What the webhook answers (a 401 here) is reported."""
    receiver.status = 401
    await _subscribe(tums, receiver.url)
    status, reply = await _admin(session, tums.sim, {"device": IPC_GATE, "type": "humanDetected"})
    assert status == 200
    assert reply["status"] == 401


# -- status changes and the generator ---------------------------------------------------


async def test_online_changes_are_pushed(
    tums: Tums, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Taking a device off line pushes its class's offline message; no change, no push."""
    await _subscribe(tums, receiver.url)
    async with session.post(
        f"{tums.sim.url}/_sim/devices/{IPC_GATE}/online", json={"online": False}
    ) as response:
        assert response.status == 200
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert receiver.message()["msgContentType"] == ["ipcDeviceOffline"]
    assert receiver.message()["msgType"] == "vmsDeviceAlarm"
    receiver.arrived.clear()
    tums.sim.set_online(IPC_GATE, False)
    tums.sim.set_online(ROUTER_MAC, False)
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert [receiver.message(i)["msgContentType"] for i in range(len(receiver.received))] == [
        ["ipcDeviceOffline"],
        ["routerDeviceOffline"],
    ]


async def test_generator_pushes_random_alarms(clock: Clock, receiver: Receiver) -> None:
    """With a push rate, random alarms of each device's class arrive once subscribed."""
    sim = TumsSimulator(clock=clock, push_rate=6000.0)
    sim.push_config = {"serverUrl": receiver.url, "openMsgTransport": 1, "msgContentType": []}
    sim.push_sk = KEY
    await sim.start(host="127.0.0.1", port=0)
    try:
        for _ in range(100):
            if len(receiver.received) >= 3:
                break
            await asyncio.sleep(0.05)
    finally:
        await sim.stop()
    assert len(receiver.received) >= 3
    for raw, headers in receiver.received:
        assert headers["Signature"] == _signature(raw)
        message = json.loads(raw)
        kind = message["msgContentType"][0]
        assert TYPE_FAMILY[kind] == message["msgType"]
        assert not kind.endswith(("Online", "Offline"))


async def test_generator_loop() -> None:
    """The generator waits exponentially distributed times at the asked mean rate."""
    waits: list[float] = []
    calls: list[None] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 200:
            raise asyncio.CancelledError

    async def emit() -> None:
        calls.append(None)

    with pytest.raises(asyncio.CancelledError):
        await run_generator(6.0, random.Random(1), emit, sleep)  # noqa: S311
    assert len(calls) == 200
    assert 7 < sum(waits) / len(waits) < 13


def test_tables_and_helpers() -> None:
    """The document's types, plausible random ones, and status messages by class."""
    assert sum(len(kinds) for kinds in PUSH_TYPES.values()) == len(TYPE_FAMILY) == 105
    sim = TumsSimulator()
    rng = random.Random(0)  # noqa: S311 - reproducible choices
    for device in sim.devices.values():
        chosen = random_type(device, rng)
        if chosen is not None:
            family, kind = chosen
            assert kind in PUSH_TYPES[family]
    assert status_type(sim.devices[NVR_QR], True) == ("vmsDeviceAlarm", "nvrDeviceOnline")
    assert status_type(sim.devices[SOLAR_QR], False) == (
        "chargingStationDeviceAlarm",
        "solarPowerDeviceOffline",
    )
    message = build_message(
        sim.devices[CHANNEL_QRS[0]],
        sim.devices[NVR_QR],
        "vmsDeviceAlarm",
        "ipcDeviceOnline",
        EPOCH,
    )
    assert message["channelId"] == 1
    assert "imageId" not in message
    assert len(message["msgId"]) == 32
    with pytest.raises(ValueError, match="push_rate"):
        TumsSimulator(push_rate=-1)


def test_cli_push_rate() -> None:
    """--tums-push-rate reaches the simulator; negative rates are refused."""
    args = parse_args(["--tums-push-rate", "2"])
    ((tums, _port),) = build_tums(args)
    assert isinstance(tums, TumsSimulator)
    assert tums.push_rate == 2.0
    assert parse_args([]).tums_push_rate == 0.0
    with pytest.raises(SystemExit):
        parse_args(["--tums-push-rate", "-1"])
