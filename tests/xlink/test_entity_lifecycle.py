"""Xlink entities: reloads leak nothing; one entity failing to write spares the rest."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.xlink import XlinkSimulator
from tests.lifecycle import (
    assert_one_failing_entity_spares_the_rest,
    assert_reloads_leave_nothing_behind,
    first_written,
)

# Two water heaters, listed in this order, and two of their datapoints.
HEATER, HEATER_ON = 1658785277, 1658785278
POWER, NICKNAME = 0, 7


async def test_reloads_leave_nothing_behind(
    hass: HomeAssistant, setup_xlink: MockConfigEntry
) -> None:
    await assert_reloads_leave_nothing_behind(hass, setup_xlink)


async def test_one_failing_entity_spares_the_rest(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, xlink_sim: XlinkSimulator
) -> None:
    def flip_every_device() -> None:
        for device_id, online in xlink_sim.online_states().items():
            xlink_sim.set_online(device_id, not online)

    await assert_one_failing_entity_spares_the_rest(
        hass,
        setup_xlink,
        first_written(hass, setup_xlink, lambda entity: hasattr(entity, "device_id")),
        flip_every_device,
        setup_xlink.runtime_data.coordinator,
    )
