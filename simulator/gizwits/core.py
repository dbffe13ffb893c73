"""The Gizwits simulator's core: state, the request pipeline (quota, whitelist, tokens)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import copy
import hmac
import math
import random
from typing import Any

from aiohttp import web

from ..base import VendorSimulator, json_reply, wall_clock
from ..common import ApiError, fail, parse_json
from ..faults import Handler
from .codes import (
    ASSOCIATION_NOT_EXIST,
    DEFAULT_QUOTA,
    DEFAULT_TOKEN_TTL,
    DEVICE_NOT_EXIST,
    DEVICE_OTHER_PRODUCT,
    ENTERPRISE_NOT_EXIST,
    ENTERPRISE_SECRET_ERROR,
    FORM_INVALID,
    GROUP_NOT_EXIST,
    HISTORY_MAX,
    IP_NOT_ALLOWED,
    JSON_INVALID,
    PREFIX,
    PRODUCT_NOT_EXIST,
    PRODUCT_SECRET_ERROR,
    QUOTA_WINDOW,
    RATE_LIMITED,
    TOKEN_EXPIRED,
    TOKEN_HEADER_RE,
    TOKEN_INVALID,
    TOKEN_NOT_MATCH,
    DataCursor,
    GizwitsFaultInjector,
    SimToken,
    View,
    error_reply,
)
from .scenario import default_gizwits_scenario
from .state import (
    ALERT,
    FAULT,
    GizwitsScenario,
    Report,
    SimDevice,
    SimEnterprise,
    SimProduct,
)


class GizwitsCore(VendorSimulator):
    """The Gizwits enterprise API, serving a scenario: state, quota, tokens, the envelope.

    The mixins add their endpoints through ``_views`` and ``_add_routes``.
    """

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

    def _views(self) -> list[tuple[str, str, View, bool]]:
        """(method, path under the product, view, needs a token): each mixin adds its own."""
        return [("POST", "/access_token", self._access_token, False)]

    def _add_routes(self) -> None:
        for method, path, view, needs_token in self._views():
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
                response = error_reply(err)
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
        return parse_json(await request.read(), JSON_INVALID)

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

    # -- device lookup (every endpoint group uses it) ---------------------------------

    def _device(self, product: SimProduct, did: str) -> SimDevice:
        device = self.devices[product.product_key].get(did)
        if device is not None:
            return device
        raise ApiError(
            DEVICE_OTHER_PRODUCT if self.find_device(did) is not None else DEVICE_NOT_EXIST
        )

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

    @staticmethod
    def _no_groups(query: Mapping[str, str]) -> None:
        # The simulator has no device groups, so any gid names a missing one.
        if query.get("gid"):
            fail(GROUP_NOT_EXIST)
