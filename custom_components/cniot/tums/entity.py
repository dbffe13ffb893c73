"""TUMS entities: the account's overview, and each device's status and controls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
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
from ..entity import CniotEntity
from .const import MANUFACTURER
from .coordinator import TumsDeviceCoordinator
from .models import Device, DeviceStatus, OpenStatus

if TYPE_CHECKING:
    from .runtime import TumsRuntime

STATUS_OPTIONS = [status.name.lower() for status in DeviceStatus]
SUBSCRIPTION_OPTIONS = [status.name.lower() for status in OpenStatus]


def device_identifier(key: str) -> str:
    """Device registry identifier of one TUMS device (qrCode, else MAC; children by parent)."""
    return f"tums:{key}"


def account_identifier(access_key: str) -> str:
    """Device registry identifier of the account's service device."""
    return f"tums:account:{access_key}"


def parent_key(device: Device) -> str | None:
    """The key of the device a child (NVR channel, sub-device) hangs off."""
    if not device.is_child:
        return None
    return device.parent_qr_code or device.parent_mac


def tums_device_info(device: Device, account: str) -> DeviceInfo:
    """Identity from the qrCode (else the MAC), NVR channels via their NVR."""
    parent = parent_key(device)
    info = DeviceInfo(
        identifiers={(DOMAIN, device_identifier(device.key))},
        name=device.name or device.key,
        manufacturer=MANUFACTURER,
        model=device.model or device.device_type,
        sw_version=device.firmware_version,
        hw_version=device.hardware_version,
        serial_number=device.qr_code,
        suggested_area=device.region_name,
        via_device=(DOMAIN, device_identifier(parent) if parent else account_identifier(account)),
    )
    if device.mac and not device.is_child:
        info["connections"] = {(CONNECTION_NETWORK_MAC, device.mac.lower())}
    return info


@dataclass(frozen=True, kw_only=True)
class TumsSensorDescription(SensorEntityDescription):
    """A sensor of one TUMS device."""

    value_fn: Callable[[Device], StateType]
    exists_fn: Callable[[Device], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class TumsBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of one TUMS device."""

    value_fn: Callable[[Device], bool | None]


@dataclass(frozen=True, kw_only=True)
class TumsButtonDescription(ButtonEntityDescription):
    """A one-shot operation on one TUMS device."""

    exists_fn: Callable[[Device], bool]
    press_fn: Callable[[TumsRuntime, Device], Awaitable[object]]


DEVICE_SENSORS: tuple[TumsSensorDescription, ...] = (
    TumsSensorDescription(
        key="status",
        translation_key="tums_status",
        device_class=SensorDeviceClass.ENUM,
        options=STATUS_OPTIONS,
        value_fn=lambda d: d.status.name.lower() if d.status is not None else None,
    ),
    TumsSensorDescription(
        key="ip",
        translation_key="ip_address",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.ip,
        exists_fn=lambda d: d.ip is not None,
    ),
    TumsSensorDescription(
        key="subscription",
        translation_key="subscription",
        device_class=SensorDeviceClass.ENUM,
        options=SUBSCRIPTION_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.open_status.name.lower() if d.open_status is not None else None,
        exists_fn=lambda d: d.open_status is not None,
    ),
)

DEVICE_BINARY_SENSORS: tuple[TumsBinarySensorDescription, ...] = (
    TumsBinarySensorDescription(
        key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda d: d.online,
    ),
)

DEVICE_BUTTONS: tuple[TumsButtonDescription, ...] = (
    TumsButtonDescription(
        key="reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        # NVR channels cannot be rebooted at once (1.4.3.21).
        exists_fn=lambda d: d.channel_id is None or not d.is_child,
        press_fn=lambda runtime, d: runtime.async_reboot([d]),
    ),
)


class TumsDeviceEntity(CniotEntity[TumsDeviceCoordinator]):
    """An entity of one TUMS device."""

    def __init__(self, runtime: TumsRuntime, key: str, entity_key: str) -> None:
        super().__init__(runtime.coordinator)
        self.runtime = runtime
        self.key = key
        self._attr_unique_id = f"tums_{runtime.access_key}_{key}_{entity_key}"
        self._attr_device_info = tums_device_info(
            runtime.coordinator.data.devices[key], runtime.access_key
        )

    @property
    def device(self) -> Device | None:
        """The device in the latest list."""
        return self.coordinator.data.devices.get(self.key)

    def _state_inputs(self) -> object:
        return self.coordinator.last_update_success, self.device

    def _inputs_group(self) -> Hashable:
        return self.key

    @property
    def available(self) -> bool:
        """Unavailable once the device leaves the list."""
        return super().available and self.device is not None


class TumsSensor(TumsDeviceEntity, SensorEntity):
    """A device sensor."""

    entity_description: TumsSensorDescription

    def __init__(self, runtime: TumsRuntime, key: str, description: TumsSensorDescription) -> None:
        super().__init__(runtime, key, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        """The described value."""
        device = self.device
        return self.entity_description.value_fn(device) if device else None


class TumsBinarySensor(TumsDeviceEntity, BinarySensorEntity):
    """A device binary sensor."""

    entity_description: TumsBinarySensorDescription

    def __init__(
        self, runtime: TumsRuntime, key: str, description: TumsBinarySensorDescription
    ) -> None:
        super().__init__(runtime, key, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """The described flag."""
        device = self.device
        return self.entity_description.value_fn(device) if device else None


class TumsButton(TumsDeviceEntity, ButtonEntity):
    """A one-shot device operation."""

    entity_description: TumsButtonDescription

    def __init__(self, runtime: TumsRuntime, key: str, description: TumsButtonDescription) -> None:
        super().__init__(runtime, key, description.key)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Operations need the device online."""
        device = self.device
        return super().available and device is not None and device.online

    async def async_press(self) -> None:
        """Run the operation."""
        device = self.device
        if device is not None:
            await self.entity_description.press_fn(self.runtime, device)


class OverviewSensor(CniotEntity[TumsDeviceCoordinator], SensorEntity):
    """A count from getApplicationOverview, on the account's service device."""

    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, runtime: TumsRuntime, category: str, kind: str) -> None:
        super().__init__(runtime.coordinator)
        self.category = category
        self.kind = kind
        self._attr_translation_key = f"overview_{kind}"
        self._attr_translation_placeholders = {"category": category}
        self._attr_unique_id = f"tums_{runtime.access_key}_overview_{category}_{kind}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, account_identifier(runtime.access_key))},
            name=runtime.entry.title,
            manufacturer=MANUFACTURER,
            model="TUMS application",
            entry_type=DeviceEntryType.SERVICE,
        )

    def _state_inputs(self) -> object:
        counts = self.coordinator.data.overview.counts
        return self.coordinator.last_update_success, counts.get(self.category)

    @property
    def native_value(self) -> int | None:
        """The count, or unknown if the class left the overview."""
        count = self.coordinator.data.overview.counts.get(self.category)
        return getattr(count, self.kind) if count is not None else None
