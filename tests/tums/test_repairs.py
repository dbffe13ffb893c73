"""TUMS repair issues: one per entry for restricted devices, gone with the entry."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from simulator.tums import TumsSimulator
from simulator.tums.state import IPC_GATE


async def test_restricted_devices_share_one_repair_issue(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Several devices without a subscription make one issue per entry, naming them.

    Guards D9 of the 2026-12 review: one issue per restricted device flooded Repairs.
    """
    tums_sim.devices[IPC_GATE].open_status = 0
    await setup_tums.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    issues = [
        issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.startswith("tums_restricted")
    ]
    assert len(issues) == 1
    assert issues[0].issue_id == f"tums_restricted_{setup_tums.entry_id}"
    placeholders = issues[0].translation_placeholders or {}
    assert placeholders["count"] == "2"
    assert "大门口球机" in placeholders["names"]
    assert await hass.config_entries.async_unload(setup_tums.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issues[0].issue_id) is None
