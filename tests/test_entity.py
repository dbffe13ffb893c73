"""The base entity's skip of unchanged data, and what it leaves alone."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
import re
from unittest.mock import patch

from homeassistant.components.sensor import SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from custom_components.cniot.const import LOGGER
from custom_components.cniot.entity import CniotEntity


class Whole(CniotEntity[DataUpdateCoordinator[dict[str, int]]]):
    """An entity of the coordinator's whole data (the default source)."""

    _attr_name = "whole"

    @property
    def state(self) -> int:
        return sum(self.coordinator.data.values())


class Keyed(Whole):
    """An entity whose state follows one key of the coordinator's data."""

    def _source(self) -> object:
        return self.coordinator.data.get("a")


class Measured(Keyed):
    """A measurement: written on every update, like Home Assistant's own sensors."""

    state_class = SensorStateClass.MEASUREMENT


class Counted(Measured):
    """A measurement whose updates are not all new readings (as Gizwits)."""

    _updates_are_readings = False


async def test_unchanged_source_skips_the_write(hass: HomeAssistant) -> None:
    coordinator = DataUpdateCoordinator[dict[str, int]](
        hass, LOGGER, config_entry=None, name="test"
    )
    coordinator.data = {"a": 1, "b": 2}
    entities = {cls: cls(coordinator) for cls in (Whole, Keyed, Measured, Counted)}
    for entity in entities.values():
        entity.hass = hass
        entity.entity_id = f"sensor.{type(entity).__name__.lower()}"
        await entity.async_added_to_hass()
    writes: Counter[type] = Counter()
    with patch.object(Whole, "async_write_ha_state", lambda self: writes.update([type(self)])):
        coordinator.async_update_listeners()  # the very data of the first write
        assert writes == {Measured: 1}
        coordinator.data = {**coordinator.data, "b": 3}  # another key: new data
        coordinator.async_update_listeners()
        assert writes == {Whole: 1, Measured: 2}
        coordinator.data = {**coordinator.data, "a": 4}  # the key itself
        coordinator.async_update_listeners()
        assert writes == {Whole: 2, Keyed: 1, Measured: 3, Counted: 1}
        coordinator.last_update_success = False  # a failed refresh changes availability
        coordinator.async_update_listeners()
        assert writes == {Whole: 3, Keyed: 2, Measured: 4, Counted: 2}
    for entity in entities.values():
        await entity.async_remove()
    assert not coordinator._listeners


def test_no_private_state_calculation() -> None:
    """Review: the base entity uses no private Home Assistant internals to compare states."""
    source = (Path(__file__).parents[1] / "custom_components/cniot/entity.py").read_text()
    assert "_async_calculate_state" not in source


def test_no_skipped_coordinator_setup() -> None:
    """Review: no ``super(BaseCoordinatorEntity, self)`` jump past Home Assistant's setup."""
    source = (Path(__file__).parents[1] / "custom_components/cniot/entity.py").read_text()
    assert "BaseCoordinatorEntity" not in source
    assert re.search(r"super\(\w", source) is None


async def test_update_entity_and_availability_follow_the_coordinator(hass: HomeAssistant) -> None:
    """What CoordinatorEntity gave: availability and the update_entity refresh."""
    calls = 0

    async def _fetch() -> dict[str, int]:
        nonlocal calls
        calls += 1
        return {"a": calls}

    coordinator = DataUpdateCoordinator[dict[str, int]](
        hass,
        LOGGER,
        config_entry=None,
        name="test",
        update_method=_fetch,
        request_refresh_debouncer=None,
    )
    await coordinator.async_refresh()
    entity = Keyed(coordinator)
    entity.hass = hass
    assert entity.available
    assert not entity.should_poll
    await entity.async_update()
    assert calls == 2
    coordinator.last_update_success = False
    assert not entity.available
    await coordinator.async_shutdown()
