"""A datapoint the user gives an energy unit is an energy meter from its first state (R8)."""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import CONF_DATAPOINTS, DOMAIN
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits_state import PLUG_DESK, PLUG_PRODUCT_KEY, PLUG_PRODUCT_SECRET

from .conftest import PLUG_ENTRY_ID, gizwits_data


async def test_kwh_datapoint_is_an_energy_meter_from_its_first_state(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator
) -> None:
    """Gizwits schemas carry no units: a fresh entry whose options give 累计电量 kWh."""
    assert gizwits_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=PLUG_ENTRY_ID,
        title="智能插座",
        unique_id=PLUG_PRODUCT_KEY,
        data=gizwits_data(gizwits_sim.url, PLUG_PRODUCT_KEY, PLUG_PRODUCT_SECRET),
        options={CONF_DATAPOINTS: {"energy": {"unit": "kWh", "device_class": "", "hidden": False}}},
    )
    entry.add_to_hass(hass)
    states: list[Event] = []
    hass.bus.async_listen(EVENT_STATE_CHANGED, states.append)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{PLUG_PRODUCT_KEY}_{PLUG_DESK}_energy"
    )
    first = next(e.data["new_state"] for e in states if e.data["entity_id"] == entity_id)
    assert first.attributes["device_class"] == SensorDeviceClass.ENERGY
    assert first.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
    assert first.attributes["unit_of_measurement"] == "kWh"
    assert float(first.state) >= 0
