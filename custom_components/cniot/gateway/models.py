"""Typed models of the gateway backend's replies.

Parsing is tolerant: the vendor's own examples contain empty channel objects,
numbers with units appended and keys with stray spaces. Anything unusable
becomes ``None`` rather than an exception; only a reply whose overall shape
is wrong is refused by the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
import re
from typing import Any

from ..client.parse import as_float, as_int, as_mapping, as_str, epoch_to_datetime
from ..plausible import Bounds, clean_name, plausible_bool, plausible_id, within

# Channel keys "0".."7" are cellular SIM slots; higher ones are USB ports.
FIRST_USB_CHANNEL = 8
_CHANNEL_KEY_RE = re.compile(r"\d{1,4}")
LATITUDE = Bounds(-90, 90)
LONGITUDE = Bounds(-180, 180)


class Protocol(IntEnum):
    """Port-mapping protocols as numbered by the API."""

    TCP = 0
    UDP = 1
    TCP_UDP = 2


def as_bool(value: Any) -> bool | None:
    """The API's 0/1 flags (also booleans and "0"/"1" strings); anything else is unknown."""
    return plausible_bool(value)


def get_key(data: Mapping[str, Any], key: str) -> Any:
    """Look a key up, tolerating stray whitespace in the vendor's keys (``"msg "``)."""
    if key in data:
        return data[key]
    for raw_key, value in data.items():
        if isinstance(raw_key, str) and raw_key.strip() == key:
            return value
    return None


@dataclass(frozen=True, slots=True)
class SpeedTest:
    """The last speed test the gateway ran."""

    time: datetime | None
    up: float | None
    down: float | None


@dataclass(frozen=True, slots=True)
class Hotspot:
    """The gateway's own Wi-Fi access point. The password is kept out of repr."""

    enable: bool | None
    ssid: str | None
    password: str | None = field(repr=False)
    encryption: int | None
    hidden: bool | None


@dataclass(frozen=True, slots=True)
class Lan:
    """The gateway's LAN side."""

    ip: str | None
    mask: str | None
    dhcp_start: str | None
    dhcp_end: str | None


@dataclass(frozen=True, slots=True)
class Channel:  # pylint: disable=too-many-instance-attributes
    """One SIM or USB uplink channel of a gateway."""

    key: str
    name: str | None
    enable: bool | None
    connected: bool | None
    signal: float | None
    operator: str | None
    network_type: str | None
    rate_up: float | None
    rate_down: float | None
    rtt: float | None
    used: float | None
    remain: float | None
    total: float | None
    inner_ip: str | None
    outer_ip: str | None
    net_mode: str | None
    slot: int | None
    apn: str | None
    iccid: str | None
    frequency: str | None
    band: str | None
    rssi: float | None
    rsrp: float | None
    rsrq: float | None
    sinr: float | None
    today_used: float | None
    usb_type: int | None
    wifi_ssid: str | None
    wifi_signal: float | None

    @property
    def is_usb(self) -> bool:
        """USB channels carry ``usb_type``, or sit at the USB channel numbers."""
        if self.usb_type is not None:
            return True
        return self.key.isdigit() and int(self.key) >= FIRST_USB_CHANNEL

    @property
    def is_wifi(self) -> bool:
        """A USB Wi-Fi client uplink (``usb_type`` 1)."""
        return self.usb_type == 1

    @property
    def kind(self) -> str:
        """``sim``, ``usb_wifi`` or ``usb``."""
        if self.is_wifi:
            return "usb_wifi"
        return "usb" if self.is_usb else "sim"

    @classmethod
    def parse(cls, key: str, data: Mapping[str, Any]) -> Channel | None:
        """Parse one channel; an empty object (an unused slot) gives None."""
        if not data:
            return None
        signal = as_float(data.get("signal"))
        wifi_signal = as_float(data.get("wifiSignal"))
        return cls(
            key=key,
            name=clean_name(data.get("name")),
            enable=as_bool(data.get("enable")),
            connected=as_bool(data.get("state")),
            signal=signal,
            operator=as_str(data.get("operator")),
            network_type=as_str(data.get("type")),
            rate_up=as_float(data.get("rateup")),
            rate_down=as_float(data.get("ratedown")),
            rtt=as_float(data.get("rtt")),
            used=as_float(data.get("used")),
            remain=as_float(data.get("remain", data.get("remainFlow"))),
            total=as_float(data.get("total")),
            inner_ip=as_str(data.get("innerip")),
            outer_ip=as_str(data.get("outerip")),
            net_mode=as_str(data.get("net")),
            slot=as_int(data.get("slot")),
            apn=as_str(data.get("apn")),
            iccid=as_str(data.get("ICCID", data.get("iccid"))),
            frequency=as_str(data.get("frequency")),
            band=as_str(data.get("frequencyRange")),
            rssi=as_float(data.get("rssi")),
            # The document spells RSRP/RSRQ/SINR as rssp/rssq/sinru; accept both.
            rsrp=as_float(data.get("rssp", data.get("rsrp"))),
            rsrq=as_float(data.get("rssq", data.get("rsrq"))),
            sinr=as_float(data.get("sinru", data.get("sinr"))),
            today_used=as_float(data.get("todayUsedFlow")),
            usb_type=as_int(data.get("usb_type")),
            wifi_ssid=as_str(data.get("ssid")),
            wifi_signal=wifi_signal,
        )


@dataclass(frozen=True, slots=True)
class MappingRef:
    """A port-mapping rule assigned to a gateway."""

    uuid: str
    name: str | None
    ip: str | None


# The documented states of a reachable gateway.
ONLINE_STATES = frozenset({"running", "upgrading", "rebooting"})


@dataclass(frozen=True, slots=True)
class Gateway:  # pylint: disable=too-many-instance-attributes
    """One gateway as the device list reports it."""

    sn: str
    alias: str | None
    state: str | None
    model: str | None
    version: str | None
    # Ticks on every poll. No entity shows it but through the coordinator's boot
    # times, so a refresh in which only the uptime moved compares equal.
    uptime: int | None = field(compare=False)  # seconds; the backend calls it "runtime"
    remark: str | None
    rate_up: float | None
    rate_down: float | None
    qos: str | None
    mappings: tuple[MappingRef, ...]
    speed_test: SpeedTest | None
    latitude: float | None
    longitude: float | None
    lan: Lan | None
    hotspot: Hotspot | None
    channels: Mapping[str, Channel]
    top: bool | None
    lock: bool | None

    @property
    def online(self) -> bool:
        """Everything but an explicit ``offline`` state counts as reachable."""
        return (self.state or "").strip().lower() != "offline"

    @property
    def connected(self) -> bool | None:
        """Connectivity as the state says it; None for a missing or undocumented state."""
        state = (self.state or "").strip().lower()
        if state == "offline":
            return False
        return True if state in ONLINE_STATES else None

    @property
    def has_location(self) -> bool:
        """0,0 is how the backend says it has no fix."""
        return (
            self.latitude is not None
            and self.longitude is not None
            and (self.latitude, self.longitude) != (0.0, 0.0)
        )

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Gateway | None:
        """Parse one entry of ``devices``; None when it carries no serial."""
        base = as_mapping(data.get("base"))
        # A serial makes a device: a float (1e40), a bool or an object is none.
        sn = plausible_id(base.get("sn")) or plausible_id(data.get("sn"))
        if sn is None:
            return None
        network = as_mapping(data.get("network"))
        params = as_mapping(data.get("parameters"))
        gps = as_mapping(base.get("gps"))
        channels: dict[str, Channel] = {}
        for key, raw in as_mapping(data.get("channel")).items():
            if not _CHANNEL_KEY_RE.fullmatch(str(key)):
                continue  # a channel key makes a device: "0".."9999" only
            channel = Channel.parse(str(key), as_mapping(raw))
            if channel is not None:
                channels[channel.key] = channel
        return cls(
            sn=sn,
            alias=clean_name(base.get("alias")),
            state=as_str(base.get("state")),
            model=as_str(base.get("type")),
            version=as_str(base.get("version")),
            uptime=as_int(base.get("runtime")),
            remark=as_str(base.get("remark")),
            rate_up=as_float(base.get("rateup")),
            rate_down=as_float(base.get("ratedown")),
            qos=as_str(base.get("qos")),
            mappings=_parse_mapping_refs(base.get("mapping")),
            speed_test=_parse_speed_test(base.get("record")),
            latitude=within(as_float(gps.get("lat")), LATITUDE),
            longitude=within(as_float(gps.get("lon")), LONGITUDE),
            lan=_parse_lan(network.get("lan")),
            hotspot=_parse_hotspot(network.get("hotspot")),
            channels=channels,
            top=as_bool(params.get("top")),
            lock=as_bool(params.get("lock")),
        )


@dataclass(frozen=True, slots=True)
class PortMapping:
    """A port-mapping rule of the backend."""

    uuid: str
    name: str | None
    ip: str | None
    port: str | None
    protocol: Protocol | None
    dev_name: str | None
    sn: str | None
    dev_type: str | None
    mark: str | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> PortMapping | None:
        """Parse one rule; None without a uuid."""
        uuid = as_str(data.get("uuid"))
        if uuid is None:
            return None
        proto = as_int(data.get("protocol"))
        return cls(
            uuid=uuid,
            name=as_str(data.get("name")),
            ip=as_str(data.get("ip", data.get("addr"))),
            port=as_str(data.get("port")),
            protocol=Protocol(proto) if proto in (0, 1, 2) else None,
            dev_name=as_str(data.get("devName")),
            sn=as_str(data.get("sn")),
            dev_type=as_str(data.get("devType")),
            mark=data["mark"] if isinstance(data.get("mark"), str) else None,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, with the protocol by name."""
        return {
            "uuid": self.uuid,
            "name": self.name,
            "ip": self.ip,
            "port": self.port,
            "protocol": self.protocol.name.lower() if self.protocol is not None else None,
            "dev_name": self.dev_name,
            "sn": self.sn,
            "dev_type": self.dev_type,
            "mark": self.mark,
        }


@dataclass(frozen=True, slots=True)
class DevicePage:
    """One page of ``devices/list``."""

    count: int
    gateways: tuple[Gateway, ...]
    raw_length: int
    # False when the reply's count was unusable and ``count`` only counts this page.
    count_reported: bool = True


def _parse_mapping_refs(value: Any) -> tuple[MappingRef, ...]:
    if not isinstance(value, list):
        return ()
    refs = []
    for item in value:
        item_map = as_mapping(item)
        uuid = as_str(item_map.get("uuid"))
        if uuid is not None:
            refs.append(
                MappingRef(
                    uuid=uuid, name=as_str(item_map.get("name")), ip=as_str(item_map.get("ip"))
                )
            )
    return tuple(refs)


def _parse_speed_test(value: Any) -> SpeedTest | None:
    record = as_mapping(value)
    if not record:
        return None
    speed = as_mapping(record.get("speed"))
    return SpeedTest(
        time=epoch_to_datetime(as_float(record.get("time"))),
        up=as_float(speed.get("up")),
        down=as_float(speed.get("down")),
    )


def _parse_lan(value: Any) -> Lan | None:
    lan = as_mapping(value)
    if not lan:
        return None
    return Lan(
        ip=as_str(lan.get("ip")),
        mask=as_str(lan.get("mask")),
        dhcp_start=as_str(lan.get("start")),
        dhcp_end=as_str(lan.get("end")),
    )


def _parse_hotspot(value: Any) -> Hotspot | None:
    hotspot = as_mapping(value)
    if not hotspot:
        return None
    return Hotspot(
        enable=as_bool(hotspot.get("enable")),
        ssid=as_str(hotspot.get("name")),
        password=as_str(hotspot.get("passwd")),
        encryption=as_int(hotspot.get("encrymode")),
        hidden=as_bool(hotspot.get("hidden")),
    )
