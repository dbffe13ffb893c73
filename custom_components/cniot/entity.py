"""The base entity every cniot entity derives from."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import callback
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

_UNSEEN: Final = object()


class CniotEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """Named after its device, with a translated entity name.

    Writes its state only when it differs from what the state machine holds: a
    refresh hands every entity of a coordinator the new data, and at fleet scale
    most of them are unchanged.
    """

    _attr_has_entity_name = True
    _inputs_seen: object = _UNSEEN

    def _state_inputs(self) -> object:
        """Everything this entity's state is computed from, or None if not known.

        Equal inputs mean an equal state, so an update whose inputs equal the last
        ones is skipped without computing the state at all. Subclasses return e.g.
        ``(self.coordinator.last_update_success, self.device)``.
        """
        return None

    @callback
    def _handle_coordinator_update(self) -> None:
        inputs = self._state_inputs()
        if inputs is not None and inputs == self._inputs_seen:
            return
        if self._state_is_current():
            self._inputs_seen = inputs if inputs is not None else _UNSEEN
        else:
            self.async_write_ha_state()

    @callback
    def async_write_ha_state(self) -> None:
        """Write the state, remembering what it was computed from."""
        inputs = self._state_inputs()
        self._inputs_seen = inputs if inputs is not None else _UNSEEN
        super().async_write_ha_state()

    def _state_is_current(self) -> bool:
        """Whether writing now would store the same state and attributes again."""
        if self.force_update or self.entity_id is None:
            return False
        current = self.hass.states.get(self.entity_id)
        if current is None:
            return False
        calculated = self._async_calculate_state()
        return current.state == calculated.state and current.attributes == calculated.attributes
