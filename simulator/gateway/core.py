"""The gateway simulator's core: state, drift and charts, rendering, the reply envelope."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
import copy
import random
import re
from typing import Any

from aiohttp import web

from ..base import VendorSimulator, json_reply, wall_clock
from ..common import ApiError, fail, parse_json
from ..faults import Handler
from .codes import (
    BASE_FIELDS,
    CHART_SIZE,
    DEFAULT_MAX_DEVICES,
    DEFAULT_SET_PATH,
    ERROR_TEXT,
    FIXED_PATHS,
    JSON_ERROR,
    MSG_QUIRK_PATHS,
    PARAMETER_ERROR,
    PARAMETER_FIELDS,
    SET_ROUTE,
    UUID_BITS,
    ChartSample,
    GatewayHandler,
    Selection,
)
from .scenario import (
    GATEWAY_SECTION,
    RADIO_PROFILES,
    WIFI_PROFILE,
    Scenario,
    default_scenario,
)
from .state import (
    HOTSPOT_KEYS,
    LAN_KEYS,
    Channel,
    GatewayState,
    MappingRule,
    SimChannel,
    api_number,
    channel_to_json,
    dump_fields,
    gateway_to_json,
    rule_to_json,
    sorted_channels,
)


class GatewayCore(VendorSimulator):
    """The gateway backend, serving a scenario: state, drift, charts and the envelope.

    The mixins add their endpoints through ``_handlers``.
    """

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

    def _handlers(self) -> dict[str, GatewayHandler]:
        """Each endpoint mixin adds its documented paths (cooperatively)."""
        return {}

    def _add_routes(self) -> None:
        handlers = self._handlers()
        for path, method in FIXED_PATHS.items():
            handler = self._endpoint(handlers[path], quirk=path in MSG_QUIRK_PATHS)
            self.app.router.add_route(method, path, handler)
        self.app.router.add_post(self.set_path, self._endpoint(handlers[SET_ROUTE], quirk=False))

    def _endpoint(self, handler: GatewayHandler, *, quirk: bool) -> Handler:
        async def view(request: web.Request) -> web.StreamResponse:
            try:
                body = await self._read_body(request) if request.method == "POST" else {}
                reply = handler(body)
            except ApiError as err:
                reply = {"code": err.code, "msg": err.text(ERROR_TEXT)}
            if quirk:
                reply = {("msg " if key == "msg" else key): value for key, value in reply.items()}
            return json_reply(reply)

        return view

    @staticmethod
    async def _read_body(request: web.Request) -> dict[str, Any]:
        body = parse_json(await request.read(), JSON_ERROR)
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
