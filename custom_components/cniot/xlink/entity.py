"""Xlink entities: one per datapoint of each device, device status, product counters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.button import ButtonEntity
from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.components.text import TextEntityDescription, TextMode
from homeassistant.const import (
    LIGHT_LUX,
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
from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceEntryType,
    DeviceInfo,
)
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.typing import StateType

from ..const import DOMAIN
from ..datapoints import ShownText, state_class_for
from ..devices import with_parent
from ..entity import CniotEntity
from .coordinator import XlinkCoordinator, XlinkData
from .interface import XlinkEntityRuntime
from .models import MAX_TEXT, Datapoint, DataType, Product, XlinkDevice

MANUFACTURER = "Xlink"

# Concentration units by value: their constants moved between the supported releases.
_UG_M3: Final = "μg/m³"
_PPM: Final = "ppm"

# Datapoint ``symbol`` texts Home Assistant has a unit for; others are dropped.
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


def datapoint_of(scope: str, unique_id: str) -> tuple[str, int] | None:
    """(product ID, datapoint index) of a datapoint entity's unique ID, else None."""
    parts = unique_id.split("_")
    if len(parts) != 5 or parts[:2] != ["xlink", scope] or not parts[4].isdigit():
        return None
    return parts[2], int(parts[4])


def datapoint_key(product_id: str, index: int) -> str:
    """The options' key of one datapoint of a product."""
    return f"{product_id}:{index}"


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


# Datapoint descriptions -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DatapointDescription(EntityDescription):
    """Ties an entity description to its datapoint."""

    datapoint: Datapoint


@dataclass(frozen=True, kw_only=True)
class DatapointSensorDescription(DatapointDescription, SensorEntityDescription):
    """A read-only number, string or byte array."""


@dataclass(frozen=True, kw_only=True)
class DatapointBinarySensorDescription(DatapointDescription, BinarySensorEntityDescription):
    """A read-only bool."""


@dataclass(frozen=True, kw_only=True)
class DatapointSwitchDescription(DatapointDescription, SwitchEntityDescription):
    """A writable bool."""


@dataclass(frozen=True, kw_only=True)
class DatapointNumberDescription(DatapointDescription, NumberEntityDescription):
    """A writable number."""


@dataclass(frozen=True, kw_only=True)
class DatapointTextDescription(DatapointDescription, TextEntityDescription):
    """A writable string, or byte array as hex."""


def describe(
    datapoint: Datapoint, override: Mapping[str, Any] | None = None
) -> tuple[Platform, DatapointDescription] | None:
    """The platform and description for a datapoint; None when hidden."""
    override = override or {}
    if override.get("hidden"):
        return None
    common: dict[str, Any] = {
        "key": datapoint.key,
        "name": datapoint.name,
        "datapoint": datapoint,
    }
    writable = datapoint.writable
    match datapoint.data_type:
        case DataType.BOOL:
            if writable:
                return Platform.SWITCH, DatapointSwitchDescription(**common)
            return Platform.BINARY_SENSOR, DatapointBinarySensorDescription(**common)
        case DataType.STRING | DataType.BYTES:
            hex_text = datapoint.data_type is DataType.BYTES
            if writable:
                return Platform.TEXT, DatapointTextDescription(
                    native_min=0,
                    native_max=MAX_TEXT - 1 if hex_text else MAX_TEXT,
                    mode=TextMode.TEXT,
                    pattern=r"^([0-9a-fA-F]{2})*$" if hex_text else None,
                    **common,
                )
            return Platform.SENSOR, DatapointSensorDescription(**common)
    unit = override.get("unit") or UNITS.get(datapoint.symbol or "")
    device_class = override.get("device_class") or None
    if writable:
        low, high = datapoint.bounds
        return Platform.NUMBER, DatapointNumberDescription(
            native_min_value=low,
            native_max_value=high,
            native_step=0.1 if datapoint.data_type is DataType.FLOAT else 1,
            mode=NumberMode.BOX,
            native_unit_of_measurement=unit,
            device_class=NumberDeviceClass(device_class) if device_class else None,
            **common,
        )
    sensor_class = SensorDeviceClass(device_class) if device_class else None
    return Platform.SENSOR, DatapointSensorDescription(
        state_class=state_class_for(sensor_class),
        native_unit_of_measurement=unit,
        device_class=sensor_class,
        **common,
    )


# Entities ---------------------------------------------------------------------


class XlinkEntity(CniotEntity[XlinkCoordinator]):
    """An entity of one Xlink device; its unique ID comes from the runtime's candidate."""

    def __init__(self, runtime: XlinkEntityRuntime, device_id: int, unique_id: str) -> None:
        super().__init__(runtime.coordinator)
        self.runtime = runtime
        self.device_id = device_id
        data = runtime.coordinator.data
        device = data.devices[device_id]
        self.product_id = device.product_id
        self._attr_unique_id = unique_id
        self._attr_device_info = device_info(
            runtime.scope, data.products[device.product_id], device
        )

    @property
    def device(self) -> XlinkDevice | None:
        """The device in the latest data."""
        return self.coordinator.data.devices.get(self.device_id)

    def _source(self) -> object:
        data = self.coordinator.data
        return data.devices.get(self.device_id), data.states.get(self.device_id)


class DatapointEntity(XlinkEntity):
    """An entity showing one datapoint of one device."""

    entity_description: DatapointDescription

    def __init__(
        self,
        runtime: XlinkEntityRuntime,
        device_id: int,
        description: DatapointDescription,
        unique_id: str,
    ) -> None:
        super().__init__(runtime, device_id, unique_id)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Values of an offline device are not current."""
        data = self.coordinator.data
        return (
            super().available
            and self.device_id in data.devices
            and data.online(self.device_id) is True
            and self.device_id in data.states
        )

    @property
    def raw_value(self) -> Any:
        """The datapoint's latest (decoded) value."""
        state = self.coordinator.data.states.get(self.device_id)
        return state.values.get(self.entity_description.datapoint.index) if state else None

    async def _async_write(self, value: Any) -> None:
        await self.runtime.async_control(
            self.device_id, {self.entity_description.datapoint.index: value}
        )


class DatapointSensor(DatapointEntity, SensorEntity):
    """A read-only number, string or byte array (hex)."""

    entity_description: DatapointSensorDescription

    @property
    def native_value(self) -> StateType:
        """Numbers as numbers, strings and hex as text."""
        value = self.raw_value
        if isinstance(value, bool):
            return None
        if isinstance(value, str) and len(value) > MAX_TEXT:
            return value[:MAX_TEXT]
        return value if isinstance(value, int | float | str) else None


class DatapointBinarySensor(DatapointEntity, BinarySensorEntity):
    """A read-only bool."""

    entity_description: DatapointBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """As last reported."""
        value = self.raw_value
        return value if isinstance(value, bool) else None


class DatapointSwitch(DatapointEntity, SwitchEntity):
    """A writable bool."""

    entity_description: DatapointSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """As last reported (or just written)."""
        value = self.raw_value
        return value if isinstance(value, bool) else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Set the bool."""
        await self._async_write(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Clear the bool."""
        await self._async_write(False)


class DatapointNumber(DatapointEntity, NumberEntity):
    """A writable number within the definition's min/max (else its type's range)."""

    entity_description: DatapointNumberDescription

    @property
    def native_value(self) -> float | None:
        """As last reported."""
        value = self.raw_value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    async def async_set_native_value(self, value: float) -> None:
        """Write a number; whole-number types take whole numbers only."""
        point = self.entity_description.datapoint
        await self._async_write(value if point.data_type is DataType.FLOAT else _whole(value))


def _whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


class DatapointText(DatapointEntity, ShownText):
    """A writable string, or byte array edited as hex."""

    entity_description: DatapointTextDescription

    @property
    def native_value(self) -> str | None:
        """The text, or the bytes as lowercase hex; unknown when the platform cannot show it."""
        value = self.raw_value
        return self._shown(value) if isinstance(value, str) else None

    async def async_set_value(self, value: str) -> None:
        """Write the text or bytes."""
        await self._async_write(value)


# Device-level and product-level entities -------------------------------------


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

    async def async_press(self) -> None:
        """Probe the device."""
        await self.runtime.async_probe(self.device_id)


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
        runtime: XlinkEntityRuntime,
        product_id: str,
        description: ProductSensorDescription,
        unique_id: str,
    ) -> None:
        super().__init__(runtime.coordinator)
        self.product_id = product_id
        self.entity_description = description
        self._attr_unique_id = unique_id
        self._attr_device_info = product_device_info(
            runtime.scope, runtime.coordinator.data.products[product_id]
        )

    @property
    def native_value(self) -> StateType:
        """The counter."""
        return self.entity_description.value_fn(self.coordinator.data, self.product_id)


PLATFORM_CLASSES: dict[Platform, type[DatapointEntity]] = {
    Platform.SENSOR: DatapointSensor,
    Platform.BINARY_SENSOR: DatapointBinarySensor,
    Platform.SWITCH: DatapointSwitch,
    Platform.NUMBER: DatapointNumber,
    Platform.TEXT: DatapointText,
}
