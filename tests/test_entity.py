"""The base entity's skip of unchanged inputs, and what it leaves alone."""

from __future__ import annotations

from pathlib import Path
import re
from unittest.mock import patch

from homeassistant.components.sensor import SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from custom_components.cniot.const import LOGGER
from custom_components.cniot.entity import CniotEntity


class Plain(CniotEntity[DataUpdateCoordinator[int]]):
    """An entity that names no inputs: every update is written."""

    _attr_name = "plain"

    @property
    def state(self) -> int:
        return self.coordinator.data


class Keyed(Plain):
    """An entity whose state follows the coordinator's number alone."""

    def _state_inputs(self) -> object:
        return self.coordinator.data


class Measured(Keyed):
    """A measurement: written on every update, like Home Assistant's own sensors."""

    state_class = SensorStateClass.MEASUREMENT


async def test_unchanged_inputs_skip_the_write(hass: HomeAssistant) -> None:
    coordinator = DataUpdateCoordinator[int](hass, LOGGER, config_entry=None, name="test")
    coordinator.data = 1
    plain, keyed, measured = Plain(coordinator), Keyed(coordinator), Measured(coordinator)
    assert plain._state_inputs() is None
    with patch.object(Plain, "async_write_ha_state") as write:
        for _ in range(2):
            plain._handle_coordinator_update()
        assert write.call_count == 2
    with patch.object(Plain, "async_write_ha_state") as write:
        keyed._handle_coordinator_update()
        keyed._handle_coordinator_update()
        assert write.call_count == 1
        coordinator.data = 3
        keyed._handle_coordinator_update()
        assert write.call_count == 2
    with patch.object(Plain, "async_write_ha_state") as write:
        measured._handle_coordinator_update()
        measured._handle_coordinator_update()
        assert write.call_count == 2


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

    async def _fetch() -> int:
        nonlocal calls
        calls += 1
        return calls

    coordinator = DataUpdateCoordinator[int](
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
