"""The gateway backend API's paths, error codes, selections and writable fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
import ipaddress
import math
import re
from typing import Any, Final

from ..common import Params, fail, is_int as _is_int
from .network import (
    parse_ipv4,
)
from .state import (
    Channel,
    GatewayState,
    Lan,
)

DEFAULT_SET_PATH: Final = "/api/v1/devices/set"
DEFAULT_MAX_DEVICES: Final = 64
CHART_SIZE: Final = 60

# Every documented path but the settings write, whose path is configurable.
FIXED_PATHS: Final = {
    "/api/v1/devices/list": "POST",
    "/api/v1/devices/query": "POST",
    "/api/v1/devices/regist": "POST",
    "/api/v1/devices/delete": "POST",
    "/api/v1/mapping/list": "GET",
    "/api/v1/mapping/add": "POST",
    "/api/v1/mapping/edit": "POST",
    "/api/v1/mapping/delete": "POST",
    "/api/v1/device/addMapping": "POST",
    "/api/v1/device/editMapping": "POST",
    "/api/v1/device/deleteMapping": "POST",
}
# The key of the settings write among the handlers; its path is ``set_path``.
SET_ROUTE: Final = "set"

type GatewayHandler = Callable[[dict[str, Any]], dict[str, Any]]

# The document spells the message key of these replies "msg " (trailing space).
MSG_QUIRK_PATHS: Final = frozenset(
    path for path in FIXED_PATHS if path.startswith(("/api/v1/mapping/", "/api/v1/device/"))
)

BASE_FIELDS: Final = (
    "sn",
    "alias",
    "state",
    "type",
    "version",
    "runtime",
    "remark",
    "rateup",
    "ratedown",
    "qos",
    "mapping",
    "record",
    "gps",
)
NETWORK_FIELDS: Final = ("lan", "hotspot")
PARAMETER_FIELDS: Final = ("top", "lock")
CHART_TOTALS: Final = ("rateUp", "rateDown")

SN_RE: Final = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
ALIAS_MAX: Final = 32
RULE_NAME_MAX: Final = 64
MAX_PAGE_SIZE: Final = 1000
UUID_BITS: Final = 76  # 19 hex digits

OK: Final = 0
JSON_ERROR: Final = 1
INVALID_DATA: Final = 7001
RULE_NAME_EXISTS: Final = 7002
PORT_IN_USE: Final = 7003
UUID_NOT_FOUND: Final = 7004
BAD_SERIAL: Final = 7005
DEVICE_OFFLINE: Final = 7006
SERIAL_EXISTS: Final = 7007
ALIAS_EXISTS: Final = 7008
ALIAS_INVALID: Final = 7009
PARAMETER_ERROR: Final = 7010
TOO_MANY_DEVICES: Final = 7011

ERROR_TEXT: Final = {
    JSON_ERROR: "json格式解析错误",
    INVALID_DATA: "数据非法",
    RULE_NAME_EXISTS: "规则名已存在",
    PORT_IN_USE: "端口已被占用",
    UUID_NOT_FOUND: "UUID未找到",
    BAD_SERIAL: "序列号出错",
    DEVICE_OFFLINE: "设备已下线",
    SERIAL_EXISTS: "序列号已存在",
    ALIAS_EXISTS: "设备别名已存在",
    ALIAS_INVALID: "设备别名非法",
    PARAMETER_ERROR: "参数错误",
    TOO_MANY_DEVICES: "注册设备超出最大限制",
}


# -- parameters ------------------------------------------------------------------------

# Bad parameters are 7010 throughout.
_PARAMS: Final = Params(PARAMETER_ERROR)
param = _PARAMS.typed
str_list = _PARAMS.str_list
int_param = _PARAMS.req_int


@dataclass(frozen=True, slots=True)
class Selection:
    """Which parts of a device a list or query asks for; None means not at all.

    An empty ``channel`` or ``chart_channel`` set means every channel.
    """

    base: frozenset[str] | None = None
    network: frozenset[str] | None = None
    channel: frozenset[str] | None = None
    parameters: frozenset[str] | None = None
    chart_total: frozenset[str] | None = None
    chart_channel: frozenset[str] | None = None

    @property
    def chart(self) -> bool:
        """Whether a chart was asked for."""
        return self.chart_total is not None or self.chart_channel is not None


EVERYTHING: Final = Selection(
    base=frozenset(BASE_FIELDS),
    network=frozenset(NETWORK_FIELDS),
    channel=frozenset(),
    parameters=frozenset(PARAMETER_FIELDS),
    chart_total=frozenset(CHART_TOTALS),
    chart_channel=frozenset(),
)


def parse_selection(args: Mapping[str, Any], *, chart: bool) -> Selection:
    """The ``args`` object of list and query; empty means everything."""
    if not args:
        return EVERYTHING if chart else replace(EVERYTHING, chart_total=None, chart_channel=None)

    def names(source: Mapping[str, Any], key: str, where: str = "args") -> frozenset[str] | None:
        if key not in source:
            return None
        return frozenset(str_list(source[key], f"{where}.{key}"))

    selection = Selection(
        base=names(args, "base"),
        network=names(args, "network"),
        channel=names(args, "channel"),
        parameters=names(args, "parameters"),
    )
    if chart and "chart" in args:
        spec = args["chart"]
        if not isinstance(spec, dict):
            fail(PARAMETER_ERROR, "args.chart must be an object")
        if not spec:
            return replace(selection, chart_total=EVERYTHING.chart_total, chart_channel=frozenset())
        selection = replace(
            selection,
            chart_total=names(spec, "total", "args.chart") or frozenset(),
            chart_channel=names(spec, "channel", "args.chart"),
        )
    return selection


# -- writable fields -------------------------------------------------------------------

type Validator = Callable[[Any], Any]


def flag(value: Any) -> int:
    """0 or 1."""
    if not _is_int(value) or value not in (0, 1):
        raise ValueError("must be 0 or 1")
    return int(value)


def int_in(low: int, high: int) -> Validator:
    """An integer in low..high."""

    def check(value: Any) -> int:
        if not _is_int(value) or not low <= value <= high:
            raise ValueError(f"must be an integer {low}..{high}")
        return int(value)

    return check


def text(low: int, high: int) -> Validator:
    """A string of low..high characters, not only blanks when low > 0."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or not low <= len(value) <= high:
            raise ValueError(f"must be a string of {low}..{high} characters")
        if low and not value.strip():
            raise ValueError("must not be blank")
        return value

    return check


def choice(*options: str) -> Validator:
    """One of the given strings."""

    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return str(value)

    return check


def ipv4(value: Any) -> str:
    """A dotted IPv4 address."""
    address = parse_ipv4(value) if isinstance(value, str) else None
    if address is None:
        raise ValueError("must be an IPv4 address")
    return str(address)


def netmask(value: Any) -> str:
    """A contiguous IPv4 netmask."""
    address = ipv4(value)
    bits = int(ipaddress.IPv4Address(address))
    inverted = ~bits & 0xFFFFFFFF
    if inverted & (inverted + 1):
        raise ValueError("must be a contiguous netmask")
    return address


def amount(value: Any) -> float:
    """A non-negative number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("must be a number")
    if not math.isfinite(value) or value < 0:
        raise ValueError("must be a finite number >= 0")
    return float(value)


def dhcp(value: Any) -> bool:
    """The document shows ``false``; 0/1 are taken too."""
    if isinstance(value, bool):
        return value
    return bool(flag(value))


def wifi_key(value: Any) -> str:
    """Empty (open network) or a WPA passphrase of 8..63 characters."""
    if not isinstance(value, str) or (value and not 8 <= len(value) <= 63):
        raise ValueError("must be empty or 8..63 characters")
    return value


LAN_WRITABLE: Final[dict[str, Validator]] = {
    "ip": ipv4,
    "mask": netmask,
    "start": ipv4,
    "end": ipv4,
}
HOTSPOT_WRITABLE: Final[dict[str, Validator]] = {
    "enable": flag,
    "name": text(1, 32),
    "passwd": text(8, 63),
    "encrymode": int_in(0, 4),
    "ap": flag,
    "chain": int_in(0, 196),
    "bandwidth": int_in(0, 3),
    "hidden": flag,
}
_CHANNEL_COMMON: Final[dict[str, Validator]] = {
    "name": text(1, 32),
    "enable": flag,
    "is_dhcp": dhcp,
    "ip": ipv4,
    "mask": netmask,
    "gateway": ipv4,
}
SIM_WRITABLE: Final[dict[str, Validator]] = _CHANNEL_COMMON | {
    "net": choice("SA", "NSA", "auto"),
    "slot": int_in(0, 2),
    "apn": text(0, 63),
    "initFlow": amount,
    "todayUsedFlow": amount,
    "remainFlow": amount,
}
WIFI_WRITABLE: Final[dict[str, Validator]] = _CHANNEL_COMMON | {
    "ssid": text(0, 32),
    "wifiKey": wifi_key,
}
PARAMETERS_WRITABLE: Final[dict[str, Validator]] = {"top": flag, "lock": flag}
REMARK_MAX: Final = 128


def validate_group(where: str, changes: Any, writable: Mapping[str, Validator]) -> dict[str, Any]:
    """Validated values of one object of a settings write, by JSON key, else 7001."""
    if not isinstance(changes, dict):
        fail(INVALID_DATA, f"{where} must be an object")
    out: dict[str, Any] = {}
    for key, value in changes.items():
        validator = writable.get(key)
        if validator is None:
            fail(INVALID_DATA, f"{where}.{key} is not writable")
        try:
            out[key] = validator(value)
        except (TypeError, ValueError) as err:
            fail(INVALID_DATA, f"{where}.{key} {err}")
    return out


def alias_ok(alias: Any) -> bool:
    """Aliases are 1..32 characters, not only blanks."""
    return isinstance(alias, str) and bool(alias.strip()) and len(alias) <= ALIAS_MAX


@dataclass(slots=True)
class _Plan:
    """A validated settings write for one gateway, applied only once all are valid."""

    gateway: GatewayState
    base: dict[str, Any]
    lan: Lan | None
    hotspot: dict[str, Any]
    channels: list[tuple[Channel, dict[str, Any]]]
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChartSample:
    """Rates at one moment: totals and, per channel, (up, down, rtt)."""

    time: int
    up: int
    down: int
    channels: dict[str, tuple[int, int, int]]
