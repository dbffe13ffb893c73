"""TUMS data already fetched and now shown (issue 16): storage span, flow totals, schedules."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.tums.paths import PATH_SET_SOLAR_SUPPLY
from custom_components.cniot.tums.runtime import TumsRuntime
from simulator.tums import TumsSimulator
from simulator.tums.state import IPC_GATE, SOLAR_QR

from .conftest import state_of as _state, tums_entity_id as _entity


@pytest.fixture(autouse=True)
def _frozen(frozen_loop: FrozenDateTimeFactory) -> None:
    """Time moves in steps, the loop's timers and the simulator with it."""


async def test_storage_span(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """recordDuration in days, recordStartTime as the earliest recording."""
    card = tums_sim.devices[IPC_GATE].sd_cards[0]
    recorded = _entity(entity_registry, "sensor", IPC_GATE, "storage_1_recorded")
    assert float(_state(hass, recorded)) == pytest.approx(card.record_duration / 86400)
    assert hass.states.get(recorded).attributes["unit_of_measurement"] == "d"  # type: ignore[union-attr]
    earliest = _entity(entity_registry, "sensor", IPC_GATE, "storage_1_earliest")
    # The simulator dates the earliest recording back from the time of the read.
    # The simulator dates the earliest recording back from the time of the read (now).
    shown = datetime.fromisoformat(_state(hass, earliest))
    assert abs(shown.timestamp() + card.record_duration - dt_util.utcnow().timestamp()) < 60


async def test_solar_schedule_entities_write_the_whole_schedule(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """One field changes; setSolarSupplyTime gets the rest of the schedule as it was."""
    solar = tums_sim.devices[SOLAR_QR].solar
    assert solar is not None
    load = solar.schedules[1]
    switch = _entity(entity_registry, "switch", SOLAR_QR, f"solar_load_{load.load}_schedule")
    start = _entity(entity_registry, "time", SOLAR_QR, f"solar_load_{load.load}_schedule_start")
    end = _entity(entity_registry, "time", SOLAR_QR, f"solar_load_{load.load}_schedule_end")
    assert _state(hass, switch) == ("on" if load.status == "on" else "off")
    assert _state(hass, end) == f"{load.end_hour:02d}:{load.end_min:02d}:00"

    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    changed = solar.schedules[1]
    assert changed.status == "off"
    assert (changed.start_hour, changed.start_min, changed.end_hour, changed.end_min) == (
        load.start_hour,
        load.start_min,
        load.end_hour,
        load.end_min,
    )
    assert _state(hass, switch) == "off"

    await hass.services.async_call(
        "time", "set_value", {"entity_id": start, "time": "19:30:00"}, blocking=True
    )
    changed = solar.schedules[1]
    assert (changed.start_hour, changed.start_min, changed.status) == (19, 30, "off")
    assert _state(hass, start) == "19:30:00"
    # The other load was not touched.
    assert solar.schedules[0].status == "on"


async def test_solar_schedule_unknown_is_refused(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Without a readable schedule to keep, nothing is sent."""
    runtime = setup_tums.runtime_data
    assert isinstance(runtime, TumsRuntime)
    solar = tums_sim.devices[SOLAR_QR].solar
    assert solar is not None
    switch = _entity(
        entity_registry, "switch", SOLAR_QR, f"solar_load_{solar.schedules[0].load}_schedule"
    )
    state = runtime.solar.data[SOLAR_QR]
    # As if the device had sent its hours in a form that cannot be read.
    broken = tuple(replace(s, start_hour=None) for s in state.schedules or ())
    runtime.solar.async_set_updated_data(
        {**runtime.solar.data, SOLAR_QR: replace(state, schedules=broken)}
    )
    sent = sum(1 for r in tums_sim.requests if r.path == PATH_SET_SOLAR_SUPPLY)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert err.value.translation_key == "tums_schedule_unknown"
    assert sum(1 for r in tums_sim.requests if r.path == PATH_SET_SOLAR_SUPPLY) == sent
