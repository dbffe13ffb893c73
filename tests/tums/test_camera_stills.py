"""TUMS camera stills and live video through Home Assistant's real stream worker.

The simulator serves a live H.264 HTTP-FLV stream that allows one pull per URL. The
camera's still (``/api/camera_proxy``) and its HLS playlist must both come from that one
pull, and a still that cannot be made must not end in a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import importlib.util
import logging
from pathlib import Path
import sys
from types import ModuleType
from unittest.mock import patch

from homeassistant.components.camera import (
    CameraWebRTCProvider,
    StreamType,
    async_register_webrtc_provider,
    async_request_stream,
    get_camera_from_entity_id,
)
from homeassistant.components.stream import Stream
from homeassistant.core import HomeAssistant, callback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from turbojpeg import TurboJPEG

from custom_components.cniot.tums import camera as tums_camera
from custom_components.cniot.tums.const import (
    CONF_RTSP_PASSWORD,
    CONF_RTSP_TEMPLATE,
    CONF_RTSP_USERNAME,
)
from simulator.tums import FlvSession, TumsSimulator
from simulator.tums.flv import STREAM_HEIGHT, STREAM_WIDTH
from simulator.tums.state import IPC_GATE

from .test_camera_actions import gate_camera

PROXY = "/api/camera_proxy/{}"


@pytest.fixture
def live_sim(tums_sim: TumsSimulator) -> TumsSimulator:
    """The simulator streaming without end, in real time."""
    tums_sim.flv_frames = None
    return tums_sim


@pytest.fixture
async def streaming(hass: HomeAssistant, live_sim: TumsSimulator) -> AsyncIterator[None]:
    """The stream component with short HLS segments; every worker stopped afterwards."""
    assert await async_setup_component(
        hass, "stream", {"stream": {"segment_duration": 2, "part_duration": 0.5}}
    )
    yield
    for state in hass.states.async_all("camera"):
        camera = get_camera_from_entity_id(hass, state.entity_id)
        if camera.stream is not None:
            await _stop(camera.stream)


async def _stop(stream: Stream) -> None:
    """What the stream's idle timers do when nobody watches: outputs gone, worker stopped."""
    for output in list(stream.outputs().values()):
        await stream.remove_provider(output)
    await stream.stop()


def _sessions(sim: TumsSimulator) -> list[FlvSession]:
    return [s for s in sim.flv.values() if s.device_id == IPC_GATE]


def _pulls(sim: TumsSimulator) -> tuple[int, int]:
    """(pulls, refused pulls) of the gate camera's URLs."""
    sessions = _sessions(sim)
    return sum(s.pulls for s in sessions), sum(s.refused for s in sessions)


async def _proxy(client: ClientSessionGenerator, entity_id: str) -> tuple[int, bytes]:
    http = await client()
    response = await http.get(PROXY.format(entity_id))
    return response.status, await response.read()


def _jpeg_size(data: bytes) -> tuple[int, int]:
    width, height, _subsample, _colorspace = TurboJPEG().decode_header(data)
    return width, height


@pytest.mark.usefixtures("streaming")
async def test_still_and_hls_share_one_pull(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    live_sim: TumsSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """camera_proxy answers a real JPEG; HLS then plays from the same single pull."""
    entity_id = gate_camera(hass)
    status, body = await _proxy(hass_client, entity_id)
    assert status == 200, body[:200]
    assert body[:2] == b"\xff\xd8"
    assert _jpeg_size(body) == (STREAM_WIDTH, STREAM_HEIGHT)
    assert _pulls(live_sim) == (1, 0)

    url = await async_request_stream(hass, entity_id, "hls")
    http = await hass_client()
    for _ in range(150):
        response = await http.get(url)
        if response.status == 200:
            break
        await asyncio.sleep(0.1)
    assert response.status == 200
    assert "#EXT-X-STREAM-INF" in await response.text()
    # The stream keeps running while watched: still one pull, none refused.
    await asyncio.sleep(1.5)
    status, again = await _proxy(hass_client, entity_id)
    assert status == 200
    assert _jpeg_size(again) == (STREAM_WIDTH, STREAM_HEIGHT)
    assert _pulls(live_sim) == (1, 0)
    assert next(iter(_sessions(live_sim))).pulling


@pytest.mark.usefixtures("streaming")
async def test_last_still_serves_without_a_new_pull(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    live_sim: TumsSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """Once the stream stops, the last still is served until it is STILL_MAX_AGE old."""
    entity_id = gate_camera(hass)
    camera = get_camera_from_entity_id(hass, entity_id)
    status, first = await _proxy(hass_client, entity_id)
    assert status == 200
    assert camera.stream is not None
    await _stop(camera.stream)
    for _ in range(3):
        status, body = await _proxy(hass_client, entity_id)
        assert (status, body) == (200, first)
    assert _pulls(live_sim) == (1, 0)
    for _ in range(100):  # the cloud notices the closed pull at its next write
        if not any(s.pulling for s in _sessions(live_sim)):
            break
        await asyncio.sleep(0.02)
    # Older than STILL_MAX_AGE: a new pull for a fresh picture.
    later = tums_camera.dt_util.utcnow() + tums_camera.STILL_MAX_AGE
    with patch.object(tums_camera.dt_util, "utcnow", return_value=later):
        status, body = await _proxy(hass_client, entity_id)
    assert status == 200
    assert _jpeg_size(body) == (STREAM_WIDTH, STREAM_HEIGHT)
    assert _pulls(live_sim)[0] == 2


@pytest.fixture
def quiet_errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Captured records; the test fails on any error record or traceback."""
    with caplog.at_level(logging.DEBUG):
        yield caplog
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]


@pytest.mark.usefixtures("streaming")
async def test_no_traceback_when_offline(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    live_sim: TumsSimulator,
    hass_client: ClientSessionGenerator,
    quiet_errors: pytest.LogCaptureFixture,
) -> None:
    """An offline camera has no still: Home Assistant's plain reply, no pull, no traceback."""
    entity_id = gate_camera(hass)
    camera = get_camera_from_entity_id(hass, entity_id)
    live_sim.set_online(IPC_GATE, False)
    await setup_tums.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert not camera.available
    assert await camera.async_camera_image() is None
    status, body = await _proxy(hass_client, entity_id)
    assert status == 500  # Home Assistant's "Unable to get image", nothing raised by us
    assert b"Traceback" not in body
    assert _pulls(live_sim) == (0, 0)
    assert "NotImplementedError" not in quiet_errors.text


@pytest.mark.usefixtures("streaming")
async def test_no_traceback_without_jpeg_encoder(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    live_sim: TumsSimulator,
    hass_client: ClientSessionGenerator,
    quiet_errors: pytest.LogCaptureFixture,
) -> None:
    """Without libturbojpeg the stream worker makes no still: None, not an exception."""
    entity_id = gate_camera(hass)
    camera = get_camera_from_entity_id(hass, entity_id)
    with (
        patch("homeassistant.components.camera.TurboJPEGSingleton.instance", return_value=None),
        patch.object(tums_camera, "STILL_TIMEOUT", 3.0),
    ):
        assert await camera.async_camera_image() is None
        status, _body = await _proxy(hass_client, entity_id)
        assert status == 500
        # The one pull the still started is the stream's; it was not spent twice.
        assert _pulls(live_sim) == (1, 0)
        # Once the stream stops, a failed still is not retried with a new pull at once.
        assert camera.stream is not None
        await _stop(camera.stream)
        assert await camera.async_camera_image() is None
        assert _pulls(live_sim) == (1, 0)
    assert "NotImplementedError" not in quiet_errors.text


class _FakeWebRTC(CameraWebRTCProvider):
    """A WebRTC provider like go2rtc: it would pull any http or rtsp source itself."""

    def __init__(self) -> None:
        self.registered: list[str] = []

    @property
    def domain(self) -> str:
        return "fake_go2rtc"

    @callback
    def async_is_supported(self, stream_source: str) -> bool:
        return stream_source.startswith(("http", "rtsp"))

    async def async_handle_async_webrtc_offer(self, *args: object) -> None:
        raise AssertionError("no offer expected")

    async def async_on_webrtc_candidate(self, *args: object) -> None:
        raise AssertionError("no candidate expected")

    async def async_register_camera(self, camera: object) -> None:
        self.registered.append(getattr(camera, "entity_id", ""))

    @callback
    def async_close_session(self, session_id: str) -> None:
        """Nothing to close."""


async def test_webrtc_provider_gets_no_cloud_url(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """go2rtc is not offered the one-pull cloud URL; a local RTSP source keeps it."""
    provider = _FakeWebRTC()
    unregister = async_register_webrtc_provider(hass, provider)
    try:
        await hass.async_block_till_done()
        camera = get_camera_from_entity_id(hass, gate_camera(hass))
        assert camera.camera_capabilities.frontend_stream_types == {StreamType.HLS}
        assert provider.registered == []

        result = await hass.config_entries.options.async_init(setup_tums.entry_id)
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                "scan_interval": 60,
                CONF_RTSP_TEMPLATE: "rtsp://{username}:{password}@{ip}:554/stream{channel}",
                CONF_RTSP_USERNAME: "admin",
                CONF_RTSP_PASSWORD: "secret",
            },
        )
        await hass.async_block_till_done(wait_background_tasks=True)
        camera = get_camera_from_entity_id(hass, gate_camera(hass))
        assert StreamType.WEB_RTC in camera.camera_capabilities.frontend_stream_types
    finally:
        unregister()


def _develop_helper() -> ModuleType:
    path = Path(__file__).parents[2] / "scripts" / "develop_helper.py"
    spec = importlib.util.spec_from_file_location("develop_helper", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("develop_helper", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.usefixtures("streaming")
async def test_develop_check_sees_still_and_hls(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    live_sim: TumsSimulator,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
) -> None:
    """scripts/develop --check's camera check passes on a playing camera, fails on none."""
    helper = _develop_helper()
    assert await async_setup_component(hass, "websocket_api", {})
    http = await hass_client()
    api = helper.HomeAssistantAPI(str(http.make_url("")))
    api.token = hass_access_token
    entity_id = gate_camera(hass)
    with patch.object(helper, "TUMS_SIMULATOR", live_sim.url):
        summary = await hass.async_add_executor_job(helper.check_camera, api, [entity_id], 30.0)
        assert entity_id in summary
        assert "HLS plays" in summary
        assert _pulls(live_sim) == (1, 0)
        with pytest.raises(helper.DevelopError, match="no available"):
            await hass.async_add_executor_job(helper.check_camera, api, [], 1.0)


async def test_no_still_without_stream_integration(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    quiet_errors: pytest.LogCaptureFixture,
) -> None:
    """Without the stream integration, or without a source, there is no still and no pull."""
    camera = get_camera_from_entity_id(hass, gate_camera(hass))
    assert await camera.async_camera_image() is None
    assert "Stream integration is not set up" in quiet_errors.text
    camera_again = get_camera_from_entity_id(hass, gate_camera(hass))
    camera_again._still_at = None  # skip the failure back-off
    with patch.object(type(camera_again), "stream_source", return_value=None):
        assert await camera_again.async_camera_image() is None
    assert _pulls(tums_sim) == (0, 0)
