"""Fleet at a glance: each entry counts its devices online and offline.

The pair sits on the entry's own service device (the gateway backend, the Gizwits or
Xlink product, the TUMS application), is named in both languages, is no diagnostic and
has a measurement state class; taking one device off line moves one from a count to the
other at the next refresh.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.components.sensor import SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.base import VendorSimulator
from tests.test_admin_actions import _vendor_setup

VENDORS = ("gateway", "gizwits", "tums", "xlink")
KEYS = ("online_devices", "offline_devices")


@pytest.fixture(params=VENDORS)
async def vendor_entry(
    hass: HomeAssistant, request: pytest.FixtureRequest, gateway_sim: VendorSimulator
) -> AsyncIterator[tuple[MockConfigEntry, VendorSimulator]]:
    """One vendor's loaded entry and its simulator."""
    assert gateway_sim.url is not None
    entry, sim = await _vendor_setup(hass, request.param, gateway_sim.url)
    try:
        yield entry, sim or gateway_sim
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        if sim is not None:
            await sim.stop()


def _counts(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, int]:
    """Each count summed over the entry's service devices (Xlink has one per product)."""
    registry = er.async_get(hass)
    totals = dict.fromkeys(KEYS, 0)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.translation_key in KEYS:
            state = hass.states.get(entity.entity_id)
            assert state is not None, entity.entity_id
            totals[entity.translation_key] += int(state.state)
    return totals


async def test_counts_on_the_service_device(
    hass: HomeAssistant, vendor_entry: tuple[MockConfigEntry, VendorSimulator]
) -> None:
    """The pair is on a service device, a measurement, no diagnostic; it adds up."""
    entry, sim = vendor_entry
    devices = dr.async_get(hass)
    fleet = [
        e
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.translation_key in KEYS
    ]
    assert {e.translation_key for e in fleet} == set(KEYS)
    for entity in fleet:
        device = devices.async_get(entity.device_id or "")
        assert device is not None
        assert device.entry_type is dr.DeviceEntryType.SERVICE, entity.entity_id
        assert entity.entity_category is None, entity.entity_id
        state = hass.states.get(entity.entity_id)
        assert state is not None
        assert state.attributes["state_class"] == SensorStateClass.MEASUREMENT
    # Every appliance, gateway or TUMS device of the entry is counted once (a gateway's
    # channels carry no serial: they are parts of it).
    listed = {
        d.serial_number
        for d in dr.async_entries_for_config_entry(devices, entry.entry_id)
        if d.entry_type is None
    }
    counted = _counts(hass, entry)
    states = sim.online_states()
    mine = {key: online for key, online in states.items() if key in listed}
    if entry.data["vendor"] == "tums":  # the whole application; some keyed by MAC
        mine = states
    assert len(mine) > 1
    assert counted["online_devices"] == sum(mine.values())
    assert counted["offline_devices"] == len(mine) - sum(mine.values())


async def test_a_device_going_offline_moves_between_counts(
    hass: HomeAssistant, vendor_entry: tuple[MockConfigEntry, VendorSimulator]
) -> None:
    entry, sim = vendor_entry
    serials = {
        d.serial_number
        for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if d.entry_type is None
    }
    before = _counts(hass, entry)
    victim = next(key for key, online in sim.online_states().items() if online and key in serials)
    sim.set_online(victim, False)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    after = _counts(hass, entry)
    assert after["online_devices"] == before["online_devices"] - 1
    assert after["offline_devices"] == before["offline_devices"] + 1
