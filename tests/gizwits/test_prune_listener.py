"""Stale Gizwits devices are removed by a listener, never inside the fetch (#15)."""

from __future__ import annotations

import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.gizwits.const import CONF_ENTERPRISE_ID
from custom_components.cniot.gizwits.descriptions import device_identifier
from custom_components.cniot.gizwits.runtime import shared_budget
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY
from tests.registry import data_when_removed

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"


async def test_fetch_leaves_the_registry_alone(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The device goes once the poll has published its data: a listener removes it."""
    coordinator = setup_ac.runtime_data.coordinator
    ident = (DOMAIN, device_identifier(AC_PRODUCT_KEY, LIVING_ROOM))
    device = device_registry.async_get_device_by_identifier(ident, setup_ac.entry_id)
    assert device is not None
    removed_with = data_when_removed(hass, device, lambda: coordinator.data)
    gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].is_disabled = True
    await coordinator.async_refresh()
    assert removed_with == []
    await coordinator.async_refresh()
    assert device_registry.async_get_device_by_identifier(ident, setup_ac.entry_id) is None
    assert len(removed_with) == 1
    assert removed_with[0] is coordinator.data


async def test_schema_rate_limited_at_setup_retries(
    hass: HomeAssistant, ac_entry: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """The schema is read in the coordinator's setup: a 5013 there retries and pauses."""
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=5013, remaining=1))
    assert not await hass.config_entries.async_setup(ac_entry.entry_id)
    assert ac_entry.state is ConfigEntryState.SETUP_RETRY
    budget = shared_budget(hass, ac_entry.data[CONF_ENTERPRISE_ID])
    assert budget.paused(time.time())
