"""Stale TUMS devices are removed by a listener, never inside the fetch (#15)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import IPC_GATE
from tests.registry import data_when_removed, lookup_device


async def _poll(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_fetch_leaves_the_registry_alone(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """The device goes once the device list has been published: a listener removes it."""
    registry = dr.async_get(hass)
    coordinator = setup_tums.runtime_data.coordinator
    ident = {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_GATE}")}
    device = lookup_device(registry, ident)
    assert device is not None
    removed_with = data_when_removed(hass, device, lambda: coordinator.data)
    tums_sim.devices.pop(IPC_GATE)
    await _poll(hass)
    assert removed_with == []
    await _poll(hass)
    assert lookup_device(registry, ident) is None
    assert len(removed_with) == 1
    assert removed_with[0] is coordinator.data
