"""An Xlink water heater as a climate entity, from its datapoints (issue #27)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.components.climate import HVACMode
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from simulator.xlink import XlinkSimulator
from simulator.xlink_state import HEATER_PRODUCT_ID, PURIFIER_PRODUCT_ID

from .conftest import XLINK_ENTRY_ID, add_entry as _entry

HEATER, PURIFIER = 1658785277, 1094
# The heater's datapoints (by index) the climate shows: power, set point, outlet temperature.
MAPPED = (0, 1, 2)


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def _uid(pid: str, device: int, key: Any) -> str:
    return f"xlink_{XLINK_ENTRY_ID}_{pid}_{device}_{key}"


def _uids(registry: er.EntityRegistry, entry: MockConfigEntry) -> set[str]:
    return {e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}


async def test_heater_is_a_climate_and_follows_writes(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, entity_registry: er.EntityRegistry
) -> None:
    """Power, set point and outlet temperature become one heating thermostat."""
    entry = _entry(hass, xlink_sim)
    await _setup(hass, entry)
    entity_id = entity_registry.async_get_entity_id(
        "climate", DOMAIN, _uid(HEATER_PRODUCT_ID, HEATER, "climate")
    )
    assert entity_id is not None
    device = xlink_sim.devices[HEATER]
    state = hass.states.get(entity_id)
    assert state is not None
    # Its mode datapoint is a bare number, so no HVAC modes from it; "加热中" says it heats.
    assert state.attributes["hvac_modes"] == ["off", "heat"]
    assert state.state == (HVACMode.HEAT if device.values[0] else HVACMode.OFF)
    assert state.attributes["temperature"] == device.values[1]
    assert state.attributes["current_temperature"] == device.values[2]
    assert (state.attributes["min_temp"], state.attributes["max_temp"]) == (30, 75)
    uids = _uids(entity_registry, entry)
    assert all(_uid(HEATER_PRODUCT_ID, HEATER, index) not in uids for index in MAPPED)
    assert _uid(HEATER_PRODUCT_ID, HEATER, 4) in uids  # the numeric mode stays a number
    # The purifier has no temperature: no proposal, no climate.
    assert (
        entity_registry.async_get_entity_id(
            "climate", DOMAIN, _uid(PURIFIER_PRODUCT_ID, PURIFIER, "climate")
        )
        is None
    )

    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": entity_id, "hvac_mode": "heat"}, blocking=True
    )
    await hass.services.async_call(
        "climate", "set_temperature", {"entity_id": entity_id, "temperature": 62}, blocking=True
    )
    assert device.values[0] is True
    assert device.values[1] == 62
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(entity_id)
    assert state is not None
    assert (state.state, state.attributes["temperature"]) == (HVACMode.HEAT, 62)

    # Whole degrees only (a uint8): refused before anything is sent.
    sent = len(xlink_sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "climate",
            "set_temperature",
            {"entity_id": entity_id, "temperature": 60.5},
            blocking=True,
        )
    assert err.value.translation_key == "datapoint_type"
    assert len(xlink_sim.requests) == sent

    await hass.services.async_call("climate", "turn_off", {"entity_id": entity_id}, blocking=True)
    assert device.values[0] is False


async def test_hand_mapping_on_an_older_entry_and_back(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, entity_registry: er.EntityRegistry
) -> None:
    """Several products: pick one, map it by hand, then decline it again."""
    entry = _entry(hass, xlink_sim, minor_version=1)
    await _setup(hass, entry)
    before = _uids(entity_registry, entry)
    assert not any(uid.endswith("_climate") for uid in before)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "appliance"}
    )
    assert result["step_id"] == "appliance"
    products = result["data_schema"].schema["product"].config["options"]
    assert {p["value"] for p in products} == {HEATER_PRODUCT_ID, PURIFIER_PRODUCT_ID}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"product": HEATER_PRODUCT_ID}
    )
    assert result["step_id"] == "appliance_kind"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "climate"}
    )
    assert result["step_id"] == "climate"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "manual"}
    )
    power, target = f"{HEATER_PRODUCT_ID}:0", f"{HEATER_PRODUCT_ID}:1"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"power": power, "target": target, "keep": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    uids = _uids(entity_registry, entry)
    assert _uid(HEATER_PRODUCT_ID, HEATER, "climate") in uids
    assert _uid(HEATER_PRODUCT_ID, HEATER, 0) not in uids
    assert _uid(HEATER_PRODUCT_ID, HEATER, 2) in uids  # not mapped: still a sensor

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "appliance"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"product": HEATER_PRODUCT_ID}
    )
    assert result["step_id"] == "appliance_kind"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "climate"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "none"}
    )
    await hass.async_block_till_done()
    assert _uids(entity_registry, entry) == before
