"""The TUMS tiers beyond the device list: firmware, solar, passenger flow, settings."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
import logging
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.update import ATTR_IN_PROGRESS, ATTR_UPDATE_PERCENTAGE
from homeassistant.const import EVENT_STATE_REPORTED, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.tums.const import SETTINGS_INTERVAL
from custom_components.cniot.tums.coordinator import TumsTierCoordinator
from custom_components.cniot.tums.paths import (
    PATH_CHECK_FIRMWARE,
    PATH_DEVICE_PASSENGER_FLOW,
    PATH_GET_RECORD_LOOP,
    PATH_GET_SOLAR_SUPPLY,
    PATH_GET_TIMING_REBOOT,
    PATH_PASSENGER_FLOW_DEVICES,
    PATH_PTZ_RESET_SUPPORT,
    PATH_SOLAR_METRICS,
    PATH_SOLAR_POWER,
    PATH_UPGRADE_INFO,
)
from custom_components.cniot.tums.runtime import TumsRuntime
from simulator.faults import Fault
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import CHANNEL_QRS, IPC_GATE, IPC_LOBBY, NVR_QR, SOLAR_QR
from tests.registry import lookup_device

from .conftest import state_of as _state, tick as _tick, tums_entity_id as _entity

NEW_GATE_FIRMWARE = "1.0.5 Build 240301 Rel.51200n"


@pytest.fixture(autouse=True)
def _frozen(frozen_loop: FrozenDateTimeFactory) -> None:
    """Every test here moves time in steps, the loop's timers and the simulator with it."""


async def _tick_during_install(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: TumsSimulator, seconds: float
) -> None:
    """Move time while an install is awaited.

    The install is a tracked service task, so waiting for Home Assistant to
    settle would wait for the install itself: spin the loop until the firmware
    read this step causes has come back and been handled instead.
    """
    reads = sum(1 for r in sim.requests if r.path == PATH_UPGRADE_INFO)
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    for _ in range(5000):
        await asyncio.sleep(0)
        if sum(1 for r in sim.requests if r.path == PATH_UPGRADE_INFO) > reads:
            break
    for _ in range(50):
        await asyncio.sleep(0)


def _paths(sim: TumsSimulator, since: int) -> Counter[str]:
    return Counter(request.path for request in sim.requests[since:])


def _tier_paths(sim: TumsSimulator, since: int, prefix: str) -> Counter[str]:
    """As _paths, for one tier's API only (the other tiers' timers run meanwhile)."""
    return Counter(
        {path: count for path, count in _paths(sim, since).items() if path.startswith(prefix)}
    )


def _runtime(entry: MockConfigEntry) -> TumsRuntime:
    runtime = entry.runtime_data
    assert isinstance(runtime, TumsRuntime)
    return runtime


# -- request counts -------------------------------------------------------------------


async def test_tier_request_counts(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
) -> None:
    """Each tier spends exactly the calls its entities need, one call serving all of them."""
    runtime = _runtime(setup_tums)
    # Just after the first reads, a wake-up of a per-device tier asks nothing.
    freezer.tick(timedelta(seconds=15))
    for tier in runtime.tiers.values():
        if isinstance(tier, TumsTierCoordinator):
            before = len(tums_sim.requests)
            await tier.async_refresh()
            assert len(tums_sim.requests) == before, tier.tier
    devices = runtime.coordinator.data.devices
    online = [d for d in devices.values() if d.online]

    # Firmware: after the first (check + read) cycle, a refresh only reads, 100 a call.
    before = len(tums_sim.requests)
    await runtime.firmware.async_refresh()
    assert _paths(tums_sim, before) == {PATH_UPGRADE_INFO: math.ceil(len(devices) / 100)}

    # Solar: live values, today's hours and the load schedules of each solar system.
    freezer.tick(runtime.solar.sweep)
    before = len(tums_sim.requests)
    await runtime.solar.async_refresh()
    solar = [d for d in online if d.key == SOLAR_QR]
    assert _tier_paths(tums_sim, before, "/evcs/") == {
        PATH_SOLAR_POWER: len(solar),
        PATH_SOLAR_METRICS: len(solar),
        PATH_GET_SOLAR_SUPPLY: len(solar),
    }

    # Passenger flow: one call per region, then one per online counting IPC only.
    assert runtime.passenger_flow is not None
    freezer.tick(runtime.passenger_flow.sweep)
    before = len(tums_sim.requests)
    await runtime.passenger_flow.async_refresh()
    regions = {d.region_id for d in devices.values()}
    assert _tier_paths(tums_sim, before, "/tums/open/passengerFlow/") == {
        PATH_PASSENGER_FLOW_DEVICES: len(regions),
        PATH_DEVICE_PASSENGER_FLOW: 1,
    }
    assert runtime.passenger_flow.counting == {IPC_LOBBY}

    # Settings: PTZ support asked of the IPCs and the online NVR channels only.
    freezer.tick(runtime.settings.sweep)
    before = len(tums_sim.requests)
    await runtime.settings.async_refresh()
    made = _tier_paths(tums_sim, before, "/vms/open/")
    online_channels = [d for d in online if d.is_child and d.channel_id is not None]
    assert len(online_channels) == len(CHANNEL_QRS) - 1
    assert made[PATH_PTZ_RESET_SUPPORT] == 2 + len(online_channels)
    # Storage belongs to the IPCs and the NVR (asked through a channel), not to channels.
    assert made[PATH_GET_RECORD_LOOP] == 3


async def test_device_tier_untouched_by_other_tiers(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A minute passes: only the device list and overview are fetched."""
    runtime = _runtime(setup_tums)
    before = len(tums_sim.requests)
    await _tick(hass, freezer, 61)
    made = _paths(tums_sim, before)
    assert sum(made.values()) == math.ceil(len(runtime.coordinator.data.devices) / 100) + 1


# -- firmware -------------------------------------------------------------------------


async def test_firmware_upgrade_end_to_end(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Install from the update entity: progress every 15 s, then the new version."""
    runtime = _runtime(setup_tums)
    update = _entity(entity_registry, "update", IPC_GATE, "firmware")
    state = hass.states.get(update)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["latest_version"] == NEW_GATE_FIRMWARE
    assert "花屏" in state.attributes["release_summary"]

    install = asyncio.ensure_future(
        hass.services.async_call("update", "install", {"entity_id": update}, blocking=True)
    )
    for _ in range(200):
        await asyncio.sleep(0)
    assert runtime.firmware.update_interval == timedelta(seconds=15)
    seen: list[int] = []
    for _ in range(6):
        await _tick_during_install(hass, freezer, tums_sim, 15)
        state = hass.states.get(update)
        assert state is not None
        if install.done():
            break
        assert state.attributes[ATTR_IN_PROGRESS] is True
        seen.append(state.attributes[ATTR_UPDATE_PERCENTAGE])
    await install
    assert seen == sorted(seen)
    assert seen
    assert 0 < seen[0] < 100
    state = hass.states.get(update)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["installed_version"] == NEW_GATE_FIRMWARE
    assert tums_sim.devices[IPC_GATE].firmware == NEW_GATE_FIRMWARE
    # Back to the slow cadence, and the registry shows the new version.
    assert runtime.firmware.update_interval == timedelta(hours=6)
    device = lookup_device(dr.async_get(hass), {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_GATE}")})
    assert device is not None
    assert device.sw_version == NEW_GATE_FIRMWARE


@pytest.mark.parametrize("status", [-4, -7])
async def test_firmware_upgrade_failure_is_translated(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    status: int,
) -> None:
    """A negative upgradeStatus ends the install with its own translated error."""
    tums_sim.devices[IPC_GATE].upgrade_failure = status
    update = _entity(entity_registry, "update", IPC_GATE, "firmware")
    install = asyncio.ensure_future(
        hass.services.async_call("update", "install", {"entity_id": update}, blocking=True)
    )
    for _ in range(4):
        await _tick_during_install(hass, freezer, tums_sim, 15)
    with pytest.raises(HomeAssistantError) as err:
        await install
    assert err.value.translation_key == f"tums_upgrade_failed_{-status}"
    assert err.value.translation_placeholders == {"name": "大门口球机"}
    assert tums_sim.devices[IPC_GATE].firmware != NEW_GATE_FIRMWARE
    assert hass.states.get(update).attributes[ATTR_IN_PROGRESS] is False  # type: ignore[union-attr]


async def test_upgrade_refused_names_device(
    hass: HomeAssistant, setup_tums: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """The upgrade action reports each failList device by name."""
    router = lookup_device(device_registry, {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_LOBBY}")})
    assert router is not None
    # The lobby camera has no newer firmware: the cloud refuses it.
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "tums_upgrade_firmware", {"device_id": [router.id]}, blocking=True
        )
    assert err.value.translation_key == "tums_batch_failed"
    assert err.value.translation_placeholders == {"devices": "Lobby Camera"}


async def test_check_firmware_action(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Check for firmware asks the device, then reads the answer at once."""
    device = lookup_device(device_registry, {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{NVR_QR}")})
    assert device is not None
    before = len(tums_sim.requests)
    await hass.services.async_call(
        DOMAIN, "tums_check_firmware", {"device_id": [device.id]}, blocking=True
    )
    made = _paths(tums_sim, before)
    assert made[PATH_CHECK_FIRMWARE] == 1
    assert made[PATH_UPGRADE_INFO] >= 1
    check = next(r for r in tums_sim.requests[before:] if r.path == PATH_CHECK_FIRMWARE)
    assert check.body["devList"] == [{"qrCode": NVR_QR}]


# -- solar ----------------------------------------------------------------------------


async def test_solar_sensors_and_energy(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Live readings as the cloud reports them; energy sums today's completed hours."""
    solar = tums_sim.devices[SOLAR_QR].solar
    assert solar is not None
    battery = _entity(entity_registry, "sensor", SOLAR_QR, "battery")
    assert float(_state(hass, battery)) == pytest.approx(round(solar.battery, 2))
    power = _entity(entity_registry, "sensor", SOLAR_QR, "input_power")
    assert float(_state(hass, power)) == pytest.approx(round(solar.input_watt, 2))
    status = _entity(entity_registry, "sensor", SOLAR_QR, "charge_status")
    assert _state(hass, status) in {"not_charging", "charging", "charged"}

    now = dt_util.now()
    start_ms = int(dt_util.start_of_local_day(now).timestamp() * 1000)
    now_ms = int(now.timestamp() * 1000)
    device = tums_sim.devices[SOLAR_QR]
    expected = sum(
        round(tums_sim._history(device, "inputPowerInWatt", hour), 1)
        for hour in range(start_ms - start_ms % 3_600_000, now_ms, 3_600_000)
        if hour >= start_ms and hour + 3_600_000 <= now_ms
    )
    energy = _entity(entity_registry, "sensor", SOLAR_QR, "input_energy_today")
    state = hass.states.get(energy)
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "kWh"
    assert state.attributes["state_class"] == "total_increasing"
    assert float(state.state) == pytest.approx(expected / 1000, abs=0.01)


async def test_solar_values_drift_and_tier_failure(
    hass: HomeAssistant,
    tums_entry: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every 5 minutes new readings; a failing solar call leaves other tiers alone."""
    tums_sim.drift = True
    assert await hass.config_entries.async_setup(tums_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    battery = _entity(entity_registry, "sensor", SOLAR_QR, "battery")
    first = _state(hass, battery)
    await _tick(hass, freezer, 301)
    assert _state(hass, battery) != first

    tums_sim.faults.add(Fault(kind="http_status", value=500, path_prefix="/evcs/"))
    await _tick(hass, freezer, 301)
    assert _state(hass, battery) == STATE_UNAVAILABLE
    status = _entity(entity_registry, "sensor", SOLAR_QR, "status")
    assert _state(hass, status) == "online"
    tums_sim.faults.clear()
    await _tick(hass, freezer, 301)
    assert _state(hass, battery) != STATE_UNAVAILABLE


async def test_solar_load_restart_and_schedule(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """One restart button per load; the schedule action reaches the device."""
    solar = tums_sim.devices[SOLAR_QR].solar
    assert solar is not None
    button = _entity(entity_registry, "button", SOLAR_QR, "solar_load_2_restart")
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert solar.load_resets == {2: 1}

    device = lookup_device(device_registry, {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{SOLAR_QR}")})
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "tums_set_solar_schedule",
        {"device_id": device.id, "start": "19:30", "end": "05:15", "enabled": False, "load": "2"},
        blocking=True,
    )
    schedule = next(s for s in solar.schedules if s.load == 2)
    assert (schedule.start_hour, schedule.start_min, schedule.end_hour, schedule.end_min) == (
        19,
        30,
        5,
        15,
    )
    assert schedule.status == "off"

    camera = lookup_device(device_registry, {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_GATE}")})
    assert camera is not None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_set_solar_schedule",
            {"device_id": camera.id, "start": "19:30", "end": "05:15", "enabled": True},
            blocking=True,
        )
    assert err.value.translation_key == "tums_unsuitable_device"


# -- passenger flow -------------------------------------------------------------------


async def test_passenger_flow_today(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Today's in and out counts of the IPC that counts; other cameras get none."""
    now = dt_util.now()
    start = int(dt_util.start_of_local_day(now).timestamp())
    in_count, out_count, _ = tums_sim._flow(
        tums_sim.devices[IPC_LOBBY], start, int(now.timestamp())
    )
    people_in = _entity(entity_registry, "sensor", IPC_LOBBY, "people_in_today")
    people_out = _entity(entity_registry, "sensor", IPC_LOBBY, "people_out_today")
    assert int(_state(hass, people_in)) == in_count
    assert int(_state(hass, people_out)) == out_count
    assert (
        entity_registry.async_get_entity_id(
            "sensor", DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{IPC_GATE}_people_in_today"
        )
        is None
    )


async def test_device_application_has_no_flow_tier(
    hass: HomeAssistant, tums_sim: TumsSimulator
) -> None:
    """Passenger flow is for project applications only: no calls in a device app."""
    from .conftest import tums_data

    tums_sim.app_type = "device"
    assert tums_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=DEMO_ACCESS_KEY, data=tums_data(tums_sim.url, app_type="device")
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _runtime(entry).passenger_flow is None
    assert not any(
        r.path in (PATH_PASSENGER_FLOW_DEVICES, PATH_DEVICE_PASSENGER_FLOW)
        for r in tums_sim.requests
    )


# -- storage and configuration --------------------------------------------------------


async def test_storage_sensors(
    hass: HomeAssistant, setup_tums: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Each card or disk: state and capacity; an NVR's disks sit on the NVR."""
    assert _state(hass, _entity(entity_registry, "sensor", IPC_GATE, "storage_1_status")) == (
        "normal"
    )
    assert _state(hass, _entity(entity_registry, "sensor", IPC_LOBBY, "storage_1_status")) == (
        "unformatted"
    )
    assert float(_state(hass, _entity(entity_registry, "sensor", NVR_QR, "storage_2_free"))) == (
        pytest.approx(3011.9)
    )
    total = hass.states.get(_entity(entity_registry, "sensor", IPC_GATE, "storage_1_total"))
    assert total is not None
    assert total.attributes["unit_of_measurement"] == "GB"


async def test_settings_entities_write_through(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Loop recording, time sync and the reboot schedule reach the device at once."""
    gate = tums_sim.devices[IPC_GATE]
    loop = _entity(entity_registry, "switch", IPC_GATE, "loop_recording")
    assert _state(hass, loop) == STATE_ON
    before = len(tums_sim.requests)
    await hass.services.async_call("switch", "turn_off", {"entity_id": loop}, blocking=True)
    assert gate.record_loop is False
    assert _state(hass, loop) == STATE_OFF
    # The new value is shown without reading every setting back.
    assert len(tums_sim.requests) == before + 1

    mode = _entity(entity_registry, "select", IPC_GATE, "time_sync_mode")
    await hass.services.async_call(
        "select", "select_option", {"entity_id": mode, "option": "manual"}, blocking=True
    )
    assert gate.timing_mode == "manual"
    await hass.services.async_call(
        "select", "select_option", {"entity_id": mode, "option": "ntp"}, blocking=True
    )
    assert (gate.timing_mode, gate.ntp_server) == ("ntp", "ntp.tplinkcloud.com.cn")

    schedule = _entity(entity_registry, "switch", IPC_GATE, "scheduled_reboot")
    day = _entity(entity_registry, "select", IPC_GATE, "scheduled_reboot_day")
    at = _entity(entity_registry, "time", IPC_GATE, "scheduled_reboot_time")
    await hass.services.async_call("switch", "turn_on", {"entity_id": schedule}, blocking=True)
    await hass.services.async_call(
        "select", "select_option", {"entity_id": day, "option": "sunday"}, blocking=True
    )
    await hass.services.async_call(
        "time", "set_value", {"entity_id": at, "time": "04:30:00"}, blocking=True
    )
    config = gate.timing_reboot
    assert (config.if_open, config.day, config.time) == (True, 7, "04:30:00")
    assert _state(hass, at) == "04:30:00"
    assert _state(hass, day) == "sunday"


async def test_camera_buttons(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """PTZ return only where supported; time sync sets the device's clock."""
    ptz = _entity(entity_registry, "button", IPC_GATE, "ptz_reset")
    await hass.services.async_call("button", "press", {"entity_id": ptz}, blocking=True)
    assert tums_sim.devices[IPC_GATE].ptz_resets == 1
    assert (
        entity_registry.async_get_entity_id(
            "button", DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{IPC_LOBBY}_ptz_reset"
        )
        is None
    )
    sync = _entity(entity_registry, "button", IPC_LOBBY, "sync_time")
    await hass.services.async_call("button", "press", {"entity_id": sync}, blocking=True)
    lobby = tums_sim.devices[IPC_LOBBY]
    assert len(lobby.manual_timings) == 1
    assert lobby.timing_mode == "manual"
    mode = _entity(entity_registry, "select", IPC_LOBBY, "time_sync_mode")
    assert _state(hass, mode) == "manual"
    # Back to NTP before the next settings read: the device's own server, not a default.
    await hass.services.async_call(
        "select", "select_option", {"entity_id": mode, "option": "ntp"}, blocking=True
    )
    assert (lobby.timing_mode, lobby.ntp_server) == ("ntp", "ntp.tplinkcloud.com.cn")


async def test_offline_device_settings_unavailable(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An offline camera's settings go unavailable, and come back with it."""
    loop = _entity(entity_registry, "switch", IPC_GATE, "loop_recording")
    tums_sim.set_online(IPC_GATE, False)
    await _tick(hass, freezer, 61)
    assert _state(hass, loop) == STATE_UNAVAILABLE
    tums_sim.set_online(IPC_GATE, True)
    await _tick(hass, freezer, 61)
    assert _state(hass, loop) == STATE_ON


async def test_unsupported_setting_not_asked_again(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
) -> None:
    """A setting a device refuses as unsupported is skipped in later refreshes."""
    runtime = _runtime(setup_tums)
    tums_sim.faults.add(Fault(kind="vendor_code", value=-80391, path_prefix=PATH_PTZ_RESET_SUPPORT))
    freezer.tick(SETTINGS_INTERVAL)
    before = len(tums_sim.requests)
    await runtime.settings.async_refresh()
    assert PATH_PTZ_RESET_SUPPORT in _paths(tums_sim, before)
    tums_sim.faults.clear()
    freezer.tick(SETTINGS_INTERVAL)
    before = len(tums_sim.requests)
    await runtime.settings.async_refresh()
    made = _paths(tums_sim, before)
    assert PATH_PTZ_RESET_SUPPORT not in made
    assert made[PATH_GET_TIMING_REBOOT] > 0
    assert runtime.settings.last_update_success


@pytest.mark.parametrize(
    ("tier", "path_prefix", "platform", "key", "name", "interval"),
    [
        ("firmware", PATH_UPGRADE_INFO, "update", IPC_GATE, "firmware", 6 * 3600 + 1),
        ("solar", "/evcs/", "sensor", SOLAR_QR, "battery", 301),
        ("flow", "/tums/open/passengerFlow/", "sensor", IPC_LOBBY, "people_in_today", 901),
        ("settings", "/vms/open/deviceConfig/", "switch", IPC_GATE, "loop_recording", 1801),
    ],
)
async def test_tier_outage_and_recovery(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    tier: str,
    path_prefix: str,
    platform: str,
    key: str,
    name: str,
    interval: int,
) -> None:
    """A tier whose calls fail makes only its entities unavailable, logs once, recovers."""
    runtime = _runtime(setup_tums)
    entity = _entity(entity_registry, platform, key, name)
    status = _entity(entity_registry, "sensor", key, "status")
    assert _state(hass, entity) != STATE_UNAVAILABLE
    tums_sim.faults.add(Fault(kind="http_status", value=502, path_prefix=path_prefix))
    caplog.clear()
    await _tick(hass, freezer, interval)
    assert runtime.tiers[tier].last_update_success is False
    assert _state(hass, entity) == STATE_UNAVAILABLE
    assert _state(hass, status) == "online"
    await _tick(hass, freezer, interval)
    # Two failed refreshes, one line: the outage is logged once.
    down = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and f"tums {tier} " in r.getMessage()
    ]
    assert len(down) == 1
    tums_sim.faults.clear()
    await _tick(hass, freezer, interval)
    assert runtime.tiers[tier].last_update_success is True
    assert _state(hass, entity) != STATE_UNAVAILABLE
    assert any(
        f"tums {tier} " in r.getMessage() and "recovered" in r.getMessage() for r in caplog.records
    )


async def test_tier_auth_failure_starts_reauth(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An unknown key seen by a tier starts reauth, like the device list."""
    tums_sim.faults.add(Fault(kind="vendor_code", value=-10304, path_prefix="/evcs/"))
    await _tick(hass, freezer, 301)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_device_pages_show_firmware_version(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Entities added after the firmware read (later tiers) do not blank the version."""
    runtime = _runtime(setup_tums)
    await _tick(hass, freezer, 120)
    await _tick(hass, freezer, 600)
    firmware = runtime.firmware.data or {}
    assert firmware
    registry = dr.async_get(hass)
    shown = {}
    for key, info in firmware.items():
        device = lookup_device(registry, {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{key}")})
        if device is not None and info.current_version:
            shown[key] = (device.sw_version, info.current_version)
    assert shown
    assert all(seen == expected for seen, expected in shown.values()), shown


async def test_setting_write_does_not_postpone_the_sweep(
    hass: HomeAssistant, setup_tums: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Recording a written setting keeps the settings tier's wake-up and its failure state.

    Guards D2 of the 2026-12 review: publishing a write with async_set_updated_data
    re-armed the tier's timer (frequent writes postponed the sweep) and marked a
    failed refresh successful.
    """
    runtime: TumsRuntime = setup_tums.runtime_data
    settings = runtime.settings
    assert settings.data
    assert settings.update_interval is not None
    tick = settings.update_interval.total_seconds()
    key = next(key for key, item in settings.data.items() if item.record_loop is not None)
    settings.last_update_success = False
    await _tick(hass, freezer, tick / 2)
    device = runtime.coordinator.data.devices[key]
    await runtime.operations.async_set_record_loop(device, not settings.data[key].record_loop)
    assert settings.last_update_success is False
    # The tier wakes a tick after its last wake-up, not a tick after the write.
    await _tick(hass, freezer, tick / 2 + 1)
    assert settings.last_update_success is True


async def test_measurements_keep_state_reported(
    hass: HomeAssistant, setup_tums: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """An unchanged power reading is still reported, so Riemann sums see every point.

    Guards D18 of the 2026-12 review: skipping writes of unchanged values also
    suppressed Home Assistant's state_reported.
    """
    power = _entity(entity_registry, "sensor", SOLAR_QR, "input_power")
    reported: list[str] = []

    @callback
    def _any(_data: Any) -> bool:
        return True

    hass.bus.async_listen(
        EVENT_STATE_REPORTED,
        lambda event: reported.append(event.data["entity_id"]),
        event_filter=_any,
    )
    runtime: TumsRuntime = setup_tums.runtime_data
    runtime.solar.async_update_listeners()
    await hass.async_block_till_done()
    assert power in reported
