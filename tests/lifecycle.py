"""Checks every vendor's entities go through: reloads that leave nothing behind, and one
entity failing to write its state without holding up the others.

Each vendor's ``test_entity_lifecycle.py`` runs them with its own fixtures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import gc
import inspect
from typing import Any
from unittest.mock import patch
import weakref

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_platform
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN

RELOADS = 20


def coordinators(runtime: object) -> list[DataUpdateCoordinator[Any]]:
    """The coordinators a runtime holds (the device list and any tiers)."""
    return [value for value in vars(runtime).values() if isinstance(value, DataUpdateCoordinator)]


def entities(hass: HomeAssistant, entry: MockConfigEntry) -> list[Entity]:
    """The entry's entity objects, in the order each platform added them."""
    return [
        entity
        for platform in entity_platform.async_get_platforms(hass, DOMAIN)
        if platform.config_entry is entry
        for entity in platform.entities.values()
    ]


def _load_parts(hass: HomeAssistant, entry: MockConfigEntry) -> Iterator[tuple[str, object]]:
    """What one load of the entry made: its runtime, client, coordinators and entities."""
    runtime = entry.runtime_data
    yield "runtime", runtime
    yield "client", runtime.client
    for coordinator in coordinators(runtime):
        yield f"coordinator {coordinator.name}", coordinator
    for entity in entities(hass, entry):
        yield f"entity {entity.entity_id}", entity


def _listener_counts(entry: MockConfigEntry) -> dict[str, int]:
    return {c.name: len(c._listeners) for c in coordinators(entry.runtime_data)}


async def assert_reloads_leave_nothing_behind(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """After ``RELOADS`` reloads nothing of an earlier load is alive, and the entry holds as
    many tasks, coordinator listeners and bus listeners as after its first setup.
    """
    await hass.async_block_till_done(wait_background_tasks=True)
    tasks = len(asyncio.all_tasks())
    bus = hass.bus.async_listeners()
    listeners = _listener_counts(entry)
    earlier: list[tuple[str, weakref.ref[object]]] = []
    for _ in range(RELOADS):
        earlier += [(name, weakref.ref(part)) for name, part in _load_parts(hass, entry)]
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    gc.collect()
    alive = [name for name, ref in earlier if ref() is not None]
    assert not alive, f"{len(alive)} objects of earlier loads alive, e.g. {sorted(set(alive))[:5]}"
    assert len(asyncio.all_tasks()) == tasks
    # A store with a delayed save listens for the final write until it has saved, so a
    # count may fall; none may grow.
    grown = {
        event: (bus.get(event, 0), count)
        for event, count in hass.bus.async_listeners().items()
        if count > bus.get(event, 0)
    }
    assert not grown, grown
    assert _listener_counts(entry) == listeners


def _written(hass: HomeAssistant, entity_id: str | None) -> str | None:
    state = hass.states.get(entity_id or "")
    return state.state if state else None


def _expected(entity: Entity) -> str:
    """The state the entity would write now."""
    return entity._stringify_state(entity.available)


def first_written(
    hass: HomeAssistant, entry: MockConfigEntry, eligible: Callable[[Entity], bool]
) -> Entity:
    """Of the ``eligible`` entities of the entry, the one whose state was written first.

    It also heard of updates first. A sensor with a state class is left out, and so is
    an entity whose ``state`` is cached rather than a plain property (it is patched).
    """
    order = {state.entity_id: index for index, state in enumerate(hass.states.async_all())}
    candidates = [
        entity
        for entity in entities(hass, entry)
        if eligible(entity)
        and isinstance(inspect.getattr_static(entity, "state"), property)
        and not (isinstance(entity, SensorEntity) and entity.state_class is not None)
    ]
    return min(candidates, key=lambda entity: order[entity.entity_id or ""])


async def assert_one_failing_entity_spares_the_rest(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    failing: Entity,
    change: Callable[[], None],
    coordinator: DataUpdateCoordinator[Any],
) -> None:
    """``failing`` raises while its state is written; a refresh after ``change`` still
    brings every other entity of the entry its new state.
    """
    cls = type(failing)
    original = inspect.getattr_static(cls, "state")

    def state(entity: Entity) -> Any:
        if entity is failing:
            raise ValueError("this entity cannot write its state")
        return original.fget(entity)

    before = {
        entity.entity_id: _written(hass, entity.entity_id) for entity in entities(hass, entry)
    }
    with patch.object(cls, "state", property(state)):
        change()
        await coordinator.async_refresh()
        await hass.async_block_till_done(wait_background_tasks=True)
        others = [entity for entity in entities(hass, entry) if entity is not failing]
        stale = [
            entity.entity_id
            for entity in others
            if _written(hass, entity.entity_id) != _expected(entity)
        ]
    changed = [
        entity_id for entity_id, state in before.items() if _written(hass, entity_id) != state
    ]
    assert len(changed) > 1, "the change should reach several entities"
    assert not stale, f"{len(stale)} entities kept an old state, e.g. {stale[:5]}"
