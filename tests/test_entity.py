"""The base entity's compare-before-write."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from custom_components.cniot.const import LOGGER
from custom_components.cniot.entity import CniotEntity


class Plain(CniotEntity[DataUpdateCoordinator[int]]):
    """An entity that names no inputs: every update computes its state."""

    _attr_name = "plain"

    @property
    def state(self) -> int:
        return self.coordinator.data


async def test_state_is_compared_with_the_state_machine(hass: HomeAssistant) -> None:
    coordinator = DataUpdateCoordinator[int](hass, LOGGER, config_entry=None, name="test")
    coordinator.data = 1
    entity = Plain(coordinator)
    entity.hass = hass
    assert entity._state_inputs() is None
    assert not entity._state_is_current()  # no entity ID yet
    entity.entity_id = "sensor.plain"
    assert not entity._state_is_current()  # nothing in the state machine yet
    hass.states.async_set("sensor.plain", "1", {"friendly_name": "plain"})
    assert entity._state_is_current()
    coordinator.data = 2
    assert not entity._state_is_current()
    coordinator.data = 1
    entity._attr_force_update = True
    assert not entity._state_is_current()
    entity._attr_force_update = False
    with patch.object(Plain, "async_write_ha_state") as write:
        entity._handle_coordinator_update()
        write.assert_not_called()
        coordinator.data = 3
        entity._handle_coordinator_update()
        write.assert_called_once()
