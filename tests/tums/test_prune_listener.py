"""Stale TUMS devices are removed by a listener, never inside the fetch (#15)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.tums.coordinator import TumsData
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import IPC_GATE
from tests.registry import lookup_device


async def _poll(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_fetch_leaves_the_registry_alone(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """When the device list returns the device is still registered; a listener removes it."""
    registry = dr.async_get(hass)
    coordinator = setup_tums.runtime_data.coordinator
    ident = {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_GATE}")}
    fetch = coordinator._async_update_data
    registered_when_fetched: list[bool] = []

    async def spy() -> TumsData:
        data = await fetch()
        registered_when_fetched.append(lookup_device(registry, ident) is not None)
        return data

    coordinator._async_update_data = spy  # type: ignore[method-assign]
    tums_sim.devices.pop(IPC_GATE)
    await _poll(hass)
    await _poll(hass)
    assert registered_when_fetched == [True, True]
    assert lookup_device(registry, ident) is None
