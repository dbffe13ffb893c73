"""The fan entity of a device whose datapoints the user mapped (or accepted) as one."""

from __future__ import annotations

import math
from typing import Any

from homeassistant.components.fan import FanEntity, FanEntityFeature
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util.percentage import (
    ordered_list_item_to_percentage,
    percentage_to_ordered_list_item,
    percentage_to_ranged_value,
    ranged_value_to_percentage,
)

from ..entity import CniotEntity
from .appliances import FanPoints
from .describe import Point, Shape
from .entity import DatapointData, DatapointDevice

FAN_KEY = "fan"  # the unique ID's suffix, after the device's prefix


class DatapointFan(CniotEntity[DataUpdateCoordinator[Any]], FanEntity):
    """Power, speed and oscillation of one device, from its datapoints.

    A speed that is an option keeps the product's labels as presets and orders them as
    percentages; a numeric speed (1 to 5, say) is that many steps. Writes go through the
    vendor's datapoint writes, checked before anything is sent, and are read back.
    """

    _attr_name = None  # the device's main entity: it carries the device's name
    _attr_translation_key = "appliance"

    def __init__(self, device: DatapointDevice, points: FanPoints, unique_id: str) -> None:
        super().__init__(device.coordinator)
        self.device = device
        self.points = points
        self._attr_unique_id = unique_id
        self._attr_device_info = device.info
        features = FanEntityFeature.TURN_ON | FanEntityFeature.TURN_OFF
        if (speed := points.speed) is not None:
            features |= FanEntityFeature.SET_SPEED
            if speed.shape is Shape.OPTION:
                features |= FanEntityFeature.PRESET_MODE
                self._attr_preset_modes = list(speed.options)
                self._attr_speed_count = len(speed.options)
            else:
                self._attr_speed_count = int(speed.maximum - speed.minimum) + 1
        if points.oscillate is not None:
            features |= FanEntityFeature.OSCILLATE
        self._attr_supported_features = features

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

    def _value(self, ref: Any) -> Any:
        values = self._data.values_of(self.device.key)
        return values.get(ref) if values is not None else None

    @staticmethod
    def _range(speed: Point) -> tuple[float, float]:
        # The percentage helpers count from 1: a range from 0 is shifted by one.
        return (1, speed.maximum - speed.minimum + 1)

    @property
    def is_on(self) -> bool | None:
        """The power flag."""
        value = self._value(self.points.power.ref)
        return value if isinstance(value, bool) else None

    @property
    def percentage(self) -> int | None:
        """The speed as a percentage (0 while off)."""
        speed = self.points.speed
        if speed is None or self.is_on is None:
            return None
        if not self.is_on:
            return 0
        value = self._value(speed.ref)
        if speed.shape is Shape.OPTION:
            return (
                ordered_list_item_to_percentage(list(speed.options), value)
                if value in speed.options
                else None
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not speed.minimum <= value <= speed.maximum:
            return None
        return ranged_value_to_percentage(self._range(speed), value - speed.minimum + 1)

    @property
    def preset_mode(self) -> str | None:
        """The speed's label, where the speed is an option."""
        speed = self.points.speed
        if speed is None or speed.shape is not Shape.OPTION:
            return None
        value = self._value(speed.ref)
        return value if value in speed.options else None

    @property
    def oscillating(self) -> bool | None:
        """The oscillation flag."""
        if self.points.oscillate is None:
            return None
        value = self._value(self.points.oscillate.ref)
        return value if isinstance(value, bool) else None

    def _speed_value(self, speed: Point, percentage: int) -> Any:
        """The speed datapoint's value for a percentage above 0."""
        if speed.shape is Shape.OPTION:
            return percentage_to_ordered_list_item(list(speed.options), percentage)
        step = math.ceil(percentage_to_ranged_value(self._range(speed), percentage))
        return int(speed.minimum) + max(step, 1) - 1

    async def _async_write(self, values: dict[Any, Any]) -> None:
        await self.device.write(self.device.key, values)

    async def async_turn_on(
        self,
        percentage: int | None = None,
        preset_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Power on, with a speed if given, in one write."""
        if percentage == 0:
            await self.async_turn_off()
            return
        values: dict[Any, Any] = {self.points.power.ref: True}
        if (speed := self.points.speed) is not None:
            if preset_mode is not None:
                values[speed.ref] = preset_mode
            elif percentage is not None:
                values[speed.ref] = self._speed_value(speed, percentage)
        await self._async_write(values)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Clear the power flag."""
        await self._async_write({self.points.power.ref: False})

    async def async_set_percentage(self, percentage: int) -> None:
        """A speed; 0 turns the fan off."""
        await self.async_turn_on(percentage=percentage)

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """A speed by its label."""
        await self.async_turn_on(preset_mode=preset_mode)

    async def async_oscillate(self, oscillating: bool) -> None:
        """Set or clear the oscillation flag."""
        if self.points.oscillate is not None:
            await self._async_write({self.points.oscillate.ref: oscillating})
