"""The TUMS vendor in Home Assistant: flow, device tier, entities, repairs, actions."""

from __future__ import annotations

from datetime import timedelta
import math
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_OFF, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.cniot.const import CONF_URL, DOMAIN
from custom_components.cniot.tums.const import (
    CONF_ACCESS_KEY,
    CONF_APP_TYPE,
    CONF_SECRET_KEY,
    CONF_TERMINAL_ID,
    VENDOR_TUMS,
)
from custom_components.cniot.tums.runtime import TumsRuntime
from simulator.faults import Fault
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator
from simulator.tums.state import AP_WAREHOUSE_MAC, IPC_GATE, NVR_QR
from tests.flow_texts import form_fields, form_texts
from tests.registry import lookup_device
from tests.snapshots import snapshot_platform

from .conftest import TUMS_ENTRY_ID, tums_data

LIST_PATHS = (
    "/tums/open/deviceManager/v1/getDeviceListInProjectApplication",
    "/tums/open/deviceManager/v1/getDeviceListInDeviceApplication",
    "/tums/open/deviceManager/v1/getApplicationOverview",
)


async def _poll(hass: HomeAssistant, seconds: float = 61) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


def _device_id(hass: HomeAssistant, key: str) -> str:
    device = lookup_device(dr.async_get(hass), {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{key}")})
    assert device is not None, key
    return device.id


@pytest.mark.parametrize("app_type", ["project", "device"])
async def test_config_flow_detects_application_type(hass: HomeAssistant, app_type: str) -> None:
    """The list call that works tells the application type, which is stored."""
    sim = TumsSimulator(app_type=app_type)  # type: ignore[arg-type]
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": VENDOR_TUMS}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_ACCESS_KEY: DEMO_ACCESS_KEY, CONF_SECRET_KEY: "wrong", CONF_URL: url},
        )
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_ACCESS_KEY: DEMO_ACCESS_KEY, CONF_SECRET_KEY: DEMO_SECRET_KEY, CONF_URL: url},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["result"].unique_id == DEMO_ACCESS_KEY
        assert result["data"][CONF_APP_TYPE] == app_type
        # A title a person recognises, not "TUMS " and eight characters of the key.
        assert result["title"] == f"TP-LINK Cloud {app_type} application {DEMO_ACCESS_KEY[:4]}"
        assert len(result["data"][CONF_TERMINAL_ID]) == 32
        await hass.async_block_till_done(wait_background_tasks=True)
        await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        await sim.stop()


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (f"TUMS {DEMO_ACCESS_KEY[:8]}", f"TP-LINK Cloud project application {DEMO_ACCESS_KEY[:4]}"),
        ("Warehouse cameras", "Warehouse cameras"),
    ],
)
async def test_old_generated_title_becomes_readable(
    hass: HomeAssistant, tums_sim: TumsSimulator, title: str, expected: str
) -> None:
    """An entry still titled with the key's first 8 characters gets the readable title.

    A title the user chose stays; so do the unique ID and the account device's identity.
    """
    assert tums_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN, title=title, unique_id=DEMO_ACCESS_KEY, data=tums_data(tums_sim.url)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.title == expected
    assert entry.unique_id == DEMO_ACCESS_KEY
    account = lookup_device(dr.async_get(hass), {(DOMAIN, f"tums:account:{DEMO_ACCESS_KEY}")})
    assert account is not None
    assert account.name == expected


@pytest.mark.parametrize(
    ("form", "fault", "error"),
    [
        ({CONF_URL: "ftp://x"}, None, {CONF_URL: "invalid_url"}),
        ({CONF_ACCESS_KEY: "has space"}, None, {"base": "invalid_auth"}),
        ({CONF_ACCESS_KEY: "UNKNOWNAK"}, None, {"base": "invalid_auth"}),
        ({}, Fault(kind="http_status", value=503), {"base": "tums_cannot_connect"}),
        ({}, Fault(kind="html"), {"base": "invalid_response"}),
        # -10305 on the device list: the application may not list devices (section 1.5).
        ({}, Fault(kind="vendor_code", value=-10305), {"base": "api_not_permitted"}),
    ],
)
async def test_config_flow_errors(
    hass: HomeAssistant,
    tums_sim: TumsSimulator,
    form: dict[str, str],
    fault: Fault | None,
    error: dict[str, str],
) -> None:
    """Each problem shows its own error."""
    assert tums_sim.url is not None
    if fault is not None:
        tums_sim.faults.add(fault)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_TUMS}
    )
    data = {
        CONF_ACCESS_KEY: DEMO_ACCESS_KEY,
        CONF_SECRET_KEY: DEMO_SECRET_KEY,
        CONF_URL: tums_sim.url,
        **form,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["errors"] == error


async def test_reauth_on_unknown_key(hass: HomeAssistant, tums_sim: TumsSimulator) -> None:
    """-10304 at setup starts reauth; the right secret restores the entry."""
    assert tums_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=DEMO_ACCESS_KEY, data=tums_data(tums_sim.url, secret="old")
    )
    entry.add_to_hass(hass)
    # The device list and the overview go out together: both hear of the unknown key.
    tums_sim.faults.add(Fault(kind="vendor_code", value=-10304, remaining=2))
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    # TUMS's own step: the secret key of the entry's access key, nothing else.
    assert flow["step_id"] == "reauth_confirm_tums"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert form_fields(result) == {
        CONF_SECRET_KEY: ("Secret key (SK)", "The secret key of the entry's access key.")
    }
    assert "TUMS" in form_texts(result)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_SECRET_KEY: DEMO_SECRET_KEY}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    # The terminal id survives reauth.
    assert entry.data[CONF_TERMINAL_ID] == "0123456789abcdef0123456789abcdef"


async def test_reconfigure_server(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Another API server for the same access key: only the URL changes."""
    other = TumsSimulator()
    other_url = await other.start(host="127.0.0.1", port=0)
    try:
        result = await setup_tums.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure_tums"
        assert set(result["data_schema"].schema) == {CONF_URL}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: other_url}
        )
        assert result["reason"] == "reconfigure_successful"
        assert setup_tums.data[CONF_URL] == other_url
        assert setup_tums.unique_id == DEMO_ACCESS_KEY
        assert setup_tums.title == "TUMS demo"
        await hass.async_block_till_done(wait_background_tasks=True)
        assert setup_tums.state is ConfigEntryState.LOADED
        await hass.config_entries.async_unload(setup_tums.entry_id)
    finally:
        await other.stop()


async def test_device_tier_request_count(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """One refresh: exactly ceil(devices / 100) list calls plus the overview."""
    devices = len(setup_tums.runtime_data.coordinator.data.devices)
    before = len(tums_sim.requests)
    await _poll(hass)
    made = [r.path for r in tums_sim.requests[before:]]
    assert len(made) == math.ceil(devices / 100) + 1
    assert all(path in LIST_PATHS for path in made)


async def test_device_tier_at_250_devices(hass: HomeAssistant) -> None:
    """Paging by 100 with children: ceil(N / 100) + 1 requests for N listed devices."""
    from simulator.tums.state import generate_scenario

    sim = TumsSimulator(scenario=generate_scenario(250))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(domain=DOMAIN, unique_id=DEMO_ACCESS_KEY, data=tums_data(url))
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        listed = sum(1 for r in sim.requests if r.path == LIST_PATHS[0])
        assert listed == math.ceil(len(sim.devices) / 100)
        assert len(entry.runtime_data.coordinator.data.devices) == len(sim.devices)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
# Event entities exist only with real-time events on (test_push.py).
@pytest.mark.parametrize("platform", [p for p in TumsRuntime.platforms if p is not Platform.EVENT])
async def test_platform_snapshots(
    hass: HomeAssistant,
    tums_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
    platform: Platform,
) -> None:
    """Every entity of every platform, as registered and as its state, at a fixed moment."""
    # Midday in Shanghai: solar input and passenger counts are under way.
    freezer.move_to("2026-11-20T04:30:00+00:00")
    await hass.config.async_set_time_zone("Asia/Shanghai")
    with (
        patch("custom_components.cniot.tums.runtime.TumsRuntime.platforms", (platform,)),
        # Camera access tokens are random; fix them for the snapshot.
        patch("homeassistant.components.camera._RND.getrandbits", return_value=0xC0FFEE),
    ):
        assert await hass.config_entries.async_setup(tums_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    await snapshot_platform(hass, entity_registry, snapshot, tums_entry.entry_id)


async def test_devices_and_channels(
    hass: HomeAssistant, setup_tums: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """NVR channels hang off their NVR, get no reboot button, and take the region as area."""
    nvr = lookup_device(device_registry, {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{NVR_QR}")})
    assert nvr is not None
    channels = [
        d
        for d in dr.async_entries_for_config_entry(device_registry, setup_tums.entry_id)
        if d.via_device_id == nvr.id
    ]
    assert len(channels) == 4
    registry = er.async_get(hass)
    for channel in channels:
        buttons = [
            e for e in er.async_entries_for_device(registry, channel.id) if e.domain == "button"
        ]
        assert not buttons
    gate = lookup_device(device_registry, {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_GATE}")})
    assert gate is not None
    assert gate.serial_number == IPC_GATE
    assert gate.connections


async def test_restricted_device_raises_repair_issue(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """A restricted subscription is a repair issue until the device is paid for."""
    issue_id = f"tums_restricted_{TUMS_ENTRY_ID}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    tums_sim.devices[AP_WAREHOUSE_MAC].open_status = 2
    await _poll(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_reboot_button_and_action(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Reboot via the button: the device shows rebooting; channels are refused by the action."""
    button = entity_registry.async_get_entity_id(
        "button", DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{IPC_GATE}_reboot"
    )
    assert button is not None
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    status = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{IPC_GATE}_status"
    )
    assert status is not None
    assert hass.states.get(status).state == "rebooting"  # type: ignore[union-attr]

    channel_key = next(k for k in setup_tums.runtime_data.coordinator.data.devices if ":" in k)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_reboot",
            {"device_id": [_device_id(hass, channel_key)]},
            blocking=True,
        )
    assert err.value.translation_key == "tums_channel_reboot"


async def test_rename_action(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Rename reaches the cloud; an over-long name is refused before sending."""
    device_id = _device_id(hass, IPC_GATE)
    await hass.services.async_call(
        DOMAIN, "tums_rename_device", {"device_id": device_id, "name": "南门球机"}, blocking=True
    )
    assert tums_sim.devices[IPC_GATE].name == "南门球机"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "tums_rename_device",
            {"device_id": device_id, "name": "长" * 11},
            blocking=True,
        )


async def test_vanished_device_removed_after_two_lists(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """A device missing from two consecutive lists is removed; back, it is added again."""
    ident = {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_GATE}")}
    registry = dr.async_get(hass)
    entities = er.async_get(hass)
    unique_id = f"tums_{DEMO_ACCESS_KEY}_{IPC_GATE}_online"
    gate = tums_sim.devices.pop(IPC_GATE)
    await _poll(hass)
    assert lookup_device(registry, ident) is not None
    await _poll(hass)
    assert lookup_device(registry, ident) is None
    assert entities.async_get_entity_id("binary_sensor", DOMAIN, unique_id) is None
    tums_sim.devices[IPC_GATE] = gate
    await _poll(hass)
    assert lookup_device(registry, ident) is not None
    entity_id = entities.async_get_entity_id("binary_sensor", DOMAIN, unique_id)
    assert entity_id is not None
    assert hass.states.get(entity_id) is not None


async def test_offline_and_failures(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """An offline device shows offline; a failing cloud makes entities unavailable."""
    tums_sim.set_online(IPC_GATE, False)
    await _poll(hass)
    online = entity_registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{IPC_GATE}_online"
    )
    assert online is not None
    assert hass.states.get(online).state == STATE_OFF  # type: ignore[union-attr]
    tums_sim.faults.add(Fault(kind="http_status", value=502))
    await _poll(hass)
    assert setup_tums.runtime_data.coordinator.last_update_success is False
    assert hass.states.get(online).state == "unavailable"  # type: ignore[union-attr]
