"""The datapoint entities: one per datapoint of each device, on every vendor alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.number import NumberEntity
from homeassistant.components.select import SelectEntity
from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.components.switch import SwitchEntity
from homeassistant.components.text import TextEntity
from homeassistant.const import MAX_LENGTH_STATE_STATE, Platform
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..const import LOGGER
from ..entity import CniotEntity
from ..plausible import Bounds, BoundsGuard, clean_text, number_bounds, sensor_bounds
from .describe import (
    DatapointBinarySensorDescription,
    DatapointDescription,
    DatapointNumberDescription,
    DatapointSelectDescription,
    DatapointSensorDescription,
    DatapointSwitchDescription,
    DatapointTextDescription,
)


class DatapointData(Protocol):
    """What a vendor's coordinator data tells about one device's datapoints."""

    def values_of(self, device: Any) -> Mapping[Any, Any] | None:
        """The device's decoded values by datapoint ``ref``; None before any."""

    def current(self, device: Any) -> bool:
        """Whether the device's values are current (it is online and was read)."""

    def source_of(self, device: Any) -> object:
        """The objects the device's entities show: unchanged, nothing is written."""


type Write = Callable[[Any, Mapping[Any, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DatapointDevice:
    """One device, as its datapoint entities see it; the vendor's runtime makes it."""

    coordinator: DataUpdateCoordinator[Any]
    key: Hashable  # the vendor's key for the device (a did, a device ID)
    info: DeviceInfo
    write: Write  # validates, sends, shows and reads back: ``write(key, {ref: value})``
    # Each update brings new readings: state-class sensors write on every one.
    readings: bool = True


class DatapointEntity(CniotEntity[DataUpdateCoordinator[Any]]):
    """An entity showing one datapoint of one device."""

    entity_description: DatapointDescription

    def __init__(
        self, device: DatapointDevice, description: DatapointDescription, unique_id: str
    ) -> None:
        super().__init__(device.coordinator)
        self.device = device
        self.entity_description = description
        self._updates_are_readings = device.readings
        self._attr_unique_id = unique_id
        self._attr_device_info = device.info

    @property
    def _data(self) -> DatapointData:
        data: DatapointData = self.coordinator.data
        return data

    def _source(self) -> object:
        return self._data.source_of(self.device.key)

    @property
    def available(self) -> bool:
        """Values of an offline device, or one not read lately, are not current."""
        return super().available and self._data.current(self.device.key)

    @property
    def raw_value(self) -> Any:
        """The datapoint's latest (decoded) value."""
        values = self._data.values_of(self.device.key)
        return values.get(self.entity_description.point.ref) if values is not None else None

    @property
    def flag(self) -> bool | None:
        """The value as a flag."""
        value = self.raw_value
        return value if isinstance(value, bool) else None

    async def _async_write(self, value: Any) -> None:
        await self.device.write(self.device.key, {self.entity_description.point.ref: value})

    _bounds_guard: BoundsGuard | None = None

    def _bounds(self) -> Bounds:
        """The declared range (min/max), narrowed by what the quantity allows."""
        point = self.entity_description.point
        declared = number_bounds(point.minimum, point.maximum)
        physical = sensor_bounds(
            self.device_class,
            getattr(self, "native_unit_of_measurement", None),
            getattr(self, "state_class", None),
        )
        return Bounds(max(declared.low, physical.low), min(declared.high, physical.high))

    def _plausible_number(self, value: Any) -> float | int | None:
        """A number within bounds, else None (one warning per spell outside them)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if self._bounds_guard is None:
            self._bounds_guard = BoundsGuard()
        checked: float | int | None = self._bounds_guard.check(
            self.entity_id, value, self._bounds()
        )
        return checked


class DatapointSensor(DatapointEntity, SensorEntity):
    """A read-only number, option or text (bytes as hex)."""

    entity_description: DatapointSensorDescription

    @property
    def native_value(self) -> StateType:
        """Numbers as numbers, options and text as text (at most a state's length)."""
        value = self.raw_value
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        if self.entity_description.device_class is SensorDeviceClass.ENUM:
            return value if value in (self.options or []) else None
        if isinstance(value, str):
            return clean_text(value, MAX_LENGTH_STATE_STATE)
        return self._plausible_number(value)


class DatapointBinarySensor(DatapointEntity, BinarySensorEntity):
    """A read-only flag, alert or fault."""

    entity_description: DatapointBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """On when the datapoint is set."""
        return self.flag


class DatapointSwitch(DatapointEntity, SwitchEntity):
    """A writable flag."""

    entity_description: DatapointSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """The flag as last reported (or just written)."""
        return self.flag

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Set the flag."""
        await self._async_write(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Clear the flag."""
        await self._async_write(False)


class DatapointSelect(DatapointEntity, SelectEntity):
    """A writable option."""

    entity_description: DatapointSelectDescription

    @property
    def current_option(self) -> str | None:
        """The option as last reported."""
        value = self.raw_value
        return value if isinstance(value, str) and value in self.options else None

    async def async_select_option(self, option: str) -> None:
        """Write an option."""
        await self._async_write(option)


class DatapointNumber(DatapointEntity, NumberEntity):
    """A writable number, within the datapoint's range."""

    entity_description: DatapointNumberDescription

    @property
    def native_value(self) -> float | None:
        """The number as last reported."""
        value = self._plausible_number(self.raw_value)
        if value is None:
            return None
        return float(value) if self.entity_description.point.floats else value

    async def async_set_native_value(self, value: float) -> None:
        """Write a number (validation turns a whole one into an int where the type wants)."""
        await self._async_write(value)


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


class DatapointText(DatapointEntity, ShownText):
    """A writable text, or bytes edited as hex."""

    entity_description: DatapointTextDescription

    @property
    def native_value(self) -> str | None:
        """The text; unknown when the text platform cannot show it."""
        value = self.raw_value
        return self._shown(value) if isinstance(value, str) else None

    async def async_set_value(self, value: str) -> None:
        """Write the text or bytes."""
        await self._async_write(value)


PLATFORM_CLASSES: dict[Platform, type[DatapointEntity]] = {
    Platform.BINARY_SENSOR: DatapointBinarySensor,
    Platform.NUMBER: DatapointNumber,
    Platform.SELECT: DatapointSelect,
    Platform.SENSOR: DatapointSensor,
    Platform.SWITCH: DatapointSwitch,
    Platform.TEXT: DatapointText,
}
