"""Gateway and channel entities: snapshots, availability, writes, dynamic devices."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.cniot.const import DOMAIN
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from tests.conftest import GATEWAY_ENTRY_ID
from tests.registry import lookup_device
from tests.snapshots import snapshot_platform

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")

FROZEN = "2026-09-21 08:00:00+00:00"


async def _refresh(hass: HomeAssistant) -> None:
    """Let one polling interval pass."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)


def _entity_id(entity_registry: er.EntityRegistry, platform: str, unique_id: str) -> str:
    entity_id = entity_registry.async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return entity_id


@pytest.mark.parametrize(
    "gateway_platforms",
    [
        (Platform.SENSOR,),
        (Platform.BINARY_SENSOR,),
        (Platform.SWITCH,),
        (Platform.DEVICE_TRACKER,),
    ],
)
@pytest.mark.usefixtures("_limit_platforms")
async def test_platform_snapshots(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gateway_entry: MockConfigEntry,
    gateway_platforms: tuple[Platform, ...],
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every entity of every platform, as registered and as its state."""
    freezer.move_to(FROZEN)
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, gateway_entry.entry_id)


async def test_devices(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device per gateway and per non-empty channel, channels via their gateway."""
    devices = dr.async_entries_for_config_entry(device_registry, setup_gateway.entry_id)
    by_ident = {next(iter(d.identifiers))[1]: d for d in devices}
    # The backend's own service device, holding the fleet counts.
    expected: set[str] = {f"gateway:{GATEWAY_ENTRY_ID}"}
    assert by_ident[f"gateway:{GATEWAY_ENTRY_ID}"].entry_type is dr.DeviceEntryType.SERVICE
    for sn, gateway in gateway_sim.devices.items():
        expected.add(f"gateway:{GATEWAY_ENTRY_ID}:{sn}")
        gw_device = by_ident[f"gateway:{GATEWAY_ENTRY_ID}:{sn}"]
        assert gw_device.serial_number == sn
        assert gw_device.name == gateway.alias
        for key, channel in gateway.channels.items():
            if channel is None:
                assert f"gateway:{GATEWAY_ENTRY_ID}:{sn}:{key}" not in by_ident
                continue
            expected.add(f"gateway:{GATEWAY_ENTRY_ID}:{sn}:{key}")
            assert by_ident[f"gateway:{GATEWAY_ENTRY_ID}:{sn}:{key}"].via_device_id == gw_device.id
    assert set(by_ident) == expected


async def test_offline_gateway_availability(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Offline: measurements and channels unavailable; online flag and state still shown."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    key = next(k for k, ch in gateway_sim.devices[sn].channels.items() if ch is not None)
    online = _entity_id(entity_registry, "binary_sensor", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_online")
    state = _entity_id(entity_registry, "sensor", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_state")
    rate = _entity_id(entity_registry, "sensor", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_rate_up")
    channel_signal = _entity_id(
        entity_registry, "sensor", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_{key}_rate_down"
    )
    assert hass.states.get(online).state == STATE_ON
    assert hass.states.get(rate).state != STATE_UNAVAILABLE

    gateway_sim.set_online(sn, False)
    await _refresh(hass)
    assert hass.states.get(online).state == STATE_OFF
    assert hass.states.get(state).state == "offline"
    assert hass.states.get(rate).state == STATE_UNAVAILABLE
    assert hass.states.get(channel_signal).state == STATE_UNAVAILABLE

    gateway_sim.set_online(sn, True)
    await _refresh(hass)
    assert hass.states.get(online).state == STATE_ON
    assert hass.states.get(rate).state != STATE_UNAVAILABLE
    assert hass.states.get(channel_signal).state != STATE_UNAVAILABLE


async def test_backend_down_and_back(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing backend makes everything unavailable, logged once each way."""
    sn = next(iter(gateway_sim.devices))
    online = _entity_id(entity_registry, "binary_sensor", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_online")
    gateway_sim.faults.add(Fault(kind="http_status", value=503))
    await _refresh(hass)
    await _refresh(hass)
    assert hass.states.get(online).state == STATE_UNAVAILABLE
    gateway_sim.faults.clear()
    await _refresh(hass)
    assert hass.states.get(online).state == STATE_ON
    failures = [r for r in caplog.records if "Error fetching" in r.getMessage()]
    recoveries = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(failures) == 1
    assert len(recoveries) == 1


async def test_unchanged_refresh_writes_no_state(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
) -> None:
    """With nothing changed at the backend, a refresh writes no state."""
    writes: list[str] = []
    hass.bus.async_listen("state_changed", lambda event: writes.append(event.data["entity_id"]))
    await _refresh(hass)
    await _refresh(hass)
    assert writes == []


@pytest.mark.parametrize(
    ("unique_suffix", "path"),
    [
        ("hotspot", ("network", "hotspot", "enable")),
        ("top", ("parameters", "top")),
        ("lock", ("parameters", "lock")),
    ],
)
async def test_gateway_switches_write(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
    unique_suffix: str,
    path: tuple[str, ...],
) -> None:
    """Each switch posts only its field, and the new state comes back from the backend."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    entity_id = _entity_id(
        entity_registry, "switch", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_{unique_suffix}"
    )
    before = hass.states.get(entity_id).state
    service = SERVICE_TURN_OFF if before == STATE_ON else SERVICE_TURN_ON
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()
    write = next(r for r in reversed(gateway_sim.requests) if r.path == "/api/v1/devices/set")
    expected: object = 0 if service == SERVICE_TURN_OFF else 1
    for part in reversed(path):
        expected = {part: expected}
    assert write.body == {"devices": {sn: expected}}
    after = hass.states.get(entity_id).state
    assert after == (STATE_OFF if service == SERVICE_TURN_OFF else STATE_ON)


async def test_switch_toggled_twice_within_refresh_cooldown(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A second toggle 3 s after the first shows at once, not after the 10 s cooldown."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    entity_id = _entity_id(entity_registry, "switch", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_hotspot")
    first = hass.states.get(entity_id).state
    second = STATE_OFF if first == STATE_ON else STATE_ON
    for service, expected in (
        (SERVICE_TURN_OFF if first == STATE_ON else SERVICE_TURN_ON, second),
        (SERVICE_TURN_ON if first == STATE_ON else SERVICE_TURN_OFF, first),
    ):
        await hass.services.async_call(
            SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
        )
        await hass.async_block_till_done()
        assert hass.states.get(entity_id).state == expected  # type: ignore[union-attr]
        freezer.tick(timedelta(seconds=3))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert hass.states.get(entity_id).state == expected  # type: ignore[union-attr]


async def test_channel_switch_disconnects_channel(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Disabling a SIM channel is written, and the channel reports disconnected."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    key = next(
        k
        for k, ch in gateway_sim.devices[sn].channels.items()
        if ch is not None and ch.enable and ch.state
    )
    switch = _entity_id(entity_registry, "switch", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_{key}_enable")
    connected = _entity_id(
        entity_registry, "binary_sensor", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_{key}_connected"
    )
    assert hass.states.get(connected).state == STATE_ON
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: switch}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == STATE_OFF
    assert hass.states.get(connected).state == STATE_OFF
    assert not gateway_sim.devices[sn].channels[key].enable


@pytest.mark.parametrize(
    ("fault", "key", "placeholders"),
    [
        (Fault(kind="vendor_code", value=7006, remaining=1), "device_offline", {}),
        (Fault(kind="vendor_code", value=7010, remaining=1), "gateway_error_7010", {}),
        (
            Fault(kind="vendor_code", value=7999, remaining=1),
            "vendor_error",
            {"code": "7999", "message": "injected"},
        ),
        (Fault(kind="http_status", value=502, remaining=1), "communication_error", None),
    ],
)
async def test_switch_write_errors(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
    fault: Fault,
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    """Vendor codes and transport failures become translated errors."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    entity_id = _entity_id(entity_registry, "switch", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_top")
    gateway_sim.faults.add(fault)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity_id}, blocking=True
        )
    assert err.value.translation_key == key
    if placeholders is not None:
        assert err.value.translation_placeholders == placeholders


async def test_write_auth_failure_starts_reauth(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A login refusal on write (7019) starts reauthentication."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    entity_id = _entity_id(entity_registry, "switch", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_top")
    gateway_sim.faults.add(Fault(kind="vendor_code", value=7019, remaining=1))
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity_id}, blocking=True
        )
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_missing_set_path_raises_repair_issue(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A backend without the assumed settings path gets a repair issue, cleared on success."""
    from homeassistant.helpers import issue_registry as ir

    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    entity_id = _entity_id(entity_registry, "switch", f"gateway_{GATEWAY_ENTRY_ID}_{sn}_top")
    gateway_sim.faults.add(
        Fault(kind="http_status", value=404, path_prefix="/api/v1/devices/set", remaining=1)
    )
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity_id}, blocking=True
        )
    assert err.value.translation_key == "set_path_not_found"
    issues = ir.async_get(hass)
    issue_id = f"gateway_set_path_not_found_{setup_gateway.entry_id}"
    assert issues.async_get_issue(DOMAIN, issue_id) is not None

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_dynamic_devices(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A registered gateway appears without reload; a deleted one goes after two misses."""
    client = setup_gateway.runtime_data.client
    await client.async_register("NEWGW0001", "New gateway")
    await _refresh(hass)
    device = lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:NEWGW0001")})
    assert device is not None
    online = _entity_id(
        entity_registry, "binary_sensor", f"gateway_{GATEWAY_ENTRY_ID}_NEWGW0001_online"
    )
    assert hass.states.get(online).state == STATE_ON
    channel_device = lookup_device(
        device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:NEWGW0001:0")}
    )
    assert channel_device is not None
    # Whichever platform added the channel's entities first, it hangs off its gateway.
    assert channel_device.via_device_id == device.id

    await client.async_delete("NEWGW0001")
    await _refresh(hass)
    # One miss is forgiven (paging can shift a device out of view).
    assert lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:NEWGW0001")})
    await _refresh(hass)
    assert (
        lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:NEWGW0001")}) is None
    )
    assert (
        lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:NEWGW0001:0")})
        is None
    )
    assert entity_registry.async_get(online) is None
    assert hass.states.get(online) is None

    # Registered again: it comes back with its entities.
    await client.async_register("NEWGW0001", "New gateway")
    await _refresh(hass)
    assert entity_registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"gateway_{GATEWAY_ENTRY_ID}_NEWGW0001_online"
    )


async def test_emptied_channel_is_removed(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A SIM taken out (its channel becomes {}) loses its sub-device."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    key = next(k for k, ch in gateway_sim.devices[sn].channels.items() if ch is not None)
    ident = {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}:{key}")}
    assert lookup_device(device_registry, ident) is not None
    gateway_sim.devices[sn].channels[key] = None
    await _refresh(hass)
    await _refresh(hass)
    assert lookup_device(device_registry, ident) is None
    assert (
        lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}")}) is not None
    )


async def test_remove_config_entry_device(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    gateway_sim: GatewaySimulator,
) -> None:
    """Only devices the backend no longer lists can be deleted by the user."""
    from custom_components.cniot import async_remove_config_entry_device

    sn = next(iter(gateway_sim.devices))
    listed = lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}")})
    assert listed is not None
    ghost = device_registry.async_get_or_create(
        config_entry_id=setup_gateway.entry_id,
        identifiers={(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:GHOST")},
    )
    assert await async_remove_config_entry_device(hass, setup_gateway, listed) is False
    assert await async_remove_config_entry_device(hass, setup_gateway, ghost) is True


async def test_renames_and_upgrades_reach_the_device_registry(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A new alias or firmware at the backend updates the devices without a reload."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    key = next(k for k, ch in gateway_sim.devices[sn].channels.items() if ch is not None)
    channel_name = gateway_sim.devices[sn].channels[key].name  # type: ignore[union-attr]
    await setup_gateway.runtime_data.client.async_set(sn, {"base": {"alias": "Van 7"}})
    gateway_sim.devices[sn].version = "V2.0.0"
    await _refresh(hass)
    device = lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}")})
    assert device is not None
    assert device.name == "Van 7"
    assert device.sw_version == "V2.0.0"
    channel = lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}:{key}")})
    assert channel is not None
    assert channel.name == f"Van 7 {channel_name}"
