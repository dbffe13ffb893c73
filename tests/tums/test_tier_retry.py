"""Tier reads are retried like the list, and one device's failure costs that device only."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.tums.paths import PATH_GET_TIMING_REBOOT, PATH_SD_CARDS
from simulator.faults import Fault
from simulator.tums import TumsSimulator
from simulator.tums.state import CHANNEL_QRS, IPC_GATE, NVR_QR

from .conftest import state_of as _state, tick as _tick, tums_entity_id as _entity

SWEEP = 30 * 60 + 1


@pytest.fixture(autouse=True)
def _frozen(frozen_loop: FrozenDateTimeFactory) -> None:
    """Time moves in steps, the loop's timers and the simulator with it."""


async def test_transient_tier_failure_is_retried(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    frozen_loop: FrozenDateTimeFactory,
) -> None:
    """One 502 on a device's settings read is tried again at once: nothing goes unavailable."""
    settings = setup_tums.runtime_data.settings
    targets = {d.key for d in settings.targets()}
    tums_sim.faults.add(
        Fault(kind="http_status", value=502, path_prefix=PATH_GET_TIMING_REBOOT, remaining=1)
    )
    since = len(tums_sim.requests)
    await _tick(hass, frozen_loop, SWEEP)
    assert settings.last_update_success
    assert {k for k, v in settings.data.items() if v.timing_reboot is not None} == targets
    reads = [r for r in tums_sim.requests[since:] if r.path == PATH_GET_TIMING_REBOOT]
    assert len(reads) == len(targets) + 1  # the one retry


async def test_failing_device_keeps_its_values_and_others_update(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    frozen_loop: FrozenDateTimeFactory,
) -> None:
    """Storage reads fail for good (cameras, NVR): the NVR's channels still update.

    The cameras keep what they showed and are read again at the next wake-up.
    """
    settings = setup_tums.runtime_data.settings
    gate_reboot = _entity(entity_registry, "switch", IPC_GATE, "scheduled_reboot")
    gate_loop = _entity(entity_registry, "switch", IPC_GATE, "loop_recording")
    channel_reboot = _entity(entity_registry, "switch", f"{NVR_QR}:1", "scheduled_reboot")
    assert _state(hass, gate_reboot) == STATE_OFF
    assert _state(hass, channel_reboot) == STATE_OFF
    loop_before = _state(hass, gate_loop)
    tums_sim.devices[IPC_GATE].timing_reboot.if_open = True
    tums_sim.devices[CHANNEL_QRS[0]].timing_reboot.if_open = True
    tums_sim.faults.add(Fault(kind="http_status", value=502, path_prefix=PATH_SD_CARDS))
    await _tick(hass, frozen_loop, SWEEP)
    assert settings.last_update_success
    assert _state(hass, channel_reboot) == STATE_ON
    assert _state(hass, gate_reboot) == STATE_OFF  # its read failed: the last value stays
    assert _state(hass, gate_loop) == loop_before != STATE_UNAVAILABLE
    tums_sim.faults.clear()
    await _tick(hass, frozen_loop, 31)
    assert _state(hass, gate_reboot) == STATE_ON
