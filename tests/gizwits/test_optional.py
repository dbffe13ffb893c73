"""Gizwits reports and control are optional: a product without them still loads."""

from __future__ import annotations

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.diagnostics import async_get_config_entry_diagnostics
from custom_components.cniot.features import RETRY_INTERVAL
from custom_components.cniot.gizwits.const import REPORT_INTERVAL
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"
REPORTS = ("summary", "fault_report", "alert_report")
REPORT_SENSORS = ("total_devices", "faulty_devices", "alerting_devices")


def _entity(registry: er.EntityRegistry, platform: str, unique_id: str) -> str | None:
    return registry.async_get_entity_id(platform, DOMAIN, unique_id)


async def test_product_without_reports_loads(
    hass: HomeAssistant,
    ac_entry: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The reported bug: the three report endpoints answer 404, the product never loaded.

    Now it loads with every device, datapoint and control; the report sensors are
    absent, and one INFO line per report says why.
    """
    for report in REPORTS:
        gizwits_sim.set_feature(report, "absent")
    caplog.set_level(logging.INFO, logger="custom_components.cniot")
    assert await hass.config_entries.async_setup(ac_entry.entry_id)
    await hass.async_block_till_done()
    assert ac_entry.state is ConfigEntryState.LOADED

    for key in REPORT_SENSORS:
        assert _entity(entity_registry, "sensor", f"{AC_PRODUCT_KEY}_{key}") is None
    online = _entity(entity_registry, "sensor", f"{AC_PRODUCT_KEY}_online_devices")
    assert online is not None
    assert hass.states.get(online).state not in (STATE_UNAVAILABLE, "unknown")  # type: ignore[union-attr]
    switch = _entity(entity_registry, "switch", f"{AC_PRODUCT_KEY}_{LIVING_ROOM}_switch")
    assert switch is not None
    assert hass.states.get(switch).state == STATE_ON  # type: ignore[union-attr]
    temperature = _entity(entity_registry, "number", f"{AC_PRODUCT_KEY}_{LIVING_ROOM}_set_temp")
    assert temperature is not None
    assert hass.states.get(temperature).state != STATE_UNAVAILABLE  # type: ignore[union-attr]

    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]
    assert gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].attrs["switch"] is False

    lines = [
        r
        for r in caplog.records
        if r.levelno == logging.INFO and "is unavailable" in r.getMessage()
    ]
    named = [report for report in REPORTS for r in lines if f": {report} is" in r.getMessage()]
    assert sorted(named) == sorted(REPORTS)
    assert all("HTTP 404" in r.getMessage() for r in lines)
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components.cniot")
    ]
    # Absent endpoints are nothing the user can fix: no repair issue.
    issues = ir.async_get(hass).issues
    assert not [key for key in issues if key[1].startswith("feature_forbidden")]

    diagnostics = await async_get_config_entry_diagnostics(hass, ac_entry)
    unavailable = diagnostics["vendor"]["unavailable_features"]
    assert set(unavailable) == set(REPORTS)
    assert {item["reason"] for item in unavailable.values()} == {"absent"}


async def test_reports_retried_every_six_hours(
    hass: HomeAssistant,
    ac_entry: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An unavailable report is not asked for every cycle; it comes back by itself."""
    gizwits_sim.set_feature("summary", "refused")
    assert await hass.config_entries.async_setup(ac_entry.entry_id)
    await hass.async_block_till_done()
    path = f"/v1/products/{AC_PRODUCT_KEY}/devices/summary"
    asked = gizwits_sim.request_counts().get(path, 0)
    assert asked == 1
    issue_id = ac_entry.runtime_data.coordinator.features.issue_id("summary")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "feature_forbidden_gizwits"
    # Reports are due every 5 minutes; the refused one waits six hours.
    coordinator = ac_entry.runtime_data.coordinator
    for _ in range(3):
        freezer.tick(REPORT_INTERVAL)  # a report cycle is due
        await coordinator.async_refresh()
    counts = gizwits_sim.request_counts()
    assert counts.get(path, 0) == 1
    assert counts[path.replace("devices/summary", "fault/report/devices")] == 4
    gizwits_sim.set_feature("summary", None)
    now = coordinator.features.clock()
    coordinator.features.clock = lambda: now + RETRY_INTERVAL.total_seconds()
    freezer.tick(REPORT_INTERVAL)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert gizwits_sim.request_counts().get(path, 0) == 2
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    total = _entity(entity_registry, "sensor", f"{AC_PRODUCT_KEY}_total_devices")
    assert total is not None
    assert hass.states.get(total).state not in (STATE_UNAVAILABLE, "unknown")  # type: ignore[union-attr]


async def test_control_refused_is_recorded(
    hass: HomeAssistant,
    ac_entry: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """5404: the repair issue, one INFO line, diagnostics; the values stay (they are core)."""
    caplog.set_level(logging.INFO, logger="custom_components.cniot")
    assert await hass.config_entries.async_setup(ac_entry.entry_id)
    await hass.async_block_till_done()
    gizwits_sim.set_feature("control", "refused", 5404)
    switch = _entity(entity_registry, "switch", f"{AC_PRODUCT_KEY}_{LIVING_ROOM}_switch")
    assert switch is not None
    for _ in range(2):
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                "switch", "turn_off", {"entity_id": switch}, blocking=True
            )
        assert err.value.translation_key == "gizwits_error_5404"
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"gizwits_remote_control_{ac_entry.entry_id}")
    lines = [r for r in caplog.records if ": control is unavailable" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].levelno == logging.INFO
    diagnostics = await async_get_config_entry_diagnostics(hass, ac_entry)
    assert diagnostics["vendor"]["unavailable_features"]["control"]["reason"] == "forbidden"
    assert hass.states.get(switch).state == STATE_ON  # type: ignore[union-attr]
    # Each command is the user's own retry: once control is on again, it works at once.
    gizwits_sim.set_feature("control", None)
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]
    diagnostics = await async_get_config_entry_diagnostics(hass, ac_entry)
    assert diagnostics["vendor"]["unavailable_features"] == {}
