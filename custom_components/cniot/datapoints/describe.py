"""What a datapoint becomes: a vendor's datapoint as a ``Point``, and its description."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntityDescription,
)
from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.components.select import SelectEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.sensor.const import (
    DEVICE_CLASS_STATE_CLASSES,
    DEVICE_CLASS_UNITS as SENSOR_DEVICE_CLASS_UNITS,
)
from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.components.text import TextEntityDescription, TextMode
from homeassistant.const import (
    LIGHT_LUX,
    MAX_LENGTH_STATE_STATE,
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfPressure,
    UnitOfSoundPressure,
    UnitOfTemperature,
    UnitOfTime,
    UnitOfVolume,
)
from homeassistant.helpers.entity import EntityDescription

# Concentration units by value: their constants moved between the supported releases.
_UG_M3: Final = "μg/m³"
_PPM: Final = "ppm"

# Unit symbols devices report that Home Assistant has a unit for; others are dropped.
UNITS: Final[Mapping[str, str]] = {
    "℃": UnitOfTemperature.CELSIUS,
    "°C": UnitOfTemperature.CELSIUS,
    "°c": UnitOfTemperature.CELSIUS,
    "C": UnitOfTemperature.CELSIUS,
    "℉": UnitOfTemperature.FAHRENHEIT,
    "°F": UnitOfTemperature.FAHRENHEIT,
    "%": PERCENTAGE,
    "W": UnitOfPower.WATT,
    "kW": UnitOfPower.KILO_WATT,
    "kWh": UnitOfEnergy.KILO_WATT_HOUR,
    "Wh": UnitOfEnergy.WATT_HOUR,
    "度": UnitOfEnergy.KILO_WATT_HOUR,
    "V": UnitOfElectricPotential.VOLT,
    "A": UnitOfElectricCurrent.AMPERE,
    "mA": UnitOfElectricCurrent.MILLIAMPERE,
    "Hz": UnitOfFrequency.HERTZ,
    "μg/m³": _UG_M3,
    "ug/m3": _UG_M3,
    "μg/m3": _UG_M3,
    "ppm": _PPM,
    "lx": LIGHT_LUX,
    "lux": LIGHT_LUX,
    "Pa": UnitOfPressure.PA,
    "hPa": UnitOfPressure.HPA,
    "kPa": UnitOfPressure.KPA,
    "dB": UnitOfSoundPressure.DECIBEL,
    "dBm": SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    "s": UnitOfTime.SECONDS,
    "min": UnitOfTime.MINUTES,
    "h": UnitOfTime.HOURS,
    "d": UnitOfTime.DAYS,
    "L": UnitOfVolume.LITERS,
    "m³": UnitOfVolume.CUBIC_METERS,
}
# Units of what a device meters: without a class of its own the datapoint gets this one,
# so that it counts as a total (Energy dashboard, long-term sums), not as a reading.
_ENERGY_UNITS: Final = frozenset({UnitOfEnergy.KILO_WATT_HOUR, UnitOfEnergy.WATT_HOUR})
_VOLUME_UNITS: Final = frozenset({UnitOfVolume.LITERS, UnitOfVolume.CUBIC_METERS})
_GAS_WORDS: Final = ("气", "gas")


def meter_class(unit: str | None, name: str) -> str | None:
    """The device class of an energy, gas or water meter's unit; None for other units."""
    if unit in _ENERGY_UNITS:
        return SensorDeviceClass.ENERGY
    if unit in _VOLUME_UNITS:
        # Volumes are water unless the datapoint names gas (燃气, 用气...).
        gas = any(word in name.lower() for word in _GAS_WORDS)
        if gas and unit == UnitOfVolume.CUBIC_METERS:
            return SensorDeviceClass.GAS
        return SensorDeviceClass.WATER
    return None


# What a datapoint's name makes plain, for schemas without units or device classes:
# (words, unit, device class). Short on purpose: only names that say one thing.
_NAMED: Final[tuple[tuple[tuple[str, ...], str, SensorDeviceClass], ...]] = (
    (("温度", "室温", "temperature"), UnitOfTemperature.CELSIUS, SensorDeviceClass.TEMPERATURE),
    (("湿度", "humidity"), PERCENTAGE, SensorDeviceClass.HUMIDITY),
    (
        ("电量", "用电", "耗电", "energy"),
        UnitOfEnergy.KILO_WATT_HOUR,
        SensorDeviceClass.ENERGY,
    ),
    (("功率", "power"), UnitOfPower.WATT, SensorDeviceClass.POWER),
    (("电压", "voltage"), UnitOfElectricPotential.VOLT, SensorDeviceClass.VOLTAGE),
    (("电流",), UnitOfElectricCurrent.AMPERE, SensorDeviceClass.CURRENT),
)
# Names that say something else despite a word above: a battery's charge, a power factor,
# a colour temperature, a switch, mode or duration; codes have no statistics at all.
_NOT_NAMED: Final = (
    *("电池", "因数", "色", "开关", "模式", "时长", "时间", "档"),
    *("battery", "factor", "colo", "switch", "mode", "time", "level"),
)
_CODE_WORDS: Final = ("故障", "错误", "报警", "告警", "fault", "error", "alarm", "code")


def is_code(name: str) -> bool:
    """Whether a numeric datapoint's name says it is a fault, error or alarm code."""
    lowered = name.lower()
    return any(word in lowered for word in _CODE_WORDS)


def named_class(name: str) -> tuple[str, SensorDeviceClass] | None:
    """The unit and device class a datapoint's name makes plain, if it does."""
    lowered = name.lower()
    if is_code(name) or any(word in lowered for word in _NOT_NAMED):
        return None
    for words, unit, device_class in _NAMED:
        if any(word in lowered for word in words):
            return unit, device_class
    return None


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


class Shape(StrEnum):
    """What kind of value a datapoint holds, as the entities see it."""

    FLAG = "flag"  # a boolean
    PROBLEM = "problem"  # a read-only alert or fault flag
    OPTION = "option"  # one of ``options``
    NUMBER = "number"
    TEXT = "text"  # text, or bytes as hex


@dataclass(frozen=True, slots=True, kw_only=True)
class Point:  # pylint: disable=too-many-instance-attributes
    """One datapoint of a product, as the shared stack needs it; the vendor makes it."""

    ref: str | int  # how the device's values and writes name it
    key: str  # the entity description's key: the unique ID ends with it
    option: str  # its key in the ``datapoints`` option
    label: str  # in the options flow's list
    name: str
    shape: Shape
    writable: bool
    category: EntityCategory | None = None
    options: tuple[str, ...] = ()
    minimum: float = 0
    maximum: float = 100
    step: float = 1
    floats: bool = False  # a number entity shows whole numbers as floats too
    max_length: int = MAX_LENGTH_STATE_STATE
    pattern: str | None = None
    unit: str | None = None  # the device's own, as a Home Assistant unit


@dataclass(frozen=True, kw_only=True)
class DatapointDescription(EntityDescription):
    """Ties an entity description to its datapoint."""

    point: Point


@dataclass(frozen=True, kw_only=True)
class DatapointSensorDescription(DatapointDescription, SensorEntityDescription):
    """A read-only number, option or text."""


@dataclass(frozen=True, kw_only=True)
class DatapointBinarySensorDescription(DatapointDescription, BinarySensorEntityDescription):
    """A read-only flag, alert or fault."""


@dataclass(frozen=True, kw_only=True)
class DatapointSwitchDescription(DatapointDescription, SwitchEntityDescription):
    """A writable flag."""


@dataclass(frozen=True, kw_only=True)
class DatapointSelectDescription(DatapointDescription, SelectEntityDescription):
    """A writable option."""


@dataclass(frozen=True, kw_only=True)
class DatapointNumberDescription(DatapointDescription, NumberEntityDescription):
    """A writable number."""


@dataclass(frozen=True, kw_only=True)
class DatapointTextDescription(DatapointDescription, TextEntityDescription):
    """A writable text, or bytes as hex."""


def describe(
    point: Point, override: Mapping[str, Any] | None = None
) -> tuple[Platform, DatapointDescription] | None:
    """The platform and description for a datapoint; None when the user hid it."""
    override = override or {}
    if override.get("hidden"):
        return None
    common: dict[str, Any] = {
        "key": point.key,
        "name": point.name,
        "point": point,
        "entity_category": point.category,
    }
    writable = point.writable
    match point.shape:
        case Shape.PROBLEM:
            return Platform.BINARY_SENSOR, DatapointBinarySensorDescription(
                device_class=BinarySensorDeviceClass.PROBLEM, **common
            )
        case Shape.FLAG if writable:
            return Platform.SWITCH, DatapointSwitchDescription(**common)
        case Shape.FLAG:
            return Platform.BINARY_SENSOR, DatapointBinarySensorDescription(**common)
        case Shape.OPTION if writable:
            return Platform.SELECT, DatapointSelectDescription(
                options=list(point.options), **common
            )
        case Shape.OPTION:
            return Platform.SENSOR, DatapointSensorDescription(
                device_class=SensorDeviceClass.ENUM, options=list(point.options), **common
            )
        case Shape.TEXT if writable:
            return Platform.TEXT, DatapointTextDescription(
                native_min=0,
                native_max=point.max_length,
                mode=TextMode.TEXT,
                pattern=point.pattern,
                **common,
            )
        case Shape.TEXT:
            return Platform.SENSOR, DatapointSensorDescription(**common)
    named = named_class(point.name)
    # A unit set in the options wins, then the device's own, then the name's.
    unit = override.get("unit") or point.unit or (named[0] if named else None)
    device_class = override.get("device_class") or meter_class(unit, point.name)
    if not device_class and named and unit in SENSOR_DEVICE_CLASS_UNITS.get(named[1], ()):
        device_class = named[1]
    if writable:
        return Platform.NUMBER, DatapointNumberDescription(
            native_min_value=point.minimum,
            native_max_value=point.maximum,
            native_step=point.step,
            mode=NumberMode.BOX,
            native_unit_of_measurement=unit,
            device_class=NumberDeviceClass(device_class) if device_class else None,
            **common,
        )
    sensor_class = SensorDeviceClass(device_class) if device_class else None
    # A code is a label in digits: its statistics would mean nothing.
    code = sensor_class is None and is_code(point.name)
    return Platform.SENSOR, DatapointSensorDescription(
        state_class=None if code else state_class_for(sensor_class),
        native_unit_of_measurement=unit,
        device_class=sensor_class,
        **common,
    )
