"""Gizwits behaviour the vendor document decides (issue 16: M2, M3, 5007, the Devices count)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import CONF_URL, DOMAIN
from custom_components.cniot.gizwits.const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    VENDOR_GIZWITS,
)
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY, AC_PRODUCT_SECRET, SimEnterprise

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"
DEREGISTERED = "hT5gY2uJ8kL3mN6bV9cX1z"


async def _poll(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)


def _entity(registry: er.EntityRegistry, platform: str, unique_id: str) -> str:
    entity_id = registry.async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return entity_id


async def test_deregistered_devices_stay_out(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """M2: search items carry no is_disabled, so show_disabled=0 must leave them out."""
    ident = (DOMAIN, f"gizwits:{AC_PRODUCT_KEY}:{DEREGISTERED}")
    assert device_registry.async_get_device_by_identifier(ident, setup_ac.entry_id) is None
    assert DEREGISTERED not in setup_ac.runtime_data.coordinator.data.devices
    live = (DOMAIN, f"gizwits:{AC_PRODUCT_KEY}:{LIVING_ROOM}")
    assert device_registry.async_get_device_by_identifier(live, setup_ac.entry_id) is not None


async def test_devices_sensor_counts_listed_devices(
    hass: HomeAssistant, setup_ac: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """The summary's total is devices ever online (deregistered too); the sensor is not."""
    data = setup_ac.runtime_data.coordinator.data
    assert data.summary is not None
    # The deregistered store unit came online once, so the summary counts it.
    assert data.summary.total == 6
    state = hass.states.get(_entity(entity_registry, "sensor", f"{AC_PRODUCT_KEY}_total_devices"))
    assert state is not None
    assert state.state == "5"


async def test_deleted_device_is_not_called_offline(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """M3: 5301 (device not exist) and 5304 (deregistered) have their own messages."""
    entity_id = _entity(entity_registry, "switch", f"{AC_PRODUCT_KEY}_{LIVING_ROOM}_fan_swing")
    gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].is_disabled = True
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call("switch", "turn_on", {"entity_id": entity_id}, blocking=True)
    assert err.value.translation_key == "gizwits_error_5304"

    del gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM]
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call("switch", "turn_on", {"entity_id": entity_id}, blocking=True)
    assert err.value.translation_key == "gizwits_error_5301"


async def test_device_gone_between_list_and_read(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """A 5301 on one device's read skips that device; the refresh still succeeds."""
    path = f"/v1/products/{AC_PRODUCT_KEY}/devices/{LIVING_ROOM}/data"
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=5301, path_prefix=path))
    await _poll(hass)
    coordinator = setup_ac.runtime_data.coordinator
    assert coordinator.last_update_success is True
    assert any(r.path == path for r in gizwits_sim.requests)


async def test_api_service_not_enabled_raises_repair_not_reauth(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """5007 asks for the Enterprise API service: a repair issue explains it, no reauth."""
    gizwits_sim.enterprises["other"] = SimEnterprise("other", "other-secret")
    product = gizwits_sim.products[AC_PRODUCT_KEY]
    enterprise = product.enterprise_id
    product.enterprise_id = "other"
    gizwits_sim.tokens.clear()
    await _poll(hass)
    issue_id = f"gizwits_api_service_{setup_ac.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert setup_ac.runtime_data.coordinator.last_update_success is False
    assert not list(setup_ac.async_get_active_flows(hass, {"reauth"}))

    product.enterprise_id = enterprise
    await _poll(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert setup_ac.runtime_data.coordinator.last_update_success is True


async def test_flow_explains_api_service(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator
) -> None:
    """The config flow names the Enterprise API service, not wrong credentials."""
    assert gizwits_sim.url is not None
    gizwits_sim.enterprises["other"] = SimEnterprise("other", "other-secret")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_GIZWITS}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ENTERPRISE_ID: "other",
            CONF_ENTERPRISE_SECRET: "other-secret",
            CONF_PRODUCT_KEY: AC_PRODUCT_KEY,
            CONF_PRODUCT_SECRET: AC_PRODUCT_SECRET,
            CONF_URL: gizwits_sim.url,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "api_service_not_enabled"}


async def test_device_fault_and_alert_flags(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The search's is_faulty/is_alert become problem sensors that follow the cloud."""
    fault_id = _entity(
        entity_registry, "binary_sensor", f"{AC_PRODUCT_KEY}_{LIVING_ROOM}_device_fault"
    )
    alert_id = _entity(
        entity_registry, "binary_sensor", f"{AC_PRODUCT_KEY}_{LIVING_ROOM}_device_alert"
    )
    entry = entity_registry.async_get(fault_id)
    assert entry is not None
    assert entry.entity_category == "diagnostic"
    assert hass.states.get(fault_id).state == "off"  # type: ignore[union-attr]
    assert hass.states.get(alert_id).state == "off"  # type: ignore[union-attr]
    assert hass.states.get(alert_id).attributes["device_class"] == "problem"  # type: ignore[union-attr]

    gizwits_sim.report(LIVING_ROOM, {"fault_roomtemp": True, "alert_full": True})
    await _poll(hass)
    assert hass.states.get(fault_id).state == "on"  # type: ignore[union-attr]
    assert hass.states.get(alert_id).state == "on"  # type: ignore[union-attr]

    gizwits_sim.set_online(LIVING_ROOM, False)
    await _poll(hass)
    # Offline devices stay listed, so their flags stay readable.
    assert hass.states.get(fault_id).state == "on"  # type: ignore[union-attr]
