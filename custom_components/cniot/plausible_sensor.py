"""The sensor base that shows only plausible values (plausible.py), for every vendor."""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity

from .plausible import Bounds, BoundsGuard, sensor_bounds, sensor_state


class PlausibleSensorEntity(SensorEntity):
    """A sensor whose ``plausible(value)`` is what may become its state.

    Bounds come from its device class, unit and state class (``sensor_bounds``) unless
    the class sets ``_plausible_bounds``.
    """

    _plausible_bounds: Bounds | None = None
    _bounds_guard: BoundsGuard | None = None

    def plausible[V](self, value: V) -> V | None:
        """The value, or None where it is implausible (logged once a spell)."""
        if self._bounds_guard is None:
            self._bounds_guard = BoundsGuard()
        bounds = self._plausible_bounds or sensor_bounds(
            self.device_class, self.native_unit_of_measurement, self.state_class
        )
        return sensor_state(value, bounds, self._bounds_guard, self.entity_id)
