"""A datapoint the user gives an energy unit is an energy meter from its first state (R8)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import CONF_DATAPOINTS, DOMAIN
from custom_components.cniot.datapoints.describe import describe as shared
from custom_components.cniot.gizwits.descriptions import point_of
from custom_components.cniot.gizwits.models import Datapoint, DatapointKind, DataType
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.scenario import AC_LIVING, PLUG_DESK
from simulator.gizwits.state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
)

from .conftest import AC_ENTRY_ID, PLUG_ENTRY_ID, gizwits_data


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


def _first_state(states: list[Event], entity_id: str | None) -> Any:
    return next(e.data["new_state"] for e in states if e.data["entity_id"] == entity_id)


async def test_names_give_units_and_classes_from_the_first_state(
    hass: HomeAssistant,
    ac_entry: MockConfigEntry,
    plug_entry: MockConfigEntry,
) -> None:
    """No options and no units in the schema: 室内温度 is °C and 累计电量 a kWh meter.

    Nothing changes under recorded statistics later, so no "unit changed" repair.
    """
    states: list[Event] = []
    hass.bus.async_listen(EVENT_STATE_CHANGED, states.append)
    # The integration's setup sets up both entries.
    assert await hass.config_entries.async_setup(ac_entry.entry_id)
    assert plug_entry.state is ConfigEntryState.LOADED
    await hass.async_block_till_done()
    registry = er.async_get(hass)

    def sensor(product_key: str, did: str, key: str) -> Any:
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{product_key}_{did}_{key}")
        return _first_state(states, entity_id).attributes

    room = sensor(AC_PRODUCT_KEY, AC_LIVING, "room_temp")
    assert room["unit_of_measurement"] == "°C"
    assert room["device_class"] == SensorDeviceClass.TEMPERATURE
    assert room["state_class"] == SensorStateClass.MEASUREMENT
    energy = sensor(PLUG_PRODUCT_KEY, PLUG_DESK, "energy")
    assert energy["unit_of_measurement"] == "kWh"
    assert energy["device_class"] == SensorDeviceClass.ENERGY
    assert energy["state_class"] == SensorStateClass.TOTAL_INCREASING
    power = sensor(PLUG_PRODUCT_KEY, PLUG_DESK, "power")
    assert (power["unit_of_measurement"], power["device_class"]) == ("W", SensorDeviceClass.POWER)


async def test_a_unit_in_the_options_wins_over_the_name(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator
) -> None:
    """A unit the user gives 室内温度 wins; the name's class goes where it does not fit."""
    assert gizwits_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=AC_ENTRY_ID,
        title="智能空调",
        unique_id=AC_PRODUCT_KEY,
        data=gizwits_data(gizwits_sim.url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
        options={
            CONF_DATAPOINTS: {"room_temp": {"unit": "%", "device_class": "", "hidden": False}}
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{AC_PRODUCT_KEY}_{AC_LIVING}_room_temp"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "%"
    assert "device_class" not in state.attributes


def _meter() -> Datapoint:
    return Datapoint(
        name="meter",
        display_name="Meter",
        kind=DatapointKind.READONLY,
        data_type=DataType.UINT32,
        minimum=0,
        maximum=100000,
        step=1,
    )


@pytest.mark.parametrize(
    ("device_class", "unit", "state_class"),
    [
        ("energy", "kWh", SensorStateClass.TOTAL_INCREASING),
        ("water", "L", SensorStateClass.TOTAL_INCREASING),
        ("monetary", "CNY", SensorStateClass.TOTAL),
        ("temperature", "°C", SensorStateClass.MEASUREMENT),
        ("", "", SensorStateClass.MEASUREMENT),
    ],
)
def test_state_class_follows_the_device_class(
    device_class: str, unit: str, state_class: SensorStateClass
) -> None:
    """A chosen device class gets a state class Home Assistant allows for it.

    Guards D6 of the 2026-12 review: every numeric sensor was a measurement, which
    Home Assistant refuses for energy, gas, water and monetary sensors.
    """
    point = point_of(_meter())
    assert point is not None
    described = shared(point, {"device_class": device_class, "unit": unit})
    assert described is not None
    description = described[1]
    assert isinstance(description, SensorEntityDescription)
    assert description.state_class is state_class
