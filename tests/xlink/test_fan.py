"""An Xlink air purifier as a fan entity, from its datapoints (issue #27)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import STATE_OFF, STATE_ON
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
POWER, SPEED, CHILD_LOCK = 0, 2, 4  # the purifier's datapoint indexes


def _uid(pid: str, device: int, key: object) -> str:
    return f"xlink_{XLINK_ENTRY_ID}_{pid}_{device}_{key}"


def _uids(registry: er.EntityRegistry, entry: MockConfigEntry) -> set[str]:
    return {e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}


async def _read_back(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_purifier_is_a_fan_with_five_speeds(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, entity_registry: er.EntityRegistry
) -> None:
    """Power and a 1-5 speed become a fan; the heater (a climate) is proposed no fan."""
    entry = _entry(hass, xlink_sim)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = entity_registry.async_get_entity_id(
        "fan", DOMAIN, _uid(PURIFIER_PRODUCT_ID, PURIFIER, "fan")
    )
    assert entity_id is not None
    assert (
        entity_registry.async_get_entity_id("fan", DOMAIN, _uid(HEATER_PRODUCT_ID, HEATER, "fan"))
        is None
    )
    device = xlink_sim.devices[PURIFIER]
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == (STATE_ON if device.values[POWER] else STATE_OFF)
    assert state.attributes["percentage_step"] == 20
    uids = _uids(entity_registry, entry)
    assert _uid(PURIFIER_PRODUCT_ID, PURIFIER, POWER) not in uids
    assert _uid(PURIFIER_PRODUCT_ID, PURIFIER, SPEED) not in uids
    assert _uid(PURIFIER_PRODUCT_ID, PURIFIER, CHILD_LOCK) in uids  # a lock is no power

    await hass.services.async_call(
        "fan", "set_percentage", {"entity_id": entity_id, "percentage": 60}, blocking=True
    )
    # 60 % of five speeds is speed 3, with the power on, in one write.
    assert (device.values[POWER], device.values[SPEED]) == (True, 3)
    await _read_back(hass)
    state = hass.states.get(entity_id)
    assert state is not None
    assert (state.state, state.attributes["percentage"]) == (STATE_ON, 60)
    await hass.services.async_call(
        "fan", "turn_on", {"entity_id": entity_id, "percentage": 100}, blocking=True
    )
    assert device.values[SPEED] == 5
    await hass.services.async_call(
        "fan", "set_percentage", {"entity_id": entity_id, "percentage": 0}, blocking=True
    )
    assert device.values[POWER] is False
    await _read_back(hass)
    assert hass.states.get(entity_id).attributes["percentage"] == 0  # type: ignore[union-attr]


async def test_fan_hand_mapping_and_back(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, entity_registry: er.EntityRegistry
) -> None:
    """An older entry maps the purifier by hand (power needed), then declines it."""
    entry = _entry(hass, xlink_sim, minor_version=1)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    before = _uids(entity_registry, entry)

    async def _fan_step() -> dict:  # type: ignore[type-arg]
        result = await hass.config_entries.options.async_init(entry.entry_id)
        for step in ({"next_step_id": "appliance"}, {"product": PURIFIER_PRODUCT_ID}):
            result = await hass.config_entries.options.async_configure(result["flow_id"], step)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "fan"}
        )
        assert result["step_id"] == "fan"
        return result  # type: ignore[return-value]

    result = await _fan_step()
    assert result["data_schema"].schema["choice"].config["options"][0] == "proposal"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "manual"}
    )
    assert result["step_id"] == "fan_manual"
    # The speed lists writable options and small whole-number ranges only.
    speeds = {c["value"] for c in result["data_schema"].schema["speed"].config["options"]}
    assert speeds == {f"{PURIFIER_PRODUCT_ID}:{SPEED}"}
    speed = f"{PURIFIER_PRODUCT_ID}:{SPEED}"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"speed": speed})
    assert result["errors"] == {"base": "fan_needs_power"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"power": f"{PURIFIER_PRODUCT_ID}:{CHILD_LOCK}", "speed": speed}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entity_id = entity_registry.async_get_entity_id(
        "fan", DOMAIN, _uid(PURIFIER_PRODUCT_ID, PURIFIER, "fan")
    )
    assert entity_id is not None
    uids = _uids(entity_registry, entry)
    assert _uid(PURIFIER_PRODUCT_ID, PURIFIER, CHILD_LOCK) not in uids
    assert _uid(PURIFIER_PRODUCT_ID, PURIFIER, POWER) in uids  # not mapped this time
    await hass.services.async_call("fan", "turn_on", {"entity_id": entity_id}, blocking=True)
    assert xlink_sim.devices[PURIFIER].values[CHILD_LOCK] is True

    result = await _fan_step()
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "none"}
    )
    await hass.async_block_till_done()
    assert _uids(entity_registry, entry) == before


async def test_fan_refuses_what_the_speed_cannot_take(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, entity_registry: er.EntityRegistry
) -> None:
    """A preset on a numeric speed is refused before anything is sent."""
    entry = _entry(hass, xlink_sim)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = entity_registry.async_get_entity_id(
        "fan", DOMAIN, _uid(PURIFIER_PRODUCT_ID, PURIFIER, "fan")
    )
    sent = len(xlink_sim.requests)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "fan", "set_preset_mode", {"entity_id": entity_id, "preset_mode": "x"}, blocking=True
        )
    assert len(xlink_sim.requests) == sent
