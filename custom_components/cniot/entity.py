"""The base entity every cniot entity derives from."""

from __future__ import annotations

from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator


class CniotEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """Named after its device, with a translated entity name.

    Writes its state only when it differs from what the state machine holds: a
    refresh hands every entity of a coordinator the new data, and at fleet scale
    most of them are unchanged.
    """

    _attr_has_entity_name = True

    @callback
    def _handle_coordinator_update(self) -> None:
        if not self._state_is_current():
            self.async_write_ha_state()

    def _state_is_current(self) -> bool:
        """Whether writing now would store the same state and attributes again."""
        if self.force_update or self.entity_id is None:
            return False
        current = self.hass.states.get(self.entity_id)
        if current is None:
            return False
        calculated = self._async_calculate_state()
        return current.state == calculated.state and current.attributes == calculated.attributes
