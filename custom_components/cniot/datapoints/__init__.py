"""One datapoint stack for the vendors whose devices report datapoints.

A vendor turns each of its datapoints into a ``Point`` (describe.py); from there the
descriptions, the entities (entity.py), validation, writes with their read-back,
hidden datapoints and the set-datapoints action (runtime.py) are shared. This module
holds what the options flow offers: the device classes a user may give a numeric
datapoint and the units each allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.components.number import NumberDeviceClass
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.components.sensor.const import DEVICE_CLASS_UNITS as SENSOR_DEVICE_CLASS_UNITS
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

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
