"""Regressions for the TUMS findings of the 2026-12 review (D2, D3, ...)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import webhook
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL, EVENT_STATE_REPORTED
from homeassistant.core import HomeAssistant, callback
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import CONF_URL, DOMAIN
from custom_components.cniot.tums.const import (
    CONF_ACCESS_KEY,
    CONF_PUSH,
    CONF_RTSP_PASSWORD,
    CONF_RTSP_TEMPLATE,
    CONF_RTSP_USERNAME,
    CONF_SECRET_KEY,
    CONF_WEBHOOK_ID,
    VENDOR_TUMS,
)
from custom_components.cniot.tums.paths import PATH_CHECK_FIRMWARE, PATH_UPGRADE, PATH_UPGRADE_INFO
from custom_components.cniot.tums.runtime import TumsRuntime
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator
from simulator.tums.state import IPC_GATE, NVR_QR, SOLAR_QR


@pytest.fixture(autouse=True)
def _frozen(frozen_loop: FrozenDateTimeFactory) -> None:
    """Time moves in steps, the loop's timers and the simulator with it."""


def _runtime(entry: MockConfigEntry) -> TumsRuntime:
    runtime = entry.runtime_data
    assert isinstance(runtime, TumsRuntime)
    return runtime


def _entity(registry: er.EntityRegistry, platform: str, key: str, name: str) -> str:
    entity_id = registry.async_get_entity_id(
        platform, DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{key}_{name}"
    )
    assert entity_id is not None, (platform, key, name)
    return entity_id


async def _spin(sim: TumsSimulator, path: str, count: int) -> None:
    for _ in range(5000):
        await asyncio.sleep(0)
        if sum(1 for r in sim.requests if r.path == path) >= count:
            return


def _in_progress(hass: HomeAssistant, entity_id: str) -> bool:
    state = hass.states.get(entity_id)
    return state is not None and state.attributes.get("in_progress") is True


async def test_d3_firmware_installs_run_side_by_side(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A second device's install starts while the first one is still waiting for its outcome."""
    entities = [_entity(entity_registry, "update", key, "firmware") for key in (IPC_GATE, NVR_QR)]
    installs = [
        asyncio.ensure_future(
            hass.services.async_call("update", "install", {"entity_id": entity}, blocking=True)
        )
        for entity in entities
    ]
    await _spin(tums_sim, PATH_UPGRADE, 2)
    # Both upgrades accepted (the answers are back) before time moves on.
    for _ in range(5000):
        await asyncio.sleep(0)
        if all(_in_progress(hass, entity) for entity in entities):
            break
    assert not any(install.done() for install in installs)
    assert sum(1 for r in tums_sim.requests if r.path == PATH_UPGRADE) == 2
    for _ in range(12):
        reads = sum(1 for r in tums_sim.requests if r.path == PATH_UPGRADE_INFO)
        freezer.tick(timedelta(seconds=15))
        async_fire_time_changed(hass)
        await _spin(tums_sim, PATH_UPGRADE_INFO, reads + 1)
        if all(install.done() for install in installs):
            break
    await asyncio.gather(*installs)


async def test_d2_setting_write_does_not_postpone_the_sweep(
    hass: HomeAssistant, setup_tums: MockConfigEntry
) -> None:
    """Recording a written setting keeps the settings tier's timer and its failure state."""
    runtime = _runtime(setup_tums)
    settings = runtime.settings
    assert settings.data
    key = next(key for key, item in settings.data.items() if item.record_loop is not None)
    timer = settings._unsub_refresh
    settings.last_update_success = False
    device = runtime.coordinator.data.devices[key]
    await runtime.operations.async_set_record_loop(device, not settings.data[key].record_loop)
    assert settings._unsub_refresh is timer
    assert settings.last_update_success is False


async def test_d9_restricted_devices_share_one_repair_issue(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Several devices without a subscription make one issue per entry, naming them."""
    tums_sim.devices[IPC_GATE].open_status = 0
    await _runtime(setup_tums).coordinator.async_refresh()
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


async def test_d8_webhook_goes_with_a_setup_that_fails_after_registering_it(
    hass: HomeAssistant, tums_entry: MockConfigEntry
) -> None:
    """The webhook is tied to the entry: a failed setup releases it for the retry.

    (A failed platform unload leaves the entry in FAILED_UNLOAD, which Home Assistant
    does not set up again before a restart, so that path cannot collide.)
    """
    await async_process_ha_core_config(hass, {"external_url": "https://tums-hook.example.com"})
    hass.config_entries.async_update_entry(tums_entry, options={CONF_PUSH: True})
    with patch.object(
        hass.config_entries, "async_forward_entry_setups", side_effect=ConfigEntryNotReady
    ):
        assert not await hass.config_entries.async_setup(tums_entry.entry_id)
    assert tums_entry.state is ConfigEntryState.SETUP_RETRY
    webhook_id = tums_entry.data[CONF_WEBHOOK_ID]

    async def handler(*_args: Any) -> None:
        return None

    webhook.async_register(hass, DOMAIN, "test", webhook_id, handler)
    webhook.async_unregister(hass, webhook_id)


async def test_d15_rename_reaches_the_device_registry(
    hass: HomeAssistant, setup_tums: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """Renaming through the action renames the Home Assistant device without a reload."""
    ident = (DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_GATE}")
    device = device_registry.async_get_device_by_identifier(ident, setup_tums.entry_id)
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "tums_rename_device",
        {"device_id": device.id, "name": "North gate"},
        blocking=True,
    )
    await hass.async_block_till_done()
    renamed = device_registry.async_get(device.id)
    assert renamed is not None
    assert renamed.name == "North gate"


async def test_d17_reload_does_not_repeat_the_fleet_firmware_check(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The fleet-wide check goes out once per 6 hours, across reloads; removal forgets it."""

    def checks() -> int:
        return sum(1 for r in tums_sim.requests if r.path == PATH_CHECK_FIRMWARE)

    assert checks() == 1
    assert await hass.config_entries.async_reload(setup_tums.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert checks() == 1
    freezer.tick(timedelta(hours=6, seconds=1))
    await _runtime(setup_tums).firmware.async_refresh()
    assert checks() == 2
    key = f"{DOMAIN}.tums_firmware_check.{setup_tums.entry_id}"
    assert key in hass_storage
    assert await hass.config_entries.async_remove(setup_tums.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_d11_options_never_send_the_rtsp_password_back(
    hass: HomeAssistant, setup_tums: MockConfigEntry
) -> None:
    """The stored RTSP password is not a suggested value; left empty, it is kept."""
    template = "rtsp://{username}:{password}@{ip}:554/stream{channel}"
    hass.config_entries.async_update_entry(
        setup_tums,
        options={
            CONF_RTSP_TEMPLATE: template,
            CONF_RTSP_USERNAME: "admin",
            CONF_RTSP_PASSWORD: "p@ss:word",
        },
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await hass.config_entries.options.async_init(setup_tums.entry_id)
    suggested = {
        str(key): (key.description or {}).get("suggested_value")
        for key in result["data_schema"].schema
    }
    assert suggested[CONF_RTSP_USERNAME] == "admin"
    assert suggested[CONF_RTSP_PASSWORD] is None
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SCAN_INTERVAL: 60, CONF_RTSP_TEMPLATE: template, CONF_RTSP_USERNAME: "admin"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert setup_tums.options[CONF_RTSP_PASSWORD] == "p@ss:word"


async def test_d11_duplicate_application_costs_no_cloud_call(
    hass: HomeAssistant, tums_entry: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """An access key already configured is refused before the cloud is asked."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_TUMS}
    )
    before = len(tums_sim.requests)
    assert tums_sim.url is not None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: tums_sim.url,
            CONF_ACCESS_KEY: DEMO_ACCESS_KEY,
            CONF_SECRET_KEY: DEMO_SECRET_KEY,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(tums_sim.requests) == before


async def test_d18_measurements_keep_state_reported(
    hass: HomeAssistant, setup_tums: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """An unchanged power reading is still reported, so Riemann sums see every point."""
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
    _runtime(setup_tums).solar.async_update_listeners()
    await hass.async_block_till_done()
    assert power in reported


async def test_d12_energy_today_never_drops_within_the_day(
    hass: HomeAssistant, setup_tums: MockConfigEntry
) -> None:
    """A revised-down or shorter hourly series does not lower today's total."""
    solar = _runtime(setup_tums).solar
    today, tomorrow = date(2026, 12, 3), date(2026, 12, 4)
    assert solar.today_energy("K", today, 120.0, 40.0) == (120.0, 40.0)
    assert solar.today_energy("K", today, 95.5, None) == (120.0, 40.0)
    assert solar.today_energy("K", today, 130.0, 41.0) == (130.0, 41.0)
    # A new day starts from the cloud's figure again (total_increasing sees the reset).
    assert solar.today_energy("K", tomorrow, 3.0, 1.0) == (3.0, 1.0)
