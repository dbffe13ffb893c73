"""Simulator of the smart cellular bonding gateway backend (IG200-class), ``/api/v1``.

Semantics follow the vendor document (gateway-api.md): validation, error codes 7001-7011
and state changes. Request handlers are synchronous between reading the body and
replying, so every write is atomic with respect to other requests.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
import copy
from dataclasses import dataclass, replace
import ipaddress
import json
import math
import random
import re
from typing import Any, Final, NoReturn

from aiohttp import web

from .base import VendorSimulator, json_reply, wall_clock
from .faults import Handler
from .gateway_state import (
    HOTSPOT_KEYS,
    KB_PER_GB,
    LAN_KEYS,
    Assignment,
    Channel,
    GatewayState,
    Lan,
    MappingRule,
    SimChannel,
    WifiChannel,
    api_number,
    channel_keys,
    channel_to_json,
    dump_fields,
    format_port_spec,
    gateway_to_json,
    lan_network,
    lan_problem,
    parse_ipv4,
    parse_port_spec,
    rule_to_json,
    sorted_channels,
)
from .scenario import (
    GATEWAY_SECTION,
    RADIO_PROFILES,
    WIFI_PROFILE,
    Scenario,
    default_scenario,
    new_gateway,
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


class ApiError(Exception):
    """A vendor error reply."""

    def __init__(self, code: int, detail: str | None = None) -> None:
        """Error ``code``; the message is the document's text plus an optional detail."""
        text = ERROR_TEXT[code]
        super().__init__(f"{text}: {detail}" if detail else text)
        self.code = code


def fail(code: int, detail: str | None = None) -> NoReturn:
    """Reply with a vendor error."""
    raise ApiError(code, detail)


# -- parameters ------------------------------------------------------------------------


def param[T](body: Mapping[str, Any], key: str, kind: type[T]) -> T:
    """A required parameter of the given JSON type, else 7010."""
    value = body.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        fail(PARAMETER_ERROR, f"{key} is required and must be {kind.__name__}")
    return value


def int_param(body: Mapping[str, Any], key: str, low: int, high: int) -> int:
    """A required integer in low..high, else 7010."""
    value = param(body, key, int)
    if not low <= value <= high:
        fail(PARAMETER_ERROR, f"{key} must be {low}..{high}")
    return value


def str_list(value: Any, key: str) -> list[str]:
    """A list of strings, else 7010."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        fail(PARAMETER_ERROR, f"{key} must be an array of strings")
    return value


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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


# -- the simulator ---------------------------------------------------------------------


class GatewaySimulator(VendorSimulator):
    """The gateway backend, serving a scenario."""

    vendor = "gateway"

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        drift: bool = False,
        clock: Callable[[], float] = wall_clock,
        username: str | None = None,
        password: str | None = None,
        set_path: str = DEFAULT_SET_PATH,
        max_devices: int = DEFAULT_MAX_DEVICES,
        latency: float = 0.0,
        seed: int = 0,
        chart_size: int = CHART_SIZE,
    ) -> None:
        """Serve ``scenario`` (default: :func:`default_scenario`); see the README for options."""
        super().__init__(username=username, password=password, latency=latency)
        if not set_path.startswith("/") or set_path.startswith("/_sim/") or set_path in FIXED_PATHS:
            raise ValueError("set_path must start with '/' and not be another API or /_sim/ path")
        if chart_size < 1:
            raise ValueError("chart_size must be at least 1")
        self._scenario = copy.deepcopy(scenario if scenario is not None else default_scenario())
        self.drift = drift
        self.clock = clock
        self.set_path = set_path
        # The integration's one optional feature: the settings write (no permission code).
        self.feature_paths = {"settings": re.escape(set_path)}
        self.max_devices = max_devices
        self.seed = seed
        self.chart_size = chart_size
        self.devices: dict[str, GatewayState] = {}
        self.rules: dict[str, MappingRule] = {}
        self._rng = random.Random(seed)
        self._ids = random.Random(seed + 1)
        self._anchors: dict[str, float] = {}
        self._charts: dict[str, deque[ChartSample]] = {}
        self._last_tick = 0.0
        self.reset_state()
        self._add_routes()

    def _add_routes(self) -> None:
        handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/api/v1/devices/list": self._list,
            "/api/v1/devices/query": self._query,
            "/api/v1/devices/regist": self._regist,
            "/api/v1/devices/delete": self._delete,
            "/api/v1/mapping/list": self._mapping_list,
            "/api/v1/mapping/add": self._mapping_add,
            "/api/v1/mapping/edit": self._mapping_edit,
            "/api/v1/mapping/delete": self._mapping_delete,
            "/api/v1/device/addMapping": self._assign,
            "/api/v1/device/editMapping": self._edit_assignment,
            "/api/v1/device/deleteMapping": self._unassign,
        }
        for path, method in FIXED_PATHS.items():
            handler = self._endpoint(handlers[path], quirk=path in MSG_QUIRK_PATHS)
            self.app.router.add_route(method, path, handler)
        self.app.router.add_post(self.set_path, self._endpoint(self._set, quirk=False))

    def _endpoint(
        self, handler: Callable[[dict[str, Any]], dict[str, Any]], *, quirk: bool
    ) -> Handler:
        async def view(request: web.Request) -> web.StreamResponse:
            try:
                body = await self._read_body(request) if request.method == "POST" else {}
                reply = handler(body)
            except ApiError as err:
                reply = {"code": err.code, "msg": str(err)}
            if quirk:
                reply = {("msg " if key == "msg" else key): value for key, value in reply.items()}
            return json_reply(reply)

        return view

    @staticmethod
    async def _read_body(request: web.Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.read())
        except ValueError:
            fail(JSON_ERROR)
        if not isinstance(body, dict):
            fail(PARAMETER_ERROR, "the body must be a JSON object")
        return body

    # -- state -----------------------------------------------------------------------

    def reset_state(self) -> None:
        """Back to the scenario: devices, rules, clocks, charts and random streams."""
        scenario = copy.deepcopy(self._scenario)
        self.devices = {gateway.sn: gateway for gateway in scenario.gateways}
        self.rules = {rule.uuid: rule for rule in scenario.rules}
        self._rng = random.Random(self.seed)
        self._ids = random.Random(self.seed + 1)
        now = self.clock()
        self._last_tick = now
        self._anchors = dict.fromkeys(self.devices, now)
        self._charts = {}
        for gateway in self.devices.values():
            self._sample(gateway, now)

    def set_online(self, device_id: str, online: bool) -> None:
        """Take a gateway off or on line (runtime pauses while offline); KeyError if unknown."""
        gateway = self.devices[device_id]
        if gateway.online == online:
            return
        now = self.clock()
        if online:
            self._anchors[device_id] = now
        else:
            gateway.runtime = self.runtime(gateway, now)
        gateway.online = online

    def online_states(self) -> dict[str, bool]:
        """Every gateway's serial and whether it is online."""
        return {sn: gateway.online for sn, gateway in self.devices.items()}

    def runtime(self, gateway: GatewayState, now: float | None = None) -> float:
        """Seconds the gateway has been running."""
        anchor = self._anchors.get(gateway.sn)
        if not gateway.online or anchor is None:
            return gateway.runtime
        return gateway.runtime + max(0.0, (self.clock() if now is None else now) - anchor)

    def state_dump(self) -> dict[str, Any]:
        """The current state in scenario form (loadable with --scenario), plus settings."""
        now = self.clock()
        return {
            GATEWAY_SECTION: {
                "devices": [
                    gateway_to_json(gateway, runtime=self.runtime(gateway, now))
                    for gateway in self.devices.values()
                ],
                "rules": [rule_to_json(rule) for rule in self.rules.values()],
            },
            "settings": {
                "drift": self.drift,
                "set_path": self.set_path,
                "max_devices": self.max_devices,
                "latency": self.latency,
                "clock": now,
            },
        }

    def _new_uuid(self) -> str:
        while True:
            uuid = f"{self._ids.getrandbits(UUID_BITS):019x}"
            if uuid not in self.rules:
                return uuid

    # -- drift and charts ------------------------------------------------------------

    def _tick(self) -> float:
        now = self.clock()
        elapsed = max(0.0, now - self._last_tick)
        self._last_tick = now
        for gateway in self.devices.values():
            if self.drift and gateway.online:
                self._drift(gateway, elapsed)
            self._sample(gateway, now)
        return now

    def _walk(self, value: float, target: float, step: float, low: float, high: float) -> float:
        # Gaussian steps with a pull back to the typical value keep the walk in range.
        value += self._rng.gauss(0.0, step) + 0.1 * (target - value)
        return min(high, max(low, value))

    def _drift(self, gateway: GatewayState, elapsed: float) -> None:
        for channel in gateway.channels.values():
            if channel is None or not channel.enable or not channel.state:
                continue
            # kbit/s over the elapsed seconds, in KB.
            moved = (channel.rateup + channel.ratedown) * elapsed / 8
            channel.used += moved
            if isinstance(channel, SimChannel):
                channel.today_used_flow += moved
                channel.remain = max(0.0, channel.remain - moved)
                profile = RADIO_PROFILES.get(channel.network_type, RADIO_PROFILES["4G LTE"])
                _band, _frequency, up, down, rtt = profile
                channel.signal = self._walk(channel.signal, -85, 1.5, -120, -60)
                channel.rssp = channel.signal
                channel.rssi = channel.signal + 22
                channel.sinru = self._walk(channel.sinru, 15, 1.0, -5, 30)
            else:
                up, down, rtt = WIFI_PROFILE
                channel.wifi_signal = self._walk(channel.wifi_signal, -55, 1.5, -90, -30)
            channel.rateup = self._walk(channel.rateup, up * 0.4, up * 0.05, 0, up * 2)
            channel.ratedown = self._walk(channel.ratedown, down * 0.4, down * 0.05, 0, down * 2)
            channel.rtt = self._walk(channel.rtt, rtt, rtt * 0.1, 5, rtt * 10)

    def _sample(self, gateway: GatewayState, now: float) -> None:
        channels: dict[str, tuple[int, int, int]] = {}
        for key, channel in gateway.channels.items():
            if channel is not None:
                view = self._channel_view(gateway, channel)
                channels[key] = (view["rateup"], view["ratedown"], view["rtt"])
        up, down = self._rates(gateway)
        samples = self._charts.setdefault(gateway.sn, deque(maxlen=self.chart_size))
        samples.append(ChartSample(round(now * 1000), up, down, channels))

    # -- rendering -------------------------------------------------------------------

    @staticmethod
    def _channel_view(gateway: GatewayState, channel: Channel) -> dict[str, Any]:
        view = channel_to_json(channel, api=True)
        if not gateway.online:
            view.update(state=0, rateup=0, ratedown=0)
        return view

    @staticmethod
    def _rates(gateway: GatewayState) -> tuple[int, int]:
        if not gateway.online:
            return 0, 0
        live = [ch for ch in gateway.channels.values() if ch is not None and ch.state]
        return (
            sum(api_number(ch.rateup) for ch in live),
            sum(api_number(ch.ratedown) for ch in live),
        )

    def _base(self, gateway: GatewayState, fields: frozenset[str], now: float) -> dict[str, Any]:
        up, down = self._rates(gateway)
        values: dict[str, Callable[[], Any]] = {
            "sn": lambda: gateway.sn,
            "alias": lambda: gateway.alias,
            "state": lambda: "running" if gateway.online else "offline",
            "type": lambda: gateway.model,
            "version": lambda: gateway.version,
            "runtime": lambda: int(self.runtime(gateway, now)),
            "remark": lambda: gateway.remark,
            "rateup": lambda: up,
            "ratedown": lambda: down,
            "qos": lambda: gateway.qos,
            "mapping": lambda: [
                {"uuid": item.uuid, "name": self.rules[item.uuid].name, "ip": item.ip}
                for item in gateway.mappings
                if item.uuid in self.rules
            ],
            "record": lambda: {
                "time": gateway.record.time,
                "speed": {
                    "up": api_number(gateway.record.up),
                    "down": api_number(gateway.record.down),
                },
            },
            "gps": lambda: {"lat": gateway.lat, "lon": gateway.lon},
        }
        return {key: values[key]() for key in BASE_FIELDS if key in fields}

    def _chart(self, gateway: GatewayState, selection: Selection) -> dict[str, Any]:
        samples = self._charts[gateway.sn]
        totals = selection.chart_total or frozenset()
        chart: dict[str, Any] = {
            "timestamp": samples[-1].time,
            "total": {},
            "channel": {},
        }
        if "rateUp" in totals:
            chart["total"]["rateUp"] = [sample.up for sample in samples]
        if "rateDown" in totals:
            chart["total"]["rateDown"] = [sample.down for sample in samples]
        if selection.chart_channel is not None:
            for key, channel in sorted_channels(gateway.channels):
                if channel is None or (
                    selection.chart_channel and key not in selection.chart_channel
                ):
                    continue
                points = [sample.channels.get(key, (0, 0, 0)) for sample in samples]
                chart["channel"][key] = {
                    "rateUp": [point[0] for point in points],
                    "rateDown": [point[1] for point in points],
                    "rtt": [point[2] for point in points],
                }
        return chart

    def render(self, gateway: GatewayState, selection: Selection, now: float) -> dict[str, Any]:
        """A gateway as list and query return it."""
        out: dict[str, Any] = {}
        if selection.base is not None:
            out["base"] = self._base(gateway, selection.base, now)
        if selection.network is not None:
            network: dict[str, Any] = {}
            if "lan" in selection.network:
                network["lan"] = dump_fields(gateway.lan, LAN_KEYS, api=True)
            if "hotspot" in selection.network:
                network["hotspot"] = dump_fields(gateway.hotspot, HOTSPOT_KEYS, api=True)
            out["network"] = network
        if selection.channel is not None:
            out["channel"] = {
                key: {} if channel is None else self._channel_view(gateway, channel)
                for key, channel in sorted_channels(gateway.channels)
                if not selection.channel or key in selection.channel
            }
        if selection.parameters is not None:
            params = {"top": gateway.top, "lock": gateway.lock}
            out["parameters"] = {
                key: params[key] for key in PARAMETER_FIELDS if key in selection.parameters
            }
        if selection.chart:
            out["chart"] = self._chart(gateway, selection)
        return out

    # -- devices ---------------------------------------------------------------------

    def _list(self, body: dict[str, Any]) -> dict[str, Any]:
        page = param(body, "page", int)
        if page < 1:
            fail(PARAMETER_ERROR, "page counts from 1")
        limit = int_param(body, "limit", 1, MAX_PAGE_SIZE)
        filtration = int_param(body, "filtration", 0, 3)
        condition = param(body, "condition", str)
        param(body, "sort_by", int)
        param(body, "ascend", int)
        selection = parse_selection(param(body, "args", dict), chart=False)
        now = self._tick()
        matching = [gw for gw in self.devices.values() if _matches(gw, filtration, condition)]
        start = (page - 1) * limit
        return {
            "code": OK,
            "msg": "success",
            "count": len(matching),
            "devices": [self.render(gw, selection, now) for gw in matching[start : start + limit]],
        }

    def _query(self, body: dict[str, Any]) -> dict[str, Any]:
        sns = str_list(body.get("sns"), "sns")
        selection = parse_selection(param(body, "args", dict), chart=True)
        now = self._tick()
        devices: dict[str, Any] = {}
        for sn in sns:
            gateway = self.devices.get(sn)
            devices[sn] = (
                {"state": 0}
                if gateway is None
                else {"state": 1, **self.render(gateway, selection, now)}
            )
        return {"code": OK, "msg": "success", "devices": devices}

    def _set(self, body: dict[str, Any]) -> dict[str, Any]:
        requested = param(body, "devices", dict)
        plans: list[_Plan] = []
        for sn, changes in requested.items():
            if not isinstance(changes, dict):
                fail(PARAMETER_ERROR, f"devices.{sn} must be an object")
            gateway = self.devices.get(sn)
            if gateway is None:
                fail(BAD_SERIAL, sn)
            if not gateway.online:
                fail(DEVICE_OFFLINE, sn)
            plans.append(self._plan(gateway, changes))
        final_alias = {sn: gateway.alias for sn, gateway in self.devices.items()}
        final_alias.update(
            {plan.gateway.sn: plan.base["alias"] for plan in plans if "alias" in plan.base}
        )
        for plan in plans:
            alias = plan.base.get("alias")
            if alias is not None and any(
                other == alias for sn, other in final_alias.items() if sn != plan.gateway.sn
            ):
                fail(ALIAS_EXISTS, alias)
        for plan in plans:
            self._apply(plan)
        return {"code": OK, "msg": "success"}

    def _plan(self, gateway: GatewayState, changes: dict[str, Any]) -> _Plan:
        plan = _Plan(gateway, base={}, lan=None, hotspot={}, channels=[], parameters={})
        for group, value in changes.items():
            where = f"{gateway.sn}.{group}"
            if group == "base":
                if not isinstance(value, dict):
                    fail(INVALID_DATA, f"{where} must be an object")
                if "alias" in value and not alias_ok(value["alias"]):
                    fail(ALIAS_INVALID, where)
                rest = {key: item for key, item in value.items() if key != "alias"}
                plan.base = validate_group(where, rest, {"remark": text(0, REMARK_MAX)})
                if "alias" in value:
                    plan.base["alias"] = value["alias"]
            elif group == "network":
                self._plan_network(plan, where, value)
            elif group == "channel":
                self._plan_channels(plan, where, value)
            elif group == "parameters":
                plan.parameters = validate_group(where, value, PARAMETERS_WRITABLE)
            else:
                fail(INVALID_DATA, f"{where} is not writable")
        return plan

    @staticmethod
    def _plan_network(plan: _Plan, where: str, value: Any) -> None:
        network = validate_group(
            where, value, {"lan": lambda item: item, "hotspot": lambda item: item}
        )
        if "lan" in network:
            lan_changes = validate_group(f"{where}.lan", network["lan"], LAN_WRITABLE)
            plan.lan = replace(plan.gateway.lan, **lan_changes)
            problem = lan_problem(plan.lan)
            if problem:
                fail(INVALID_DATA, f"{where}.lan: {problem}")
        if "hotspot" in network:
            plan.hotspot = validate_group(f"{where}.hotspot", network["hotspot"], HOTSPOT_WRITABLE)

    @staticmethod
    def _plan_channels(plan: _Plan, where: str, value: Any) -> None:
        if not isinstance(value, dict):
            fail(INVALID_DATA, f"{where} must be an object")
        for key, changes in value.items():
            channel = plan.gateway.channels.get(key)
            if channel is None:
                fail(INVALID_DATA, f"{where}.{key} is not an active channel")
            writable = WIFI_WRITABLE if isinstance(channel, WifiChannel) else SIM_WRITABLE
            plan.channels.append((channel, validate_group(f"{where}.{key}", changes, writable)))

    def _apply(self, plan: _Plan) -> None:
        gateway = plan.gateway
        for attr, value in plan.base.items():
            setattr(gateway, attr, value)
        if plan.lan is not None:
            gateway.lan = plan.lan
        for attr, value in plan.hotspot.items():
            setattr(gateway.hotspot, attr, value)
        for channel, changes in plan.channels:
            _apply_channel(channel, changes)
        for attr, value in plan.parameters.items():
            setattr(gateway, attr, value)

    def _regist(self, body: dict[str, Any]) -> dict[str, Any]:
        sn = param(body, "sn", str)
        alias = param(body, "alias", str)
        if not SN_RE.match(sn):
            fail(BAD_SERIAL, "4-64 letters, digits, '-' or '_'")
        if sn in self.devices:
            fail(SERIAL_EXISTS, sn)
        if not alias_ok(alias):
            fail(ALIAS_INVALID)
        if any(gateway.alias == alias for gateway in self.devices.values()):
            fail(ALIAS_EXISTS, alias)
        if len(self.devices) >= self.max_devices:
            fail(TOO_MANY_DEVICES, str(self.max_devices))
        gateway = new_gateway(sn, alias)
        now = self.clock()
        self.devices[sn] = gateway
        self._anchors[sn] = now
        self._sample(gateway, now)
        return {"code": OK, "msg": "success"}

    def _delete(self, body: dict[str, Any]) -> dict[str, Any]:
        sn = param(body, "sn", str)
        if sn not in self.devices:
            fail(BAD_SERIAL, sn)
        del self.devices[sn]
        self._anchors.pop(sn, None)
        self._charts.pop(sn, None)
        return {"code": OK, "msg": "success"}

    # -- port mapping ----------------------------------------------------------------

    def _mapping_list(self, body: dict[str, Any]) -> dict[str, Any]:
        owners: dict[str, GatewayState] = {}
        for gateway in self.devices.values():
            for item in gateway.mappings:
                owners.setdefault(item.uuid, gateway)
        items = []
        for rule in self.rules.values():
            owner = owners.get(rule.uuid)
            items.append(
                {
                    "uuid": rule.uuid,
                    "name": rule.name,
                    "ip": rule.ip,
                    "port": rule.port,
                    "protocol": rule.protocol,
                    "devName": owner.alias if owner else "",
                    "sn": owner.sn if owner else "",
                    "devType": owner.model if owner else "",
                    "mark": rule.mark,
                }
            )
        return {"code": OK, "msg": "success", "list": items}

    def _rule_fields(self, body: dict[str, Any], exclude: str | None) -> MappingRule:
        name = param(body, "name", str)
        # The document's edit table calls the address "addr"; its example says "ip".
        ip = param(body, "ip" if "ip" in body or "addr" not in body else "addr", str)
        port = body.get("port")
        if not isinstance(port, str) and not _is_int(port):
            fail(PARAMETER_ERROR, "port is required and must be a string")
        protocol = param(body, "protocol", int)
        mark = param(body, "mark", str)
        if not name.strip() or len(name) > RULE_NAME_MAX:
            fail(INVALID_DATA, "name")
        address = parse_ipv4(ip)
        if address is None:
            fail(INVALID_DATA, "ip")
        ranges = parse_port_spec(str(port))
        if ranges is None:
            fail(INVALID_DATA, "port")
        if protocol not in (0, 1, 2):
            fail(INVALID_DATA, "protocol")
        others = [rule for rule in self.rules.values() if rule.uuid != exclude]
        if any(rule.name == name for rule in others):
            fail(RULE_NAME_EXISTS, name)
        for rule in others:
            if rule.ip == str(address) and _protocols_overlap(rule.protocol, protocol):
                taken = parse_port_spec(rule.port) or []
                if any(_ranges_overlap(a, b) for a in ranges for b in taken):
                    fail(PORT_IN_USE, f"overlaps rule {rule.name}")
        return MappingRule(
            uuid=exclude or "",
            name=name,
            ip=str(address),
            port=format_port_spec(ranges),
            protocol=protocol,
            mark=mark,
        )

    def _mapping_add(self, body: dict[str, Any]) -> dict[str, Any]:
        rule = self._rule_fields(body, exclude=None)
        rule.uuid = self._new_uuid()
        self.rules[rule.uuid] = rule
        return {"code": OK, "msg": "success"}

    def _mapping_edit(self, body: dict[str, Any]) -> dict[str, Any]:
        uuid = param(body, "uuid", str)
        # Who the rule is assigned to is derived from device/*Mapping; these are echoes.
        for key in ("devName", "sn", "devType"):
            param(body, key, str)
        if uuid not in self.rules:
            fail(UUID_NOT_FOUND, uuid)
        self.rules[uuid] = self._rule_fields(body, exclude=uuid)
        return {"code": OK, "msg": "success"}

    def _mapping_delete(self, body: dict[str, Any]) -> dict[str, Any]:
        uuids = str_list(body.get("rules"), "rules")
        failed = [uuid for uuid in uuids if uuid not in self.rules]
        doomed = set(uuids) & set(self.rules)
        for uuid in doomed:
            del self.rules[uuid]
        for gateway in self.devices.values():
            gateway.mappings = [item for item in gateway.mappings if item.uuid not in doomed]
        return {"code": OK, "msg": failed}

    def _online_gateway(self, sn: str) -> GatewayState:
        gateway = self.devices.get(sn)
        if gateway is None:
            fail(BAD_SERIAL, sn)
        if not gateway.online:
            fail(DEVICE_OFFLINE, sn)
        return gateway

    @staticmethod
    def _lan_host(gateway: GatewayState, ip: str) -> str:
        address = parse_ipv4(ip)
        network = lan_network(gateway.lan)
        if (
            address is None
            or network is None
            or address not in network
            or address in (network.network_address, network.broadcast_address)
            or str(address) == gateway.lan.ip
        ):
            fail(INVALID_DATA, f"{ip} is not a host on the gateway's LAN")
        return str(address)

    def _assign(self, body: dict[str, Any]) -> dict[str, Any]:
        rule = param(body, "rule", str)
        sn = param(body, "sn", str)
        ip = param(body, "ip", str)
        if rule not in self.rules:
            fail(UUID_NOT_FOUND, rule)
        gateway = self._online_gateway(sn)
        host = self._lan_host(gateway, ip)
        if any(item.uuid == rule for item in gateway.mappings):
            fail(INVALID_DATA, "rule already assigned to this device")
        gateway.mappings.append(Assignment(uuid=rule, ip=host))
        return {"code": OK, "msg": "success"}

    def _edit_assignment(self, body: dict[str, Any]) -> dict[str, Any]:
        rule = param(body, "rule", str)
        sn = param(body, "sn", str)
        ip = param(body, "ip", str)
        gateway = self._online_gateway(sn)
        current = next((item for item in gateway.mappings if item.uuid == rule), None)
        if current is None:
            fail(UUID_NOT_FOUND, f"{rule} is not assigned to {sn}")
        current.ip = self._lan_host(gateway, ip)
        return {"code": OK, "msg": "success"}

    def _unassign(self, body: dict[str, Any]) -> dict[str, Any]:
        sn = param(body, "sn", str)
        uuids = str_list(body.get("rules"), "rules")
        gateway = self.devices.get(sn)
        if gateway is None:
            fail(BAD_SERIAL, sn)
        assigned = {item.uuid for item in gateway.mappings}
        failed = [uuid for uuid in uuids if uuid not in assigned]
        gateway.mappings = [item for item in gateway.mappings if item.uuid not in set(uuids)]
        return {"code": OK, "msg": failed}


def _matches(gateway: GatewayState, filtration: int, condition: str) -> bool:
    if filtration == 1:
        return condition.casefold() in gateway.alias.casefold()
    if filtration == 2:
        return gateway.model == condition
    if filtration == 3:
        return gateway.version == condition
    return True


def _protocols_overlap(first: int, second: int) -> bool:
    return first == second or 2 in (first, second)


def _ranges_overlap(first: tuple[int, int], second: tuple[int, int]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]


def _apply_channel(channel: Channel, changes: Mapping[str, Any]) -> None:
    attrs = dict(channel_keys(channel))
    for key, value in changes.items():
        setattr(channel, attrs[key], value)
    if "enable" in changes:
        channel.state = changes["enable"]
        if not changes["enable"]:
            channel.rateup = channel.ratedown = 0
    if isinstance(channel, SimChannel) and "initFlow" in changes:
        channel.total = channel.init_flow * KB_PER_GB
        if "remainFlow" not in changes:
            channel.remain = max(0.0, channel.total - channel.used)
