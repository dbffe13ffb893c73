"""TUMS simulator: HTTP-FLV URLs, the served stream, one pull at a time, expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import struct
from typing import Any

import aiohttp
import pytest

from simulator.tums import TumsSimulator
from simulator.tums_media import (
    avc_decoder_config,
    flv_tag,
    flv_tags,
    h264_idr,
    h264_pps,
    h264_skip,
    h264_sps,
)
from simulator.tums_state import IPC_GATE, NVR_QR

from .conftest import EPOCH, Clock
from .test_tums_signing import Tums, started

GET_URL = "/vms/open/httpFlvService/v1/getHttpFlvUrl"
CLOSE_REASON = "/vms/open/httpFlvService/v1/getHttpFlvCloseReason"
LIVE = {"qrCode": IPC_GATE, "channelId": 1, "type": "video", "resolution": "HD"}


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


def parse_flv(data: bytes) -> list[tuple[int, int, bytes]]:
    """(type, timestamp, payload) of every tag, checking the framing on the way."""
    assert data[:3] == b"FLV"
    assert data[3] == 1
    assert data[4] == 0x01  # video only
    assert struct.unpack(">I", data[5:9])[0] == 9
    assert data[9:13] == b"\x00\x00\x00\x00"
    tags = []
    offset = 13
    while offset < len(data):
        tag_type = data[offset]
        size = int.from_bytes(data[offset + 1 : offset + 4], "big")
        stamp = int.from_bytes(data[offset + 4 : offset + 7], "big") | data[offset + 7] << 24
        assert data[offset + 8 : offset + 11] == b"\x00\x00\x00"
        payload = data[offset + 11 : offset + 11 + size]
        previous = struct.unpack(">I", data[offset + 11 + size : offset + 15 + size])[0]
        assert previous == 11 + size
        tags.append((tag_type, stamp, payload))
        offset += 15 + size
    assert offset == len(data)
    return tags


async def flv_url(tums: Tums, **body: Any) -> str:
    url: str = (await tums.ok(GET_URL, body or LIVE))["url"]
    return url


async def test_url_and_stream(tums: Tums) -> None:
    url = await flv_url(tums)
    assert url.startswith(f"{tums.url}/_sim/tums/flv/")
    assert url.endswith(".flv")
    async with tums.session.get(url) as resp:
        assert resp.status == 200
        assert resp.content_type == "video/x-flv"
        data = await resp.read()
    tags = parse_flv(data)
    assert tags[0][0] == 18
    assert b"onMetaData" in tags[0][2]
    assert tags[1][2][:2] == b"\x17\x00"  # AVC sequence header
    frames = tags[2:]
    assert len(frames) == tums.sim.flv_frames
    assert frames[0][2][:2] == b"\x17\x01"  # keyframe NALU
    assert all(t == 9 for t, _s, _p in frames)
    stamps = [s for _t, s, _p in frames]
    assert stamps == sorted(stamps)
    reason = await tums.ok(CLOSE_REASON, {"url": url})
    assert reason == {"url": url, "reason": "stream ended"}
    # The URL may be pulled again once the previous pull is over.
    async with tums.session.get(url) as resp:
        assert resp.status == 200
    assert tums.sim.flv[url.rsplit("/", 1)[1][:-4]].pulls == 2
    async with tums.session.get(tums.url + "/_sim/state") as resp:
        (dumped,) = (await resp.json())["tums"]["flv"]
    assert (dumped["url"], dumped["pulls"], dumped["closeReason"]) == (url, 2, "stream ended")


async def test_one_pull_at_a_time(clock: Clock, session: aiohttp.ClientSession) -> None:
    sim = await started(clock, flv_frames=25)
    sim.flv_frame_interval = 0.02
    try:
        api = Tums(session, sim)
        url = await flv_url(api)
        assert await api.code(CLOSE_REASON, {"url": url}) == -80703  # not closed yet
        async with session.get(url) as first:
            assert first.status == 200
            await first.content.readexactly(13)
            async with session.get(url) as second:
                assert second.status == 409
            reason = await api.ok(CLOSE_REASON, {"url": url})
            assert "concurrent" in reason["reason"]
            data = await first.read()
        assert len(parse_flv(b"FLV\x01\x01\x00\x00\x00\x09\x00\x00\x00\x00" + data)) == 27
        session_state = next(iter(sim.flv.values()))
        assert (session_state.pulls, session_state.refused, session_state.pulling) == (1, 1, False)
    finally:
        await sim.stop()


async def test_client_going_away(clock: Clock, session: aiohttp.ClientSession) -> None:
    sim = await started(clock, flv_frames=500)
    sim.flv_frame_interval = 0.01
    try:
        api = Tums(session, sim)
        url = await flv_url(api)
        async with session.get(url) as resp:
            await resp.content.readexactly(13)
        for _ in range(200):
            if not next(iter(sim.flv.values())).pulling:
                break
            await asyncio.sleep(0.01)
        assert (await api.ok(CLOSE_REASON, {"url": url}))[
            "reason"
        ] == "client closed the connection"
    finally:
        await sim.stop()


async def test_expiry_and_offline(tums: Tums, clock: Clock) -> None:
    url = await flv_url(tums)
    clock.now += 7201
    # Expired before any pull: the close reason says so even before a pull is tried.
    assert (await tums.ok(CLOSE_REASON, {"url": url}))["reason"] == "url expired"
    async with tums.session.get(url) as resp:
        assert resp.status == 403
    url = await flv_url(tums, qrCode=NVR_QR, channelId=2, type="video", resolution="VGA")
    tums.sim.set_online(NVR_QR, False)
    async with tums.session.get(url) as resp:
        assert resp.status == 404
    assert (await tums.ok(CLOSE_REASON, {"url": url}))["reason"] == "device offline"
    async with tums.session.get(tums.url + "/_sim/tums/flv/00.flv") as resp:
        assert resp.status == 404
    assert await tums.code(CLOSE_REASON, {"url": "http://x/y.flv"}) == -81126
    assert await tums.code(CLOSE_REASON, {}) == -82400


async def test_playback_and_validation(tums: Tums) -> None:
    now_ms = int(EPOCH * 1000)
    body = {
        "qrCode": NVR_QR,
        "channelId": 1,
        "type": "sdvod",
        "playbackStartTime": now_ms - 3_600_000,
        "playbackEndTime": now_ms - 1_800_000,
        "videoCode": "H265",
    }
    url = await flv_url(tums, **body)
    async with tums.session.get(url) as resp:
        tags = parse_flv(await resp.read())
    assert tags[0][0] == 18
    assert tums.sim.flv[url.rsplit("/", 1)[1][:-4]].kind == "sdvod"
    bad: list[dict[str, Any]] = [
        {**LIVE, "type": "rtsp"},
        {**LIVE, "resolution": "4K"},
        {k: v for k, v in LIVE.items() if k != "resolution"},
        {**LIVE, "videoCode": "MJPEG"},
        {**body, "playbackEndTime": body["playbackStartTime"]},
        {**body, "playbackStartTime": now_ms + 60_000, "playbackEndTime": now_ms + 120_000},
        {**body, "playbackStartTime": "soon"},
        {**body, "resolution": "8K"},
        {"qrCode": IPC_GATE, "type": "video", "resolution": "HD"},
    ]
    for item in bad:
        assert await tums.code(GET_URL, item) == -82400, item
    assert await tums.code(GET_URL, {**LIVE, "qrCode": NVR_QR, "channelId": 3}) == -20571


async def test_stream_base(clock: Clock, session: aiohttp.ClientSession) -> None:
    sim = await started(clock, stream_base="http://media.example:9000")
    try:
        url = await flv_url(Tums(session, sim))
        assert url.startswith("http://media.example:9000/_sim/tums/flv/")
    finally:
        await sim.stop()


# -- the media itself -------------------------------------------------------------------


def _read_ue(bits: str, at: int) -> tuple[int, int]:
    zeros = 0
    while bits[at + zeros] == "0":
        zeros += 1
    value = int(bits[at + zeros : at + 2 * zeros + 1], 2) - 1
    return value, at + 2 * zeros + 1


def test_h264_parameter_sets() -> None:
    sps = h264_sps()
    assert sps[0] == 0x67  # nal_ref_idc 3, type 7
    assert (sps[1], sps[3]) == (66, 10)  # Baseline, level 1.0
    bits = "".join(f"{b:08b}" for b in sps[4:])
    at = 0
    values = []
    for _ in range(4):  # sps id, log2_max_frame_num-4, poc type, max refs
        value, at = _read_ue(bits, at)
        values.append(value)
    assert values == [0, 0, 2, 1]
    at += 1  # gaps flag
    width, at = _read_ue(bits, at)
    height, at = _read_ue(bits, at)
    assert (width, height) == (0, 0)  # one 16x16 macroblock
    assert h264_pps()[0] == 0x68
    config = avc_decoder_config()
    assert config[:6] == bytes([1, 66, 0xC0, 10, 0xFF, 0xE1])


def test_h264_slices() -> None:
    idr = h264_idr(100)
    assert idr[0] == 0x65
    assert idr.count(bytes([100])) >= 256  # the PCM luma samples
    assert h264_skip(1)[0] == 0x41
    # Emulation prevention never leaves 00 00 00, 00 00 01 or 00 00 02 in a NAL unit.
    for nal in (h264_sps(), h264_pps(), idr, h264_skip(3), h264_idr(0)):
        for index in range(len(nal) - 2):
            assert not (nal[index] == 0 and nal[index + 1] == 0 and nal[index + 2] <= 2)


def test_flv_building_blocks() -> None:
    tag = flv_tag(9, 0x01020304, b"abc")
    assert tag[4:8] == bytes([0x02, 0x03, 0x04, 0x01])  # 24 low bits, then the extension
    tags = flv_tags(30, 30.0, live=False)
    assert len(tags) == 32
    keyframes = [t for t in tags[2:] if t[11] == 0x17]
    assert len(keyframes) == 1
    assert b"duration" in tags[0]
