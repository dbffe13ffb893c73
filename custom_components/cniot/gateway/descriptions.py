"""What each gateway and channel entity shows, as frozen descriptions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntityDescription,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.const import (
    SIGNAL_STRENGTH_DECIBELS,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfDataRate,
    UnitOfInformation,
    UnitOfTime,
)
from homeassistant.helpers.typing import StateType

from ..client.parse import as_float
from .coordinator import GatewayData
from .models import Channel, Gateway

GATEWAY_STATES = ["running", "offline", "upgrading", "rebooting"]

type Changes = Mapping[str, Any]


def _known_state(gateway: Gateway, _data: GatewayData) -> str | None:
    state = (gateway.state or "").strip().lower()
    return state if state in GATEWAY_STATES else None


def _present[T](getter: Callable[[T], object]) -> Callable[[T], bool]:
    return lambda item: getter(item) is not None


# Gateway level ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GatewaySensorDescription(SensorEntityDescription):
    """A sensor of a gateway."""

    # From the gateway, or from the refresh's data (what is derived across refreshes).
    value_fn: Callable[[Gateway, GatewayData], StateType | datetime]
    exists_fn: Callable[[Gateway], bool] = lambda _: True
    available_offline: bool = False


@dataclass(frozen=True, kw_only=True)
class GatewayBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a gateway."""

    value_fn: Callable[[Gateway], bool | None]
    exists_fn: Callable[[Gateway], bool] = lambda _: True
    available_offline: bool = False


@dataclass(frozen=True, kw_only=True)
class GatewaySwitchDescription(SwitchEntityDescription):
    """A writable on/off setting of a gateway."""

    value_fn: Callable[[Gateway], bool | None]
    changes_fn: Callable[[bool], Changes]
    exists_fn: Callable[[Gateway], bool] = lambda _: True
    available_offline: bool = False


class _DataKwargs(TypedDict):
    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    suggested_unit_of_measurement: str
    suggested_display_precision: int


class _RateKwargs(_DataKwargs):
    state_class: SensorStateClass


# Rates are reported in kbit/s; shown in Mbit/s.
RATE: _RateKwargs = {
    "device_class": SensorDeviceClass.DATA_RATE,
    "state_class": SensorStateClass.MEASUREMENT,
    "native_unit_of_measurement": UnitOfDataRate.KILOBITS_PER_SECOND,
    "suggested_unit_of_measurement": UnitOfDataRate.MEGABITS_PER_SECOND,
    "suggested_display_precision": 1,
}

GATEWAY_SENSORS: tuple[GatewaySensorDescription, ...] = (
    GatewaySensorDescription(
        key="state",
        translation_key="gateway_state",
        device_class=SensorDeviceClass.ENUM,
        options=GATEWAY_STATES,
        value_fn=_known_state,
        available_offline=True,
    ),
    GatewaySensorDescription(
        key="uptime",
        entity_registry_enabled_default=False,
        translation_key="uptime",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # The uptime in seconds, shown as a boot time the coordinator keeps stable.
        value_fn=lambda g, data: data.boot_times.get(g.sn),
        exists_fn=_present(lambda g: g.uptime),
    ),
    GatewaySensorDescription(
        key="rate_up",
        translation_key="rate_up",
        value_fn=lambda g, _: g.rate_up,
        exists_fn=_present(lambda g: g.rate_up),
        **RATE,
    ),
    GatewaySensorDescription(
        key="rate_down",
        translation_key="rate_down",
        value_fn=lambda g, _: g.rate_down,
        exists_fn=_present(lambda g: g.rate_down),
        **RATE,
    ),
    GatewaySensorDescription(
        key="qos",
        entity_registry_enabled_default=False,
        translation_key="qos",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda g, _: g.qos,
        exists_fn=_present(lambda g: g.qos),
    ),
    GatewaySensorDescription(
        key="speed_test_time",
        translation_key="speed_test_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda g, _: g.speed_test.time if g.speed_test else None,
        exists_fn=_present(lambda g: g.speed_test),
        available_offline=True,
    ),
    GatewaySensorDescription(
        key="speed_test_up",
        translation_key="speed_test_up",
        value_fn=lambda g, _: _speed(g, "up"),
        exists_fn=_present(lambda g: g.speed_test),
        available_offline=True,
        **RATE,
    ),
    GatewaySensorDescription(
        key="speed_test_down",
        translation_key="speed_test_down",
        value_fn=lambda g, _: _speed(g, "down"),
        exists_fn=_present(lambda g: g.speed_test),
        available_offline=True,
        **RATE,
    ),
    GatewaySensorDescription(
        key="lan_ip",
        entity_registry_enabled_default=False,
        translation_key="lan_ip",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda g, _: g.lan.ip if g.lan else None,
        exists_fn=_present(lambda g: g.lan),
    ),
    GatewaySensorDescription(
        key="hotspot_ssid",
        translation_key="hotspot_ssid",
        value_fn=lambda g, _: g.hotspot.ssid if g.hotspot else None,
        exists_fn=_present(lambda g: g.hotspot),
    ),
    GatewaySensorDescription(
        key="port_mappings",
        entity_registry_enabled_default=False,
        translation_key="port_mappings",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda g, _: len(g.mappings),
        available_offline=True,
    ),
    GatewaySensorDescription(
        key="remark",
        entity_registry_enabled_default=False,
        translation_key="remark",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda g, _: g.remark,
        exists_fn=_present(lambda g: g.remark),
        available_offline=True,
    ),
)

GATEWAY_BINARY_SENSORS: tuple[GatewayBinarySensorDescription, ...] = (
    GatewayBinarySensorDescription(
        key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda g: g.connected,
        available_offline=True,
    ),
)

GATEWAY_SWITCHES: tuple[GatewaySwitchDescription, ...] = (
    GatewaySwitchDescription(
        key="hotspot",
        translation_key="hotspot",
        value_fn=lambda g: g.hotspot.enable if g.hotspot else None,
        changes_fn=lambda on: {"network": {"hotspot": {"enable": int(on)}}},
        exists_fn=lambda g: g.hotspot is not None and g.hotspot.enable is not None,
    ),
    GatewaySwitchDescription(
        key="top",
        translation_key="top",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda g: g.top,
        changes_fn=lambda on: {"parameters": {"top": int(on)}},
        exists_fn=_present(lambda g: g.top),
        available_offline=True,
    ),
    GatewaySwitchDescription(
        key="lock",
        translation_key="lock",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda g: g.lock,
        changes_fn=lambda on: {"parameters": {"lock": int(on)}},
        exists_fn=_present(lambda g: g.lock),
        available_offline=True,
    ),
)


# Channel level ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ChannelSensorDescription(SensorEntityDescription):
    """A sensor of a SIM or USB channel."""

    value_fn: Callable[[Channel], StateType]
    exists_fn: Callable[[Channel], bool]


@dataclass(frozen=True, kw_only=True)
class ChannelBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a channel."""

    value_fn: Callable[[Channel], bool | None]
    exists_fn: Callable[[Channel], bool]


@dataclass(frozen=True, kw_only=True)
class ChannelSwitchDescription(SwitchEntityDescription):
    """A writable on/off setting of a channel."""

    value_fn: Callable[[Channel], bool | None]
    changes_fn: Callable[[str, bool], Changes]
    exists_fn: Callable[[Channel], bool]


# Data volumes are taken to be in KB (the document gives no unit); shown in GB.
DATA: _DataKwargs = {
    "device_class": SensorDeviceClass.DATA_SIZE,
    "native_unit_of_measurement": UnitOfInformation.KILOBYTES,
    "suggested_unit_of_measurement": UnitOfInformation.GIGABYTES,
    "suggested_display_precision": 2,
}


# "net: 'SA / NSA / auto', // auto 0 SA 1 NSA 2" and "slot: 0, // auto 0 主卡 1 副卡 2"
# (document lines 293-294): text or the number, either is read.
NET_MODES = ["auto", "sa", "nsa"]
SIM_SLOTS = ["auto", "main", "secondary"]


def _coded(value: str | int | None, options: list[str]) -> str | None:
    text = str(value).strip().lower() if value is not None else ""
    if text.isdigit():
        index = int(text)
        return options[index] if index < len(options) else None
    return text if text in options else None


def _number(text: str | None) -> float | int | None:
    # Numbers only: anything else is unknown, never shown as if it were one.
    value = as_float(text)
    return int(value) if value is not None and value.is_integer() else value


def _speed(gateway: Gateway, direction: str) -> float | None:
    """A speed-test result; unknown until a test ran (its zeros are no measurement)."""
    test = gateway.speed_test
    if test is None or test.time is None:
        return None
    return test.up if direction == "up" else test.down


def _signal(channel: Channel) -> float | None:
    return channel.signal if channel.signal is not None else channel.wifi_signal


class _SensorKwargs(TypedDict, total=False):
    device_class: SensorDeviceClass
    state_class: SensorStateClass
    native_unit_of_measurement: str
    suggested_unit_of_measurement: str
    suggested_display_precision: int
    entity_category: EntityCategory
    entity_registry_enabled_default: bool


class _RadioKwargs(TypedDict):
    device_class: SensorDeviceClass
    state_class: SensorStateClass
    entity_category: EntityCategory
    entity_registry_enabled_default: bool


# A radio reading of the serving cell: a diagnostic signal-strength measurement, off until
# asked for (the summary signal strength stays on).
_RADIO: _RadioKwargs = {
    "device_class": SensorDeviceClass.SIGNAL_STRENGTH,
    "state_class": SensorStateClass.MEASUREMENT,
    "entity_category": EntityCategory.DIAGNOSTIC,
    "entity_registry_enabled_default": False,
}


def _channel_field(
    key: str, field: Callable[[Channel], StateType], **kwargs: Unpack[_SensorKwargs]
) -> ChannelSensorDescription:
    """A channel sensor showing one field as sent, created when the channel reports it."""
    return ChannelSensorDescription(
        key=key, translation_key=key, value_fn=field, exists_fn=_present(field), **kwargs
    )


CHANNEL_SENSORS: tuple[ChannelSensorDescription, ...] = (
    ChannelSensorDescription(
        key="signal",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        value_fn=_signal,
        exists_fn=_present(_signal),
    ),
    _channel_field("operator", lambda c: c.operator),
    _channel_field("network_type", lambda c: c.network_type),
    _channel_field("rate_up", lambda c: c.rate_up, **RATE),
    _channel_field("rate_down", lambda c: c.rate_down, **RATE),
    _channel_field(
        "rtt",
        lambda c: c.rtt,
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
    ),
    _channel_field(
        "data_used", lambda c: c.used, state_class=SensorStateClass.TOTAL_INCREASING, **DATA
    ),
    _channel_field(
        "data_remaining", lambda c: c.remain, state_class=SensorStateClass.MEASUREMENT, **DATA
    ),
    _channel_field(
        "data_total",
        lambda c: c.total,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        **DATA,
    ),
    _channel_field(
        "data_today",
        lambda c: c.today_used,
        state_class=SensorStateClass.TOTAL_INCREASING,
        **DATA,
    ),
    _channel_field(
        "inner_ip",
        lambda c: c.inner_ip,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    _channel_field(
        "outer_ip",
        lambda c: c.outer_ip,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    _channel_field(
        "rsrp",
        lambda c: c.rsrp,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        **_RADIO,
    ),
    _channel_field(
        "rsrq", lambda c: c.rsrq, native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS, **_RADIO
    ),
    _channel_field(
        "sinr", lambda c: c.sinr, native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS, **_RADIO
    ),
    _channel_field(
        "rssi",
        lambda c: c.rssi,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        **_RADIO,
    ),
    _channel_field(
        "band",
        lambda c: c.band,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    _channel_field(
        "iccid",
        lambda c: c.iccid,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    ChannelSensorDescription(
        key="net_mode",
        entity_registry_enabled_default=False,
        translation_key="net_mode",
        device_class=SensorDeviceClass.ENUM,
        options=NET_MODES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: _coded(c.net_mode, NET_MODES),
        exists_fn=lambda c: not c.is_usb and c.net_mode is not None,
    ),
    ChannelSensorDescription(
        key="sim_slot",
        entity_registry_enabled_default=False,
        translation_key="sim_slot",
        device_class=SensorDeviceClass.ENUM,
        options=SIM_SLOTS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: _coded(c.slot, SIM_SLOTS),
        exists_fn=lambda c: not c.is_usb and c.slot is not None,
    ),
    # The document gives no unit ("frequency // 频率"): the number is shown as sent.
    ChannelSensorDescription(
        key="frequency",
        entity_registry_enabled_default=False,
        translation_key="frequency",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: _number(c.frequency),
        exists_fn=_present(lambda c: c.frequency),
    ),
    _channel_field(
        "apn",
        lambda c: c.apn,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    ChannelSensorDescription(
        key="wifi_ssid",
        translation_key="wifi_ssid",
        value_fn=lambda c: c.wifi_ssid,
        exists_fn=lambda c: c.is_wifi,
    ),
)

CHANNEL_BINARY_SENSORS: tuple[ChannelBinarySensorDescription, ...] = (
    ChannelBinarySensorDescription(
        key="connected",
        translation_key="connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda c: c.connected,
        exists_fn=_present(lambda c: c.connected),
    ),
)

CHANNEL_SWITCHES: tuple[ChannelSwitchDescription, ...] = (
    ChannelSwitchDescription(
        key="enable",
        translation_key="channel_enable",
        value_fn=lambda c: c.enable,
        changes_fn=lambda key, on: {"channel": {key: {"enable": int(on)}}},
        exists_fn=_present(lambda c: c.enable),
    ),
)
