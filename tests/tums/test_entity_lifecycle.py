"""TUMS entities: reloads leak nothing; one entity failing to write spares the rest."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.tums import TumsSimulator
from tests.lifecycle import (
    assert_one_failing_entity_spares_the_rest,
    assert_reloads_leave_nothing_behind,
    first_written,
)


async def test_reloads_leave_nothing_behind(
    hass: HomeAssistant, setup_tums: MockConfigEntry
) -> None:
    await assert_reloads_leave_nothing_behind(hass, setup_tums)


async def test_one_failing_entity_spares_the_rest(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    def flip_every_device() -> None:
        for key, online in tums_sim.online_states().items():
            tums_sim.set_online(key, not online)

    await assert_one_failing_entity_spares_the_rest(
        hass,
        setup_tums,
        first_written(hass, setup_tums, lambda entity: hasattr(entity, "key")),
        flip_every_device,
        setup_tums.runtime_data.coordinator,
    )
