"""The base entity every cniot entity derives from."""

from __future__ import annotations

from typing import Any

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .devices import for_registry


class CniotEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """A coordinator's entity, named after its device, with a translated entity name.

    An update that leaves this entity's data as it was writes nothing: every refresh
    reaches every entity of the coordinator, and at fleet scale nearly all of them are
    unchanged. ``_source`` names that data; it and ``last_update_success`` are compared
    with the last write's. Tuples and dataclasses compare by identity first, so a device
    object the coordinator kept from the last refresh costs a pointer comparison, and
    one parsed anew an equality check. ``is`` alone would write every entity of such a
    vendor whenever anything changed: in one vendor's demo, one device gone offline
    makes 284 writes with ``is`` and 180 with ``==`` (mostly measurements, see below).
    """

    _attr_has_entity_name = True
    # Sensors with a state class write on every update, changed or not, as Home
    # Assistant's own do: the integration, derivative and statistics helpers count
    # the ``state_reported`` events an unchanged write fires. A vendor whose updates
    # are not all new readings turns this off.
    _updates_are_readings = True
    _always_written = False
    _written_success: bool | None = None
    _written_from: object = None

    @property
    def device_info(self) -> DeviceInfo | dr.ChildDeviceInfo | None:
        """The device, its parent linked by registry id."""
        info = self._attr_device_info
        if info is None or self.hass is None or self.coordinator.config_entry is None:
            return info
        return for_registry(dr.async_get(self.hass), self.coordinator.config_entry.entry_id, info)

    def _source(self) -> object:
        """The data this entity's state is computed from: the coordinator's, unless narrowed.

        An entity of one device names that device's objects, so that an update in
        which they are unchanged writes nothing.
        """
        return self.coordinator.data

    async def async_added_to_hass(self) -> None:
        """Home Assistant writes the first state right after this, from the data of now."""
        await super().async_added_to_hass()
        self._always_written = (
            self._updates_are_readings and getattr(self, "state_class", None) is not None
        )
        self._written_success = self.coordinator.last_update_success
        self._written_from = self._source()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state, unless this entity's data is what the last write had."""
        self._async_write_changed(always=self._always_written)

    @callback
    def _async_write_changed(self, *, always: bool = False) -> None:
        """Write the state if this entity's data changed since the last write (or ``always``)."""
        success, source = self.coordinator.last_update_success, self._source()
        if always or success is not self._written_success or source != self._written_from:
            self._written_success, self._written_from = success, source
            self.async_write_ha_state()
