"""Gizwits setup, devices over time and diagnostics."""

from __future__ import annotations

from datetime import timedelta
import json
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.diagnostics import async_get_config_entry_diagnostics
from custom_components.cniot.gizwits.const import CONF_ENTERPRISE_ID
from custom_components.cniot.gizwits.runtime import shared_budget
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.scenario import ac_attrs
from simulator.gizwits.state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_SECRET,
    SimDevice,
)
from tests.registry import lookup_device

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"


async def _poll(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_setup_unload_and_retry(
    hass: HomeAssistant, ac_entry: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """A failing cloud makes the entry retry; unloading releases the quota share."""
    gizwits_sim.faults.add(Fault(kind="http_status", value=502))
    assert not await hass.config_entries.async_setup(ac_entry.entry_id)
    assert ac_entry.state is ConfigEntryState.SETUP_RETRY
    gizwits_sim.faults.clear()
    await hass.config_entries.async_reload(ac_entry.entry_id)
    await hass.async_block_till_done()
    assert ac_entry.state is ConfigEntryState.LOADED
    budget = ac_entry.runtime_data.budget
    assert ac_entry.entry_id in budget.consumers
    assert await hass.config_entries.async_unload(ac_entry.entry_id)
    assert ac_entry.entry_id not in budget.consumers


async def test_devices_come_and_go(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A new device appears without a reload; a deregistered one is removed."""
    gizwits_sim.devices[AC_PRODUCT_KEY]["NEWDEVICE0000000000001"] = SimDevice(
        did="NEWDEVICE0000000000001",
        mac="a1b2c3d4e5f6",
        product_key=AC_PRODUCT_KEY,
    )
    gizwits_sim.report("NEWDEVICE0000000000001", ac_attrs())
    await _poll(hass)
    new = {(DOMAIN, f"gizwits:{AC_PRODUCT_KEY}:NEWDEVICE0000000000001")}
    assert lookup_device(device_registry, new) is not None

    gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].is_disabled = True
    await _poll(hass)
    await _poll(hass)
    gone = {(DOMAIN, f"gizwits:{AC_PRODUCT_KEY}:{LIVING_ROOM}")}
    assert lookup_device(device_registry, gone) is None


async def test_expired_token_is_renewed(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """After the cloud forgets the token (5011 and friends), polling carries on."""
    gizwits_sim.tokens.clear()
    tokens_before = sum(1 for r in gizwits_sim.requests if r.path.endswith("/access_token"))
    await _poll(hass)
    tokens_after = sum(1 for r in gizwits_sim.requests if r.path.endswith("/access_token"))
    assert tokens_after == tokens_before + 1
    assert setup_ac.runtime_data.coordinator.last_update_success


async def test_diagnostics_redact_secrets_and_location(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """Secrets, tokens and device locations are redacted."""
    result = await async_get_config_entry_diagnostics(hass, setup_ac)
    text = json.dumps(result, default=str, ensure_ascii=False)
    assert DEMO_ENTERPRISE_SECRET not in text
    assert AC_PRODUCT_SECRET not in text
    for token in gizwits_sim.tokens:
        assert token not in text
    device = gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM]
    assert str(device.latitude) not in text
    assert device.city not in text
    assert result["vendor"]["quota"]["limit"] == 3600
    assert result["vendor"]["schema"]["datapoints"]


async def test_device_versions(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """MCU and Wi-Fi module versions both reach the device page."""
    from custom_components.cniot.gizwits.descriptions import _versions

    sim_device = gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM]
    device = lookup_device(device_registry, {(DOMAIN, f"gizwits:{AC_PRODUCT_KEY}:{LIVING_ROOM}")})
    assert device is not None
    assert device.sw_version == (
        f"MCU {sim_device.mcu_soft_version}, Wi-Fi {sim_device.wifi_soft_version}"
    )
    assert _versions(None, "4.1") == "Wi-Fi 4.1"
    assert _versions("1.2", None) == "1.2"
    assert _versions(None, None) is None


@pytest.mark.parametrize(
    ("code", "issue"), [(5012, "gizwits_ip_whitelist"), (5007, "gizwits_api_service")]
)
async def test_permanent_refusal_at_setup_is_an_error(
    hass: HomeAssistant,
    ac_entry: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    code: int,
    issue: str,
) -> None:
    """An IP not whitelisted, or the API service off: no retries, a repair issue says why.

    Retrying cannot help until the user acts in the Gizwits console; the issue says to
    reload the entry then.
    """
    if code == 5012:
        gizwits_sim.ip_whitelist_ok = False
    else:
        gizwits_sim.faults.add(Fault(kind="vendor_code", value=code))
    assert not await hass.config_entries.async_setup(ac_entry.entry_id)
    await hass.async_block_till_done()
    assert ac_entry.state is ConfigEntryState.SETUP_ERROR
    assert ac_entry.reason is not None
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"{issue}_{ac_entry.entry_id}") is not None

    gizwits_sim.ip_whitelist_ok = True
    gizwits_sim.faults.clear()
    await hass.config_entries.async_reload(ac_entry.entry_id)
    await hass.async_block_till_done()
    assert ac_entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"{issue}_{ac_entry.entry_id}") is None


async def test_setup_retries_wait_out_the_quota_pause(
    hass: HomeAssistant, ac_entry: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """Quota used up at setup: the retries send nothing until the pause is over."""
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=5013, remaining=1))
    assert not await hass.config_entries.async_setup(ac_entry.entry_id)
    assert ac_entry.state is ConfigEntryState.SETUP_RETRY
    gizwits_sim.requests.clear()
    for _ in range(3):
        await hass.config_entries.async_reload(ac_entry.entry_id)
        await hass.async_block_till_done()
        assert ac_entry.state is ConfigEntryState.SETUP_RETRY
    assert gizwits_sim.requests == []

    # The pause over, the next retry sets the entry up.
    budget = shared_budget(hass, ac_entry.data[CONF_ENTERPRISE_ID])
    budget.paused_until = time.time() - 1
    await hass.config_entries.async_reload(ac_entry.entry_id)
    await hass.async_block_till_done()
    assert ac_entry.state is ConfigEntryState.LOADED
