"""The Gizwits product coordinator: its poll timer, and the devices it keeps track of."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.codes import RATE_LIMITED
from simulator.gizwits.state import AC_PRODUCT_KEY

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"


def _lists(sim: GizwitsSimulator) -> int:
    """Device-list requests the simulator received: one per poll."""
    return sum(1 for request in sim.requests if request.path.endswith("/devices/search"))


async def _advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("frozen_loop")
async def test_control_neither_postpones_the_poll_nor_claims_success(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A datapoint write publishes its value; the product's poll still comes on time.

    Guards D2 of the 2026-12 review: publishing a write with async_set_updated_data
    re-armed the poll timer (frequent writes postponed every device's poll) and marked
    a failed poll successful.
    """
    coordinator = setup_ac.runtime_data.coordinator
    interval = coordinator.update_interval
    assert interval is not None
    seconds = interval.total_seconds()
    gizwits_sim.faults.add(Fault(kind="http_status", value=502))
    await _advance(hass, freezer, seconds)
    assert coordinator.last_update_success is False
    gizwits_sim.faults.clear()
    polls = _lists(gizwits_sim)
    await _advance(hass, freezer, seconds / 2)
    await setup_ac.runtime_data.async_control(LIVING_ROOM, {"switch": False})
    assert coordinator.last_update_success is False
    assert coordinator.data.states[LIVING_ROOM].attrs["switch"] is False
    assert _lists(gizwits_sim) == polls
    # The poll after the failed one comes a whole interval after it, not after the write.
    await _advance(hass, freezer, seconds / 2)
    assert _lists(gizwits_sim) == polls + 1
    assert coordinator.last_update_success is True


@pytest.mark.usefixtures("frozen_loop")
async def test_removed_devices_are_forgotten(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device gone from the list leaves no read time behind to steer a pause's wake-up.

    Guards D14 of the 2026-12 review: read times of removed devices were kept forever,
    so during a quota pause the coordinator woke up for values that no longer exist.
    """
    coordinator = setup_ac.runtime_data.coordinator
    gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].is_disabled = True
    await _advance(hass, freezer, 100)
    await coordinator.async_refresh()
    assert LIVING_ROOM not in coordinator.data.devices
    # The cloud's quota is spent: values are held, and the wake-up is when the
    # freshest devices' values (read just now) outlive their grace, not earlier.
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=RATE_LIMITED, remaining=1))
    await coordinator.async_refresh()
    assert coordinator.data.paused
    assert coordinator.update_interval == timedelta(seconds=coordinator.grace + 1)
