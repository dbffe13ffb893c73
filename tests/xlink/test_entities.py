"""Xlink datapoints as entities: mapping, snapshots, availability, control and probe."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from custom_components.cniot.const import DOMAIN
from simulator.faults import Fault
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import DEMO_CORP_ID, HEATER_PRODUCT_ID, PURIFIER_PRODUCT_ID
from tests.snapshots import snapshot_platform

from .conftest import XLINK_ENTRY_ID, xlink_data

FROZEN = 1_790_000_000.0
HEATER, HEATER_ON, HEATER_OFFLINE = 1658785277, 1658785278, 1658785279
PURIFIER, PURIFIER_OFFLINE = 1094, 1095


def _entity(registry: er.EntityRegistry, platform: str, pid: str, device: int, key: Any) -> str:
    unique_id = f"xlink_{XLINK_ENTRY_ID}_{pid}_{device}_{key}"
    entity_id = registry.async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, (platform, key)
    return entity_id


async def _poll(hass: HomeAssistant, seconds: float = 61) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def frozen_sim(freezer: FrozenDateTimeFactory) -> AsyncIterator[XlinkSimulator]:
    """A simulator whose times are fixed, for snapshots."""
    freezer.move_to(dt_util.utc_from_timestamp(FROZEN))
    sim = XlinkSimulator(clock=lambda: FROZEN)
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.mark.parametrize(
    "platform",
    [
        Platform.SENSOR,
        Platform.BINARY_SENSOR,
        Platform.SWITCH,
        Platform.NUMBER,
        Platform.TEXT,
        Platform.BUTTON,
    ],
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_platform_snapshots(
    hass: HomeAssistant,
    frozen_sim: XlinkSimulator,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every datapoint type becomes the entity the issue's table names."""
    assert frozen_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=XLINK_ENTRY_ID,
        title="示例智能家电有限公司",
        unique_id=DEMO_CORP_ID,
        data=xlink_data(frozen_sim.url),
    )
    entry.add_to_hass(hass)
    with patch("custom_components.cniot.xlink.runtime.XlinkRuntime.platforms", (platform,)):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_mapping(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Type and access decide the platform; min/max and symbol carry over."""
    h, p = HEATER_PRODUCT_ID, PURIFIER_PRODUCT_ID
    expected = {
        ("switch", h, 0),  # writable bool
        ("number", h, 1),  # writable uint8 30..75 ℃
        ("sensor", h, 2),  # read-only int16
        ("binary_sensor", h, 3),  # read-only bool
        ("number", h, 4),
        ("sensor", h, 5),  # uint16
        ("sensor", h, 6),  # float
        ("text", h, 7),  # writable string
        ("sensor", p, 1),
        ("number", p, 2),
        ("switch", p, 4),
        ("text", p, 5),  # writable byte array, as hex
        ("binary_sensor", p, 6),
        ("number", p, 7),  # writable float
        ("sensor", p, 8),  # uint32
        ("sensor", p, 9),  # int32
        ("sensor", p, 10),  # read-only byte array
    }
    for platform, pid, index in expected:
        device = HEATER if pid == h else PURIFIER
        _entity(entity_registry, platform, pid, device, index)
    target = hass.states.get(_entity(entity_registry, "number", h, HEATER, 1))
    assert target is not None
    assert (target.attributes["min"], target.attributes["max"], target.attributes["step"]) == (
        30,
        75,
        1,
    )
    assert target.attributes["unit_of_measurement"] == "°C"
    humidity = hass.states.get(_entity(entity_registry, "number", p, PURIFIER, 7))
    assert humidity is not None
    assert humidity.attributes["step"] == 0.1
    assert humidity.state == "45.5"
    pm = hass.states.get(_entity(entity_registry, "sensor", p, PURIFIER, 1))
    assert pm is not None
    assert pm.attributes["unit_of_measurement"] == "μg/m³"
    assert pm.attributes["state_class"] == "measurement"
    schedule = hass.states.get(_entity(entity_registry, "text", p, PURIFIER, 5))
    assert schedule is not None
    assert schedule.state == "0800ff"
    nickname = hass.states.get(_entity(entity_registry, "text", h, HEATER, 7))
    assert nickname is not None
    assert nickname.state == "浴室"
    mode = hass.states.get(_entity(entity_registry, "number", h, HEATER, 4))
    assert mode is not None
    assert "unit_of_measurement" not in mode.attributes
    assert hass.states.get(_entity(entity_registry, "switch", h, HEATER_ON, 0)).state == STATE_ON  # type: ignore[union-attr]


async def test_devices_hang_off_products(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    entry_id = setup_xlink.entry_id
    product = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}"), entry_id
    )
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}:{HEATER}"), entry_id
    )
    assert product is not None
    assert device is not None
    assert device.via_device_id == product.id
    assert device.name == "热水器-客卫"
    assert device.sw_version == "Firmware 3, MCU 12"
    assert device.serial_number == str(HEATER)
    assert (dr.CONNECTION_NETWORK_MAC, "f0:fe:6b:79:26:73") in device.connections


async def test_offline_device(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Offline: datapoints unavailable, connectivity off, probe pressable but refused."""
    h = HEATER_PRODUCT_ID
    assert hass.states.get(_entity(entity_registry, "switch", h, HEATER_OFFLINE, 0)).state == (  # type: ignore[union-attr]
        STATE_UNAVAILABLE
    )
    online = hass.states.get(_entity(entity_registry, "binary_sensor", h, HEATER_OFFLINE, "online"))
    assert online is not None
    assert online.state == STATE_OFF
    probe = _entity(entity_registry, "button", h, HEATER_OFFLINE, "probe")
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call("button", "press", {"entity_id": probe}, blocking=True)
    assert err.value.translation_key == "device_offline"


async def test_switch_control_is_optimistic_then_read_back(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    switch = _entity(entity_registry, "switch", HEATER_PRODUCT_ID, HEATER, 0)
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert hass.states.get(switch).state == STATE_ON  # type: ignore[union-attr]
    assert xlink_sim.devices[HEATER].values[0] is True
    # The device turns itself off meanwhile: the read-back shows it.
    xlink_sim.devices[HEATER].values[0] = False
    xlink_sim.requests.clear()
    await _poll(hass, 3)
    assert [r.path for r in xlink_sim.requests] == [f"/v2/product/{HEATER_PRODUCT_ID}/v_devices"]
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]


async def test_writable_entities(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    h, p = HEATER_PRODUCT_ID, PURIFIER_PRODUCT_ID
    calls = [
        ("number", "set_value", _entity(entity_registry, "number", h, HEATER, 1), {"value": 62}),
        (
            "number",
            "set_value",
            _entity(entity_registry, "number", p, PURIFIER, 7),
            {"value": 60.5},
        ),
        ("text", "set_value", _entity(entity_registry, "text", h, HEATER, 7), {"value": "客卫"}),
        ("text", "set_value", _entity(entity_registry, "text", p, PURIFIER, 5), {"value": "0A0B"}),
        ("switch", "turn_off", _entity(entity_registry, "switch", p, PURIFIER, 0), {}),
    ]
    for domain, service, entity_id, data in calls:
        await hass.services.async_call(
            domain, service, {"entity_id": entity_id, **data}, blocking=True
        )
    assert xlink_sim.devices[HEATER].values[1] == 62
    assert isinstance(xlink_sim.devices[HEATER].values[1], int)
    assert xlink_sim.devices[PURIFIER].values[7] == 60.5
    assert xlink_sim.devices[HEATER].values[7] == "客卫"
    assert xlink_sim.devices[PURIFIER].values[5] == "0a0b"
    assert xlink_sim.devices[PURIFIER].values[0] is False
    assert hass.states.get(calls[3][2]).state == "0a0b"  # type: ignore[union-attr]


async def test_control_validation_before_sending(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, xlink_sim: XlinkSimulator
) -> None:
    """Bad values never reach Xlink: translated validation errors."""
    runtime = setup_xlink.runtime_data
    xlink_sim.requests.clear()
    cases = [
        ({2: 10}, "datapoint_read_only"),
        ({1: 90}, "datapoint_range"),
        ({0: "yes"}, "datapoint_type"),
        ({1: 40.5}, "datapoint_type"),
        ({7: "x" * 300}, "datapoint_text_length"),
        ({99: 1}, "datapoint_unknown"),
    ]
    for values, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await runtime.async_control(HEATER, values)
        assert err.value.translation_key == key, values
    with pytest.raises(ServiceValidationError) as err:
        await runtime.async_control(HEATER, {99: 1})
    # The heater's writable indexes with their names; read-only 2 (出水温度) is not offered.
    assert err.value.translation_placeholders["valid"] == (
        "0 (电源), 1 (设定温度), 4 (模式), 7 (昵称)"
    )
    with pytest.raises(ServiceValidationError) as err:
        await runtime.async_control(PURIFIER, {5: "00" * 200})
    assert err.value.translation_key == "datapoint_length"
    assert err.value.translation_placeholders["length"] == "127"
    assert not xlink_sim.requests


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        (Fault(kind="vendor_code", value=4001054), "device_offline"),
        (Fault(kind="vendor_code", value=4001064), "device_offline"),
        (Fault(kind="vendor_code", value=4041008), "device_offline"),
        (Fault(kind="vendor_code", value=4031006), "xlink_error_4031006"),
        (Fault(kind="vendor_code", value=4001001), "vendor_error"),
        (Fault(kind="http_status", value=503), "communication_error"),
        (Fault(kind="html"), "invalid_response"),
    ],
)
async def test_control_errors(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    entity_registry: er.EntityRegistry,
    fault: Fault,
    key: str,
) -> None:
    """Every refusal of a write is a translated error, and none asks for reauth."""
    switch = _entity(entity_registry, "switch", HEATER_PRODUCT_ID, HEATER, 0)
    fault.path_prefix = "/v2/diagnosis"
    xlink_sim.faults.add(fault)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert err.value.translation_key == key
    assert not list(setup_xlink.async_get_active_flows(hass, {"reauth"}))
    assert xlink_sim.devices[HEATER].values[0] is False


async def test_control_with_refused_login_asks_for_reauth(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    switch = _entity(entity_registry, "switch", HEATER_PRODUCT_ID, HEATER, 0)
    xlink_sim.password = "changed"
    xlink_sim.faults.add(Fault(kind="vendor_code", value=4031022, path_prefix="/v2/diagnosis"))
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert err.value.translation_key == "auth_failed"
    assert len(list(setup_xlink.async_get_active_flows(hass, {"reauth"}))) == 1


async def test_probe_button(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Probe reads the device itself, on demand only; its values show at once."""
    probe = _entity(entity_registry, "button", HEATER_PRODUCT_ID, HEATER, "probe")
    assert not any("probe" in r.path for r in xlink_sim.requests)
    await _poll(hass)
    assert not any("probe" in r.path for r in xlink_sim.requests)
    xlink_sim.devices[HEATER].values[2] = 71
    await hass.services.async_call("button", "press", {"entity_id": probe}, blocking=True)
    water = _entity(entity_registry, "sensor", HEATER_PRODUCT_ID, HEATER, 2)
    assert hass.states.get(water).state == "71"  # type: ignore[union-attr]
    assert [r.path for r in xlink_sim.requests].count(f"/v2/diagnosis/device/probe/{HEATER}") == 1


async def test_devices_come_and_go(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A new device gets entities without a reload; a deleted one goes after two misses."""
    from simulator.xlink.state import SimDevice

    entry_id = setup_xlink.entry_id
    values = dict(xlink_sim.devices[HEATER].values)
    xlink_sim.devices[1658785300] = SimDevice(
        1658785300, HEATER_PRODUCT_ID, "F0FE6B7926AA", "热水器-新", True, values
    )
    await _poll(hass)
    new = _entity(entity_registry, "switch", HEATER_PRODUCT_ID, 1658785300, 0)
    assert hass.states.get(new).state == STATE_OFF  # type: ignore[union-attr]
    del xlink_sim.devices[HEATER_ON]
    ident = (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}:{HEATER_ON}")
    await _poll(hass)
    assert device_registry.async_get_device_by_identifier(ident, entry_id) is not None
    await _poll(hass)
    assert device_registry.async_get_device_by_identifier(ident, entry_id) is None
    # A device no longer reported may be deleted by hand; a reported one may not.
    reported = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}:{HEATER}"), entry_id
    )
    assert reported is not None
    assert not setup_xlink.runtime_data.async_device_removable(reported)


async def test_device_goes_offline_and_back(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    switch = _entity(entity_registry, "switch", HEATER_PRODUCT_ID, HEATER, 0)
    xlink_sim.set_online(str(HEATER), False)
    await _poll(hass)
    assert hass.states.get(switch).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    xlink_sim.set_online(str(HEATER), True)
    await _poll(hass)
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]


async def test_set_datapoints_action(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Several datapoints in one write, all checked first; indexes may come as text."""
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}:{HEATER}"), setup_xlink.entry_id
    )
    assert device is not None
    xlink_sim.requests.clear()
    await hass.services.async_call(
        DOMAIN,
        "xlink_set_datapoints",
        {"device_id": device.id, "datapoints": {"0": True, 1: 66}},
        blocking=True,
    )
    assert xlink_sim.devices[HEATER].values[0] is True
    assert xlink_sim.devices[HEATER].values[1] == 66
    assert [r.path for r in xlink_sim.requests].count(f"/v2/diagnosis/device/set/{HEATER}") == 1
    for bad, key in (
        ({"x": 1}, "invalid_datapoints"),
        ({}, "invalid_datapoints"),
        ({"-1": 1}, "invalid_datapoints"),
        ([1], "invalid_datapoints"),
        ({"0": True, "1": 99}, "datapoint_range"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                "xlink_set_datapoints",
                {"device_id": device.id, "datapoints": bad},
                blocking=True,
            )
        assert err.value.translation_key == key, bad
    product = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}"), setup_xlink.entry_id
    )
    assert product is not None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "xlink_set_datapoints",
            {"device_id": product.id, "datapoints": {"0": True}},
            blocking=True,
        )
    assert err.value.translation_key == "device_not_found"


async def test_unchanged_refresh_writes_only_readings(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, state_writes: Counter[str]
) -> None:
    """Nothing changed at the cloud: nothing is written.

    Told of an update anyway, only sensors with a state class report their reading (an
    equal value, ``state_reported``), as Home Assistant's own sensors do; switches,
    numbers, texts, binary sensors and timestamps write nothing.
    """
    coordinator = setup_xlink.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    state_writes.clear()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert not state_writes
    coordinator.async_update_listeners()
    assert state_writes
    for entity_id in state_writes:
        state = hass.states.get(entity_id)
        assert state is not None
        assert "state_class" in state.attributes, entity_id


async def test_last_update_is_off_until_asked_for(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """It moves with every poll: disabled, so no Activity entry or recorder row per poll."""
    entries = [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, setup_xlink.entry_id)
        if entry.unique_id.endswith("_last_update")
    ]
    assert entries
    for entry in entries:
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert entry.entity_category is EntityCategory.DIAGNOSTIC
        assert hass.states.get(entry.entity_id) is None


async def test_fault_code_has_no_statistics(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """故障码 is a number that labels a fault; 累计用电 (kWh) is a meter; 出水温度 a reading."""
    entity_ids = {
        entry.unique_id.rsplit("_", 2)[-1]: entry.entity_id
        for entry in er.async_entries_for_config_entry(entity_registry, setup_xlink.entry_id)
        if entry.domain == "sensor"
        and f"_{HEATER_PRODUCT_ID}_" in entry.unique_id
        and not entry.disabled_by
    }
    assert entity_ids
    attributes = {
        index: hass.states.get(entity_id).attributes  # type: ignore[union-attr]
        for index, entity_id in entity_ids.items()
    }
    assert "state_class" not in attributes["5"]
    assert attributes["6"]["device_class"] == "energy"
    assert attributes["6"]["state_class"] == "total_increasing"
    assert attributes["2"]["device_class"] == "temperature"
    assert attributes["2"]["state_class"] == "measurement"
