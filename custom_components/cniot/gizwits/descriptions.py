"""Gizwits device identity, and its datapoints as the shared datapoint stack takes them."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.const import MAX_LENGTH_STATE_STATE, EntityCategory
from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceEntryType,
    DeviceInfo,
)

from ..const import DOMAIN
from ..datapoints.describe import Point, Shape
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


# Datapoints -------------------------------------------------------------------


def point_of(datapoint: Datapoint) -> Point | None:
    """The datapoint for the shared stack; None for bytes a state cannot hold."""
    common: dict[str, Any] = {
        "ref": datapoint.name,
        "key": datapoint.name,
        "option": datapoint.name,
        "label": f"{datapoint.display_name or datapoint.name} ({datapoint.name})",
        "name": datapoint.display_name or datapoint.name,
        "writable": datapoint.writable,
    }
    if datapoint.kind in (DatapointKind.ALERT, DatapointKind.FAULT):
        fault = datapoint.kind is DatapointKind.FAULT
        category = EntityCategory.DIAGNOSTIC if fault else None
        return Point(shape=Shape.PROBLEM, category=category, **common)
    match datapoint.data_type:
        case DataType.BOOL:
            return Point(shape=Shape.FLAG, **common)
        case DataType.ENUM:
            return Point(shape=Shape.OPTION, options=datapoint.options, **common)
        case DataType.BINARY:
            # As hex, two characters a byte; a state holds at most 255 characters,
            # so larger blobs get no entity (the raw data stays in diagnostics).
            hex_length = 2 * datapoint.length if datapoint.length else MAX_LENGTH_STATE_STATE
            if hex_length > MAX_LENGTH_STATE_STATE:
                return None
            return Point(shape=Shape.TEXT, max_length=hex_length, pattern=HEX_PATTERN, **common)
    return Point(
        shape=Shape.NUMBER,
        minimum=datapoint.minimum if datapoint.minimum is not None else 0,
        maximum=datapoint.maximum if datapoint.maximum is not None else 100,
        step=datapoint.step or 1,
        **common,
    )
