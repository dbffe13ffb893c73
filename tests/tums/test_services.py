"""TUMS actions as Home Assistant sees their effect: the device registry."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from simulator.tums import DEMO_ACCESS_KEY
from simulator.tums.state import IPC_GATE


async def test_rename_reaches_the_device_registry(
    hass: HomeAssistant, setup_tums: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """Renaming through the action renames the Home Assistant device without a reload.

    Guards D15 of the 2026-12 review: the rename only refreshed the data, and the
    device kept its old name until a reload.
    """
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
