"""What every vendor simulator shares: serving, auth, recording, faults and admin API.

Each vendor gets its own :class:`aiohttp.web.Application` (and port). Vendor paths go
through recording, the fixed latency, HTTP Basic auth and fault injection, in that order;
paths under ``/_sim/`` are the admin API and bypass all of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
import base64
import binascii
from collections import Counter
from dataclasses import dataclass
import hmac
import json
import re
import time
from typing import Any, ClassVar, Final, Literal, get_args

from aiohttp import web

from .faults import Fault, FaultInjector, Handler
from .tls import Certificate, make_certificate

ADMIN_PREFIX: Final = "/_sim/"

# How an optional endpoint is unavailable: gone (404), forbidden (403), refused with
# the vendor's permission code, or answering in a shape no client can read.
type FeatureMode = Literal["absent", "forbidden", "refused", "unreadable"]
FEATURE_MODES: Final[tuple[str, ...]] = get_args(FeatureMode.__value__)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A vendor request as it arrived; ``body`` is the parsed JSON or None."""

    method: str
    path: str
    body: Any
    raw: bytes


def dumps(data: Any) -> str:
    """JSON as the vendor backends send it: UTF-8, not ASCII-escaped."""
    return json.dumps(data, ensure_ascii=False)


def json_reply(data: Any, status: int = 200) -> web.Response:
    """A JSON response."""
    return web.json_response(data, status=status, dumps=dumps)


def wall_clock() -> float:
    """Seconds since the epoch, looked up at call time (so a frozen clock applies)."""
    return time.time()


def format_url(host: str, port: int, scheme: str = "http") -> str:
    """``http://host:port`` (or another scheme), bracketing IPv6 literals."""
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class VendorSimulator(ABC):
    """Base of the vendor simulators; subclasses add their routes to :attr:`app`."""

    vendor: ClassVar[str]
    # The optional endpoints, by the integration's feature names: path regexes.
    FEATURE_PATHS: ClassVar[dict[str, str]] = {}
    # The vendor's "no permission" code for the ``refused`` mode (None: it has none).
    permission_code: ClassVar[int | None] = None

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        latency: float = 0.0,
    ) -> None:
        """Create the application with its admin routes."""
        if latency < 0:
            raise ValueError("latency must be >= 0")
        self.faults = FaultInjector()
        self.requests: list[RecordedRequest] = []
        self.latency = latency
        self._username = username
        self._password = password or ""
        self._runner: web.AppRunner | None = None
        self.url: str | None = None
        # What an HTTPS simulator serves; clients trust ``certificate.ca_pem``.
        self.certificate: Certificate | None = None
        # feature name -> the fault its endpoints answer with, until restored.
        self.unavailable_features: dict[str, Fault] = {}
        self.feature_paths = dict(self.FEATURE_PATHS)
        self.app = web.Application(middlewares=[self._middleware])
        self._add_admin_routes()

    # -- vendor hooks ---------------------------------------------------------------

    @abstractmethod
    def state_dump(self) -> dict[str, Any]:
        """Everything the simulator holds, as JSON."""

    @abstractmethod
    def reset_state(self) -> None:
        """Return the vendor state to the scenario's."""

    @abstractmethod
    def set_online(self, device_id: str, online: bool) -> None:
        """Take a device off or on line; KeyError when unknown."""

    @abstractmethod
    def online_states(self) -> dict[str, bool]:
        """Every device id (as ``set_online`` takes it) and whether it is online."""

    def churn(self, count: int) -> list[str]:
        """Flip the online state of ``count`` devices spread evenly over the fleet.

        Benchmarks use it for a refresh in which some, not all, devices change;
        a second churn of the same count flips the same devices back.
        """
        states = self.online_states()
        ids = sorted(states)
        count = min(max(0, count), len(ids))
        chosen = [ids[index * len(ids) // count] for index in range(count)]
        for device_id in chosen:
            self.set_online(device_id, not states[device_id])
        return chosen

    # -- optional features ----------------------------------------------------------

    def set_feature(self, name: str, mode: str | None, code: int | None = None) -> None:
        """Make a feature's endpoints unavailable in ``mode``, or (None) serve them again.

        ``code`` overrides the vendor's permission code for ``refused``, and the HTTP
        status for ``absent`` (404; 405 and 501 too) or ``forbidden`` (403). ValueError
        for an unknown feature or mode.
        """
        if name not in self.feature_paths:
            raise ValueError(f"unknown {self.vendor} feature {name!r}")
        if mode is None:
            self.unavailable_features.pop(name, None)
            return
        if mode == "absent":
            fault = Fault(kind="http_status", value=code or 404)
        elif mode == "forbidden":
            fault = Fault(kind="http_status", value=code or 403)
        elif mode == "refused":
            code = code if code is not None else self.permission_code
            if code is None:
                raise ValueError(f"{self.vendor} has no permission code; use forbidden")
            fault = Fault(kind="vendor_code", value=code)
        elif mode == "unreadable":
            fault = Fault(kind="unreadable")
        else:
            raise ValueError(f"mode must be one of {', '.join(FEATURE_MODES)}")
        self.unavailable_features[name] = fault

    def _feature_fault(self, path: str) -> Fault | None:
        for name, fault in self.unavailable_features.items():
            if re.fullmatch(self.feature_paths[name], path):
                return fault
        return None

    # -- lifecycle ------------------------------------------------------------------

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, tls: Certificate | bool = False
    ) -> str:
        """Serve on host:port (0 picks a free port) and return the base URL.

        ``tls`` serves HTTPS: with True a certificate for ``host`` (and loopback) made
        now, or the one given (several simulators may share one CA).
        """
        if self._runner is not None:
            raise RuntimeError("simulator already started")
        certificate: Certificate | None = None
        ssl_context = None
        if tls is not False:
            hosts = dict.fromkeys((host, "127.0.0.1", "localhost", "::1"))
            # Key generation and load_cert_chain block: off the event loop.
            certificate = (
                await asyncio.to_thread(make_certificate, tuple(hosts)) if tls is True else tls
            )
            ssl_context = await asyncio.to_thread(certificate.server_context)
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.certificate = certificate
        bound_port = int(runner.addresses[0][1])
        self.url = format_url(host, bound_port, "http" if certificate is None else "https")
        return self.url

    async def stop(self) -> None:
        """Stop serving; a no-op when not started."""
        runner, self._runner = self._runner, None
        self.url = None
        self.certificate = None
        if runner is not None:
            await runner.cleanup()

    def reset(self) -> None:
        """Scenario state back, no faults, every feature served, no recorded requests."""
        self.faults.clear()
        self.unavailable_features.clear()
        self.requests.clear()
        self.reset_state()

    # -- request pipeline -----------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        if self._username is None:
            return True
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            login, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except binascii.Error, UnicodeDecodeError:
            return False
        if not sep:
            return False
        return hmac.compare_digest(login.encode(), self._username.encode()) & hmac.compare_digest(
            password.encode(), self._password.encode()
        )

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return await handler(request)
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.requests.append(RecordedRequest(request.method, request.path, body, raw))
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if not self._authorized(request):
            return web.Response(
                status=401,
                text="401 Unauthorized\n",
                headers={"WWW-Authenticate": f'Basic realm="{self.vendor} simulator"'},
            )
        if (feature_fault := self._feature_fault(request.path)) is not None:
            return await self.faults.render(request, handler, feature_fault)
        return await self.faults.apply(request, handler)

    # -- admin API ------------------------------------------------------------------

    def _add_admin_routes(self) -> None:
        router = self.app.router
        router.add_get("/_sim/faults", self._admin_list_faults, allow_head=False)
        router.add_post("/_sim/faults", self._admin_add_fault)
        router.add_delete("/_sim/faults", self._admin_clear_faults)
        router.add_post("/_sim/devices/{device_id}/online", self._admin_online)
        router.add_post("/_sim/churn", self._admin_churn)
        router.add_get("/_sim/requests", self._admin_requests, allow_head=False)
        router.add_delete("/_sim/requests", self._admin_clear_requests)
        router.add_get("/_sim/state", self._admin_state, allow_head=False)
        router.add_post("/_sim/reset", self._admin_reset)
        router.add_get("/_sim/features", self._admin_features, allow_head=False)
        router.add_post("/_sim/features", self._admin_set_feature)

    def _faults_reply(self) -> web.Response:
        return json_reply({"faults": [fault.as_json() for fault in self.faults.active]})

    async def _admin_list_faults(self, request: web.Request) -> web.Response:
        return self._faults_reply()

    async def _admin_add_fault(self, request: web.Request) -> web.Response:
        try:
            fault = Fault.from_json(await request.json())
        except (TypeError, ValueError) as err:
            return json_reply({"error": str(err)}, status=400)
        self.faults.add(fault)
        return self._faults_reply()

    async def _admin_clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return self._faults_reply()

    async def _admin_online(self, request: web.Request) -> web.Response:
        device_id = request.match_info["device_id"]
        try:
            data = await request.json()
        except ValueError:
            data = None
        online = data.get("online") if isinstance(data, dict) else None
        if not isinstance(online, bool):
            return json_reply({"error": 'body must be {"online": true|false}'}, status=400)
        try:
            self.set_online(device_id, online)
        except KeyError:
            return json_reply({"error": f"unknown device {device_id}"}, status=404)
        return json_reply({"device": device_id, "online": online})

    async def _admin_churn(self, request: web.Request) -> web.Response:
        try:
            data = await request.json()
        except ValueError:
            data = None
        count = data.get("count") if isinstance(data, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            return json_reply({"error": 'body must be {"count": n} with n >= 0'}, status=400)
        return json_reply({"flipped": self.churn(count), "devices": len(self.online_states())})

    def request_counts(self) -> dict[str, int]:
        """How many vendor requests arrived per path."""
        return dict(Counter(recorded.path for recorded in self.requests))

    async def _admin_requests(self, request: web.Request) -> web.Response:
        reply: dict[str, Any] = {"total": len(self.requests), "paths": self.request_counts()}
        if request.query.get("detail") in ("1", "true"):
            reply["requests"] = [
                {"method": item.method, "path": item.path, "body": item.body}
                for item in self.requests
            ]
        return json_reply(reply)

    async def _admin_clear_requests(self, request: web.Request) -> web.Response:
        self.requests.clear()
        return json_reply({"total": 0, "paths": {}})

    async def _admin_state(self, request: web.Request) -> web.Response:
        state = self.state_dump()
        state["faults"] = [fault.as_json() for fault in self.faults.active]
        state["requests"] = len(self.requests)
        return json_reply(state)

    def _features_reply(self) -> web.Response:
        return json_reply(
            {
                "features": sorted(self.feature_paths),
                "unavailable": {
                    name: fault.as_json() for name, fault in self.unavailable_features.items()
                },
            }
        )

    async def _admin_features(self, request: web.Request) -> web.Response:
        return self._features_reply()

    async def _admin_set_feature(self, request: web.Request) -> web.Response:
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("feature"), str):
            return json_reply(
                {"error": 'body must be {"feature": name, "mode": mode|null, "code": n}'},
                status=400,
            )
        mode, code = data.get("mode"), data.get("code")
        if (mode is not None and not isinstance(mode, str)) or (
            code is not None and (not isinstance(code, int) or isinstance(code, bool))
        ):
            return json_reply({"error": "mode is a string or null, code an integer"}, status=400)
        try:
            self.set_feature(data["feature"], mode, code)
        except ValueError as err:
            return json_reply({"error": str(err)}, status=400)
        return self._features_reply()

    async def _admin_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return json_reply({"reset": True})
