"""Gizwits entities: one per datapoint of each device, plus product counters.

The devices' identity and the datapoints' descriptions are in descriptions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.number import (
    NumberEntity,
)
from homeassistant.components.select import SelectEntity
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntity
from homeassistant.const import EntityCategory, Platform, UnitOfTime
from homeassistant.helpers.typing import StateType

from ..datapoints import ShownText
from ..entity import CniotEntity
from .coordinator import GizwitsCoordinator, GizwitsData
from .descriptions import (
    DatapointBinarySensorDescription,
    DatapointDescription,
    DatapointNumberDescription,
    DatapointSelectDescription,
    DatapointSensorDescription,
    DatapointSwitchDescription,
    DatapointTextDescription,
    device_info,
    product_device_info,
)
from .interface import GizwitsEntityRuntime
from .models import GizwitsDevice

# Entities ---------------------------------------------------------------------


class GizwitsEntity(CniotEntity[GizwitsCoordinator]):
    """An entity of one Gizwits device; its unique ID comes from the runtime's candidate."""

    # The source holds the device's reading with its timestamp: a new reading, even of
    # an equal value, changes it and is written (state_reported); a poll that brought
    # no new reading (the device was not read, or reported nothing since) has nothing
    # to report.
    _updates_are_readings = False

    def __init__(self, runtime: GizwitsEntityRuntime, did: str, unique_id: str) -> None:
        super().__init__(runtime.coordinator)
        self.runtime = runtime
        self.did = did
        data = runtime.coordinator.data
        self._attr_unique_id = unique_id
        self._attr_device_info = device_info(data.product_key, data.schema, data.devices[did])

    @property
    def device(self) -> GizwitsDevice | None:
        """The device in the latest data."""
        return self.coordinator.data.devices.get(self.did)

    def _source(self) -> object:
        data, did = self.coordinator.data, self.did
        return data.devices.get(did), data.states.get(did), did in data.stale


class DatapointEntity(GizwitsEntity):
    """An entity showing one datapoint of one device."""

    entity_description: DatapointDescription

    def __init__(
        self,
        runtime: GizwitsEntityRuntime,
        did: str,
        description: DatapointDescription,
        unique_id: str,
    ) -> None:
        super().__init__(runtime, did, unique_id)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Offline devices are not polled, so their values are not current."""
        data = self.coordinator.data
        device = data.devices.get(self.did)
        return (
            super().available
            and device is not None
            and device.online is True
            and self.did in data.states
            and self.did not in data.stale
        )

    @property
    def raw_value(self) -> Any:
        """The datapoint's latest value."""
        state = self.coordinator.data.states.get(self.did)
        return state.attrs.get(self.entity_description.key) if state else None

    async def _async_write(self, value: Any) -> None:
        await self.runtime.async_control(self.did, {self.entity_description.key: value})


def _truthy(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "off")
    return bool(value)


class DatapointSensor(DatapointEntity, SensorEntity):
    """A read-only datapoint."""

    entity_description: DatapointSensorDescription

    @property
    def native_value(self) -> StateType:
        """Numbers as numbers, enum options and hex as text."""
        value = self.raw_value
        if value is None or isinstance(value, int | float | str):
            if self.entity_description.device_class is SensorDeviceClass.ENUM:
                return value if value in (self.options or []) else None
            return value
        return None


class DatapointBinarySensor(DatapointEntity, BinarySensorEntity):
    """A read-only flag, alert or fault."""

    entity_description: DatapointBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """On when the datapoint is set."""
        return _truthy(self.raw_value)


class DatapointSwitch(DatapointEntity, SwitchEntity):
    """A writable flag."""

    entity_description: DatapointSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """The flag as last reported (or just written)."""
        return _truthy(self.raw_value)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Set the flag."""
        await self._async_write(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Clear the flag."""
        await self._async_write(False)


class DatapointSelect(DatapointEntity, SelectEntity):
    """A writable enum."""

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
    """A writable number, in real units (raw * ratio + addition)."""

    entity_description: DatapointNumberDescription

    @property
    def native_value(self) -> float | None:
        """The number as last reported."""
        value = self.raw_value
        # A whole number stays an int, so the state reads "24" rather than "24.0".
        return value if isinstance(value, int | float) else None

    async def async_set_native_value(self, value: float) -> None:
        """Write a number."""
        await self._async_write(value)


class DatapointText(DatapointEntity, ShownText):
    """A writable binary datapoint, edited as hex."""

    entity_description: DatapointTextDescription

    @property
    def native_value(self) -> str | None:
        """The bytes as lowercase hex; unknown when the text platform could not show them."""
        value = self.raw_value
        return self._shown(value.lower()) if isinstance(value, str) else None

    async def async_set_value(self, value: str) -> None:
        """Write the bytes."""
        await self._async_write(value)


# Device-level and product-level entities -------------------------------------


class GizwitsConnectivity(GizwitsEntity, BinarySensorEntity):
    """Whether the cloud sees the device online; available even when it is not."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY

    @property
    def available(self) -> bool:
        """Available while the device is listed."""
        return super().available and self.device is not None

    @property
    def is_on(self) -> bool | None:
        """Online flag from the device list."""
        device = self.device
        return device.online if device else None


class GizwitsLastOnline(GizwitsEntity, SensorEntity):
    """When the device last came online."""

    _attr_translation_key = "last_online"
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    @property
    def native_value(self) -> datetime | None:
        """From the device list."""
        device = self.device
        return device.online_latest if device else None


@dataclass(frozen=True, kw_only=True)
class DeviceBinarySensorDescription(BinarySensorEntityDescription):
    """A flag of one device, from the device search."""

    value_fn: Callable[[GizwitsDevice], bool | None]


# The search's own flags: they work even when the product defines no fault or alert
# datapoints (v2 lines 728-731).
DEVICE_BINARY_SENSORS: tuple[DeviceBinarySensorDescription, ...] = (
    DeviceBinarySensorDescription(
        key="device_fault",
        translation_key="device_fault",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: device.faulty,
    ),
    DeviceBinarySensorDescription(
        key="device_alert",
        translation_key="device_alert",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda device: device.alerting,
    ),
)


class GizwitsDeviceFlag(GizwitsEntity, BinarySensorEntity):
    """A fault or alert flag the device search reports."""

    entity_description: DeviceBinarySensorDescription

    def __init__(
        self,
        runtime: GizwitsEntityRuntime,
        did: str,
        description: DeviceBinarySensorDescription,
        unique_id: str,
    ) -> None:
        super().__init__(runtime, did, unique_id)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Available while the device is listed."""
        return super().available and self.device is not None

    @property
    def is_on(self) -> bool | None:
        """The flag from the latest listing."""
        device = self.device
        return self.entity_description.value_fn(device) if device else None


@dataclass(frozen=True, kw_only=True)
class ProductSensorDescription(SensorEntityDescription):
    """A counter of the product's fleet."""

    value_fn: Callable[[GizwitsData], StateType]
    exists_fn: Callable[[GizwitsData], bool] = lambda _: True
    # The optional feature (report) it shows; None: the core device list.
    feature: str | None = None


PRODUCT_SENSORS: tuple[ProductSensorDescription, ...] = (
    ProductSensorDescription(
        key="online_devices",
        translation_key="online_devices",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d: (
            None  # one device's flag was unreadable: a count would be made up
            if any(device.online is None for device in d.devices.values())
            else sum(1 for device in d.devices.values() if device.online)
        ),
    ),
    ProductSensorDescription(
        key="total_devices",
        translation_key="total_devices",
        feature="summary",
        state_class=SensorStateClass.MEASUREMENT,
        # The registered devices listed now. The summary's total is "设备累计上线数",
        # devices that ever came online (v2 line 1430), deregistered ones included.
        value_fn=lambda d: len(d.devices),
    ),
    ProductSensorDescription(
        key="faulty_devices",
        translation_key="faulty_devices",
        feature="fault_report",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d: d.summary.faulty if d.summary else None,
    ),
    ProductSensorDescription(
        key="alerting_devices",
        translation_key="alerting_devices",
        feature="alert_report",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d: d.summary.alerting if d.summary else None,
    ),
    ProductSensorDescription(
        key="calls_used",
        translation_key="calls_used",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.calls_used,
    ),
    ProductSensorDescription(
        key="effective_interval",
        translation_key="effective_interval",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: round(d.interval),
    ),
)


class ProductSensor(CniotEntity[GizwitsCoordinator], SensorEntity):
    """A fleet counter on the product's service device."""

    entity_description: ProductSensorDescription
    # Device counts of the product, written when they change; a poll that counts the
    # same again is not reported (unlike a device's measured value).
    _updates_are_readings = False

    def __init__(
        self,
        runtime: GizwitsEntityRuntime,
        description: ProductSensorDescription,
        unique_id: str,
    ) -> None:
        super().__init__(runtime.coordinator)
        data = runtime.coordinator.data
        self.entity_description = description
        self._attr_unique_id = unique_id
        self._attr_device_info = product_device_info(data.product_key, data.schema)

    def _source(self) -> object:
        return self._feature_available, self.native_value

    @property
    def _feature_available(self) -> bool:
        feature = self.entity_description.feature
        return feature is None or self.coordinator.features.available(feature)

    @property
    def available(self) -> bool:
        """Unavailable while its report is."""
        return super().available and self._feature_available

    @property
    def native_value(self) -> StateType:
        """The counter."""
        return self.entity_description.value_fn(self.coordinator.data)


PLATFORM_CLASSES: dict[Platform, type[DatapointEntity]] = {
    Platform.SENSOR: DatapointSensor,
    Platform.BINARY_SENSOR: DatapointBinarySensor,
    Platform.SWITCH: DatapointSwitch,
    Platform.SELECT: DatapointSelect,
    Platform.NUMBER: DatapointNumber,
    Platform.TEXT: DatapointText,
}
