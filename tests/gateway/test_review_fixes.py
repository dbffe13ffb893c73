"""Regressions for the gateway findings of the 2026-12 review (D10, ...)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator

from ..conftest import GATEWAY_ENTRY_ID


async def test_d10_set_path_issue_goes_with_the_entry(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The missing-settings-path repair does not outlive its entry."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    entity_id = entity_registry.async_get_entity_id(
        "switch", DOMAIN, f"gateway_{GATEWAY_ENTRY_ID}_{sn}_top"
    )
    assert entity_id is not None
    gateway_sim.faults.add(Fault(kind="http_status", value=404, path_prefix="/api/v1/devices/set"))
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call("switch", "turn_on", {"entity_id": entity_id}, blocking=True)
    issue_id = f"gateway_set_path_not_found_{setup_gateway.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_unload(setup_gateway.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_d14_deleted_gateways_are_forgotten(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """The registry-sync memory drops gateways the backend no longer lists."""
    runtime = setup_gateway.runtime_data
    await runtime.client.async_register("NEWGW0001", "New gateway")
    await runtime.coordinator.async_refresh()
    assert "NEWGW0001" in runtime._device_info_seen
    await runtime.client.async_delete("NEWGW0001")
    await runtime.coordinator.async_refresh()
    assert "NEWGW0001" not in runtime._device_info_seen
