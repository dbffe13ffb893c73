"""The Xlink simulator's core: state, the request pipeline, tokens and logins, admin."""

from __future__ import annotations

from collections.abc import Callable
import copy
from dataclasses import dataclass
from datetime import UTC, datetime
import hmac
import math
import random
from typing import Any, Final

from aiohttp import web

from ..base import VendorSimulator, json_reply, wall_clock
from ..common import ApiError, admin_body, fail, parse_json
from ..faults import Fault, FaultInjector, Handler
from .state import (
    ACCESS_KEY_DISABLED,
    ACCESS_KEY_NOT_FOUND,
    ACCESS_KEY_WRONG,
    DEMO_MEMBER_ID,
    FIELD_INVALID,
    FIELD_MISSING,
    MEMBER_NOT_FOUND,
    NEEDS_CORP,
    PASSWORD_WRONG,
    REFRESH_INVALID,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    TOKEN_MISSING,
    TOKEN_REPLACED,
    USER_LOCKED,
    USER_NOT_FOUND,
    SimDevice,
    SimProduct,
    SimUser,
    XlinkScenario,
    default_xlink_scenario,
    error_reply,
)

DEFAULT_TOKEN_TTL: Final = 7200.0
MAX_PAGE: Final = 1000
MAX_BATCH: Final = 1000
LOCK_AFTER: Final = 5
LOCK_WINDOW: Final = 60.0
LOCK_TIME: Final = 300.0


@dataclass(slots=True)
class SimToken:  # pylint: disable=too-many-instance-attributes
    """An issued access token and the refresh token that came with it."""

    access: str
    refresh: str | None
    kind: str  # corp, accesskey or user
    principal: str
    resource: str
    expires_at: float
    replaced: bool = False
    refresh_used: bool = False


class XlinkFaultInjector(FaultInjector):
    """Faults with Xlink-shaped vendor errors and empty ``list`` pages."""

    async def render(
        self, request: web.Request, handler: Handler, fault: Fault
    ) -> web.StreamResponse:
        """As the base, but ``vendor_code`` answers in the error envelope."""
        if fault.kind == "vendor_code":
            return error_reply(ApiError(int(fault.value or 0), "injected"))
        return await super().render(request, handler, fault)


type View = Callable[[web.Request, Any, SimToken | None], Any]


class XlinkCore(VendorSimulator):  # pylint: disable=too-many-instance-attributes
    """The Xlink /v2 API, serving a scenario: state, tokens and logins, the envelope.

    ``DevicesApi`` adds the product and device endpoints through ``_views``.
    """

    vendor = "xlink"

    def __init__(
        self,
        scenario: XlinkScenario | None = None,
        *,
        clock: Callable[[], float] = wall_clock,
        token_ttl: float = DEFAULT_TOKEN_TTL,
        latency: float = 0.0,
        seed: int = 0,
        drift: bool = False,
    ) -> None:
        """Serve ``scenario`` (default: :func:`default_xlink_scenario`)."""
        super().__init__(latency=latency)
        if token_ttl <= 0:
            raise ValueError("token_ttl must be > 0")
        self.faults = XlinkFaultInjector()
        self._scenario = copy.deepcopy(scenario or default_xlink_scenario())
        self.clock = clock
        self.token_ttl = token_ttl
        self.seed = seed
        self.drift = drift
        self.corp_id = ""
        self.account = ""
        self.password = ""
        self.access_keys: dict[str, Any] = {}
        self.users: dict[int, SimUser] = {}
        self.products: dict[str, SimProduct] = {}
        self.devices: dict[int, SimDevice] = {}
        self.tokens: dict[str, SimToken] = {}
        self.failed_logins: dict[str, list[float]] = {}
        self.locked_until: dict[str, float] = {}
        self._ids = random.Random(seed)
        self._rng = random.Random(seed + 1)
        self.reset_state()
        self._add_routes()

    # -- state -----------------------------------------------------------------------

    def reset_state(self) -> None:
        """Back to the scenario: logins, products, devices, values; no tokens."""
        scenario = copy.deepcopy(self._scenario)
        now = self.clock()
        self.corp_id = scenario.corp_id
        self.account = scenario.account
        self.password = scenario.password
        self.access_keys = {key.key_id: key for key in scenario.access_keys}
        self.users = {user.user_id: user for user in scenario.users}
        self.products = {product.product_id: product for product in scenario.products}
        self.devices = {}
        for device in scenario.devices:
            device.last_login = now + device.last_login
            device.last_update = now + device.last_update
            self.devices[device.device_id] = device
        self.tokens = {}
        self.failed_logins = {}
        self.locked_until = {}
        self._ids = random.Random(self.seed)
        self._rng = random.Random(self.seed + 1)

    def set_online(self, device_id: str, online: bool) -> None:
        """Take a device off or on line; KeyError when unknown."""
        device = self.devices.get(int(device_id)) if device_id.isdigit() else None
        if device is None:
            raise KeyError(device_id)
        if online and not device.online:
            device.last_login = self.clock()
        device.online = online

    def online_states(self) -> dict[str, bool]:
        """Every device ID (as text) and whether it is online."""
        return {str(device_id): device.online for device_id, device in self.devices.items()}

    def report(self, device_id: int, values: dict[int, Any]) -> None:
        """The device reports values; KeyError for an unknown device or index."""
        device = self.devices[device_id]
        product = self.products[device.product_id]
        checked = {}
        for index, value in values.items():
            point = product.datapoint(index)
            if point is None:
                raise KeyError(index)
            checked[index] = point.check(value)
        device.values.update(checked)
        device.last_update = self.clock()

    def state_dump(self) -> dict[str, Any]:
        """Everything the simulator holds, secrets and tokens included."""
        return {
            "xlink": {
                "corp_id": self.corp_id,
                "account": self.account,
                "password": self.password,
                "products": [product.as_json() for product in self.products.values()],
                "devices": [
                    {**device.as_json(self._iso), "values": device.values}
                    for device in self.devices.values()
                ],
                "tokens": len(self.tokens),
            }
        }

    def _iso(self, when: float) -> str:
        moment = datetime.fromtimestamp(when, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    # -- request pipeline ------------------------------------------------------------

    def _views(self) -> list[tuple[str, str, View, str | None]]:
        """(method, path, view, token kind it needs): the logins here, the rest in mixins."""
        return [
            ("POST", "/v2/corp_auth", self._corp_auth, None),
            ("POST", "/v2/accesskey_auth", self._accesskey_auth, None),
            ("POST", "/v2/user_auth", self._user_auth, None),
            ("POST", "/v2/corp/token/refresh", self._corp_refresh, None),
            ("POST", "/v2/user/token/refresh", self._user_refresh, None),
        ]

    def _add_routes(self) -> None:
        for method, path, view, auth in self._views():
            self.app.router.add_route(method, path, self._endpoint(view, auth))
        self._add_xlink_admin_routes()

    def _endpoint(self, view: View, auth: str | None) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                token = self._check_token(request, auth) if auth is not None else None
                body = await self._read_body(request) if request.method == "POST" else None
                result = view(request, body, token)
            except ApiError as err:
                return error_reply(err)
            if isinstance(result, web.StreamResponse):
                return result
            return json_reply(result)

        return handler

    def _check_token(self, request: web.Request, auth: str) -> SimToken:
        value = request.headers.get("Access-Token", "").strip()
        if not value:
            fail(TOKEN_MISSING)
        token = self.tokens.get(value)
        if token is None:
            fail(TOKEN_INVALID)
        if token.replaced:
            fail(TOKEN_REPLACED)
        if self.clock() >= token.expires_at:
            fail(TOKEN_EXPIRED)
        if auth == "corp" and token.kind == "user":
            fail(NEEDS_CORP)
        if auth == "user" and token.kind != "user":
            fail(TOKEN_INVALID, "需要用户的Access-Token")
        return token

    @staticmethod
    async def _read_body(request: web.Request) -> Any:
        return parse_json(await request.read(), FIELD_INVALID, "请求数据不是JSON", empty=None)

    def _new_token(self) -> str:
        # Real tokens begin with the corp ID and end in base64 padding.
        return f"{self.corp_id}-{self._ids.getrandbits(160):040x}=="

    def _issue(self, kind: str, principal: str, resource: str = "") -> SimToken:
        with_refresh = kind != "accesskey"
        token = SimToken(
            access=self._new_token(),
            refresh=self._new_token() if with_refresh else None,
            kind=kind,
            principal=principal,
            resource=resource,
            expires_at=self.clock() + self.token_ttl,
        )
        self.tokens[token.access] = token
        return token

    def _reply(self, token: SimToken, **extra: Any) -> dict[str, Any]:
        reply: dict[str, Any] = {"access_token": token.access, **extra}
        if token.refresh is not None:
            reply["refresh_token"] = token.refresh
            reply["expire_in"] = int(self.token_ttl)
        return reply

    # -- logins ----------------------------------------------------------------------

    @staticmethod
    def _strings(body: Any, *keys: str) -> list[str]:
        if not isinstance(body, dict):
            fail(FIELD_MISSING)
        values = []
        for key in keys:
            value = body.get(key)
            if not isinstance(value, str) or not value:
                fail(FIELD_MISSING, f"{key} 不可为空")
            values.append(value)
        return values

    def _check_password(self, who: str, given: str, expected: str) -> None:
        """Five wrong passwords within a minute lock the account for five minutes."""
        now = self.clock()
        if self.locked_until.get(who, 0) > now:
            fail(USER_LOCKED)
        if hmac.compare_digest(given.encode(), expected.encode()):
            self.failed_logins.pop(who, None)
            return
        recent = [t for t in self.failed_logins.get(who, []) if now - t < LOCK_WINDOW] + [now]
        self.failed_logins[who] = recent
        if len(recent) >= LOCK_AFTER:
            self.locked_until[who] = now + LOCK_TIME
        fail(PASSWORD_WRONG)

    def _corp_auth(self, request: web.Request, body: Any, _token: SimToken | None) -> Any:
        account, password = self._strings(body, "account", "password")
        if account != self.account:
            fail(MEMBER_NOT_FOUND)
        self._check_password(account, password, self.password)
        token = self._issue("corp", account)
        return self._reply(token, corp_id=self.corp_id, member_id=DEMO_MEMBER_ID)

    def _accesskey_auth(self, request: web.Request, body: Any, _token: SimToken | None) -> Any:
        key_id, secret = self._strings(body, "id", "secret")
        key = self.access_keys.get(key_id)
        if key is None:
            fail(ACCESS_KEY_NOT_FOUND)
        if not key.enabled:
            fail(ACCESS_KEY_DISABLED)
        if not hmac.compare_digest(secret.encode(), key.secret.encode()):
            fail(ACCESS_KEY_WRONG)
        # The document gives only access_token: no refresh token, no lifetime.
        return self._reply(self._issue("accesskey", key_id))

    def _user_auth(self, request: web.Request, body: Any, _token: SimToken | None) -> Any:
        (corp_id, password) = self._strings(body, "corp_id", "password")
        email, phone = body.get("email"), body.get("phone")
        resource = body.get("resource", "")
        if not isinstance(resource, str) or len(resource) > 16:
            fail(FIELD_INVALID, "resource 须为0-16个字符")
        if corp_id != self.corp_id:
            fail(USER_NOT_FOUND)
        user = next(
            (
                user
                for user in self.users.values()
                if (isinstance(email, str) and email and user.email == email)
                or (isinstance(phone, str) and phone and user.phone == phone)
            ),
            None,
        )
        if user is None:
            fail(USER_NOT_FOUND)
        self._check_password(str(user.user_id), password, user.password)
        # One session per login source: the same resource replaces its older tokens.
        for token in self.tokens.values():
            same_user = token.kind == "user" and token.principal == str(user.user_id)
            if same_user and token.resource == resource:
                token.replaced = True
        token = self._issue("user", str(user.user_id), resource)
        return self._reply(token, user_id=user.user_id, authorize=f"{user.user_id:x}auth")

    def _refresh(self, request: web.Request, body: Any, kind: str) -> Any:
        value = request.headers.get("Access-Token", "").strip()
        old = self.tokens.get(value)
        if old is None or (old.kind == "user") != (kind == "user"):
            fail(TOKEN_INVALID)
        if old.replaced:
            fail(TOKEN_REPLACED)
        if self.clock() >= old.expires_at:
            # The documents: an expired token cannot be refreshed; log in again.
            fail(TOKEN_EXPIRED)
        (given,) = self._strings(body, "refresh_token")
        if (
            old.refresh is None
            or old.refresh_used
            or not hmac.compare_digest(given.encode(), old.refresh.encode())
        ):
            fail(REFRESH_INVALID)
        old.refresh_used = True
        old.replaced = True
        token = self._issue(old.kind, old.principal, old.resource)
        return self._reply(token)

    def _corp_refresh(self, request: web.Request, body: Any, _token: SimToken | None) -> Any:
        return self._refresh(request, body, "corp")

    def _user_refresh(self, request: web.Request, body: Any, _token: SimToken | None) -> Any:
        return self._refresh(request, body, "user")

    # -- reads -----------------------------------------------------------------------

    # -- admin -----------------------------------------------------------------------

    def _add_xlink_admin_routes(self) -> None:
        router = self.app.router
        router.add_post("/_sim/xlink/token_ttl", self._admin_token_ttl)
        router.add_post("/_sim/xlink/expire_tokens", self._admin_expire)
        router.add_post("/_sim/xlink/devices/{device_id}/report", self._admin_report)

    async def _admin_token_ttl(self, request: web.Request) -> web.Response:
        seconds = (await admin_body(request)).get("seconds")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or seconds <= 0
        ):
            return json_reply({"error": 'body must be {"seconds": number > 0}'}, status=400)
        self.token_ttl = float(seconds)
        return json_reply({"token_ttl": self.token_ttl})

    def expire_tokens(self) -> int:
        """Make every issued token expired now; returns how many."""
        now = self.clock()
        for token in self.tokens.values():
            token.expires_at = min(token.expires_at, now)
        return len(self.tokens)

    async def _admin_expire(self, request: web.Request) -> web.Response:
        return json_reply({"expired": self.expire_tokens()})

    async def _admin_report(self, request: web.Request) -> web.Response:
        text = request.match_info["device_id"]
        values = (await admin_body(request)).get("values")
        if not isinstance(values, dict) or not values:
            return json_reply({"error": 'body must be {"values": {index: value}}'}, status=400)
        if not text.isdigit() or int(text) not in self.devices:
            return json_reply({"error": f"unknown device {text}"}, status=404)
        try:
            self.report(int(text), {int(k): v for k, v in values.items()})
        except (KeyError, ValueError) as err:
            return json_reply({"error": str(err)}, status=400)
        return json_reply({"device_id": int(text), "values": self.devices[int(text)].values})
