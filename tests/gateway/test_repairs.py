"""Gateway repair issues: raised by what the backend refuses, gone with their entry."""

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


async def test_set_path_issue_goes_with_the_entry(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The missing-settings-path repair does not outlive its entry.

    Guards D10 of the 2026-12 review: the gateway runtime had no unload, so the
    issue stayed after its entry was unloaded or removed.
    """
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
