"""Stale Xlink devices are removed by a listener, never inside the fetch (#15)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.xlink.coordinator import XlinkData
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import HEATER_PRODUCT_ID

from .conftest import XLINK_ENTRY_ID

HEATER_ON = 1658785278


async def test_fetch_leaves_the_registry_alone(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """When the poll returns the device is still registered; a listener removes it."""
    coordinator = setup_xlink.runtime_data.coordinator
    ident = (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}:{HEATER_ON}")
    fetch = coordinator._async_update_data
    registered_when_fetched: list[bool] = []

    async def spy() -> XlinkData:
        data = await fetch()
        registered_when_fetched.append(
            device_registry.async_get_device_by_identifier(ident, setup_xlink.entry_id) is not None
        )
        return data

    coordinator._async_update_data = spy  # type: ignore[method-assign]
    del xlink_sim.devices[HEATER_ON]
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert registered_when_fetched == [True, True]
    assert device_registry.async_get_device_by_identifier(ident, setup_xlink.entry_id) is None
