"""Stale Gizwits devices are removed by a listener, never inside the fetch (#15)."""

from __future__ import annotations

import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.gizwits.const import CONF_ENTERPRISE_ID
from custom_components.cniot.gizwits.coordinator import GizwitsData
from custom_components.cniot.gizwits.descriptions import device_identifier
from custom_components.cniot.gizwits.runtime import shared_budget
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"


async def test_fetch_leaves_the_registry_alone(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """When the poll returns the device is still registered; a listener removes it."""
    coordinator = setup_ac.runtime_data.coordinator
    ident = (DOMAIN, device_identifier(AC_PRODUCT_KEY, LIVING_ROOM))
    assert device_registry.async_get_device_by_identifier(ident, setup_ac.entry_id) is not None
    fetch = coordinator._async_update_data
    registered_when_fetched: list[bool] = []

    async def spy() -> GizwitsData:
        data = await fetch()
        registered_when_fetched.append(
            device_registry.async_get_device_by_identifier(ident, setup_ac.entry_id) is not None
        )
        return data

    coordinator._async_update_data = spy  # type: ignore[method-assign]
    gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].is_disabled = True
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert registered_when_fetched == [True, True]
    assert device_registry.async_get_device_by_identifier(ident, setup_ac.entry_id) is None


async def test_schema_rate_limited_at_setup_retries(
    hass: HomeAssistant, ac_entry: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """The schema is read in the coordinator's setup: a 5013 there retries and pauses."""
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=5013, remaining=1))
    assert not await hass.config_entries.async_setup(ac_entry.entry_id)
    assert ac_entry.state is ConfigEntryState.SETUP_RETRY
    budget = shared_budget(hass, ac_entry.data[CONF_ENTERPRISE_ID])
    assert budget.paused(time.time())
