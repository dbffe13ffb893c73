"""A Gizwits product with a fan-speed option as a fan entity (issue #27)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import STATE_OFF
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits_state import (
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
    WRITABLE,
    DatapointDef,
    default_gizwits_scenario,
    layout,
)

from .conftest import PLUG_ENTRY_ID, gizwits_data

PLUG_TV = "vB3nM6kJ9hG2fD5sA8pO4i"  # off in the scenario
SPEEDS = ("低档", "中档", "高档")


async def test_an_option_speed_is_ordered_and_kept_as_presets(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """The plug product, given a 风速 option: a fan with three speeds named as the product does."""
    scenario = default_gizwits_scenario()
    product = next(p for p in scenario.products if p.product_key == PLUG_PRODUCT_KEY)
    product.datapoints.append(DatapointDef("fan_speed", "风速", WRITABLE, "enum", options=SPEEDS))
    product.datapoints.append(DatapointDef("swing", "摆头", WRITABLE, "bool"))
    layout(product.datapoints)
    sim = GizwitsSimulator(scenario)
    await sim.start(host="127.0.0.1", port=0)
    try:
        assert sim.url is not None
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id=PLUG_ENTRY_ID,
            unique_id=PLUG_PRODUCT_KEY,
            data=gizwits_data(sim.url, PLUG_PRODUCT_KEY, PLUG_PRODUCT_SECRET),
            minor_version=2,
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        uid = f"{PLUG_PRODUCT_KEY}_{PLUG_TV}"
        entity_id = entity_registry.async_get_entity_id("fan", DOMAIN, f"{uid}_fan")
        assert entity_id is not None
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == STATE_OFF
        assert state.attributes["preset_modes"] == list(SPEEDS)
        assert state.attributes["percentage_step"] == 100 / 3
        uids = {
            e.unique_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        }
        assert f"{uid}_switch" not in uids
        assert f"{uid}_fan_speed" not in uids
        assert f"{uid}_swing" not in uids
        assert f"{uid}_led" in uids  # an indicator light is no power switch
        # The scenario's devices never reported the new datapoints: unknown, not a guess.
        assert state.attributes["oscillating"] is None
        assert state.attributes["preset_mode"] is None

        await hass.services.async_call(
            "fan", "set_preset_mode", {"entity_id": entity_id, "preset_mode": "高档"}, blocking=True
        )
        attrs = sim.devices[PLUG_PRODUCT_KEY][PLUG_TV].attrs
        assert (attrs["switch"], attrs["fan_speed"]) == (True, "高档")
        await hass.services.async_call(
            "fan", "oscillate", {"entity_id": entity_id, "oscillating": True}, blocking=True
        )
        assert attrs["swing"] is True
        await hass.services.async_call(
            "fan", "set_percentage", {"entity_id": entity_id, "percentage": 34}, blocking=True
        )
        assert attrs["fan_speed"] == "中档"
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
        await hass.async_block_till_done(wait_background_tasks=True)
        state = hass.states.get(entity_id)
        assert state is not None
        assert (state.attributes["preset_mode"], state.attributes["percentage"]) == ("中档", 66)
        assert state.attributes["oscillating"] is True
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
