"""What the datapoint vendors share in their options and entities.

The device classes a user may give a numeric datapoint, the units each allows, the
state class that follows from it, and the text entity that shows what it can.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.components.number import NumberDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.components.sensor.const import (
    DEVICE_CLASS_STATE_CLASSES,
    DEVICE_CLASS_UNITS as SENSOR_DEVICE_CLASS_UNITS,
)
from homeassistant.components.text import TextEntity
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .const import LOGGER

# Device classes a numeric datapoint may take, as sensor and as number alike.
NUMERIC_DEVICE_CLASSES: Final = sorted(
    {cls.value for cls in SensorDeviceClass} & {cls.value for cls in NumberDeviceClass}
)
# The selector's translated class names (translations: selector.<key>.options).
DEVICE_CLASS_SELECTOR: Final = "datapoint_device_class"


@dataclass(frozen=True, slots=True)
class DatapointChoice:
    """A datapoint the options flow offers to customise."""

    label: str  # in the list to pick from
    name: str  # in the title of its settings form
    numeric: bool  # takes a unit and a device class, beside hiding


def device_class_selector() -> SelectSelector:
    """The options form's device class picker, with translated names."""
    return SelectSelector(
        SelectSelectorConfig(
            options=NUMERIC_DEVICE_CLASSES,
            mode=SelectSelectorMode.DROPDOWN,
            translation_key=DEVICE_CLASS_SELECTOR,
        )
    )


def unsuitable_unit(device_class: str, unit: str) -> str | None:
    """The units the device class allows, if ``unit`` is not one of them (else None)."""
    if not device_class:
        return None
    allowed = SENSOR_DEVICE_CLASS_UNITS.get(SensorDeviceClass(device_class))
    if allowed is None or (unit or None) in allowed:
        return None
    return ", ".join(sorted(str(u) for u in allowed if u is not None)) or "-"


def state_class_for(device_class: SensorDeviceClass | None) -> SensorStateClass | None:
    """A state class Home Assistant allows for the device class (a reading, if it may).

    Energy, gas and water allow only totals: a device reports them as a meter.
    """
    if device_class is None:
        return SensorStateClass.MEASUREMENT
    allowed = DEVICE_CLASS_STATE_CLASSES.get(device_class)
    if allowed is None or SensorStateClass.MEASUREMENT in allowed:
        return SensorStateClass.MEASUREMENT
    for state_class in (SensorStateClass.TOTAL_INCREASING, SensorStateClass.TOTAL):
        if state_class in allowed:
            return state_class
    return None


class ShownText(TextEntity):
    """A text entity for a datapoint: a reported value it cannot show makes it unknown.

    ``TextEntity.state`` raises on a value outside the entity's length or pattern (a
    300-character string, odd-length hex): the state would never be written. The
    entity shows unknown instead, and says so once for each such value, not on every
    refresh.
    """

    _not_shown: str | None = None

    def _shown(self, value: str | None) -> str | None:
        """``value`` if the text platform can show it, else None."""
        if value is None:
            return None
        pattern = self.pattern_cmp
        if self.min <= len(value) <= self.max and (pattern is None or pattern.match(value)):
            self._not_shown = None
            return value
        if value != self._not_shown:
            self._not_shown = value
            LOGGER.warning(
                "%s: the device reported %d characters that the text entity cannot show "
                "(%d to %d%s); it is unknown until the device reports another value",
                self.entity_id,
                len(value),
                self.min,
                self.max,
                f", matching {self.pattern}" if pattern is not None else "",
            )
        return None
