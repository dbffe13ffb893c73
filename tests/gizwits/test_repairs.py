"""Gizwits repair issues: raised by what the cloud refuses, gone with their entry."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.gizwits.const import (
    ERROR_REMOTE_CONTROL,
    ERROR_WHITELIST,
    ISSUE_REMOTE_CONTROL,
    ISSUE_WHITELIST,
)
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"


async def test_issues_go_with_the_entry(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """Whitelist and remote-control repairs do not outlive their entry.

    Guards D10 of the 2026-12 review: repair issues stayed after their entry was unloaded.
    """
    runtime = setup_ac.runtime_data
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=ERROR_REMOTE_CONTROL))
    with pytest.raises(HomeAssistantError):
        await runtime.async_control(LIVING_ROOM, {"switch": False})
    gizwits_sim.faults.clear()
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=ERROR_WHITELIST))
    await runtime.coordinator.async_refresh()
    gizwits_sim.faults.clear()
    issues = ir.async_get(hass)
    ids = [f"{ISSUE_WHITELIST}_{setup_ac.entry_id}", f"{ISSUE_REMOTE_CONTROL}_{setup_ac.entry_id}"]
    assert [issue_id for issue_id in ids if issues.async_get_issue(DOMAIN, issue_id) is None] == []
    assert await hass.config_entries.async_unload(setup_ac.entry_id)
    assert all(issues.async_get_issue(DOMAIN, issue_id) is None for issue_id in ids)
