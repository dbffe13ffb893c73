"""State of the smart gateway backend: gateways, their channels and port-mapping rules.

Attributes are snake_case; the ``*_KEYS`` tables give the vendor's JSON key of each.
The same tables drive API replies, scenario files and state dumps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import math
from typing import Any, Final

# Channel data volumes are in KB of 1,000 bytes (as the integration reads them); initFlow is in GB.
KB_PER_GB: Final = 1000 * 1000
SIM_SLOTS: Final = 6  # SIM channels are "0".."5"
USB_WIFI_KEY: Final = "8"
# The document's "not set" address; a field value, never something we bind to.
UNSET_IP: Final = "0.0.0.0"  # noqa: S104


class ScenarioError(ValueError):
    """A scenario (file) that cannot be loaded."""


@dataclass(slots=True)
class Lan:
    """The gateway's LAN and DHCP range."""

    ip: str = "192.168.4.1"
    mask: str = "255.255.255.0"
    start: str = "192.168.4.100"
    end: str = "192.168.4.199"


@dataclass(slots=True)
class Hotspot:
    """The gateway's own Wi-Fi access point."""

    enable: int = 1
    name: str = "CNIOT-WiFi"
    passwd: str = "12345678"  # noqa: S105  (factory Wi-Fi passphrase of a fake device)
    encrymode: int = 0
    ap: int = 1
    chain: int = 16
    bandwidth: int = 2
    hidden: int = 0


@dataclass(slots=True)
class SpeedRecord:
    """The last speed test; ``time`` in ms since the epoch, speeds in kbit/s."""

    time: int = 0
    up: float = 0
    down: float = 0


@dataclass(slots=True)
class SimChannel:
    """A cellular uplink. Rates in kbit/s, rtt in ms, volumes in KB, radio values in dB(m)."""

    name: str = "SIM1"
    enable: int = 1
    state: int = 1
    signal: float = -85
    operator: str = "CMCC"
    network_type: str = "5G SA"
    rateup: float = 0
    ratedown: float = 0
    rtt: float = 30
    used: float = 0
    remain: float = 100 * KB_PER_GB
    total: float = 100 * KB_PER_GB
    innerip: str = UNSET_IP
    outerip: str = UNSET_IP
    net: str = "auto"
    slot: int = 0
    apn: str = "cmnet"
    init_flow: float = 100
    iccid: str = ""
    frequency: int = 0
    frequency_range: str = ""
    rssi: float = -60
    rssp: float = -85
    rssq: float = -10
    sinru: float = 15
    today_used_flow: float = 0
    is_dhcp: bool = True
    ip: str = UNSET_IP
    mask: str = UNSET_IP
    gateway: str = UNSET_IP


@dataclass(slots=True)
class WifiChannel:
    """A USB Wi-Fi client uplink (``usb_type`` 1)."""

    name: str = "USB Wi-Fi"
    enable: int = 1
    state: int = 1
    usb_type: int = 1
    ssid: str = ""
    wifi_key: str = ""
    wifi_encry_mode: str = "WPA2-PSK"
    wifi_mode: str = "802.11ac"
    wifi_signal: float = -55
    wifi_frequency_range: str = "5GHz"
    rateup: float = 0
    ratedown: float = 0
    rtt: float = 15
    used: float = 0
    innerip: str = UNSET_IP
    outerip: str = UNSET_IP
    is_dhcp: bool = True
    ip: str = UNSET_IP
    mask: str = UNSET_IP
    gateway: str = UNSET_IP
    ssid_list: list[str] = field(default_factory=list)


type Channel = SimChannel | WifiChannel


@dataclass(slots=True)
class Assignment:
    """A port-mapping rule assigned to a gateway, forwarding to ``ip`` on its LAN."""

    uuid: str
    ip: str


@dataclass(slots=True)
class MappingRule:
    """A port-mapping rule; ``protocol`` 0 TCP, 1 UDP, 2 both."""

    uuid: str
    name: str
    ip: str
    port: str
    protocol: int
    mark: str = ""


@dataclass(slots=True)
class GatewayState:
    """One registered gateway.

    ``runtime`` is the uptime in seconds when the simulator (re)started, or when the
    gateway last went offline; ``channels`` maps channel keys to None for unused slots.
    """

    sn: str
    alias: str
    model: str = "IG200"
    version: str = "V1.1.2"
    runtime: float = 0
    remark: str = ""
    qos: str = "standard"
    online: bool = True
    record: SpeedRecord = field(default_factory=SpeedRecord)
    lat: float = 0
    lon: float = 0
    lan: Lan = field(default_factory=Lan)
    hotspot: Hotspot = field(default_factory=Hotspot)
    channels: dict[str, Channel | None] = field(default_factory=dict)
    top: int = 0
    lock: int = 0
    mappings: list[Assignment] = field(default_factory=list)


# (JSON key, attribute) in the order the document lists them.
LAN_KEYS: Final = (("ip", "ip"), ("mask", "mask"), ("start", "start"), ("end", "end"))
HOTSPOT_KEYS: Final = tuple(
    (name, name)
    for name in ("enable", "name", "passwd", "encrymode", "ap", "chain", "bandwidth", "hidden")
)
SIM_KEYS: Final = (
    ("name", "name"),
    ("enable", "enable"),
    ("state", "state"),
    ("signal", "signal"),
    ("operator", "operator"),
    ("type", "network_type"),
    ("rateup", "rateup"),
    ("ratedown", "ratedown"),
    ("rtt", "rtt"),
    ("used", "used"),
    ("remain", "remain"),
    ("total", "total"),
    ("innerip", "innerip"),
    ("outerip", "outerip"),
    ("net", "net"),
    ("slot", "slot"),
    ("apn", "apn"),
    ("initFlow", "init_flow"),
    ("ICCID", "iccid"),
    ("frequency", "frequency"),
    ("frequencyRange", "frequency_range"),
    ("rssi", "rssi"),
    ("rssp", "rssp"),
    ("rssq", "rssq"),
    ("sinru", "sinru"),
    ("todayUsedFlow", "today_used_flow"),
    # The document has both; they are the same quantity.
    ("remainFlow", "remain"),
    ("is_dhcp", "is_dhcp"),
    ("ip", "ip"),
    ("mask", "mask"),
    ("gateway", "gateway"),
)
WIFI_KEYS: Final = (
    ("usb_type", "usb_type"),
    ("name", "name"),
    ("enable", "enable"),
    ("state", "state"),
    ("ssid", "ssid"),
    ("wifiKey", "wifi_key"),
    ("wifiEncryMode", "wifi_encry_mode"),
    ("wifiMode", "wifi_mode"),
    ("wifiSignal", "wifi_signal"),
    ("wifiFrequencyRange", "wifi_frequency_range"),
    ("rateup", "rateup"),
    ("ratedown", "ratedown"),
    ("rtt", "rtt"),
    ("used", "used"),
    ("innerip", "innerip"),
    ("outerip", "outerip"),
    ("is_dhcp", "is_dhcp"),
    ("ip", "ip"),
    ("mask", "mask"),
    ("gateway", "gateway"),
    ("ssidList", "ssid_list"),
)
RULE_KEYS: Final = tuple(
    (name, name) for name in ("uuid", "name", "ip", "port", "protocol", "mark")
)


def channel_keys(channel: Channel) -> Sequence[tuple[str, str]]:
    """The key table of a channel."""
    return WIFI_KEYS if isinstance(channel, WifiChannel) else SIM_KEYS


def api_number(value: float) -> int:
    """Numbers in replies are whole, as in the document."""
    return round(value)


def plain_number(value: float) -> float:
    """Integral floats as ints, for tidy scenario files."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def dump_fields(obj: object, keys: Sequence[tuple[str, str]], *, api: bool) -> dict[str, Any]:
    """An object as JSON; ``api`` rounds numbers the way replies carry them."""
    out: dict[str, Any] = {}
    for key, attr in keys:
        value = getattr(obj, attr)
        kind = type(value)
        # Exact types first: every list renders every field of every channel.
        if kind is float or kind is int or (kind is not bool and isinstance(value, float | int)):
            value = api_number(value) if api else plain_number(value)
        elif kind is list:
            value = list(value)
        out[key] = value
    return out


def channel_to_json(channel: Channel | None, *, api: bool) -> dict[str, Any]:
    """A channel as JSON; an unused slot is ``{}``."""
    if channel is None:
        return {}
    return dump_fields(channel, channel_keys(channel), api=api)


# -- loading ---------------------------------------------------------------------------


# Attributes whose defaults are written as ints but which take any number.
_FLOATS: Final = frozenset(
    {
        "signal",
        "rateup",
        "ratedown",
        "rtt",
        "used",
        "remain",
        "total",
        "init_flow",
        "rssi",
        "rssp",
        "rssq",
        "sinru",
        "today_used_flow",
        "wifi_signal",
        "runtime",
        "up",
        "down",
        "lat",
        "lon",
    }
)


def _check(where: str, value: Any, default: Any) -> Any:
    """``value`` when it has the JSON type of ``default``, else ScenarioError."""
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    elif isinstance(default, list):
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ScenarioError(f"{where}: expected {type(default).__name__}, got {value!r}")
    return list(value) if isinstance(value, list) else value


def _object(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where}: expected an object")
    return value


def load_fields[T](
    obj: T, data: Any, keys: Sequence[tuple[str, str]], where: str, *, ignore: Sequence[str] = ()
) -> T:
    """Set the attributes of ``obj`` from JSON, checking types and refusing unknown keys."""
    data = _object(where, data)
    known = {key for key, _attr in keys}
    unknown = set(data) - known - set(ignore)
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    for key, attr in keys:
        if key in data:
            default = getattr(obj, attr)
            if isinstance(default, int) and not isinstance(default, bool) and attr in _FLOATS:
                default = float(default)
            setattr(obj, attr, _check(f"{where}.{key}", data[key], default))
    return obj


def channel_from_json(where: str, data: Any) -> Channel | None:
    """A channel from JSON; ``{}`` is an unused slot."""
    data = _object(where, data)
    if not data:
        return None
    if "usb_type" in data:
        if data["usb_type"] != 1:
            raise ScenarioError(f"{where}.usb_type: only 1 (USB Wi-Fi) is simulated")
        return load_fields(WifiChannel(), data, WIFI_KEYS, where)
    return load_fields(SimChannel(), data, SIM_KEYS, where)


_GATEWAY_KEYS: Final = (
    ("sn", "sn"),
    ("alias", "alias"),
    ("type", "model"),
    ("version", "version"),
    ("runtime", "runtime"),
    ("remark", "remark"),
    ("qos", "qos"),
    ("online", "online"),
)


def gateway_from_json(where: str, data: Any) -> GatewayState:
    """A gateway from its scenario form (see simulator/README.md)."""
    data = _object(where, data)
    sn, alias = data.get("sn"), data.get("alias")
    if not isinstance(sn, str) or not sn or not isinstance(alias, str) or not alias:
        raise ScenarioError(f"{where}: sn and alias are required strings")
    gateway = load_fields(
        GatewayState(sn=sn, alias=alias),
        data,
        _GATEWAY_KEYS,
        where,
        ignore=("record", "gps", "network", "channel", "parameters", "mapping"),
    )
    if "record" in data:
        record = _object(f"{where}.record", data["record"])
        load_fields(
            gateway.record, record, (("time", "time"),), f"{where}.record", ignore=["speed"]
        )
        if "speed" in record:
            load_fields(
                gateway.record,
                record["speed"],
                (("up", "up"), ("down", "down")),
                f"{where}.record.speed",
            )
    if "gps" in data:
        load_fields(gateway, data["gps"], (("lat", "lat"), ("lon", "lon")), f"{where}.gps")
    network = _object(f"{where}.network", data.get("network", {}))
    load_fields(gateway, network, (), f"{where}.network", ignore=("lan", "hotspot"))
    if "lan" in network:
        load_fields(gateway.lan, network["lan"], LAN_KEYS, f"{where}.network.lan")
    if "hotspot" in network:
        load_fields(gateway.hotspot, network["hotspot"], HOTSPOT_KEYS, f"{where}.network.hotspot")
    for key, raw in _object(f"{where}.channel", data.get("channel", {})).items():
        if not key.isdigit():
            raise ScenarioError(f"{where}.channel: keys are channel numbers, got {key!r}")
        gateway.channels[key] = channel_from_json(f"{where}.channel.{key}", raw)
    if "parameters" in data:
        load_fields(
            gateway, data["parameters"], (("top", "top"), ("lock", "lock")), f"{where}.parameters"
        )
    mapping = data.get("mapping", [])
    if not isinstance(mapping, list):
        raise ScenarioError(f"{where}.mapping: expected a list")
    for index, item in enumerate(mapping):
        gateway.mappings.append(
            load_fields(
                Assignment(uuid="", ip=""),
                item,
                (("uuid", "uuid"), ("ip", "ip")),
                f"{where}.mapping[{index}]",
            )
        )
    return gateway


def gateway_to_json(gateway: GatewayState, *, runtime: float | None = None) -> dict[str, Any]:
    """A gateway in its scenario form; ``runtime`` overrides the stored one."""
    return {
        "sn": gateway.sn,
        "alias": gateway.alias,
        "type": gateway.model,
        "version": gateway.version,
        "runtime": plain_number(gateway.runtime if runtime is None else runtime),
        "remark": gateway.remark,
        "qos": gateway.qos,
        "online": gateway.online,
        "record": {
            "time": gateway.record.time,
            "speed": {
                "up": plain_number(gateway.record.up),
                "down": plain_number(gateway.record.down),
            },
        },
        "gps": {"lat": gateway.lat, "lon": gateway.lon},
        "network": {
            "lan": dump_fields(gateway.lan, LAN_KEYS, api=False),
            "hotspot": dump_fields(gateway.hotspot, HOTSPOT_KEYS, api=False),
        },
        "channel": {
            key: channel_to_json(channel, api=False)
            for key, channel in sorted_channels(gateway.channels)
        },
        "parameters": {"top": gateway.top, "lock": gateway.lock},
        "mapping": [{"uuid": item.uuid, "ip": item.ip} for item in gateway.mappings],
    }


def rule_from_json(where: str, data: Any) -> MappingRule:
    """A port-mapping rule from its scenario form."""
    data = _object(where, data)
    if not all(isinstance(data.get(key), str) for key in ("uuid", "name", "ip", "port")):
        raise ScenarioError(f"{where}: uuid, name, ip and port are required strings")
    rule = MappingRule(uuid="", name="", ip="", port="", protocol=0)
    return load_fields(rule, data, RULE_KEYS, where)


def rule_to_json(rule: MappingRule) -> dict[str, Any]:
    """A port-mapping rule in its scenario form."""
    return dump_fields(rule, RULE_KEYS, api=False)


def sorted_channels[V](channels: Mapping[str, V]) -> list[tuple[str, V]]:
    """Channels in numeric key order."""
    return sorted(channels.items(), key=lambda item: int(item[0]))
