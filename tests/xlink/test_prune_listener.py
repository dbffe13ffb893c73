"""Stale Xlink devices are removed by a listener, never inside the fetch (#15)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import HEATER_PRODUCT_ID
from tests.registry import data_when_removed

from .conftest import XLINK_ENTRY_ID

HEATER_ON = 1658785278


async def test_fetch_leaves_the_registry_alone(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The device goes once the poll has published its data: a listener removes it."""
    coordinator = setup_xlink.runtime_data.coordinator
    ident = (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}:{HEATER_ON}")
    device = device_registry.async_get_device_by_identifier(ident, setup_xlink.entry_id)
    assert device is not None
    removed_with = data_when_removed(hass, device, lambda: coordinator.data)
    del xlink_sim.devices[HEATER_ON]
    await coordinator.async_refresh()
    assert removed_with == []
    await coordinator.async_refresh()
    assert device_registry.async_get_device_by_identifier(ident, setup_xlink.entry_id) is None
    assert len(removed_with) == 1
    assert removed_with[0] is coordinator.data
