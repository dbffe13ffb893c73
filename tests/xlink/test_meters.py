"""Energy, gas and water datapoints are meters from their first state (review R8)."""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import EVENT_STATE_CHANGED, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.datapoints.describe import describe
from custom_components.cniot.xlink.entity import point_of
from custom_components.cniot.xlink.models import Datapoint, DataType, Product
from simulator.xlink.state import HEATER_PRODUCT_ID

from .conftest import XLINK_ENTRY_ID

HEATER = 1658785277
ENERGY = 6  # 累计用电, kWh


async def test_kwh_datapoint_is_an_energy_meter_from_its_first_state(
    hass: HomeAssistant, xlink_entry: MockConfigEntry
) -> None:
    """A fresh entry: the Energy dashboard offers it (energy, total_increasing, kWh)."""
    states: list[Event] = []
    hass.bus.async_listen(EVENT_STATE_CHANGED, states.append)
    assert await hass.config_entries.async_setup(xlink_entry.entry_id)
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"xlink_{XLINK_ENTRY_ID}_{HEATER_PRODUCT_ID}_{HEATER}_{ENERGY}"
    )
    first = next(e.data["new_state"] for e in states if e.data["entity_id"] == entity_id)
    assert first.state == "12.5"
    assert first.attributes["device_class"] == SensorDeviceClass.ENERGY
    assert first.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
    assert first.attributes["unit_of_measurement"] == "kWh"


@pytest.mark.parametrize(
    ("symbol", "name", "device_class"),
    [
        ("kWh", "累计用电", SensorDeviceClass.ENERGY),
        ("Wh", "用电量", SensorDeviceClass.ENERGY),
        ("度", "电量", SensorDeviceClass.ENERGY),
        ("m³", "累计用水", SensorDeviceClass.WATER),
        ("L", "用水量", SensorDeviceClass.WATER),
        ("m³", "累计用气", SensorDeviceClass.GAS),
        ("℃", "温度", SensorDeviceClass.TEMPERATURE),
        ("dBm", "信号强度", None),
    ],
)
def test_meter_units_get_their_device_class(
    symbol: str, name: str, device_class: SensorDeviceClass | None
) -> None:
    """Meters count as totals; other readings stay measurements."""
    point = Datapoint(1, name, DataType.UINT32, readable=True, writable=False, symbol=symbol)
    described = describe(point_of(Product("pid", "Meter"), point))
    assert described is not None
    platform, description = described
    assert platform is Platform.SENSOR
    assert description.device_class == device_class
    total = SensorStateClass.TOTAL_INCREASING
    meter = device_class in (
        SensorDeviceClass.ENERGY,
        SensorDeviceClass.WATER,
        SensorDeviceClass.GAS,
    )
    assert description.state_class == (total if meter else SensorStateClass.MEASUREMENT)
