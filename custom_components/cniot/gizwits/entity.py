"""Gizwits entities beside the datapoints': device status and product counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.helpers.typing import StateType

from ..entity import CniotEntity
from .coordinator import GizwitsCoordinator, GizwitsData
from .descriptions import device_info, product_device_info
from .models import GizwitsDevice


class GizwitsEntity(CniotEntity[GizwitsCoordinator]):
    """An entity of one Gizwits device; its unique ID comes from the runtime's candidate."""

    # The source holds the device's reading with its timestamp: a new reading, even of
    # an equal value, changes it and is written (state_reported); a poll that brought
    # no new reading (the device was not read, or reported nothing since) has nothing
    # to report.
    _updates_are_readings = False

    def __init__(self, coordinator: GizwitsCoordinator, did: str, unique_id: str) -> None:
        super().__init__(coordinator)
        self.did = did
        data = coordinator.data
        self._attr_unique_id = unique_id
        self._attr_device_info = device_info(data.product_key, data.schema, data.devices[did])

    @property
    def device(self) -> GizwitsDevice | None:
        """The device in the latest data."""
        return self.coordinator.data.devices.get(self.did)

    def _source(self) -> object:
        return self.coordinator.data.source_of(self.did)


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
        coordinator: GizwitsCoordinator,
        did: str,
        description: DeviceBinarySensorDescription,
        unique_id: str,
    ) -> None:
        super().__init__(coordinator, did, unique_id)
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
        key="offline_devices",
        translation_key="offline_devices",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d: (
            None  # as for online devices: no count from an unreadable flag
            if any(device.online is None for device in d.devices.values())
            else sum(1 for device in d.devices.values() if not device.online)
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
        coordinator: GizwitsCoordinator,
        description: ProductSensorDescription,
        unique_id: str,
    ) -> None:
        super().__init__(coordinator)
        data = coordinator.data
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
