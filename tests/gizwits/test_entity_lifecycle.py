"""Gizwits entities: reloads leak nothing; one entity failing to write spares the rest."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.gizwits import GizwitsSimulator
from tests.lifecycle import (
    assert_one_failing_entity_spares_the_rest,
    assert_reloads_leave_nothing_behind,
    first_written,
)


async def test_reloads_leave_nothing_behind(hass: HomeAssistant, setup_ac: MockConfigEntry) -> None:
    await assert_reloads_leave_nothing_behind(hass, setup_ac)


async def test_one_failing_entity_spares_the_rest(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    def flip_every_device() -> None:
        for did, online in gizwits_sim.online_states().items():
            gizwits_sim.set_online(did, not online)

    await assert_one_failing_entity_spares_the_rest(
        hass,
        setup_ac,
        first_written(hass, setup_ac, lambda entity: hasattr(entity, "did")),
        flip_every_device,
        setup_ac.runtime_data.coordinator,
    )
