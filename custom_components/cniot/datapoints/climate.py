"""The climate entity of a device whose datapoints the user mapped (or accepted) as one."""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    SWING_OFF,
    SWING_ON,
    ClimateEntity,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..entity import CniotEntity
from ..plausible import number_bounds
from .appliances import ClimatePoints, ModeMap
from .describe import Point
from .entity import DatapointData, DatapointDevice

CLIMATE_KEY = "climate"  # the unique ID's suffix, after the device's prefix


class DatapointClimate(CniotEntity[DataUpdateCoordinator[Any]], ClimateEntity):
    """Power, mode, temperatures, fan and swing of one device, from its datapoints.

    Every write goes through the vendor's datapoint writes: checked against the
    datapoint definitions before anything is sent, shown at once, read back shortly.
    """

    _attr_name = None  # the device's main entity: it carries the device's name
    _attr_translation_key = "appliance"

    def __init__(
        self, device: DatapointDevice, points: ClimatePoints, modes: ModeMap, unique_id: str
    ) -> None:
        super().__init__(device.coordinator)
        self.device = device
        self.points = points
        self.modes = modes
        self._attr_unique_id = unique_id
        self._attr_device_info = device.info
        features = ClimateEntityFeature(0)
        hvac_modes = list(modes.modes) if points.mode is not None else [modes.fallback]
        if points.power is not None:
            hvac_modes.insert(0, HVACMode.OFF)
            features |= ClimateEntityFeature.TURN_ON | ClimateEntityFeature.TURN_OFF
        self._attr_hvac_modes = hvac_modes
        if (target := points.target) is not None:
            features |= ClimateEntityFeature.TARGET_TEMPERATURE
            self._attr_min_temp = target.minimum
            self._attr_max_temp = target.maximum
            self._attr_target_temperature_step = target.step
        if points.mode is not None and modes.presets:
            features |= ClimateEntityFeature.PRESET_MODE
            self._attr_preset_modes = list(modes.presets)
        if (fan := points.fan) is not None:
            features |= ClimateEntityFeature.FAN_MODE
            self._attr_fan_modes = list(fan.options)
        if points.swing is not None:
            features |= ClimateEntityFeature.SWING_MODE
            self._attr_swing_modes = [SWING_OFF, SWING_ON]
        self._attr_supported_features = features
        unit = next(
            (p.unit for p in (points.target, points.current) if p is not None and p.unit),
            None,
        )
        self._attr_temperature_unit = (
            UnitOfTemperature.FAHRENHEIT
            if unit == UnitOfTemperature.FAHRENHEIT
            else UnitOfTemperature.CELSIUS
        )

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

    def _value(self, point: Point | None) -> Any:
        if point is None:
            return None
        values = self._data.values_of(self.device.key)
        return values.get(point.ref) if values is not None else None

    def _flag(self, point: Point | None) -> bool | None:
        value = self._value(point)
        return value if isinstance(value, bool) else None

    def _label(self, point: Point | None) -> str | None:
        value = self._value(point)
        return value if point is not None and value in point.options else None

    def _number(self, point: Point | None) -> float | None:
        """A number within the datapoint's declared range; anything else is unknown."""
        value = self._value(point)
        if point is None or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value) if value in number_bounds(point.minimum, point.maximum) else None

    # -- state -------------------------------------------------------------------------

    @property
    def hvac_mode(self) -> HVACMode | None:
        """Off while the power flag is off; else the mode's label as an HVAC mode."""
        if self.points.power is not None:
            power = self._flag(self.points.power)
            if power is None:
                return None
            if not power:
                return HVACMode.OFF
        if self.points.mode is None:
            return self.modes.fallback
        label = self._label(self.points.mode)
        if label is None:
            return None
        return self.modes.hvac.get(label, self.modes.fallback)

    @property
    def preset_mode(self) -> str | None:
        """The mode's label when it is no HVAC mode."""
        label = self._label(self.points.mode)
        return label if label in self.modes.presets else None

    @property
    def target_temperature(self) -> float | None:
        """The set point as last reported."""
        return self._number(self.points.target)

    @property
    def current_temperature(self) -> float | None:
        """The measured temperature."""
        return self._number(self.points.current)

    @property
    def fan_mode(self) -> str | None:
        """The fan speed's label."""
        return self._label(self.points.fan)

    @property
    def swing_mode(self) -> str | None:
        """On or off."""
        flag = self._flag(self.points.swing)
        return None if flag is None else (SWING_ON if flag else SWING_OFF)

    # -- writes ------------------------------------------------------------------------

    async def _async_write(self, values: dict[Any, Any]) -> None:
        await self.device.write(self.device.key, values)

    def _mode_values(self, hvac_mode: HVACMode) -> dict[Any, Any]:
        """The datapoint values for an HVAC mode (already checked by Home Assistant)."""
        points = self.points
        if hvac_mode is HVACMode.OFF and points.power is not None:
            return {points.power.ref: False}
        values: dict[Any, Any] = {}
        if points.power is not None:
            values[points.power.ref] = True
        label = self.modes.label_of(hvac_mode)
        if points.mode is not None and label is not None:
            values[points.mode.ref] = label
        return values

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Power and mode in one write."""
        if values := self._mode_values(hvac_mode):
            await self._async_write(values)

    async def async_turn_on(self) -> None:
        """Set the power flag."""
        if self.points.power is not None:
            await self._async_write({self.points.power.ref: True})

    async def async_turn_off(self) -> None:
        """Clear the power flag."""
        if self.points.power is not None:
            await self._async_write({self.points.power.ref: False})

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Write the set point (and the mode, if given) in one write."""
        values: dict[Any, Any] = {}
        if (mode := kwargs.get(ATTR_HVAC_MODE)) is not None:
            values.update(self._mode_values(HVACMode(mode)))
        if (temperature := kwargs.get(ATTR_TEMPERATURE)) is not None and self.points.target:
            values[self.points.target.ref] = temperature
        if values:
            await self._async_write(values)

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Write a mode label that is no HVAC mode."""
        if self.points.mode is not None:
            await self._async_write({self.points.mode.ref: preset_mode})

    async def async_set_fan_mode(self, fan_mode: str) -> None:
        """Write a fan-speed label."""
        if self.points.fan is not None:
            await self._async_write({self.points.fan.ref: fan_mode})

    async def async_set_swing_mode(self, swing_mode: str) -> None:
        """Set or clear the swing flag."""
        if self.points.swing is not None:
            await self._async_write({self.points.swing.ref: swing_mode == SWING_ON})
