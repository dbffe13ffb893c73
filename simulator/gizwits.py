"""Simulator of the Gizwits (机智云) enterprise API, ``/v1/products/{product_key}/...``.

Semantics follow the vendor documents (gizwits-enterprise-api.md and its newer web
version): tokens, the per-enterprise hourly quota with ``X-RateLimit-*`` headers, the
IP whitelist, datapoint validation and the error table's codes and HTTP statuses.
Handlers are synchronous between reading the body and replying, so every change is
atomic with respect to other requests.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
import copy
from dataclasses import dataclass
import hmac
import json
import math
import random
import re
from typing import Any, Final, NoReturn
from urllib.parse import urlencode

from aiohttp import web

from .base import VendorSimulator, dumps, json_reply, wall_clock
from .faults import Fault, FaultInjector, Handler
from .gizwits_state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    ALERT,
    DAY,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
    FAULT,
    HOUR,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
    WRITABLE,
    AttrError,
    DatapointDef,
    GizwitsScenario,
    Report,
    SimDevice,
    SimEnterprise,
    SimProduct,
    default_gizwits_scenario,
    generate_gizwits_scenario,
)

__all__ = [
    "AC_PRODUCT_KEY",
    "AC_PRODUCT_SECRET",
    "DEMO_ENTERPRISE_ID",
    "DEMO_ENTERPRISE_SECRET",
    "PLUG_PRODUCT_KEY",
    "PLUG_PRODUCT_SECRET",
    "GizwitsScenario",
    "GizwitsSimulator",
    "default_gizwits_scenario",
    "generate_gizwits_scenario",
]

DEFAULT_QUOTA: Final = 3600
DEFAULT_TOKEN_TTL: Final = 7 * DAY
QUOTA_WINDOW: Final = HOUR
CONTEXT_TTL: Final = HOUR
DATA_WINDOW: Final = 2 * DAY
HISTORY_MAX: Final = 1000
SEARCH_LIMIT: Final = (20, 1000)  # default, max
DATA_LIMIT: Final = (20, 100)
CHINA_OFFSET: Final = 8 * HOUR  # report days are China's (UTC+8)

PREFIX: Final = "/v1/products/{product_key}"
TOKEN_HEADER_RE: Final = re.compile(r"token (\S+)")

JSON_INVALID: Final = 5001
FORM_INVALID: Final = 5002
ENTERPRISE_NOT_EXIST: Final = 5003
ENTERPRISE_SECRET_ERROR: Final = 5004
PRODUCT_SECRET_ERROR: Final = 5005
ASSOCIATION_NOT_EXIST: Final = 5007
TOKEN_INVALID: Final = 5009
TOKEN_NOT_MATCH: Final = 5010
TOKEN_EXPIRED: Final = 5011
IP_NOT_ALLOWED: Final = 5012
RATE_LIMITED: Final = 5013
PRODUCT_NOT_EXIST: Final = 5015
GROUP_NOT_EXIST: Final = 5206
DEVICE_NOT_EXIST: Final = 5301
DEVICE_OTHER_PRODUCT: Final = 5302
DEVICE_DISABLED: Final = 5304
DEVICE_OFFLINE: Final = 5305
ATTR_INVALID: Final = 5401
DATAPOINT_NOT_FOUND: Final = 5402
REMOTE_CONTROL_OFF: Final = 5404
ATTRS_NOT_EXIST: Final = 5405
RAW_INVALID: Final = 5408

# Code -> (HTTP status, error_message), as the document's error table has them.
ERRORS: Final[dict[int, tuple[int, str]]] = {
    JSON_INVALID: (400, "body json invalid"),
    FORM_INVALID: (400, "form invalid"),
    ENTERPRISE_NOT_EXIST: (404, "enterprise id not exist"),
    ENTERPRISE_SECRET_ERROR: (400, "enterprise secret error"),
    PRODUCT_SECRET_ERROR: (400, "product secret error"),
    5006: (400, "product exist devicegroups"),
    ASSOCIATION_NOT_EXIST: (404, "association not exist"),
    5008: (400, "association existed"),
    TOKEN_INVALID: (400, "token invalid"),
    TOKEN_NOT_MATCH: (400, "token not match product_key"),
    TOKEN_EXPIRED: (400, "token has expired"),
    IP_NOT_ALLOWED: (400, "ip not in white list"),
    RATE_LIMITED: (403, "API call rate limit execeed quota"),
    5014: (400, "Report has not been generated!"),
    5018: (403, "product operation not allowed"),
    5024: (403, "api deny to visit!"),
    PRODUCT_NOT_EXIST: (404, "Product key not exist!"),
    GROUP_NOT_EXIST: (404, "group not exist"),
    DEVICE_NOT_EXIST: (404, "device not exist"),
    DEVICE_OTHER_PRODUCT: (403, "device not belong to this product"),
    5303: (400, "device not bound"),
    DEVICE_DISABLED: (400, "device is disabled"),
    DEVICE_OFFLINE: (400, "device offline!"),
    ATTR_INVALID: (400, "attr invalid!"),
    DATAPOINT_NOT_FOUND: (404, "datapoint data not found!"),
    5403: (400, "send command failed!"),
    REMOTE_CONTROL_OFF: (403, "remote control not allowed!"),
    ATTRS_NOT_EXIST: (404, "attrs not exist!"),
    5406: (500, "Datapoints malformed"),
    5407: (500, "generate meta failed"),
    RAW_INVALID: (400, "raw data error!"),
    5409: (500, "call innerapi failed!"),
    5601: (500, "kairosdb query error!"),
}


class ApiError(Exception):
    """A vendor error reply."""

    def __init__(self, code: int, detail: str = "") -> None:
        """Error ``code`` with an optional detail (never a secret)."""
        status, message = ERRORS.get(code, (400, "injected"))
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.detail = detail

    def response(self) -> web.Response:
        """The error body with the table's HTTP status."""
        body = {"error_code": self.code, "error_message": self.message, "detail": self.detail}
        return json_reply(body, status=self.status)


def fail(code: int, detail: str = "") -> NoReturn:
    """Reply with a vendor error."""
    raise ApiError(code, detail)


def int_query(
    query: Mapping[str, str], key: str, default: int, low: int, high: int | None = None
) -> int:
    """An integer query parameter in low..high, else 5002."""
    text = query.get(key)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        fail(FORM_INVALID, f"{key} must be an integer")
    if value < low or (high is not None and value > high):
        fail(FORM_INVALID, f"{key} must be {low}..{high if high is not None else ''}")
    return value


def flag_query(query: Mapping[str, str], key: str) -> bool | None:
    """A 0/1 query parameter, None when absent, else 5002."""
    text = query.get(key)
    if text is None or text == "":
        return None
    if text not in ("0", "1"):
        fail(FORM_INVALID, f"{key} must be 0 or 1")
    return text == "1"


def location_tree(
    devices: list[SimDevice], counts: Callable[[list[SimDevice]], dict[str, int]]
) -> dict[str, Any]:
    """``{country: {"count": ..., region: {"count": ..., city: {"count": ...}}}}``."""
    tree: dict[str, Any] = {}
    groups: dict[tuple[str, ...], list[SimDevice]] = {}
    for device in devices:
        if device.country is None:
            continue
        path = tuple(part for part in (device.country, device.region, device.city) if part)
        for depth in range(1, len(path) + 1):
            groups.setdefault(path[:depth], []).append(device)
    for path, members in sorted(groups.items()):
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node["count"] = counts(members)
    return tree


@dataclass(slots=True)
class SimToken:
    """An issued token."""

    token: str
    product_key: str
    enterprise_id: str
    expires_at: float


@dataclass(slots=True)
class DataCursor:
    """A ``/data`` query being paged with ``context``: its records, position and expiry."""

    did: str
    records: list[Report]
    position: int
    limit: int
    expires_at: float


type View = Callable[[SimProduct, web.Request, Any], Any]


class GizwitsFaultInjector(FaultInjector):
    """Faults with Gizwits-shaped vendor errors and empty ``objects`` pages."""

    async def render(
        self, request: web.Request, handler: Handler, fault: Fault
    ) -> web.StreamResponse:
        """As the base, but ``vendor_code`` and ``empty_page`` speak this API."""
        if fault.kind not in ("vendor_code", "empty_page"):
            return await super().render(request, handler, fault)
        if fault.kind == "vendor_code":
            return ApiError(int(fault.value or 0), "injected").response()
        response = await handler(request)
        if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
            return response  # pragma: no cover  (every reply here is JSON bytes)
        data = json.loads(response.body)
        if isinstance(data, dict) and isinstance(data.get("objects"), list):
            data["objects"] = []
            response.body = dumps(data).encode()
        return response


class GizwitsSimulator(VendorSimulator):
    """The Gizwits enterprise API, serving a scenario."""

    vendor = "gizwits"
    # The integration's optional features (custom_components/cniot/gizwits/coordinator.py).
    FEATURE_PATHS = {
        "summary": "/v1/products/[^/]+/devices/summary",
        "fault_report": "/v1/products/[^/]+/fault/report/devices",
        "alert_report": "/v1/products/[^/]+/alert/report/devices",
        "control": "/v1/products/[^/]+/devices/[^/]+/control",
    }
    permission_code = 5024  # api deny to visit

    def __init__(
        self,
        scenario: GizwitsScenario | None = None,
        *,
        clock: Callable[[], float] = wall_clock,
        quota: int = DEFAULT_QUOTA,
        token_ttl: float = DEFAULT_TOKEN_TTL,
        latency: float = 0.0,
        seed: int = 0,
        drift: bool = False,
    ) -> None:
        """Serve ``scenario`` (default: :func:`default_gizwits_scenario`); see the README."""
        super().__init__(latency=latency)
        if quota < 0:
            raise ValueError("quota must be >= 0")
        if token_ttl <= 0:
            raise ValueError("token_ttl must be > 0")
        self.faults = GizwitsFaultInjector()
        self._scenario = copy.deepcopy(
            scenario if scenario is not None else default_gizwits_scenario()
        )
        self.clock = clock
        self.quota = quota
        self.token_ttl = token_ttl
        self.seed = seed
        self.drift = drift
        self.ip_whitelist_ok = True
        self.enterprises: dict[str, SimEnterprise] = {}
        self.products: dict[str, SimProduct] = {}
        self.devices: dict[str, dict[str, SimDevice]] = {}
        self.tokens: dict[str, SimToken] = {}
        self._contexts: dict[str, DataCursor] = {}
        self._last_drift: dict[str, float] = {}
        self._rng = random.Random(seed)
        self._ids = random.Random(seed + 1)
        self.reset_state()
        self._add_routes()
        self._add_gizwits_admin_routes()

    @property
    def issue_token_ttl(self) -> float:
        """Lifetime of the tokens issued from now on, in seconds."""
        return self.token_ttl

    @issue_token_ttl.setter
    def issue_token_ttl(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("token_ttl must be > 0")
        self.token_ttl = seconds

    # -- state -----------------------------------------------------------------------

    def reset_state(self) -> None:
        """Back to the scenario: devices, products, quotas, tokens, whitelist, randomness."""
        scenario = copy.deepcopy(self._scenario)
        now = self.clock()
        self.enterprises = {item.enterprise_id: item for item in scenario.enterprises}
        self.products = {item.product_key: item for item in scenario.products}
        self.devices = {key: {} for key in self.products}
        for device in scenario.devices:
            device.created_at = int(now + device.created_at)
            if device.online_latest is not None:
                device.online_latest = int(now + device.online_latest)
            for report in device.history:
                report.ts = int(now + report.ts)
            self.devices.setdefault(device.product_key, {})[device.did] = device
        self.tokens = {}
        self._contexts = {}
        self._last_drift = {}
        self.ip_whitelist_ok = True
        self._rng = random.Random(self.seed)
        self._ids = random.Random(self.seed + 1)

    def find_device(self, did: str) -> SimDevice | None:
        """The device with this did, whatever its product."""
        for devices in self.devices.values():
            if did in devices:
                return devices[did]
        return None

    def set_online(self, device_id: str, online: bool) -> None:
        """Take a device off or on line (coming online sets online_latest); KeyError if unknown."""
        device = self.find_device(device_id)
        if device is None:
            raise KeyError(device_id)
        if online and not device.is_online:
            device.online_latest = int(self.clock())
        device.is_online = online

    def online_states(self) -> dict[str, bool]:
        """Every device's did, over all products, and whether it is online."""
        return {
            did: device.is_online
            for devices in self.devices.values()
            for did, device in devices.items()
        }

    def report(self, did: str, attrs: Mapping[str, Any]) -> None:
        """The device reports values (any datapoint kind); KeyError or AttrError when bad."""
        device = self.find_device(did)
        if device is None:
            raise KeyError(did)
        product = self.products[device.product_key]
        changes: dict[str, Any] = {}
        for name, value in attrs.items():
            point = product.datapoint(name)
            if point is None:
                raise KeyError(name)
            changes[name] = point.check(value)
        self._record(device, changes)

    def _record(self, device: SimDevice, changes: Mapping[str, Any]) -> None:
        device.attrs.update(changes)
        device.history.append(Report(ts=int(self.clock()), attrs=dict(device.attrs)))
        if len(device.history) > HISTORY_MAX:
            del device.history[: len(device.history) - HISTORY_MAX]

    def is_faulty(self, device: SimDevice) -> bool:
        """Whether a fault datapoint is set now."""
        return self._flagged(device, FAULT, device.attrs)

    def is_alert(self, device: SimDevice) -> bool:
        """Whether an alert datapoint is set now."""
        return self._flagged(device, ALERT, device.attrs)

    def _flagged(self, device: SimDevice, kind: str, attrs: Mapping[str, Any]) -> bool:
        product = self.products[device.product_key]
        return any(attrs.get(point.name) for point in product.datapoints if point.kind == kind)

    def state_dump(self) -> dict[str, Any]:
        """Everything the simulator holds, secrets and tokens included."""
        now = self.clock()
        return {
            "gizwits": {
                "enterprises": [
                    {
                        "enterprise_id": item.enterprise_id,
                        "enterprise_secret": item.secret,
                        "window_start": item.window_start,
                        "calls": item.calls,
                    }
                    for item in self.enterprises.values()
                ],
                "products": [
                    {
                        "product_key": product.product_key,
                        "product_secret": product.product_secret,
                        "name": product.name,
                        "enterprise_id": product.enterprise_id,
                        "remote_control": product.remote_control,
                        "datapoint": product.schema_json(),
                    }
                    for product in self.products.values()
                ],
                "devices": [
                    {
                        **self._device_json(device),
                        "is_disabled": int(device.is_disabled),
                        "name": device.name,
                        "attrs": device.attrs,
                        "history": [{"ts": r.ts, "attrs": r.attrs} for r in device.history],
                        "raw_commands": device.raw_commands,
                    }
                    for devices in self.devices.values()
                    for device in devices.values()
                ],
                "tokens": [
                    {
                        "token": item.token,
                        "product_key": item.product_key,
                        "enterprise_id": item.enterprise_id,
                        "expired_at": item.expires_at,
                    }
                    for item in self.tokens.values()
                ],
            },
            "settings": {
                "quota": self.quota,
                "token_ttl": self.token_ttl,
                "ip_whitelist_ok": self.ip_whitelist_ok,
                "drift": self.drift,
                "latency": self.latency,
                "clock": now,
            },
        }

    # -- request pipeline ------------------------------------------------------------

    def _add_routes(self) -> None:
        routes: list[tuple[str, str, View, bool]] = [
            ("POST", "/access_token", self._access_token, False),
            ("GET", "/datapoint", self._datapoint, True),
            ("GET", "/device_detail", self._device_detail, True),
            ("GET", "/devices/search", self._search, True),
            ("GET", "/devices/summary", self._summary, True),
            ("GET", "/devices/report/rt", self._realtime_report, True),
            # The document writes this path with its segments doubled; serve both.
            ("GET", "/devices/report/devices/report/rt", self._realtime_report, True),
            ("GET", "/devices/{did}/data", self._data, True),
            ("POST", "/devices/{did}/control", self._control, True),
            ("GET", "/fault/report/devices", self._fault_report, True),
            ("GET", "/alert/report/devices", self._alert_report, True),
        ]
        for method, path, view, needs_token in routes:
            self.app.router.add_route(method, PREFIX + path, self._endpoint(view, needs_token))

    def _endpoint(self, view: View, needs_token: bool) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            product = self.products.get(request.match_info["product_key"])
            headers: dict[str, str] = {}
            try:
                owner = self.enterprises.get(product.enterprise_id or "") if product else None
                # Every call naming a known product counts against its owner, even refused ones.
                if owner is not None:
                    headers = self._count_call(owner)
                    if owner.calls > self.quota:
                        fail(RATE_LIMITED, f"quota of {self.quota} calls per hour used up")
                if not self.ip_whitelist_ok:
                    fail(IP_NOT_ALLOWED)
                if product is None:
                    fail(PRODUCT_NOT_EXIST)
                if needs_token:
                    self._check_token(request, product)
                body = await self._read_body(request) if request.method == "POST" else None
                response = json_reply(view(product, request, body))
            except ApiError as err:
                response = err.response()
            response.headers.update(headers)
            return response

        return handler

    def _count_call(self, enterprise: SimEnterprise) -> dict[str, str]:
        now = self.clock()
        if enterprise.window_start is None or now >= enterprise.window_start + QUOTA_WINDOW:
            enterprise.window_start = now
            enterprise.calls = 0
        enterprise.calls += 1
        return {
            "X-RateLimit-Limit": str(self.quota),
            "X-RateLimit-Remaining": str(max(0, self.quota - enterprise.calls)),
            "X-RateLimit-Reset": str(math.ceil(enterprise.window_start + QUOTA_WINDOW)),
        }

    def _check_token(self, request: web.Request, product: SimProduct) -> None:
        match = TOKEN_HEADER_RE.fullmatch(request.headers.get("Authorization", ""))
        if match is None:
            fail(TOKEN_INVALID, "expected 'Authorization: token <token>'")
        token = self.tokens.get(match.group(1))
        if token is None:
            fail(TOKEN_INVALID, "unknown token")
        if token.product_key != product.product_key:
            fail(TOKEN_NOT_MATCH)
        if self.clock() > token.expires_at:
            fail(TOKEN_EXPIRED)

    @staticmethod
    async def _read_body(request: web.Request) -> Any:
        try:
            return json.loads(await request.read())
        except ValueError:
            fail(JSON_INVALID)

    def _new_id(self, bits: int = 128) -> str:
        return f"{self._ids.getrandbits(bits):0{bits // 4}x}"

    # -- authorization ---------------------------------------------------------------

    def _access_token(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        if not isinstance(body, dict):
            fail(JSON_INVALID, "the body must be a JSON object")
        fields = {}
        for key in ("enterprise_id", "enterprise_secret", "product_secret"):
            value = body.get(key)
            if not isinstance(value, str):
                fail(FORM_INVALID, f"{key} is required and must be a string")
            fields[key] = value
        enterprise = self.enterprises.get(fields["enterprise_id"])
        if enterprise is None:
            fail(ENTERPRISE_NOT_EXIST)
        if not hmac.compare_digest(
            fields["enterprise_secret"].encode(), enterprise.secret.encode()
        ):
            fail(ENTERPRISE_SECRET_ERROR)
        if product.enterprise_id != enterprise.enterprise_id:
            fail(ASSOCIATION_NOT_EXIST)
        if not hmac.compare_digest(
            fields["product_secret"].encode(), product.product_secret.encode()
        ):
            fail(PRODUCT_SECRET_ERROR)
        token = self._new_id()
        expires_at = self.clock() + self.token_ttl
        self.tokens[token] = SimToken(
            token, product.product_key, enterprise.enterprise_id, expires_at
        )
        return {"token": token, "expired_at": int(expires_at)}

    # -- products and devices --------------------------------------------------------

    @staticmethod
    def _datapoint(product: SimProduct, request: web.Request, body: Any) -> Any:
        return product.schema_json()

    def _device(self, product: SimProduct, did: str) -> SimDevice:
        device = self.devices[product.product_key].get(did)
        if device is not None:
            return device
        if self.find_device(did) is not None:
            fail(DEVICE_OTHER_PRODUCT)
        fail(DEVICE_NOT_EXIST)

    def _device_json(self, device: SimDevice) -> dict[str, Any]:
        return {
            "did": device.did,
            "mac": device.mac,
            "product_key": device.product_key,
            "type": device.device_type,
            "is_online": int(device.is_online),
            # No is_disabled: the search reply does not carry it (only device_detail does).
            "country": device.country,
            "region": device.region,
            "city": device.city,
            "longitude": device.longitude,
            "latitude": device.latitude,
            "is_faulty": int(self.is_faulty(device)),
            "is_alert": int(self.is_alert(device)),
            "online_latest": device.online_latest,
            "created_at": device.created_at,
            "mcu_soft_version": device.mcu_soft_version,
            "mcu_hard_version": device.mcu_hard_version,
            "wifi_soft_version": device.wifi_soft_version,
            "wifi_hard_version": device.wifi_hard_version,
        }

    def _device_detail(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        mac = request.query.get("mac")
        if not mac:
            fail(FORM_INVALID, "mac is required")
        device = next(
            (d for d in self.devices[product.product_key].values() if d.mac == mac.lower()), None
        )
        if device is None:
            fail(DEVICE_NOT_EXIST)
        return {
            "did": device.did,
            "is_disabled": device.is_disabled,
            "product_key": device.product_key,
            "mac": device.mac,
            "is_online": device.is_online,
            "type": device.device_type,
        }

    @staticmethod
    def _no_groups(query: Mapping[str, str]) -> None:
        # The simulator has no device groups, so any gid names a missing one.
        if query.get("gid"):
            fail(GROUP_NOT_EXIST)

    def _search(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        query = request.query
        self._no_groups(query)
        limit = int_query(query, "limit", SEARCH_LIMIT[0], 1, SEARCH_LIMIT[1])
        skip = int_query(query, "skip", 0, 0)
        # The parameter is named for showing them, so disabled devices are hidden by default.
        show_disabled = flag_query(query, "show_disabled") or False
        flags = {key: flag_query(query, key) for key in ("is_online", "is_faulty", "is_alert")}
        liveness_start = int_query(query, "liveness_start", 0, 0)
        search_type, value = query.get("type"), query.get("val")
        if search_type not in (None, "did", "mac", "uid"):
            fail(FORM_INVALID, "type must be did, mac or uid")
        if search_type is not None and not value:
            fail(FORM_INVALID, "val is required with type")
        matching = []
        for device in self.devices[product.product_key].values():
            state = {
                "is_online": device.is_online,
                "is_faulty": self.is_faulty(device),
                "is_alert": self.is_alert(device),
            }
            if (
                (device.is_disabled and not show_disabled)
                or any(want is not None and state[key] != want for key, want in flags.items())
                or any(
                    query.get(key) and query[key] != getattr(device, key)
                    for key in ("country", "region", "city")
                )
                or (liveness_start and (device.online_latest or 0) < liveness_start)
                # No users exist here, so nothing is bound to a uid.
                or (search_type == "uid")
                or (search_type == "did" and device.did != value)
                or (search_type == "mac" and device.mac != (value or "").lower())
            ):
                continue
            matching.append(device)
        total = len(matching)

        def page_url(new_skip: int) -> str:
            params = dict(query)
            params.update(limit=str(limit), skip=str(new_skip))
            return f"/v1/products/{product.product_key}/devices/search?{urlencode(params)}"

        return {
            "meta": {
                "total": total,
                "limit": limit,
                "skip": skip,
                "next": page_url(skip + limit) if skip + limit < total else None,
                "previous": page_url(max(0, skip - limit)) if skip > 0 else None,
            },
            "objects": [self._device_json(device) for device in matching[skip : skip + limit]],
        }

    # -- history ---------------------------------------------------------------------

    def _data(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        device = self._device(product, request.match_info["did"])
        query = request.query
        now = self.clock()
        context = query.get("context")
        if context:
            cursor = self._contexts.get(context)
            if cursor is None or cursor.did != device.did or now > cursor.expires_at:
                self._contexts.pop(context, None)
                fail(FORM_INVALID, "context is unknown or expired")
        else:
            limit = int_query(query, "limit", DATA_LIMIT[0], 1, DATA_LIMIT[1])
            sort = query.get("sort", "desc")
            if sort not in ("asc", "desc"):
                fail(FORM_INVALID, "sort must be asc or desc")
            start_text, end_text = query.get("start_ts"), query.get("end_ts")
            if start_text and not end_text:
                start = int_query(query, "start_ts", 0, 0)
                end = int(start + DATA_WINDOW)
            else:
                end = int_query(query, "end_ts", int(now), 0)
                start = int_query(query, "start_ts", int(end - DATA_WINDOW), 0)
            if start > end or end - start > DATA_WINDOW:
                fail(FORM_INVALID, "start_ts..end_ts must be at most two days")
            if self.drift:
                self._drift(device, now)
            records = sorted(
                (r for r in device.history if start <= r.ts <= end), key=lambda r: r.ts
            )
            if sort == "desc":
                # Reversed rather than sorted descending, so of equal ts the last comes first.
                records.reverse()
            context = self._new_id(64)
            cursor = DataCursor(device.did, records, 0, limit, now + CONTEXT_TTL)
        skip = cursor.position
        page = cursor.records[skip : skip + cursor.limit]
        cursor.position += len(page)
        if cursor.position < len(cursor.records):
            self._contexts[context] = cursor
            next_context: str | None = context
        else:
            self._contexts.pop(context, None)
            next_context = None
        points = {point.name: point for point in product.datapoints}
        return {
            "meta": {
                "total": len(cursor.records),
                "limit": cursor.limit,
                "skip": skip,
                "next": None,
                "previous": None,
            },
            "objects": [
                {
                    "ts": record.ts,
                    "attrs": {
                        name: points[name].render(value) if name in points else value
                        for name, value in record.attrs.items()
                    },
                }
                for record in page
            ],
            "context": next_context,
        }

    def _drift(self, device: SimDevice, now: float) -> None:
        # Only devices that are on line and have reported keep reporting.
        if not device.is_online or device.is_disabled or not device.attrs:
            return
        product = self.products[device.product_key]
        elapsed = max(0.0, now - self._last_drift.get(device.did, now))
        self._last_drift[device.did] = now
        changes: dict[str, Any] = {}
        room = product.datapoint("room_temp")
        if room is not None and "room_temp" in device.attrs:
            changes["room_temp"] = self._step(room, device.attrs["room_temp"], 1)
        power = product.datapoint("power")
        if power is not None and "power" in device.attrs:
            on = bool(device.attrs.get("switch", True))
            watts = self._step(power, device.attrs["power"], 20) if on else 0
            changes["power"] = watts
            energy = product.datapoint("energy")
            if energy is not None and watts:
                # kWh since the last read; at least one step so a frozen clock still moves it.
                used = max(energy.ratio, watts * elapsed / 3_600_000)
                total = float(device.attrs.get("energy", 0)) + used
                raw = min(energy.raw_max, math.floor(total / energy.ratio + 1e-6))
                changes["energy"] = energy.to_real(raw)
        if changes:
            self._record(device, changes)

    def _step(self, point: DatapointDef, value: Any, spread: int) -> float | int:
        raw = point.raw_of(float(value))
        delta = self._rng.randint(1, spread) * self._rng.choice((-1, 1))
        moved = raw + delta
        if not point.raw_min <= moved <= point.raw_max:
            moved = raw - delta
        return point.to_real(min(point.raw_max, max(point.raw_min, moved)))

    # -- control ---------------------------------------------------------------------

    def _control(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        device = self._device(product, request.match_info["did"])
        if not isinstance(body, dict):
            fail(JSON_INVALID, "the body must be a JSON object")
        if ("attrs" in body) == ("raw" in body):
            fail(FORM_INVALID, "send either attrs or raw")
        if device.is_disabled:
            fail(DEVICE_DISABLED)
        if not device.is_online:
            fail(DEVICE_OFFLINE)
        if not product.remote_control:
            fail(REMOTE_CONTROL_OFF)
        if "raw" in body:
            device.raw_commands.append(self._raw(body["raw"], body.get("binary_coding")))
            return {}
        attrs = body["attrs"]
        if not isinstance(attrs, dict) or not attrs:
            fail(FORM_INVALID, "attrs must be a non-empty object")
        if not product.datapoints:
            fail(DATAPOINT_NOT_FOUND)
        changes: dict[str, Any] = {}
        for name, value in attrs.items():
            point = product.datapoint(name)
            if point is None:
                fail(ATTRS_NOT_EXIST, name)
            if point.kind != WRITABLE:
                fail(ATTR_INVALID, f"{name}: read_only")
            try:
                changes[name] = point.check(value)
            except AttrError as err:
                fail(ATTR_INVALID, str(err))
        self._record(device, changes)
        return {}

    @staticmethod
    def _raw(raw: Any, coding: Any) -> list[int]:
        if coding is None:
            if (
                isinstance(raw, list)
                and raw
                and all(isinstance(b, int) and not isinstance(b, bool) for b in raw)
                and all(0 <= b <= 255 for b in raw)
            ):
                return list(raw)
            fail(RAW_INVALID, "raw must be a non-empty array of bytes 0..255")
        try:
            if coding == "hex" and isinstance(raw, str):
                data = bytes.fromhex(raw)
            elif coding == "base64" and isinstance(raw, str):
                data = base64.b64decode(raw, validate=True)
            else:
                fail(RAW_INVALID, "binary_coding must be hex or base64 with a string raw")
        except ValueError, binascii.Error:
            fail(RAW_INVALID, f"raw is not {coding}")
        if not data:
            fail(RAW_INVALID, "raw is empty")
        return list(data)

    # -- reports ---------------------------------------------------------------------

    def _product_devices(self, product: SimProduct, request: web.Request) -> list[SimDevice]:
        self._no_groups(request.query)
        return list(self.devices[product.product_key].values())

    def _summary(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        devices = self._product_devices(product, request)
        now = self.clock()
        today = (now + CHINA_OFFSET) // DAY * DAY - CHINA_OFFSET
        yesterday = today - DAY

        def reported(device: SimDevice, start: float, end: float) -> bool:
            return any(start <= r.ts < end for r in device.history)

        def count(test: Callable[[SimDevice], bool]) -> int:
            return sum(1 for device in devices if test(device))

        return {
            "active": {
                "7_day": count(lambda d: reported(d, now - 7 * DAY, now + 1)),
                "yesterday": count(lambda d: reported(d, yesterday, today)),
            },
            "new": {
                "7_day": count(lambda d: d.created_at >= now - 7 * DAY),
                "30_day": count(lambda d: d.created_at >= now - 30 * DAY),
                "yesterday": count(lambda d: yesterday <= d.created_at < today),
                "today": count(lambda d: d.created_at >= today),
            },
            # "设备累计上线数": devices that ever came online, deregistered ones included.
            "total": count(lambda d: d.online_latest is not None),
            "online": count(lambda d: d.is_online and not d.is_disabled),
        }

    def _realtime_report(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        devices = [d for d in self._product_devices(product, request) if not d.is_disabled]

        def counts(members: list[SimDevice]) -> dict[str, int]:
            return {
                "faulty": sum(1 for d in members if self.is_faulty(d)),
                "activated": len(members),
                "alert": sum(1 for d in members if self.is_alert(d)),
            }

        return {"count": counts(devices), "gid": None, "location": location_tree(devices, counts)}

    def _fault_report(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        return self._flag_report(product, request, FAULT)

    def _alert_report(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        return self._flag_report(product, request, ALERT)

    def _flag_report(self, product: SimProduct, request: web.Request, kind: str) -> Any:
        # total: devices that ever reported the condition; unresolved: those showing it now.
        devices = [d for d in self._product_devices(product, request) if not d.is_disabled]

        def counts(members: list[SimDevice]) -> dict[str, int]:
            ever = [
                d
                for d in members
                if self._flagged(d, kind, d.attrs)
                or any(self._flagged(d, kind, r.attrs) for r in d.history)
            ]
            unresolved = sum(1 for d in ever if self._flagged(d, kind, d.attrs))
            return {
                "total": len(ever),
                "resolved": len(ever) - unresolved,
                "unresolved": unresolved,
            }

        affected = [d for d in devices if counts([d])["total"]]
        return {
            "gid": None,
            "count": counts(devices),
            "location": location_tree(affected, counts),
        }

    # -- admin -----------------------------------------------------------------------

    def _add_gizwits_admin_routes(self) -> None:
        router = self.app.router
        router.add_post("/_sim/gizwits/quota", self._admin_quota)
        router.add_post("/_sim/gizwits/token_ttl", self._admin_token_ttl)
        router.add_post("/_sim/gizwits/whitelist", self._admin_whitelist)
        router.add_post("/_sim/gizwits/remote_control", self._admin_remote_control)
        router.add_post("/_sim/gizwits/devices/{did}/report", self._admin_report)

    @staticmethod
    async def _admin_body(request: web.Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            data = None
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _admin_error(message: str, status: int = 400) -> web.Response:
        return json_reply({"error": message}, status=status)

    async def _admin_quota(self, request: web.Request) -> web.Response:
        data = await self._admin_body(request)
        quota, reset = data.get("quota", self.quota), data.get("reset", False)
        if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
            return self._admin_error('body must be {"quota": int >= 0, "reset": bool}')
        if not isinstance(reset, bool):
            return self._admin_error('body must be {"quota": int >= 0, "reset": bool}')
        self.quota = quota
        if reset:
            for enterprise in self.enterprises.values():
                enterprise.window_start, enterprise.calls = None, 0
        return json_reply({"quota": self.quota, "reset": reset})

    async def _admin_token_ttl(self, request: web.Request) -> web.Response:
        seconds = (await self._admin_body(request)).get("seconds")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or seconds <= 0
        ):
            return self._admin_error('body must be {"seconds": number > 0}')
        self.token_ttl = float(seconds)
        return json_reply({"token_ttl": self.token_ttl})

    async def _admin_whitelist(self, request: web.Request) -> web.Response:
        ok = (await self._admin_body(request)).get("ok")
        if not isinstance(ok, bool):
            return self._admin_error('body must be {"ok": true|false}')
        self.ip_whitelist_ok = ok
        return json_reply({"ok": ok})

    async def _admin_remote_control(self, request: web.Request) -> web.Response:
        data = await self._admin_body(request)
        key, enabled = data.get("product_key"), data.get("enabled")
        if not isinstance(key, str) or not isinstance(enabled, bool):
            return self._admin_error('body must be {"product_key": str, "enabled": bool}')
        product = self.products.get(key)
        if product is None:
            return self._admin_error(f"unknown product {key}", 404)
        product.remote_control = enabled
        return json_reply({"product_key": key, "enabled": enabled})

    async def _admin_report(self, request: web.Request) -> web.Response:
        did = request.match_info["did"]
        attrs = (await self._admin_body(request)).get("attrs")
        if not isinstance(attrs, dict) or not attrs:
            return self._admin_error('body must be {"attrs": {name: value, ...}}')
        if self.find_device(did) is None:
            return self._admin_error(f"unknown device {did}", 404)
        try:
            self.report(did, attrs)
        except KeyError as err:
            return self._admin_error(f"unknown datapoint {err.args[0]}")
        except AttrError as err:
            return self._admin_error(str(err))
        device = self.find_device(did)
        return json_reply({"did": did, "attrs": device.attrs if device else {}})
