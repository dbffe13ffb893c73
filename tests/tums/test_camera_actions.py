"""TUMS cameras (HTTP-FLV and RTSP), the actions, the options and the diagnostics."""

from __future__ import annotations

from datetime import timedelta
import json
import logging
from unittest.mock import AsyncMock, MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.components.camera import async_get_stream_source, get_camera_from_entity_id
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.cniot.const import CONF_SCAN_INTERVAL, DOMAIN
from custom_components.cniot.diagnostics import async_get_config_entry_diagnostics
from custom_components.cniot.tums.const import (
    CONF_RTSP_PASSWORD,
    CONF_RTSP_TEMPLATE,
    CONF_RTSP_USERNAME,
)
from custom_components.cniot.tums.paths import PATH_FLV_CLOSE_REASON, PATH_FLV_URL
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator
from simulator.tums.state import IPC_GATE, IPC_LOBBY, NVR_QR, ROUTER_MAC
from tests.registry import entity_id_of, lookup_device


def gate_camera(hass: HomeAssistant) -> str:
    """The gate IPC's camera."""
    return entity_id_of(hass, "camera", f"_{IPC_GATE}_camera")


def dock_camera(hass: HomeAssistant) -> str:
    """The NVR's second channel, the dock door."""
    return entity_id_of(hass, "camera", f"_{NVR_QR}:2_camera")


def _flv_calls(sim: TumsSimulator) -> int:
    return sum(1 for r in sim.requests if r.path == PATH_FLV_URL)


def _device(hass: HomeAssistant, key: str) -> str:
    device = lookup_device(dr.async_get(hass), {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{key}")})
    assert device is not None, key
    return device.id


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _fake_stream() -> MagicMock:
    stream = MagicMock()
    stream.available = True
    stream.stop = AsyncMock()
    return stream


# -- camera ---------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen_loop")
async def test_stream_source_cached_then_renewed(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    frozen_loop: FrozenDateTimeFactory,
) -> None:
    """One URL serves repeated asks; near its two-hour end a new one is fetched."""
    url = await async_get_stream_source(hass, gate_camera(hass))
    assert url is not None
    assert "/_sim/tums/flv/" in url
    calls = _flv_calls(tums_sim)
    assert await async_get_stream_source(hass, gate_camera(hass)) == url
    assert _flv_calls(tums_sim) == calls
    # Near the end of its life, with no stream running, the URL is just forgotten.
    await _tick(hass, frozen_loop, timedelta(hours=1, minutes=51))
    assert _flv_calls(tums_sim) == calls
    renewed = await async_get_stream_source(hass, gate_camera(hass))
    assert renewed not in (None, url)
    assert _flv_calls(tums_sim) == calls + 1

    # An NVR channel asks for its own channel on the NVR.
    await async_get_stream_source(hass, dock_camera(hass))
    request = next(r for r in reversed(tums_sim.requests) if r.path == PATH_FLV_URL)
    assert (request.body["qrCode"], request.body["channelId"]) == (NVR_QR, 2)
    assert request.body["type"] == "video"


@pytest.mark.usefixtures("frozen_loop")
async def test_running_stream_gets_renewed_url(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    frozen_loop: FrozenDateTimeFactory,
) -> None:
    """A running stream is handed a fresh URL before the old one expires."""
    camera = get_camera_from_entity_id(hass, gate_camera(hass))
    stream = _fake_stream()
    with patch("homeassistant.components.camera.create_stream", return_value=stream):
        assert await camera.async_create_stream() is stream
    first = stream.mock_calls and camera.stream is stream
    assert first
    url = await async_get_stream_source(hass, gate_camera(hass))
    await _tick(hass, frozen_loop, timedelta(hours=1, minutes=50, seconds=1))
    stream.update_source.assert_called_once()
    new_url = stream.update_source.call_args.args[0]
    assert new_url != url
    assert "/_sim/tums/flv/" in new_url


async def test_flv_url_plays(hass: HomeAssistant, setup_tums: MockConfigEntry) -> None:
    """The URL the camera hands to the stream component serves an FLV stream."""
    url = await async_get_stream_source(hass, gate_camera(hass))
    assert url is not None
    async with async_get_clientsession(hass).get(url) as response:
        assert response.status == 200
        head = await response.content.read(3)
    assert head == b"FLV"


async def test_failed_stream_logs_close_reason_and_renews(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When the stream fails, the cloud's close reason is logged and a new URL tried."""
    camera = get_camera_from_entity_id(hass, gate_camera(hass))
    stream = _fake_stream()
    with patch("homeassistant.components.camera.create_stream", return_value=stream):
        await camera.async_create_stream()
    url = await async_get_stream_source(hass, gate_camera(hass))
    assert url is not None
    # One complete pull: the cloud then says why it closed.
    async with async_get_clientsession(hass).get(url) as response:
        await response.read()
    [callback] = stream.set_update_callback.call_args.args
    stream.available = False
    with caplog.at_level(logging.WARNING):
        callback()
        await hass.async_block_till_done(wait_background_tasks=True)
    assert any(r.path == PATH_FLV_CLOSE_REASON for r in tums_sim.requests)
    assert "stream ended" in caplog.text
    assert hass.states.get(gate_camera(hass)).state == "unavailable"  # type: ignore[union-attr]
    stream.update_source.assert_called_once()
    assert stream.update_source.call_args.args[0] != url
    # A second failure report right away neither logs nor fetches again.
    calls = _flv_calls(tums_sim)
    callback()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _flv_calls(tums_sim) == calls


async def test_rtsp_template_option(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """A local RTSP template replaces the cloud stream; a bad one is refused."""
    result = await hass.config_entries.options.async_init(setup_tums.entry_id)
    assert result["step_id"] == "settings"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_RTSP_TEMPLATE: "http://{ip}/x"}
    )
    assert result["errors"] == {CONF_RTSP_TEMPLATE: "invalid_rtsp_template"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_RTSP_TEMPLATE: "rtsp://{secret}@{ip}/"}
    )
    assert result["errors"] == {CONF_RTSP_TEMPLATE: "invalid_rtsp_template"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SCAN_INTERVAL: 60,
            CONF_RTSP_TEMPLATE: "rtsp://{username}:{password}@{ip}:554/stream{channel}",
            CONF_RTSP_USERNAME: "admin",
            CONF_RTSP_PASSWORD: "p@ss:word",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert setup_tums.state is ConfigEntryState.LOADED
    calls = _flv_calls(tums_sim)
    gate = tums_sim.devices[IPC_GATE]
    assert await async_get_stream_source(hass, gate_camera(hass)) == (
        f"rtsp://admin:p%40ss%3Aword@{gate.ip}:554/stream1"
    )
    nvr = tums_sim.devices[NVR_QR]
    assert await async_get_stream_source(hass, dock_camera(hass)) == (
        f"rtsp://admin:p%40ss%3Aword@{nvr.ip}:554/stream2"
    )
    assert _flv_calls(tums_sim) == calls

    # The password never reaches the diagnostics.
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_tums)
    text = json.dumps(diagnostics, default=str)
    assert "p@ss:word" not in text
    assert DEMO_SECRET_KEY not in text
    assert set(diagnostics["vendor"]["tiers"]) == {"firmware", "solar", "settings", "flow"}

    # Emptying the template goes back to the cloud.
    result = await hass.config_entries.options.async_init(setup_tums.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert CONF_RTSP_TEMPLATE not in setup_tums.options
    source = await async_get_stream_source(hass, gate_camera(hass))
    assert source is not None
    assert source.startswith("http")


# -- actions --------------------------------------------------------------------------


async def test_get_stream_url_action(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """The SDK URL comes back as the action's response; non-cameras are refused."""
    response = await hass.services.async_call(
        DOMAIN,
        "tums_get_stream_url",
        {"device_id": _device(hass, IPC_GATE), "stream_type": "sdvod"},
        blocking=True,
        return_response=True,
    )
    assert response == {"url": tums_sim.stream_urls[-1]["url"], "stream_type": "sdvod"}
    response = await hass.services.async_call(
        DOMAIN,
        "tums_get_stream_url",
        {"device_id": _device(hass, IPC_GATE), "resolution": "hd"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert str(response["url"]).endswith("&resolution=2")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_get_stream_url",
            {"device_id": _device(hass, ROUTER_MAC)},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "tums_unsuitable_device"


async def test_format_storage_action(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    hass_admin_user: User,
    hass_read_only_user: User,
) -> None:
    """Only an administrator, and only with confirm set, may erase a card."""
    card = tums_sim.devices[IPC_LOBBY].sd_cards[0]
    data = {"device_id": _device(hass, IPC_LOBBY), "confirm": False}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "tums_format_storage", data, blocking=True)
    assert err.value.translation_key == "tums_format_unconfirmed"
    data["confirm"] = True
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "tums_format_storage",
            data,
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert card.status == "unformatted"
    await hass.services.async_call(
        DOMAIN,
        "tums_format_storage",
        data,
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    assert card.status == "normal"
    state = hass.states.get(entity_id_of(hass, "sensor", f"_{IPC_LOBBY}_storage_1_status"))
    assert state is not None
    assert state.state == "normal"
    # An NVR's disk is formatted through one of its channels.
    disk = tums_sim.devices[NVR_QR].sd_cards[1]
    await hass.services.async_call(
        DOMAIN,
        "tums_format_storage",
        {"device_id": _device(hass, NVR_QR), "index": 2, "confirm": True},
        blocking=True,
    )
    assert disk.free_gb == disk.total_gb
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_format_storage",
            {"device_id": _device(hass, ROUTER_MAC), "confirm": True},
            blocking=True,
        )
    assert err.value.translation_key == "tums_no_storage"


async def test_alarm_actions(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Alarm output, detections and alarm ports reach the cameras; refusals name them."""
    gate, lobby = tums_sim.devices[IPC_GATE], tums_sim.devices[IPC_LOBBY]
    await hass.services.async_call(
        DOMAIN, "tums_trigger_alarm", {"device_id": _device(hass, IPC_GATE), "on": True}, True
    )
    assert gate.alarm_output_active is True

    both = [_device(hass, IPC_GATE), _device(hass, IPC_LOBBY)]
    await hass.services.async_call(
        DOMAIN,
        "tums_set_detection",
        {"device_id": both, "alarm_types": ["person", "vehicle"], "enabled": True},
        blocking=True,
    )
    assert gate.detections == lobby.detections == {20: True, 22: True}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_set_detection",
            {"device_id": both, "alarm_types": ["unicorn"], "enabled": True},
            blocking=True,
        )
    assert err.value.translation_key == "invalid_action_input"

    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_set_alarm_io",
            {"device_id": both, "port": "output", "enabled": True},
            blocking=True,
        )
    # The lobby camera's capability set has no alarm output: refused before sending.
    assert err.value.translation_key == "tums_not_capable"
    assert err.value.translation_placeholders == {
        "devices": "Lobby Camera",
        "capability": "alarm_out_enable",
    }
    assert gate.alarm_output_enable != "on"
    await hass.services.async_call(
        DOMAIN,
        "tums_set_alarm_io",
        {"device_id": [_device(hass, IPC_GATE)], "port": "output", "enabled": True},
        blocking=True,
    )
    assert gate.alarm_output_enable == "on"
    await hass.services.async_call(
        DOMAIN,
        "tums_set_alarm_io",
        {"device_id": [_device(hass, IPC_GATE)], "port": "input", "enabled": False},
        blocking=True,
    )
    assert gate.alarm_input_enable == "off"


async def test_upgrade_action_starts_upgrade(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """The upgrade action starts it in the cloud and speeds up the firmware tier."""
    await hass.services.async_call(
        DOMAIN, "tums_upgrade_firmware", {"device_id": [_device(hass, NVR_QR)]}, blocking=True
    )
    assert tums_sim.devices[NVR_QR].upgrade is not None
    assert setup_tums.runtime_data.firmware.update_interval == timedelta(seconds=15)  # type: ignore[attr-defined]
    state = hass.states.get(entity_id_of(hass, "update", f"_{NVR_QR}_firmware"))
    assert state is not None
    assert state.attributes["in_progress"] is True
