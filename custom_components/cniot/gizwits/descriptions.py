"""Gizwits device identity and what each datapoint becomes (its entity description)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

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
)
from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.components.text import TextEntityDescription, TextMode
from homeassistant.const import MAX_LENGTH_STATE_STATE, EntityCategory, Platform
from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceEntryType,
    DeviceInfo,
)
from homeassistant.helpers.entity import EntityDescription

from ..const import DOMAIN
from ..datapoints import state_class_for
from ..devices import with_parent
from .models import Datapoint, DatapointKind, DataType, GizwitsDevice, ProductSchema

MANUFACTURER = "Gizwits"
HEX_PATTERN = r"^[0-9a-fA-F]*$"


def product_identifier(product_key: str) -> str:
    """Device registry identifier of a product's service device."""
    return f"gizwits:{product_key}"


def device_identifier(product_key: str, did: str) -> str:
    """Device registry identifier of one device."""
    return f"gizwits:{product_key}:{did}"


def product_device_info(product_key: str, schema: ProductSchema) -> DeviceInfo:
    """The product, as a service device holding the fleet counters."""
    return DeviceInfo(
        identifiers={(DOMAIN, product_identifier(product_key))},
        name=schema.name or product_key,
        manufacturer=MANUFACTURER,
        model=schema.name,
        model_id=product_key,
        entry_type=DeviceEntryType.SERVICE,
    )


def device_info(product_key: str, schema: ProductSchema, device: GizwitsDevice) -> DeviceInfo:
    """One appliance."""
    suffix = (device.mac or device.did)[-6:].upper()
    info = DeviceInfo(
        identifiers={(DOMAIN, device_identifier(product_key, device.did))},
        name=f"{schema.name or product_key} {suffix}",
        manufacturer=MANUFACTURER,
        model=schema.name,
        model_id=product_key,
        serial_number=device.did,
        sw_version=_versions(device.mcu_soft_version, device.wifi_soft_version),
        hw_version=_versions(device.mcu_hard_version, device.wifi_hard_version),
    )
    with_parent(info, partial(product_device_info, product_key, schema))
    if device.mac:
        info["connections"] = {(CONNECTION_NETWORK_MAC, device.mac.lower())}
    return info


def _versions(mcu: str | None, wifi: str | None) -> str | None:
    """MCU and Wi-Fi module versions in the one field the registry has."""
    if mcu and wifi:
        return f"MCU {mcu}, Wi-Fi {wifi}"
    if wifi:
        return f"Wi-Fi {wifi}"
    return mcu


# Datapoint descriptions -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DatapointDescription(EntityDescription):
    """Ties an entity description to its datapoint."""

    datapoint: Datapoint


@dataclass(frozen=True, kw_only=True)
class DatapointSensorDescription(DatapointDescription, SensorEntityDescription):
    """A read-only number, enum or binary datapoint."""


@dataclass(frozen=True, kw_only=True)
class DatapointBinarySensorDescription(DatapointDescription, BinarySensorEntityDescription):
    """A read-only bool, alert or fault datapoint."""


@dataclass(frozen=True, kw_only=True)
class DatapointSwitchDescription(DatapointDescription, SwitchEntityDescription):
    """A writable bool datapoint."""


@dataclass(frozen=True, kw_only=True)
class DatapointSelectDescription(DatapointDescription, SelectEntityDescription):
    """A writable enum datapoint."""


@dataclass(frozen=True, kw_only=True)
class DatapointNumberDescription(DatapointDescription, NumberEntityDescription):
    """A writable number datapoint."""


@dataclass(frozen=True, kw_only=True)
class DatapointTextDescription(DatapointDescription, TextEntityDescription):
    """A writable binary datapoint, as hex."""


def describe(
    datapoint: Datapoint, override: Mapping[str, Any] | None = None
) -> tuple[Platform, DatapointDescription] | None:
    """The platform and description for a datapoint; None when hidden."""
    override = override or {}
    if override.get("hidden"):
        return None
    common: dict[str, Any] = {
        "key": datapoint.name,
        "name": datapoint.display_name or datapoint.name,
        "datapoint": datapoint,
    }
    unit = override.get("unit") or None
    device_class = override.get("device_class") or None
    if datapoint.kind in (DatapointKind.ALERT, DatapointKind.FAULT):
        return Platform.BINARY_SENSOR, DatapointBinarySensorDescription(
            device_class=BinarySensorDeviceClass.PROBLEM,
            entity_category=(
                EntityCategory.DIAGNOSTIC if datapoint.kind is DatapointKind.FAULT else None
            ),
            **common,
        )
    writable = datapoint.writable
    match datapoint.data_type:
        case DataType.BOOL:
            if writable:
                return Platform.SWITCH, DatapointSwitchDescription(**common)
            return Platform.BINARY_SENSOR, DatapointBinarySensorDescription(**common)
        case DataType.ENUM:
            if writable:
                return Platform.SELECT, DatapointSelectDescription(
                    options=list(datapoint.options), **common
                )
            return Platform.SENSOR, DatapointSensorDescription(
                device_class=SensorDeviceClass.ENUM, options=list(datapoint.options), **common
            )
        case DataType.BINARY:
            # As hex, two characters a byte; a state holds at most 255 characters,
            # so larger blobs get no entity (the raw data stays in diagnostics).
            hex_length = 2 * datapoint.length if datapoint.length else None
            if hex_length is not None and hex_length > MAX_LENGTH_STATE_STATE:
                return None
            if writable:
                return Platform.TEXT, DatapointTextDescription(
                    native_min=0,
                    native_max=hex_length or MAX_LENGTH_STATE_STATE,
                    mode=TextMode.TEXT,
                    pattern=HEX_PATTERN,
                    **common,
                )
            return Platform.SENSOR, DatapointSensorDescription(**common)
    # Numbers.
    if writable:
        return Platform.NUMBER, DatapointNumberDescription(
            native_min_value=datapoint.minimum if datapoint.minimum is not None else 0,
            native_max_value=datapoint.maximum if datapoint.maximum is not None else 100,
            native_step=datapoint.step or 1,
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
