"""Xlink identity, its datapoints for the shared stack, device status and product counters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.components.button import ButtonEntity
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceEntryType,
    DeviceInfo,
)
from homeassistant.helpers.typing import StateType

from ..const import DOMAIN
from ..datapoints.describe import UNITS, Point, Shape
from ..devices import with_parent
from ..entity import CniotEntity
from .coordinator import XlinkCoordinator, XlinkData
from .models import MAX_TEXT, Datapoint, DataType, Product, XlinkDevice

MANUFACTURER = "Xlink"
# Bytes as hex: whole bytes only.
HEX_BYTES: Final = r"^([0-9a-fA-F]{2})*$"


# Identifiers and unique IDs carry the entry's ID: a device two accounts see (an
# enterprise member and an app user, say) is a device of each entry, not a clash.


def product_identifier(scope: str, product_id: str) -> str:
    """Device registry identifier of a product's service device."""
    return f"xlink:{scope}:{product_id}"


def device_identifier(scope: str, product_id: str, device_id: int) -> str:
    """Device registry identifier of one device."""
    return f"xlink:{scope}:{product_id}:{device_id}"


def xlink_unique_id(scope: str, product_id: str, *parts: str | int) -> str:
    """Unique ID of a product counter (``key``) or a device's entity (``device_id, key``)."""
    return "_".join(("xlink", scope, product_id, *map(str, parts)))


def product_name(product: Product) -> str:
    """The product's name; app users see only IDs."""
    return product.name or f"Xlink {product.product_id[-6:]}"


def product_device_info(scope: str, product: Product) -> DeviceInfo:
    """The product, as a service device holding the fleet counters."""
    return DeviceInfo(
        identifiers={(DOMAIN, product_identifier(scope, product.product_id))},
        name=product_name(product),
        manufacturer=MANUFACTURER,
        model=product.name,
        model_id=product.product_id,
        entry_type=DeviceEntryType.SERVICE,
    )


def device_info(scope: str, product: Product, device: XlinkDevice) -> DeviceInfo:
    """One appliance."""
    suffix = (device.mac or str(device.device_id))[-6:].upper()
    info = DeviceInfo(
        identifiers={(DOMAIN, device_identifier(scope, product.product_id, device.device_id))},
        name=device.name or f"{product_name(product)} {suffix}",
        manufacturer=MANUFACTURER,
        model=product.name or device.mcu_mod,
        model_id=product.product_id,
        serial_number=str(device.device_id),
        sw_version=_versions(device.firmware_version, device.mcu_version),
        hw_version=device.firmware_mod,
    )
    with_parent(info, partial(product_device_info, scope, product))
    if device.mac and len(device.mac) == 12:
        mac = device.mac.lower()
        info["connections"] = {
            (CONNECTION_NETWORK_MAC, ":".join(mac[i : i + 2] for i in range(0, 12, 2)))
        }
    return info


def _versions(firmware: str | None, mcu: str | None) -> str | None:
    """Module firmware and MCU versions in the one field the registry has."""
    if firmware and mcu:
        return f"Firmware {firmware}, MCU {mcu}"
    if firmware:
        return f"Firmware {firmware}"
    return f"MCU {mcu}" if mcu else None


# Datapoints -------------------------------------------------------------------


def point_of(product: Product, datapoint: Datapoint) -> Point:
    """A product's datapoint for the shared stack; options keep it as ``{pid}:{index}``."""
    data_type = datapoint.data_type
    common: dict[str, Any] = {
        "ref": datapoint.index,
        "key": datapoint.key,
        "option": f"{product.product_id}:{datapoint.index}",
        "label": f"{product_name(product)}: {datapoint.name} ({datapoint.index})",
        "name": datapoint.name,
        "writable": datapoint.writable,
    }
    if data_type is DataType.BOOL:
        return Point(shape=Shape.FLAG, **common)
    if data_type is DataType.STRING:
        return Point(shape=Shape.TEXT, max_length=MAX_TEXT, **common)
    if data_type is DataType.BYTES:
        return Point(shape=Shape.TEXT, max_length=MAX_TEXT - 1, pattern=HEX_BYTES, **common)
    low, high = datapoint.bounds
    return Point(
        shape=Shape.NUMBER,
        minimum=low,
        maximum=high,
        step=0.1 if data_type is DataType.FLOAT else 1,
        floats=True,
        unit=UNITS.get(datapoint.symbol or ""),
        **common,
    )


# Device-level and product-level entities -------------------------------------


class XlinkEntity(CniotEntity[XlinkCoordinator]):
    """An entity of one Xlink device; its unique ID comes from the runtime's candidate."""

    def __init__(self, coordinator: XlinkCoordinator, device_id: int, unique_id: str) -> None:
        super().__init__(coordinator)
        self.device_id = device_id
        self._attr_unique_id = unique_id
        data = coordinator.data
        device = data.devices[device_id]
        scope = coordinator.config_entry.entry_id
        self._attr_device_info = device_info(scope, data.products[device.product_id], device)

    @property
    def device(self) -> XlinkDevice | None:
        """The device in the latest data."""
        return self.coordinator.data.devices.get(self.device_id)

    def _source(self) -> object:
        return self.coordinator.data.source_of(self.device_id)


class XlinkConnectivity(XlinkEntity, BinarySensorEntity):
    """Whether the cloud sees the device online; available even when it is not."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    @property
    def available(self) -> bool:
        """Available while the device is listed."""
        return super().available and self.device is not None

    @property
    def is_on(self) -> bool | None:
        """The virtual device's ``online``, else the list's ``is_online``."""
        return self.coordinator.data.online(self.device_id)


class XlinkLastUpdate(XlinkEntity, SensorEntity):
    """When the cloud last heard values from the device."""

    _attr_translation_key = "last_update"
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    # It moves with every poll: enabled, it writes an Activity entry and a recorder row
    # per device per poll. Off until a user asks for it, as core does with "last seen".
    _attr_entity_registry_enabled_default = False

    @property
    def native_value(self) -> datetime | None:
        """The virtual device's ``last_update``."""
        state = self.coordinator.data.states.get(self.device_id)
        return state.last_update if state else None


class XlinkProbe(XlinkEntity, ButtonEntity):
    """Ask the device itself for its values; it wakes the device, so on demand only."""

    _attr_translation_key = "probe"
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    @property
    def available(self) -> bool:
        """Pressable while the device is listed (an offline device says so)."""
        return super().available and self.device is not None

    def __init__(
        self,
        coordinator: XlinkCoordinator,
        device_id: int,
        unique_id: str,
        probe: Callable[[int], Awaitable[None]],
    ) -> None:
        super().__init__(coordinator, device_id, unique_id)
        self._probe = probe

    async def async_press(self) -> None:
        """Probe the device."""
        await self._probe(self.device_id)


@dataclass(frozen=True, kw_only=True)
class ProductSensorDescription(SensorEntityDescription):
    """A counter of a product's fleet."""

    value_fn: Callable[[XlinkData, str], StateType]


PRODUCT_SENSORS: tuple[ProductSensorDescription, ...] = (
    ProductSensorDescription(
        key="online_devices",
        translation_key="online_devices",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d, pid: sum(
            1
            for device_id, device in d.devices.items()
            if device.product_id == pid and d.online(device_id)
        ),
    ),
    ProductSensorDescription(
        key="offline_devices",
        translation_key="offline_devices",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d, pid: sum(
            1
            for device_id, device in d.devices.items()
            # Known offline only: a device with no flag is neither.
            if device.product_id == pid and d.online(device_id) is False
        ),
    ),
    ProductSensorDescription(
        key="total_devices",
        translation_key="total_devices",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda d, pid: sum(1 for device in d.devices.values() if device.product_id == pid),
    ),
)


class ProductSensor(CniotEntity[XlinkCoordinator], SensorEntity):
    """A fleet counter on the product's service device."""

    entity_description: ProductSensorDescription

    def __init__(
        self,
        coordinator: XlinkCoordinator,
        product_id: str,
        description: ProductSensorDescription,
        unique_id: str,
    ) -> None:
        super().__init__(coordinator)
        self.product_id = product_id
        self.entity_description = description
        self._attr_unique_id = unique_id
        self._attr_device_info = product_device_info(
            coordinator.config_entry.entry_id, coordinator.data.products[product_id]
        )

    @property
    def native_value(self) -> StateType:
        """The counter."""
        return self.entity_description.value_fn(self.coordinator.data, self.product_id)
