"""TUMS firmware update entities: installs side by side, and the fleet-wide check's rhythm."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.tums.paths import PATH_CHECK_FIRMWARE, PATH_UPGRADE, PATH_UPGRADE_INFO
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import IPC_GATE, NVR_QR


@pytest.fixture(autouse=True)
def _frozen(frozen_loop: FrozenDateTimeFactory) -> None:
    """Time moves in steps, the loop's timers and the simulator with it."""


def _entity(registry: er.EntityRegistry, key: str) -> str:
    entity_id = registry.async_get_entity_id(
        "update", DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{key}_firmware"
    )
    assert entity_id is not None, key
    return entity_id


def _count(sim: TumsSimulator, path: str) -> int:
    return sum(1 for r in sim.requests if r.path == path)


async def _spin(sim: TumsSimulator, path: str, count: int) -> None:
    for _ in range(5000):
        await asyncio.sleep(0)
        if _count(sim, path) >= count:
            return


def _in_progress(hass: HomeAssistant, entity_id: str) -> bool:
    state = hass.states.get(entity_id)
    return state is not None and state.attributes.get("in_progress") is True


async def test_firmware_installs_run_side_by_side(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A second device's install starts while the first one is still waiting for its outcome.

    Guards D3 of the 2026-12 review: with PARALLEL_UPDATES = 1 one install held the
    platform's semaphore for up to 30 minutes, so a fleet upgrade ran one by one.
    """
    entities = [_entity(entity_registry, key) for key in (IPC_GATE, NVR_QR)]
    installs = [
        asyncio.ensure_future(
            hass.services.async_call("update", "install", {"entity_id": entity}, blocking=True)
        )
        for entity in entities
    ]
    await _spin(tums_sim, PATH_UPGRADE, 2)
    # Both upgrades accepted (the answers are back) before time moves on.
    for _ in range(5000):
        await asyncio.sleep(0)
        if all(_in_progress(hass, entity) for entity in entities):
            break
    assert not any(install.done() for install in installs)
    assert _count(tums_sim, PATH_UPGRADE) == 2
    for _ in range(12):
        reads = _count(tums_sim, PATH_UPGRADE_INFO)
        freezer.tick(timedelta(seconds=15))
        async_fire_time_changed(hass)
        await _spin(tums_sim, PATH_UPGRADE_INFO, reads + 1)
        if all(install.done() for install in installs):
            break
    await asyncio.gather(*installs)


async def test_reload_does_not_repeat_the_fleet_firmware_check(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The fleet-wide check goes out once per 6 hours, across reloads; removal forgets it.

    Guards D17 of the 2026-12 review: every start and reload sent the check, a command
    to every online device.
    """

    def checks() -> int:
        return _count(tums_sim, PATH_CHECK_FIRMWARE)

    assert checks() == 1
    assert await hass.config_entries.async_reload(setup_tums.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert checks() == 1
    freezer.tick(timedelta(hours=6, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert checks() == 2
    key = f"{DOMAIN}.tums_firmware_check.{setup_tums.entry_id}"
    assert key in hass_storage
    assert await hass.config_entries.async_remove(setup_tums.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
