"""TUMS entity classes: a device's identity, and entities fed by each polling tier."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
import math
import re
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.components.sensor import (
    RestoreSensor,
    SensorEntityDescription,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceEntryType,
    DeviceInfo,
)
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.typing import StateType

from ..const import DOMAIN
from ..devices import with_parent
from ..entity import CniotEntity
from ..plausible import NON_NEGATIVE
from ..plausible_sensor import PlausibleSensorEntity
from .codes import DeviceCategory
from .const import CONF_REGION_AREAS, MANUFACTURER
from .coordinator import TumsCoordinator, TumsDeviceCoordinator, TumsTierCoordinator
from .ids import (
    account_identifier,
    device_identifier,
    parent_key,
)
from .interface import TumsEntityRuntime
from .models import Device
from .operations import TumsOperations
from .tiers import SolarState, TumsSolarCoordinator


def account_device_info(access_key: str, title: str) -> DeviceInfo:
    """The application as a service device: the overview counts and every device hang off it."""
    return DeviceInfo(
        identifiers={(DOMAIN, account_identifier(access_key))},
        name=title,
        manufacturer=MANUFACTURER,
        model="TUMS application",
        entry_type=DeviceEntryType.SERVICE,
    )


def tums_device_info(runtime: TumsEntityRuntime, device: Device) -> DeviceInfo:
    """Identity from the qrCode (else the MAC); NVR channels via their NVR, others the account."""
    info = DeviceInfo(
        identifiers={(DOMAIN, device_identifier(runtime.access_key, device.key))},
        name=device.name or device.key,
        manufacturer=MANUFACTURER,
        model=device.model or device.device_type,
        serial_number=device.qr_code,
    )
    if device.region_name and runtime.entry.options.get(CONF_REGION_AREAS):
        info["suggested_area"] = device.region_name
    # Only known versions: a None here would blank what the firmware tier wrote.
    if device.firmware_version:
        info["sw_version"] = device.firmware_version
    if device.hardware_version:
        info["hw_version"] = device.hardware_version
    if (parent := parent_key(device)) is None:
        with_parent(info, partial(account_device_info, runtime.access_key, runtime.entry.title))
    elif (nvr := runtime.coordinator.data.devices.get(parent)) is not None:
        with_parent(info, partial(tums_device_info, runtime, nvr))
    if device.mac and not device.is_child:
        info["connections"] = {(CONNECTION_NETWORK_MAC, device.mac.lower())}
    return info


# -- descriptions --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TumsSensorDescription(SensorEntityDescription):
    """A sensor of one TUMS device, from the device list."""

    value_fn: Callable[[Device], StateType]
    exists_fn: Callable[[Device], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class TumsBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of one TUMS device, from the device list."""

    value_fn: Callable[[Device], bool | None]


@dataclass(frozen=True, kw_only=True)
class TumsButtonDescription(ButtonEntityDescription):
    """A one-shot operation on one TUMS device."""

    exists_fn: Callable[[TumsEntityRuntime, Device], bool]
    press_fn: Callable[[TumsOperations, Device], Awaitable[object]]


@dataclass(frozen=True, kw_only=True)
class TumsTierSensorDescription[T](SensorEntityDescription):
    """A sensor fed by one polling tier's data for the device."""

    tier: str
    value_fn: Callable[[T], StateType | datetime]
    exists_fn: Callable[[T], bool] = lambda _: True
    # The optional feature it shows (tums/features.py); None: the tier's own.
    feature: str | None = None


@dataclass(frozen=True, kw_only=True)
class TumsTierSwitchDescription[T](SwitchEntityDescription):
    """A device setting that is on or off."""

    tier: str
    value_fn: Callable[[T], bool | None]
    set_fn: Callable[[TumsOperations, Device, bool], Awaitable[None]]
    exists_fn: Callable[[T], bool] = lambda _: True
    # The optional feature it shows (tums/features.py); None: the tier's own.
    feature: str | None = None


@dataclass(frozen=True, kw_only=True)
class TumsTierSelectDescription[T](SelectEntityDescription):
    """A device setting chosen from options."""

    tier: str
    value_fn: Callable[[T], str | None]
    set_fn: Callable[[TumsOperations, Device, str], Awaitable[None]]
    exists_fn: Callable[[T], bool] = lambda _: True
    # The optional feature it shows (tums/features.py); None: the tier's own.
    feature: str | None = None


@dataclass(frozen=True, kw_only=True)
class TumsTierTimeDescription[T](TimeEntityDescription):
    """A device setting that is a time of day."""

    tier: str
    value_fn: Callable[[T], time | None]
    set_fn: Callable[[TumsOperations, Device, time], Awaitable[None]]
    exists_fn: Callable[[T], bool] = lambda _: True
    # The optional feature it shows (tums/features.py); None: the tier's own.
    feature: str | None = None


# -- device-tier entities ------------------------------------------------------------


class TumsDeviceEntity(CniotEntity[TumsDeviceCoordinator]):
    """An entity of one TUMS device, fed by the device list."""

    def __init__(self, runtime: TumsEntityRuntime, key: str, unique_id: str) -> None:
        super().__init__(runtime.coordinator)
        self.runtime = runtime
        self.key = key
        self._attr_unique_id = unique_id
        self._attr_device_info = tums_device_info(runtime, runtime.coordinator.data.devices[key])

    @property
    def device(self) -> Device | None:
        """The device in the latest list."""
        return self.coordinator.data.devices.get(self.key)

    def _source(self) -> object:
        return self.coordinator.data.devices.get(self.key)

    @property
    def available(self) -> bool:
        """Unavailable once the device leaves the list."""
        return super().available and self.device is not None


class TumsDescribedEntity[D: EntityDescription](TumsDeviceEntity):
    """A described entity of one TUMS device, fed by the device list."""

    def __init__(
        self, runtime: TumsEntityRuntime, key: str, description: D, *, unique_id: str
    ) -> None:
        super().__init__(runtime, key, unique_id)
        self.entity_description = description


class TumsSensor(TumsDescribedEntity[TumsSensorDescription], PlausibleSensorEntity):
    """A device sensor."""

    entity_description: TumsSensorDescription

    @property
    def native_value(self) -> StateType:
        """The described value."""
        device = self.device
        return self.plausible(self.entity_description.value_fn(device)) if device else None


class TumsBinarySensor(TumsDescribedEntity[TumsBinarySensorDescription], BinarySensorEntity):
    """A device binary sensor."""

    entity_description: TumsBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The described flag."""
        device = self.device
        return self.entity_description.value_fn(device) if device else None


class TumsButton(TumsDescribedEntity[TumsButtonDescription], ButtonEntity):
    """A one-shot device operation."""

    entity_description: TumsButtonDescription

    @property
    def available(self) -> bool:
        """Operations need the device online."""
        device = self.device
        return super().available and device is not None and device.online

    async def async_press(self) -> None:
        """Run the operation."""
        device = self.device
        if device is not None:
            await self.entity_description.press_fn(self.runtime.operations, device)


# Device classes with translated names ("ipc" -> overview_ipc_total: "Cameras").
_CATEGORY_KEYS = {
    category.value: re.sub(r"(?<!^)([A-Z])", r"_\1", category.value).lower()
    for category in DeviceCategory
}


class OverviewSensor(CniotEntity[TumsDeviceCoordinator], PlausibleSensorEntity):
    """A count from getApplicationOverview, on the account's service device."""

    _attr_state_class = SensorStateClass.MEASUREMENT
    _plausible_bounds = NON_NEGATIVE  # a count of devices

    def __init__(
        self, runtime: TumsEntityRuntime, category: str, kind: str, *, unique_id: str
    ) -> None:
        super().__init__(runtime.coordinator)
        self.category = category
        self.kind = kind
        if category in _CATEGORY_KEYS:
            self._attr_translation_key = f"overview_{_CATEGORY_KEYS[category]}_{kind}"
        else:  # a class the document does not list: named after the API's key
            self._attr_translation_key = f"overview_{kind}"
            self._attr_translation_placeholders = {"category": category}
        self._attr_unique_id = unique_id
        self._attr_device_info = account_device_info(runtime.access_key, runtime.entry.title)

    @property
    def available(self) -> bool:
        """Unavailable while the overview is (an optional feature)."""
        return super().available and self.coordinator.features.available("overview")

    @property
    def native_value(self) -> int | None:
        """The count, or unknown if the class left the overview."""
        count = self.coordinator.data.overview.counts.get(self.category)
        return self.plausible(getattr(count, self.kind)) if count is not None else None


# -- tier entities -------------------------------------------------------------------


class TumsTierEntity[T](CniotEntity[TumsCoordinator[dict[str, T]]]):
    """An entity of one device fed by a tier, present while the device list has it."""

    def __init__(
        self,
        runtime: TumsEntityRuntime,
        coordinator: TumsCoordinator[dict[str, T]],
        key: str,
        unique_id: str,
    ) -> None:
        super().__init__(coordinator)
        self.runtime = runtime
        self.key = key
        self._attr_unique_id = unique_id
        self._attr_device_info = tums_device_info(runtime, runtime.coordinator.data.devices[key])

    async def async_added_to_hass(self) -> None:
        """Follow the device list too: it says whether the device is there and online.

        A new list is no new reading of the tier: written only if it changed this entity.
        """
        await super().async_added_to_hass()
        self.async_on_remove(self.runtime.coordinator.async_add_listener(self._async_write_changed))

    async def async_update(self) -> None:
        """Asked for by hand (``homeassistant.update_entity``): read this device now."""
        if not self.enabled:
            return
        if isinstance(self.coordinator, TumsTierCoordinator):
            await self.coordinator.async_read_soon(self.key)
        else:
            await super().async_update()

    @property
    def device(self) -> Device | None:
        """The device in the latest list."""
        return self.runtime.coordinator.data.devices.get(self.key)

    def _source(self) -> object:
        # The device list's health, the listed device, the features and the tier's data.
        return (
            self.runtime.coordinator.last_update_success,
            self.runtime.features.unavailable,
            self.device,
            self.item,
        )

    @property
    def _feature_available(self) -> bool:
        description = getattr(self, "entity_description", None)
        feature = getattr(description, "feature", None) or self.coordinator.tier
        return self.runtime.features.available(feature)

    @property
    def item(self) -> T | None:
        """This device's data in the tier."""
        data = self.coordinator.data
        return data.get(self.key) if data else None

    @property
    def available(self) -> bool:
        """The tier and the list are current, and the device is online with data."""
        device = self.device
        return (
            super().available
            and self.runtime.coordinator.last_update_success
            and self._feature_available
            and device is not None
            and device.online
            and self.item is not None
        )


class TumsTierDescribedEntity[T, D: EntityDescription](TumsTierEntity[T]):
    """A described entity of one device, fed by a tier."""

    def __init__(
        self,
        runtime: TumsEntityRuntime,
        coordinator: TumsCoordinator[dict[str, T]],
        key: str,
        description: D,
        *,
        unique_id: str,
    ) -> None:
        super().__init__(runtime, coordinator, key, unique_id)
        self.entity_description = description


class TumsTierSensor[T](
    TumsTierDescribedEntity[T, TumsTierSensorDescription[T]], PlausibleSensorEntity
):
    """A sensor fed by a tier."""

    entity_description: TumsTierSensorDescription[T]

    @property
    def native_value(self) -> StateType | datetime:
        """The described value."""
        item = self.item
        return self.plausible(self.entity_description.value_fn(item)) if item is not None else None


class TumsTierSwitch[T](TumsTierDescribedEntity[T, TumsTierSwitchDescription[T]], SwitchEntity):
    """A setting that is on or off."""

    entity_description: TumsTierSwitchDescription[T]

    @property
    def is_on(self) -> bool | None:
        """The setting as last read or written."""
        item = self.item
        return self.entity_description.value_fn(item) if item is not None else None

    async def _async_set(self, on: bool) -> None:
        if (device := self.device) is not None:
            await self.entity_description.set_fn(self.runtime.operations, device, on)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the setting on."""
        await self._async_set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the setting off."""
        await self._async_set(False)


class TumsTierSelect[T](TumsTierDescribedEntity[T, TumsTierSelectDescription[T]], SelectEntity):
    """A setting chosen from options."""

    entity_description: TumsTierSelectDescription[T]

    @property
    def current_option(self) -> str | None:
        """The option as last read or written."""
        item = self.item
        return self.entity_description.value_fn(item) if item is not None else None

    async def async_select_option(self, option: str) -> None:
        """Write the chosen option."""
        if (device := self.device) is not None:
            await self.entity_description.set_fn(self.runtime.operations, device, option)


class TumsTierTime[T](TumsTierDescribedEntity[T, TumsTierTimeDescription[T]], TimeEntity):
    """A setting that is a time of day."""

    entity_description: TumsTierTimeDescription[T]

    @property
    def native_value(self) -> time | None:
        """The time as last read or written."""
        item = self.item
        return self.entity_description.value_fn(item) if item is not None else None

    async def async_set_value(self, value: time) -> None:
        """Write the time."""
        if (device := self.device) is not None:
            await self.entity_description.set_fn(self.runtime.operations, device, value)


# The solar sensors whose day's highest value is restored, and the SolarState field of each.
ENERGY_TODAY_FIELDS: dict[str, str] = {
    "input_energy_today": "energy_in",
    "output_energy_today": "energy_out",
}


@dataclass
class EnergyTodayStoredData(SensorExtraStoredData):
    """A sensor's last value, with the local day it counted."""

    day: date | None

    def as_dict(self) -> dict[str, Any]:
        """The value as SensorExtraStoredData keeps it, and the day."""
        return {**super().as_dict(), "day": self.day.isoformat() if self.day else None}


def restored_energy(data: dict[str, Any] | None) -> tuple[date, float] | None:
    """The day and value saved by an energy-today sensor, if they are usable."""
    if not data:
        return None
    value, day = data.get("native_value"), data.get("day")
    if not isinstance(value, int | float) or isinstance(value, bool) or not isinstance(day, str):
        return None
    try:
        restored_day = date.fromisoformat(day)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return restored_day, float(value)


class TumsEnergyTodaySensor(TumsTierSensor[SolarState], RestoreSensor):
    """Today's solar energy (total_increasing): never below what it showed today.

    The cloud may revise an hour down or return one hour short; a dip reads as a
    meter reset to the recorder, which then counts the day twice. The solar tier
    keeps the day's highest value while it runs; this sensor restores it into a new
    tier after a reload or restart, before its first state is written. RestoreSensor
    (rather than ``total`` with a daily ``last_reset``) keeps the statistics as they
    are and shows no dip at all, as a meter would.
    """

    coordinator: TumsSolarCoordinator

    async def async_added_to_hass(self) -> None:
        """Raise the tier's floor for today to the value saved before."""
        await super().async_added_to_hass()
        extra = await self.async_get_last_extra_data()
        restored = restored_energy(extra.as_dict() if extra is not None else None)
        if restored is not None:
            day, value = restored
            field = ENERGY_TODAY_FIELDS[self.entity_description.key]
            self.coordinator.restore_energy(self.key, day, **{field: value})

    @property
    def extra_restore_state_data(self) -> EnergyTodayStoredData:
        """The value and the day it is of."""
        item = self.item
        return EnergyTodayStoredData(
            self.native_value, self.native_unit_of_measurement, item.day if item else None
        )
