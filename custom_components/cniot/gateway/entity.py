"""Gateway and channel entities."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.device_tracker import TrackerEntity
from homeassistant.components.device_tracker.const import SourceType
from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.components.switch import SwitchEntity
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.typing import StateType

from ..const import DOMAIN
from ..devices import with_parent
from ..entity import CniotEntity
from ..plausible import clean_name
from ..plausible_sensor import PlausibleSensorEntity
from .coordinator import GatewayCoordinator
from .descriptions import (
    ChannelBinarySensorDescription,
    ChannelSensorDescription,
    ChannelSwitchDescription,
    GatewayBinarySensorDescription,
    GatewaySensorDescription,
    GatewaySwitchDescription,
)
from .models import Channel, Gateway

MANUFACTURER = "Smart gateway"
CHANNEL_MODELS = {"sim": "SIM channel", "usb": "USB channel", "usb_wifi": "USB Wi-Fi channel"}


# Identifiers and unique IDs carry the entry's ID: the same gateway reported by two
# backends (or one backend added under two URLs) is one device per entry, not a clash.


def gateway_identifier(scope: str, sn: str) -> str:
    """Device registry identifier of a gateway."""
    return f"gateway:{scope}:{sn}"


def channel_identifier(scope: str, sn: str, key: str) -> str:
    """Device registry identifier of a channel sub-device."""
    return f"gateway:{scope}:{sn}:{key}"


def backend_identifier(scope: str) -> str:
    """Device registry identifier of the backend itself (a service device)."""
    return f"gateway:{scope}"


def gateway_unique_id(scope: str, sn: str, *parts: str) -> str:
    """Unique ID of an entity of a gateway (or, with the channel's key, of a channel)."""
    return "_".join(("gateway", scope, sn, *parts))


def gateway_device_info(scope: str, gateway: Gateway, configuration_url: str) -> DeviceInfo:
    """The device a gateway's entities belong to."""
    return DeviceInfo(
        identifiers={(DOMAIN, gateway_identifier(scope, gateway.sn))},
        name=gateway.alias or gateway.sn,
        manufacturer=MANUFACTURER,
        model=gateway.model,
        serial_number=gateway.sn,
        sw_version=gateway.version,
        configuration_url=configuration_url,
    )


def backend_device_info(scope: str, title: str, configuration_url: str) -> DeviceInfo:
    """The backend as a service device: the fleet's counts hang off it."""
    return DeviceInfo(
        identifiers={(DOMAIN, backend_identifier(scope))},
        name=title,
        manufacturer=MANUFACTURER,
        model="Gateway backend",
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=configuration_url,
    )


def channel_device_info(
    scope: str, gateway: Gateway, channel: Channel, configuration_url: str
) -> DeviceInfo:
    """A channel is its own device, linked to its gateway."""
    label = channel.name or f"{channel.kind.upper()} {channel.key}"
    info = DeviceInfo(
        identifiers={(DOMAIN, channel_identifier(scope, gateway.sn, channel.key))},
        name=clean_name(f"{gateway.alias or gateway.sn} {label}"),
        # Who made the SIM or USB modem is not reported. Explicitly none (not left
        # out, which would keep an older "Smart gateway"): the actions' device pickers
        # find gateways by manufacturer, and a channel is no target of theirs.
        manufacturer=None,
        model=CHANNEL_MODELS[channel.kind],
    )
    return with_parent(info, partial(gateway_device_info, scope, gateway, configuration_url))


type GatewayDescription = (
    GatewaySensorDescription | GatewayBinarySensorDescription | GatewaySwitchDescription
)
type ChannelDescription = (
    ChannelSensorDescription | ChannelBinarySensorDescription | ChannelSwitchDescription
)
# Writes settings to one gateway, then refreshes (the runtime's, which tracks the feature).
type SettingsWrite = Callable[[str, Mapping[str, Any]], Awaitable[None]]


class GatewayBaseEntity(CniotEntity[GatewayCoordinator]):
    """An entity on a gateway's device; its unique ID comes from the runtime's candidate."""

    def __init__(self, coordinator: GatewayCoordinator, sn: str, unique_id: str) -> None:
        super().__init__(coordinator)
        self.sn = sn
        self._attr_unique_id = unique_id
        self._attr_device_info = gateway_device_info(
            coordinator.config_entry.entry_id,
            coordinator.data.gateways[sn],
            coordinator.client.base_url,
        )

    @property
    def gateway(self) -> Gateway | None:
        """This entity's gateway in the latest data."""
        return self.coordinator.data.gateways.get(self.sn)

    def _source(self) -> object:
        return self.gateway, self.coordinator.data.boot_times.get(self.sn)


class GatewayEntity(GatewayBaseEntity):
    """A described entity of one gateway."""

    entity_description: GatewayDescription

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        sn: str,
        description: GatewayDescription,
        unique_id: str,
    ) -> None:
        super().__init__(coordinator, sn, unique_id)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Unavailable once gone, and while offline unless the value stays meaningful."""
        gateway = self.gateway
        if not super().available or gateway is None:
            return False
        return gateway.online or self.entity_description.available_offline


class ChannelEntity(CniotEntity[GatewayCoordinator]):
    """An entity of one SIM or USB channel."""

    entity_description: ChannelDescription

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        sn: str,
        key: str,
        description: ChannelDescription,
        unique_id: str,
    ) -> None:
        super().__init__(coordinator)
        self.sn = sn
        self.key = key
        self.entity_description = description
        self._attr_unique_id = unique_id
        gateway = coordinator.data.gateways[sn]
        self._attr_device_info = channel_device_info(
            coordinator.config_entry.entry_id,
            gateway,
            gateway.channels[key],
            coordinator.client.base_url,
        )

    @property
    def channel(self) -> Channel | None:
        """This entity's channel in the latest data."""
        gateway = self.coordinator.data.gateways.get(self.sn)
        if gateway is None or not gateway.online:
            return None
        return gateway.channels.get(self.key)

    @property
    def available(self) -> bool:
        """A channel is only as reachable as its gateway."""
        return super().available and self.channel is not None

    def _source(self) -> object:
        return self.channel


class GatewaySensor(GatewayEntity, PlausibleSensorEntity):
    """A gateway sensor."""

    entity_description: GatewaySensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """The described value."""
        gateway = self.gateway
        if gateway is None:
            return None
        return self.plausible(self.entity_description.value_fn(gateway, self.coordinator.data))


class GatewayBinarySensor(GatewayEntity, BinarySensorEntity):
    """A gateway binary sensor."""

    entity_description: GatewayBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The described flag."""
        gateway = self.gateway
        return self.entity_description.value_fn(gateway) if gateway else None


class GatewaySwitch(GatewayEntity, SwitchEntity):
    """A writable gateway setting."""

    entity_description: GatewaySwitchDescription

    def __init__(
        self,
        write: SettingsWrite,
        coordinator: GatewayCoordinator,
        sn: str,
        description: GatewaySwitchDescription,
        unique_id: str,
    ) -> None:
        super().__init__(coordinator, sn, description, unique_id)
        self._write = write

    @property
    def is_on(self) -> bool | None:
        """The setting as last reported."""
        gateway = self.gateway
        return self.entity_description.value_fn(gateway) if gateway else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the setting on."""
        await self._write(self.sn, self.entity_description.changes_fn(True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the setting off."""
        await self._write(self.sn, self.entity_description.changes_fn(False))


class GatewayTracker(GatewayBaseEntity, TrackerEntity):
    """Where the gateway is, from its GPS."""

    _attr_translation_key = "location"
    _attr_source_type = SourceType.GPS

    @property
    def force_update(self) -> bool:
        """Polled, not pushed: write only when the position changes."""
        return False

    @property
    def available(self) -> bool:
        """The last position stays meaningful while the gateway is offline."""
        return super().available and self.gateway is not None

    @property
    def latitude(self) -> float | None:
        """Latitude, or None without a fix (0,0)."""
        gateway = self.gateway
        return gateway.latitude if gateway and gateway.has_location else None

    @property
    def longitude(self) -> float | None:
        """Longitude, or None without a fix (0,0)."""
        gateway = self.gateway
        return gateway.longitude if gateway and gateway.has_location else None


class ChannelSensor(ChannelEntity, PlausibleSensorEntity):
    """A channel sensor."""

    entity_description: ChannelSensorDescription

    @property
    def native_value(self) -> StateType:
        """The described value."""
        channel = self.channel
        return self.plausible(self.entity_description.value_fn(channel)) if channel else None


class ChannelBinarySensor(ChannelEntity, BinarySensorEntity):
    """A channel binary sensor."""

    entity_description: ChannelBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The described flag."""
        channel = self.channel
        return self.entity_description.value_fn(channel) if channel else None


class ChannelSwitch(ChannelEntity, SwitchEntity):
    """A writable channel setting."""

    entity_description: ChannelSwitchDescription

    def __init__(
        self,
        write: SettingsWrite,
        coordinator: GatewayCoordinator,
        sn: str,
        key: str,
        description: ChannelSwitchDescription,
        unique_id: str,
    ) -> None:
        super().__init__(coordinator, sn, key, description, unique_id)
        self._write = write

    @property
    def is_on(self) -> bool | None:
        """The setting as last reported."""
        channel = self.channel
        return self.entity_description.value_fn(channel) if channel else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the setting on."""
        await self._write(self.sn, self.entity_description.changes_fn(self.key, True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the setting off."""
        await self._write(self.sn, self.entity_description.changes_fn(self.key, False))


class BackendFleetSensor(CniotEntity[GatewayCoordinator], SensorEntity):
    """How many of the backend's gateways are online, or offline."""

    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, coordinator: GatewayCoordinator, online: bool, unique_id: str) -> None:
        super().__init__(coordinator)
        self.online = online
        self._attr_translation_key = "online_devices" if online else "offline_devices"
        self._attr_unique_id = unique_id
        entry = coordinator.config_entry
        self._attr_device_info = backend_device_info(
            entry.entry_id, entry.title, coordinator.client.base_url
        )

    @property
    def native_value(self) -> int:
        """The gateways listed now whose online flag is (or is not) set."""
        gateways = self.coordinator.data.gateways.values()
        return sum(1 for gateway in gateways if gateway.online is self.online)
