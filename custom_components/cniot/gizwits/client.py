"""Async client of the Gizwits (机智云) enterprise API for one product.

Every call but the token request carries ``Authorization: token <token>``. Tokens live
seven days; the client renews an hour before expiry and, when the API still calls the
token invalid, mismatched or expired (5009/5010/5011), renews once and retries once.
Errors come as ``{"error_code", "error_message", "detail"}`` with 4xx statuses, so the
body is read before the status is judged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
import logging
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from ..client.errors import (
    CniotAuthenticationError,
    CniotDeviceOfflineError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotVendorError,
)
from ..client.http import JsonClient, Reply, encode_json, retry_once, wall_clock
from ..client.paging import gather_or_raise
from ..client.parse import MalformedEntries, as_mapping, as_number, as_str
from .models import (
    DevicePage,
    DeviceState,
    GizwitsDevice,
    ProductSchema,
    ProductSummary,
    RateLimit,
    as_int,
    as_timestamp,
)

_LOGGER = logging.getLogger(__name__)

# The API takes HTTP and HTTPS (API document, section 2); HTTP would carry the
# enterprise and product secrets of every token request in clear text.
DEFAULT_BASE_URL: Final = "https://enterpriseapi.gizwits.com"
RENEW_BEFORE: Final = 3600.0
DEFAULT_PAGE_SIZE: Final = 100
# Number of report calls async_get_summary makes (summary, fault and alert reports).
SUMMARY_CALLS: Final = 3
# Requests in flight at once. The document limits calls per hour only, which
# concurrency does not change; this keeps one product's refresh from crowding out
# the enterprise's other clients.
MAX_CONCURRENCY: Final = 8

# 5007 is not among them: it asks for the Enterprise API service (v2 line 2181),
# which new secrets do not bring.
AUTH_ERRORS: Final = frozenset({5003, 5004, 5005, 5015})
TOKEN_ERRORS: Final = frozenset({5009, 5010, 5011})
RATE_LIMITED: Final = 5013
OFFLINE_ERRORS: Final = frozenset({5305})
# "device not exist" and "device is disabled" (v2 lines 2293, 2305): not offline.
DEVICE_GONE_ERRORS: Final = frozenset({5301, 5304})

# Fallback texts when a reply carries a code without a message.
ERROR_MESSAGES: Final[Mapping[int, str]] = {
    5001: "body json invalid",
    5002: "form invalid",
    5003: "enterprise id not exist",
    5004: "enterprise secret error",
    5005: "product secret error",
    5007: "association not exist",
    5009: "token invalid",
    5010: "token not match product_key",
    5011: "token has expired",
    5012: "ip not in white list",
    5013: "API call rate limit exceeded quota",
    5015: "product key not exist",
    5301: "device not exist",
    5302: "device not belong to this product",
    5304: "device is disabled",
    5305: "device offline",
    5401: "attr invalid",
    5402: "datapoint data not found",
    5403: "send command failed",
    5404: "remote control not allowed",
    5405: "attrs not exist",
    5408: "raw data error",
}


class GizwitsClient(JsonClient):
    """Talks to the enterprise API about one product. Knows nothing of Home Assistant."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        enterprise_id: str,
        enterprise_secret: str,
        product_key: str,
        product_secret: str,
        clock: Callable[[], float] = wall_clock,
        timeout: float = 15.0,
    ) -> None:
        super().__init__(session, base_url, timeout=timeout, concurrency=MAX_CONCURRENCY)
        self._enterprise_id = enterprise_id
        self._enterprise_secret = enterprise_secret
        self._product_key = product_key
        self._product_secret = product_secret
        self._clock = clock
        self.malformed = MalformedEntries("Gizwits device search", _LOGGER)
        self._prefix = f"/v1/products/{quote(product_key, safe='')}"
        self._token: str | None = None
        self._token_lifetime = 0.0
        self._token_lock = asyncio.Lock()
        self.token_expires_at: float | None = None
        self.rate: RateLimit | None = None
        self.on_rate_limit: Callable[[RateLimit], None] | None = None

    @property
    def product_key(self) -> str:
        """The product this client speaks for."""
        return self._product_key

    # -- tokens ----------------------------------------------------------------------

    def _token_due(self) -> bool:
        if self._token is None or self.token_expires_at is None:
            return True
        # Tokens shorter-lived than two hours are renewed halfway instead of on every call.
        margin = min(RENEW_BEFORE, self._token_lifetime / 2)
        return self._clock() >= self.token_expires_at - margin

    async def async_authenticate(self, *, force: bool = False) -> None:
        """Get a token when there is none, it expires within the hour, or ``force``."""
        async with self._token_lock:
            if force or self._token_due():
                await self._fetch_token()

    async def _fetch_token(self) -> None:
        path = f"{self._prefix}/access_token"
        # The only request that carries the secrets, and only in its body.
        body = encode_json(
            {
                "enterprise_id": self._enterprise_id,
                "enterprise_secret": self._enterprise_secret,
                "product_secret": self._product_secret,
            }
        )
        reply = await self._http.send("POST", path, body=body)
        data = self.object_of(self._parse(reply, self._received(reply)), path)
        token = data.get("token")
        # The document's table says expire_at, its example expired_at.
        expires = as_number(data.get("expired_at", data.get("expire_at")))
        if not isinstance(token, str) or not token or any(c.isspace() for c in token):
            raise CniotInvalidResponseError(f"reply from {path} carries no usable token")
        if expires is None:
            raise CniotInvalidResponseError(f"reply from {path} carries no expiry")
        self._token = token
        self.token_expires_at = expires
        self._token_lifetime = max(0.0, expires - self._clock())

    # -- requests --------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        payload: Any = None,
        empty_ok: bool = False,
    ) -> Any:
        await self.async_authenticate()
        body = encode_json(payload) if payload is not None else None
        retried = False
        while True:
            token = self._token
            reply = await self._http.send(
                method, path, body=body, params=params, headers={"Authorization": f"token {token}"}
            )
            data = self._received(reply)
            if not retried and _error_code(data) in TOKEN_ERRORS:
                retried = True
                async with self._token_lock:
                    # Another call may have renewed it meanwhile.
                    if self._token == token:
                        await self._fetch_token()
                continue
            return self._parse(reply, data, empty_ok=empty_ok)

    def _received(self, reply: Reply) -> Any:
        """Note the quota headers of any reply; return its JSON."""
        rate = RateLimit.from_headers(reply.headers)
        if rate is not None:
            self.rate = rate
            if self.on_rate_limit is not None:
                self.on_rate_limit(rate)
        return self.received(reply)

    def _parse(self, reply: Reply, data: Any, *, empty_ok: bool = False) -> Any:
        """The reply's JSON, or the matching client error."""
        code = _error_code(data)
        if code is not None:
            rate = RateLimit.from_headers(reply.headers)
            raise self._error_for(code, as_mapping(data), rate)
        return self.checked(reply, data, empty_ok=empty_ok)

    def _redact(self, text: str) -> str:
        # Whatever the vendor echoes, secrets and the token never reach messages or logs.
        return self.redacted(text, (self._token, self._enterprise_secret, self._product_secret))

    def _error_for(self, code: int, data: Mapping[str, Any], rate: RateLimit | None) -> Exception:
        message = as_str(data.get("error_message")) or ERROR_MESSAGES.get(code, "error")
        detail = as_str(data.get("detail"))
        if detail:
            message = f"{message} ({detail})"
        message = self._redact(message)
        if code in AUTH_ERRORS:
            return CniotAuthenticationError(
                f"Gizwits refused the credentials: {message}", code=code
            )
        if code == RATE_LIMITED:
            retry_after = max(0.0, rate.reset - self._clock()) if rate is not None else None
            return CniotRateLimitedError(
                f"Gizwits API quota used up: {message}", retry_after=retry_after, code=code
            )
        if code in OFFLINE_ERRORS:
            return CniotDeviceOfflineError(code, message)
        return CniotVendorError(code, message)

    @staticmethod
    def _list(data: Mapping[str, Any], key: str, path: str) -> list[Any]:
        value = data.get(key)
        if not isinstance(value, list):
            raise CniotInvalidResponseError(f"reply from {path} has no {key} list")
        return value

    def _device_path(self, did: str, action: str) -> str:
        return f"{self._prefix}/devices/{quote(did, safe='')}/{action}"

    # -- API -------------------------------------------------------------------------

    # Reads change nothing, so each is tried once more after a transient failure.

    async def async_get_schema(self) -> ProductSchema:
        """The product's datapoints (``GET datapoint``)."""
        return await retry_once(self._get_schema)

    async def _get_schema(self) -> ProductSchema:
        path = f"{self._prefix}/datapoint"
        data = self.object_of(await self._call("GET", path), path)
        attrs: list[Any] = []
        for entity in self._list(data, "entities", path):
            items = as_mapping(entity).get("attrs")
            if isinstance(items, list):
                attrs.extend(items)
        return ProductSchema.parse(data, attrs)

    async def _search_page(self, skip: int, limit: int) -> tuple[DevicePage, int]:
        return await retry_once(lambda: self._search_page_once(skip, limit))

    async def _search_page_once(self, skip: int, limit: int) -> tuple[DevicePage, int]:
        path = f"{self._prefix}/devices/search"
        # Search items carry no is_disabled flag (only device_detail does), so the
        # server must leave deregistered devices out: show_disabled=0 (v2 line 647).
        params = {"skip": str(skip), "limit": str(limit), "show_disabled": "0"}
        data = self.object_of(await self._call("GET", path, params=params), path)
        objects = self._list(data, "objects", path)
        total = as_int(as_mapping(data.get("meta")).get("total"))
        devices = tuple(
            device for item in objects if (device := GizwitsDevice.parse(as_mapping(item)))
        )
        reported = total is not None and total >= 0
        if total is None or not reported:
            total = skip + len(objects)
        return DevicePage(total=total, devices=devices, total_reported=reported), len(objects)

    async def async_search_devices(
        self, *, skip: int = 0, limit: int = DEFAULT_PAGE_SIZE
    ) -> DevicePage:
        """One page of the device search, deregistered devices left out."""
        page, _length = await self._search_page(skip, limit)
        return page

    async def async_get_devices(self) -> list[GizwitsDevice]:
        """Every registered device of the product (deregistered ones left out).

        A listing that fails transiently, or comes out incomplete, is read once more.
        """
        return await retry_once(self._get_devices)

    async def _get_devices(self) -> list[GizwitsDevice]:
        devices: dict[str, GizwitsDevice] = {}
        skip = 0
        entries = 0
        self.malformed.start()
        while True:
            page, length = await self._search_page_once(skip, DEFAULT_PAGE_SIZE)
            # An entry without a usable did costs only itself (and no device is absent).
            entries += length
            self.malformed.add(length - len(page.devices))
            if page.devices and all(device.did in devices for device in page.devices):
                # A server that ignores skip would otherwise be paged forever.
                raise CniotInvalidResponseError("device search repeats the same page")
            for device in page.devices:
                devices.setdefault(device.did, device)
            skip += length
            if length == 0 and skip < page.total:
                # Partial data would look like vanished devices; retry next time instead.
                raise CniotInvalidResponseError("device search returned an empty page early")
            # The server may cap the page size, so only the total says when to stop;
            # without one, an empty page does.
            if length == 0 or (page.total_reported and skip >= page.total):
                self.malformed.finish(entries)
                return list(devices.values())

    async def async_get_latest(self, did: str) -> DeviceState | None:
        """The device's latest report in the API's default two-day window, or None."""
        return await retry_once(lambda: self._get_latest(did))

    async def _get_latest(self, did: str) -> DeviceState | None:
        path = self._device_path(did, "data")
        params = {"limit": "1", "sort": "desc"}
        data = self.object_of(await self._call("GET", path, params=params), path)
        objects = self._list(data, "objects", path)
        if not objects:
            return None
        item = as_mapping(objects[0])
        attrs = item.get("attrs")
        if not isinstance(attrs, Mapping):
            return None
        return DeviceState(timestamp=as_timestamp(item.get("ts")), attrs=dict(attrs))

    async def async_control(self, did: str, attrs: Mapping[str, Any]) -> None:
        """Set datapoints (values as :meth:`Datapoint.validate` returns them)."""
        await self._call(
            "POST", self._device_path(did, "control"), payload={"attrs": dict(attrs)}, empty_ok=True
        )

    async def async_send_raw(self, did: str, raw: Sequence[int]) -> None:
        """Send a raw command, as byte values."""
        await self._call(
            "POST", self._device_path(did, "control"), payload={"raw": list(raw)}, empty_ok=True
        )

    def report_path(self, report: str) -> str:
        """The path of one report: ``summary``, ``fault`` or ``alert``."""
        if report == "summary":
            return f"{self._prefix}/devices/summary"
        return f"{self._prefix}/{report}/report/devices"

    async def async_get_device_summary(self) -> tuple[int | None, int | None]:
        """Devices ever online and online now, from ``devices/summary``."""
        summary = await self._read_object(self.report_path("summary"))
        return as_int(summary.get("total")), as_int(summary.get("online"))

    async def async_get_unresolved(self, report: str) -> int | None:
        """Devices with an unresolved fault (``fault``) or alert (``alert``) now."""
        path = self.report_path(report)
        data = await self._read_object(path)
        count = data.get("count")
        if not isinstance(count, Mapping):
            raise CniotInvalidResponseError(f"reply from {path} has no count object")
        return as_int(count.get("unresolved"))

    async def async_get_summary(self) -> ProductSummary:
        """Device counts from three report calls: the overview, fault and alert reports.

        ``faulty`` and ``alerting`` are the reports' unresolved counts (devices showing a
        fault or alert now). Any failure is raised; the coordinator reads them one by one.
        """
        # Independent reads, concurrently; each is retried once on its own.
        (total, online), (faulty, alerting) = await gather_or_raise(
            self.async_get_device_summary(),
            gather_or_raise(self.async_get_unresolved("fault"), self.async_get_unresolved("alert")),
        )
        return ProductSummary(total=total, online=online, faulty=faulty, alerting=alerting)

    async def _read_object(self, path: str) -> Mapping[str, Any]:
        async def read() -> Mapping[str, Any]:
            return self.object_of(await self._call("GET", path), path)

        return await retry_once(read)


def _error_code(data: Any) -> int | None:
    # Codes come as numbers, or as strings in the older document; 0 is no error.
    if not isinstance(data, Mapping):
        return None
    code = as_int(data.get("error_code"))
    return code if code else None
