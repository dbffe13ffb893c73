"""The demo air conditioner as a climate entity, from its datapoints (issue #27)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.components.climate import HVACMode
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.datapoints.appliances import propose_climate
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits_state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
    default_gizwits_scenario,
    layout,
)
from tests.test_hassfest_rules import _assert_supplied, _rendered

from .conftest import AC_ENTRY_ID, PLUG_ENTRY_ID, gizwits_data

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"
# The air conditioner's datapoints the climate entity shows instead of their own entities.
MAPPED = ("switch", "mode", "set_temp", "room_temp", "fan_speed", "fan_swing")


def new_entry(
    hass: HomeAssistant,
    sim: GizwitsSimulator,
    *,
    plug: bool = False,
    minor_version: int = 2,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """An entry as this release creates it (1.2), or as an older one stored it (1.1)."""
    assert sim.url is not None
    key, secret = (
        (PLUG_PRODUCT_KEY, PLUG_PRODUCT_SECRET) if plug else (AC_PRODUCT_KEY, AC_PRODUCT_SECRET)
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=PLUG_ENTRY_ID if plug else AC_ENTRY_ID,
        title=key,
        unique_id=key,
        data=gizwits_data(sim.url, key, secret),
        minor_version=minor_version,
        options=options or {},
    )
    entry.add_to_hass(hass)
    return entry


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _read_back(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
    await hass.async_block_till_done(wait_background_tasks=True)


def _uid(did: str, key: str, product: str = AC_PRODUCT_KEY) -> str:
    return f"{product}_{did}_{key}"


def _climate_id(entity_registry: er.EntityRegistry, did: str = LIVING_ROOM) -> str | None:
    return entity_registry.async_get_entity_id("climate", DOMAIN, _uid(did, "climate"))


def _plain_uids(entity_registry: er.EntityRegistry, entry: MockConfigEntry) -> set[str]:
    return {
        entity.unique_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }


async def test_new_entry_proposes_and_shows_a_climate(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """A new entry accepts the proposal: one climate per device, mapped datapoints folded in."""
    entry = new_entry(hass, gizwits_sim)
    await _setup(hass, entry)
    entity_id = _climate_id(entity_registry)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    # The living room is on and cooling at 24 °C, fan medium.
    assert state.state == HVACMode.COOL
    attrs = state.attributes
    room = gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].attrs["room_temp"]
    assert isinstance(room, float)
    assert attrs["hvac_modes"] == ["off", "auto", "cool", "heat", "fan_only", "dry"]
    assert attrs["temperature"] == 24
    assert attrs["current_temperature"] == room
    assert (attrs["min_temp"], attrs["max_temp"], attrs["target_temp_step"]) == (16, 30, 1)
    assert attrs["fan_modes"] == ["低风", "中风", "高风"]
    assert attrs["fan_mode"] == "中风"
    assert attrs["swing_mode"] == "on"  # its last report turned swing on
    assert "preset_modes" not in attrs  # every mode label is an HVAC mode
    # Named after its device alone: the main entity of an air conditioner.
    registered = entity_registry.async_get(entity_id)
    assert registered is not None
    assert registered.translation_key == "appliance"
    assert registered.has_entity_name
    assert registered.original_name is None
    uids = _plain_uids(entity_registry, entry)
    for key in MAPPED:
        assert _uid(LIVING_ROOM, key) not in uids, key
    # Datapoints the climate does not show keep their entities.
    assert _uid(LIVING_ROOM, "on_timing") in uids
    assert _uid(LIVING_ROOM, "alert_full") in uids


async def test_climate_writes_change_the_device(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """Mode, temperature, fan and swing reach the simulated device; the entity follows."""
    await _setup(hass, new_entry(hass, gizwits_sim))
    entity_id = _climate_id(entity_registry)
    assert entity_id is not None
    device = gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM]

    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": entity_id, "hvac_mode": "heat"}, blocking=True
    )
    assert device.attrs["mode"] == "制热"
    assert device.attrs["switch"] is True
    await hass.services.async_call(
        "climate", "set_temperature", {"entity_id": entity_id, "temperature": 28}, blocking=True
    )
    assert device.attrs["set_temp"] == 28
    await hass.services.async_call(
        "climate", "set_fan_mode", {"entity_id": entity_id, "fan_mode": "高风"}, blocking=True
    )
    await hass.services.async_call(
        "climate", "set_swing_mode", {"entity_id": entity_id, "swing_mode": "off"}, blocking=True
    )
    assert device.attrs["fan_speed"] == "高风"
    assert device.attrs["fan_swing"] is False
    await _read_back(hass)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == HVACMode.HEAT
    assert state.attributes["temperature"] == 28
    assert state.attributes["fan_mode"] == "高风"
    assert state.attributes["swing_mode"] == "off"

    # Mode and temperature together go in one control call.
    controls = sum(1 for r in gizwits_sim.requests if r.path.endswith("/control"))
    await hass.services.async_call(
        "climate",
        "set_temperature",
        {"entity_id": entity_id, "temperature": 20, "hvac_mode": "dry"},
        blocking=True,
    )
    assert sum(1 for r in gizwits_sim.requests if r.path.endswith("/control")) == controls + 1
    assert (device.attrs["mode"], device.attrs["set_temp"]) == ("除湿", 20)

    await hass.services.async_call(
        "climate", "set_hvac_mode", {"entity_id": entity_id, "hvac_mode": "off"}, blocking=True
    )
    assert device.attrs["switch"] is False
    await _read_back(hass)
    assert hass.states.get(entity_id).state == HVACMode.OFF  # type: ignore[union-attr]
    await hass.services.async_call("climate", "turn_on", {"entity_id": entity_id}, blocking=True)
    assert device.attrs["switch"] is True
    assert device.attrs["mode"] == "除湿"  # turning on keeps the mode


async def test_climate_refuses_a_temperature_off_the_step_before_sending(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """The set point's step comes from the datapoint: 24.5 is refused, nothing is sent."""
    await _setup(hass, new_entry(hass, gizwits_sim))
    entity_id = _climate_id(entity_registry)
    sent = len(gizwits_sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "climate",
            "set_temperature",
            {"entity_id": entity_id, "temperature": 24.5},
            blocking=True,
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "datapoint_step"
    assert len(gizwits_sim.requests) == sent
    assert gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].attrs["set_temp"] == 24


async def test_entry_from_before_keeps_its_entities(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """An entry stored by 1.1 is migrated without the proposal: nothing changes silently."""
    entry = new_entry(hass, gizwits_sim, minor_version=1)
    await _setup(hass, entry)
    assert entry.minor_version == 2
    assert entry.options["appliance_proposals"] is False
    assert _climate_id(entity_registry) is None
    uids = _plain_uids(entity_registry, entry)
    assert all(_uid(LIVING_ROOM, key) in uids for key in MAPPED)


async def test_declined_climate_keeps_the_datapoints(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """A product the user declined gets no climate, even on a new entry."""
    entry = new_entry(
        hass, gizwits_sim, options={"appliances": {AC_PRODUCT_KEY: {"climate": None}}}
    )
    await _setup(hass, entry)
    assert _climate_id(entity_registry) is None
    assert all(_uid(LIVING_ROOM, key) in _plain_uids(entity_registry, entry) for key in MAPPED)


async def test_kept_datapoints_stay_beside_the_climate(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """``keep`` leaves the mapped datapoints their own entities too."""
    mapping = {"power": "switch", "target": "set_temp", "keep": True}
    entry = new_entry(
        hass, gizwits_sim, options={"appliances": {AC_PRODUCT_KEY: {"climate": mapping}}}
    )
    await _setup(hass, entry)
    entity_id = _climate_id(entity_registry)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    # No mode datapoint: on is "auto" (the device decides), no fan or swing.
    assert state.attributes["hvac_modes"] == ["off", "auto"]
    assert "fan_modes" not in state.attributes
    uids = _plain_uids(entity_registry, entry)
    assert _uid(LIVING_ROOM, "switch") in uids
    assert _uid(LIVING_ROOM, "set_temp") in uids


async def test_product_without_temperature_gets_no_climate(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """The smart plug has a switch but no temperature: no proposal, no climate."""
    entry = new_entry(hass, gizwits_sim, plug=True)
    await _setup(hass, entry)
    climates = [
        entity
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if entity.domain == "climate"
    ]
    assert climates == []
    assert any(uid.endswith("_switch") for uid in _plain_uids(entity_registry, entry))


def _suggested(result: Any, key: str) -> Any:
    marker = next(marker for marker in result["data_schema"].schema if marker == key)
    return (marker.description or {}).get("suggested_value")


async def _options(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """The options flow, at the climate step of the entry's one product."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["menu_options"] == ["settings", "datapoint", "appliance"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "appliance"}
    )
    # One product: straight to the kind of entity.
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "appliance_kind"
    assert result["menu_options"] == ["climate", "fan"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "climate"}
    )
    assert result["step_id"] == "climate"
    return result


async def test_hand_mapping_creates_the_climate_and_removing_it_restores(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """An entry from before maps its product by hand, then removes the mapping again."""
    entry = new_entry(hass, gizwits_sim, minor_version=1)
    await _setup(hass, entry)
    before = _plain_uids(entity_registry, entry)
    result = await _options(hass, entry)
    # The proposal is offered, and shown as datapoint labels; nothing is in effect yet.
    assert result["data_schema"].schema["choice"].config["options"][0] == "proposal"
    assert _suggested(result, "choice") == "none"
    assert "设定温度 (set_temp)" in result["description_placeholders"]["proposal"]
    assert result["description_placeholders"]["current"] == "-"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "manual"}
    )
    assert result["step_id"] == "climate_manual"
    # Each role lists only the datapoints that fit it: options for the mode.
    mode_choices = result["data_schema"].schema["mode"].config["options"]
    assert [choice["value"] for choice in mode_choices] == ["mode", "fan_speed"]
    # Two parts cannot share a datapoint; a climate needs a temperature.
    for bad, error in (
        ({"mode": "mode", "fan": "mode", "target": "set_temp"}, "appliance_same_datapoint"),
        ({"power": "switch", "mode": "mode"}, "climate_needs_temperature"),
    ):
        result = await hass.config_entries.options.async_configure(result["flow_id"], bad)
        assert result["errors"] == {"base": error}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"power": "switch", "mode": "mode", "target": "set_temp"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["appliances"][AC_PRODUCT_KEY]["climate"] == {
        "power": "switch",
        "mode": "mode",
        "target": "set_temp",
        "keep": False,
    }
    entity_id = _climate_id(entity_registry)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == HVACMode.COOL
    assert "current_temperature" not in state.attributes or (
        state.attributes["current_temperature"] is None
    )
    uids = _plain_uids(entity_registry, entry)
    assert {_uid(LIVING_ROOM, key) for key in ("switch", "mode", "set_temp")}.isdisjoint(uids)
    # Not mapped by hand: the room temperature keeps its sensor.
    assert _uid(LIVING_ROOM, "room_temp") in uids
    await hass.services.async_call(
        "climate", "set_temperature", {"entity_id": entity_id, "temperature": 17}, blocking=True
    )
    assert gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].attrs["set_temp"] == 17

    # The form now says the hand mapping is in effect; removing it restores the entities.
    result = await _options(hass, entry)
    assert _suggested(result, "choice") == "manual"
    assert "switch" in result["description_placeholders"]["current"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "none"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["appliances"][AC_PRODUCT_KEY]["climate"] is None
    assert _climate_id(entity_registry) is None
    assert _plain_uids(entity_registry, entry) == before


async def test_accepting_the_proposal_in_the_options(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """An entry from before accepts the proposal: the full climate, datapoints folded in."""
    entry = new_entry(hass, gizwits_sim, minor_version=1)
    await _setup(hass, entry)
    result = await _options(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "proposal", "keep": False}
    )
    await hass.async_block_till_done()
    stored = entry.options["appliances"][AC_PRODUCT_KEY]["climate"]
    assert stored == {
        "power": "switch",
        "mode": "mode",
        "target": "set_temp",
        "current": "room_temp",
        "fan": "fan_speed",
        "swing": "fan_swing",
        "keep": False,
    }
    entity_id = _climate_id(entity_registry)
    assert entity_id is not None
    assert hass.states.get(entity_id).attributes["fan_modes"] == ["低风", "中风", "高风"]  # type: ignore[union-attr]
    uids = _plain_uids(entity_registry, entry)
    assert all(_uid(LIVING_ROOM, key) not in uids for key in MAPPED)
    # Shown again, the form has the proposal in effect.
    result = await _options(hass, entry)
    assert _suggested(result, "choice") == "proposal"
    assert _suggested(result, "keep") is False


async def test_plug_options_offer_no_proposal(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator
) -> None:
    """No temperature datapoint: only a hand mapping or none are offered."""
    entry = new_entry(hass, gizwits_sim, plug=True)
    await _setup(hass, entry)
    result = await _options(hass, entry)
    assert result["data_schema"].schema["choice"].config["options"] == ["manual", "none"]
    assert result["description_placeholders"]["proposal"] == "-"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "manual"}
    )
    # No writable number, no option: only power, current temperature and swing can be mapped.
    assert set(result["data_schema"].schema) == {"power", "current", "swing", "keep"}


async def test_appliance_options_need_a_loaded_entry(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator
) -> None:
    """The proposal comes from the product's schema: the entry must be loaded."""
    entry = new_entry(hass, gizwits_sim)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "appliance"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_the_proposal_is_not_made_again_on_each_poll(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """Each update asks every platform for new entities; the mapping is made once per schema."""
    await _setup(hass, new_entry(hass, gizwits_sim))
    assert _climate_id(entity_registry) is not None
    reads = sum(1 for r in gizwits_sim.requests if r.path.endswith("/data"))
    with patch(
        "custom_components.cniot.datapoints.appliances.propose_climate",
        side_effect=propose_climate,
    ) as proposed:
        for _ in range(3):
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=400))
            await hass.async_block_till_done(wait_background_tasks=True)
    assert sum(1 for r in gizwits_sim.requests if r.path.endswith("/data")) > reads
    assert proposed.call_count == 0


async def test_climate_forms_supply_their_placeholders(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator
) -> None:
    """Both languages' texts of the climate forms (and their errors) have every value."""
    entry = new_entry(hass, gizwits_sim)
    await _setup(hass, entry)
    result = await _options(hass, entry)
    shown = _assert_supplied(_rendered("options", result), result["description_placeholders"])
    assert "设定温度 (set_temp)" in shown["en:options.step.climate.description"]
    assert "设定温度 (set_temp)" in shown["zh-Hans:options.step.climate.description"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"choice": "manual"}
    )
    _assert_supplied(_rendered("options", result), result["description_placeholders"])
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"keep": True})
    assert result["errors"] == {"base": "climate_needs_temperature"}
    _assert_supplied(_rendered("options", result), result["description_placeholders"])


async def test_mode_labels_that_are_no_hvac_mode_become_presets(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """An air conditioner whose modes are 自动, 制冷 and 睡眠: sleep is a preset."""
    scenario = default_gizwits_scenario()
    product = next(p for p in scenario.products if p.product_key == AC_PRODUCT_KEY)
    for point in product.datapoints:
        if point.name == "mode":
            point.options = ("自动", "制冷", "睡眠")
    layout(product.datapoints)
    sim = GizwitsSimulator(scenario)
    await sim.start(host="127.0.0.1", port=0)
    try:
        await _setup(hass, new_entry(hass, sim))
        entity_id = _climate_id(entity_registry)
        assert entity_id is not None
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.attributes["hvac_modes"] == ["off", "auto", "cool"]
        assert state.attributes["preset_modes"] == ["睡眠"]
        assert state.attributes["preset_mode"] is None
        await hass.services.async_call(
            "climate",
            "set_preset_mode",
            {"entity_id": entity_id, "preset_mode": "睡眠"},
            blocking=True,
        )
        assert sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].attrs["mode"] == "睡眠"
        await _read_back(hass)
        state = hass.states.get(entity_id)
        assert state is not None
        # On, in a mode that is no HVAC mode: auto (the device decides), with the preset.
        assert (state.state, state.attributes["preset_mode"]) == (HVACMode.AUTO, "睡眠")
        await hass.services.async_call(
            "climate", "set_hvac_mode", {"entity_id": entity_id, "hvac_mode": "cool"}, blocking=True
        )
        assert sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].attrs["mode"] == "制冷"
        assert await hass.config_entries.async_unload(AC_ENTRY_ID)
    finally:
        await sim.stop()
