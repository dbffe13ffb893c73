"""TUMS simulator: HTTP-FLV URLs, the served stream, one pull at a time, expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import io
import itertools
from itertools import islice
import struct
from typing import Any

import aiohttp
import av
import pytest

from simulator.tums import TumsSimulator
from simulator.tums.flv import (
    FLV_HEADER,
    STREAM_HEIGHT,
    STREAM_WIDTH,
    avc_decoder_config,
    flv_stream,
    flv_tag,
    flv_tags,
    h264_idr,
    h264_idr_pcm,
    h264_pps,
    h264_skip,
    h264_sps,
)
from simulator.tums.state import IPC_GATE, NVR_QR

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


# -- a live stream long enough to watch -------------------------------------------------


def _decode(tags: list[bytes]) -> list[Any]:
    """The keyframes FFmpeg decodes from an FLV made of ``tags``, as RGB arrays."""
    container = av.open(io.BytesIO(FLV_HEADER + b"".join(tags)), format="flv")
    try:
        frames = container.decode(container.streams.video[0])
        return [frame.to_ndarray(format="rgb24") for frame in frames if frame.key_frame]
    finally:
        container.close()


def test_endless_stream_keeps_keyframes_coming() -> None:
    """Without a frame count the stream never ends; a keyframe starts every second."""
    tags = list(islice(flv_stream(25.0, frames=None, live=True), 2 + 25 * 60))
    frames = [parse_flv(FLV_HEADER + tag)[0] for tag in tags[2:]]
    stamps = [stamp for _t, stamp, _p in frames]
    assert stamps == sorted(stamps)
    assert stamps[-1] >= 59_900  # a minute of stream time, and still going
    keyframes = [stamp for _t, stamp, payload in frames if payload[:2] == b"\x17\x01"]
    assert len(keyframes) == 60
    assert max(b - a for a, b in itertools.pairwise(keyframes)) <= 2000
    assert b"width" in tags[0]


def test_stream_pictures_are_visible_and_change() -> None:
    """FFmpeg decodes 320x180 pictures that are neither flat nor all the same."""
    pictures = _decode(list(islice(flv_stream(25.0, frames=None, live=True), 2 + 25 * 3)))
    assert len(pictures) == 3
    first, second, _third = pictures
    assert first.shape == (STREAM_HEIGHT, STREAM_WIDTH, 3)
    assert first.std() > 20  # bands and a bar, not one grey
    assert (first != second).mean() > 0.05  # the bar moved, the shade changed
    # The white bar walks right: its column is the brightest.
    bright = [int(p[:, :, :].sum(axis=(0, 2)).argmax()) // 16 for p in pictures]
    assert bright == [0, 1, 2]


def test_picture_sizes_and_validation() -> None:
    """Any even size is cropped from whole macroblocks; odd sizes are refused."""
    (picture,) = _decode(
        list(islice(flv_stream(5.0, frames=5, live=False, width=64, height=36), 7))
    )
    assert picture.shape == (36, 64, 3)
    with pytest.raises(ValueError, match="even"):
        h264_sps(33, 16)
    with pytest.raises(ValueError, match="samples"):
        h264_idr_pcm([b"\x80"])


async def test_live_pull_runs_in_real_time(clock: Clock, session: aiohttp.ClientSession) -> None:
    """An endless pull is paced at the frame rate and lasts as long as the viewer stays."""
    sim = await started(clock, flv_frames=None)
    sim.flv_frame_interval = 0.04
    try:
        api = Tums(session, sim)
        url = await flv_url(api)
        loop = asyncio.get_running_loop()
        async with session.get(url) as resp:
            start = loop.time()
            received = b""
            while loop.time() - start < 2.5:
                received += await resp.content.read(65536)
            elapsed = loop.time() - start
            assert not resp.content.at_eof()
        frames = [t for t in _tags_in(received) if t[0] == 9][1:]
        # Real time: about 25 frames a second, not as fast as the socket allows.
        assert 25 * (elapsed - 0.5) <= len(frames) <= 25 * (elapsed + 0.5)
    finally:
        await sim.stop()


def _tags_in(data: bytes) -> list[tuple[int, int, bytes]]:
    """The complete tags at the start of a partly received FLV."""
    tags, offset = [], 13
    while offset + 11 <= len(data):
        size = int.from_bytes(data[offset + 1 : offset + 4], "big")
        if offset + 15 + size > len(data):
            break
        tags.append((data[offset], 0, data[offset + 11 : offset + 11 + size]))
        offset += 15 + size
    return tags


@pytest.mark.parametrize("cut", ["url expired", "device offline"])
async def test_live_pull_ends_on_expiry_or_offline(
    clock: Clock, session: aiohttp.ClientSession, cut: str
) -> None:
    """A running pull is closed when its URL expires or the device drops, with the reason."""
    sim = await started(clock, flv_frames=None)
    sim.flv_frame_interval = 0.01
    try:
        api = Tums(session, sim)
        url = await flv_url(api)
        async with session.get(url) as resp:
            await resp.content.readexactly(4096)
            if cut == "url expired":
                clock.now += 7201
            else:
                sim.set_online(IPC_GATE, False)
            async with asyncio.timeout(5):
                await resp.read()  # the server ends the stream
        assert (await api.ok(CLOSE_REASON, {"url": url}))["reason"] == cut
        assert not next(iter(sim.flv.values())).pulling
    finally:
        await sim.stop()
