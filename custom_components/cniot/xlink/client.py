"""Async client of the Xlink (云智易) /v2 REST API, for one account.

Three logins: an enterprise member (``corp_auth``), a developer access key
(``accesskey_auth``) or an app user of a brand (``user_auth``, with a fixed
``resource`` so the user's phone app stays logged in). Calls carry ``Access-Token``.
Tokens are refreshed once 80 % of ``expire_in`` has passed; both tokens rotate and
``on_tokens`` hears of each new pair so it can be kept. On 4031021 (expired) the
client refreshes and retries once; on 4031022 (replaced), 4001010 (refresh token
invalid) or an invalid token it logs in afresh. Only a refused login raises
``CniotAuthenticationError``.

Errors come as ``{"error": {"code", "msg"}}`` with the code's HTTP status (4031003
with 403), so the body is read before the status is judged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
import logging
import math
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from ..client.errors import (
    CniotAuthenticationError,
    CniotConfigurationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotInvalidValueError,
    CniotVendorError,
)
from ..client.http import JsonClient, Reply, encode_json, retry_once, wall_clock
from ..client.paging import fetch_pages, gather_or_raise
from ..client.parse import MalformedEntries, as_list, as_mapping, as_number, as_str
from .const import MODE_ACCESS_KEY, MODE_CORP, MODE_USER
from .models import (
    Datapoint,
    DeviceValues,
    Product,
    TokenSet,
    XlinkDevice,
    as_int,
    parse_datapoints,
)

_LOGGER = logging.getLogger(__name__)
DEFAULT_BASE_URL: Final = "https://api2.xlink.cn"
# The login source (0-16 characters): sessions of other sources, such as the phone
# app's, stay valid beside ours.
DEFAULT_RESOURCE: Final = "cniot-ha"
# Neither maximum is documented; 100 is what the console asks for.
PAGE_SIZE: Final = 100
BATCH_SIZE: Final = 100
REFRESH_SHARE: Final = 0.8
MAX_CONCURRENCY: Final = 4

TOKEN_EXPIRED: Final = 4031021
TOKEN_REPLACED: Final = 4031022
REFRESH_INVALID: Final = 4001010
TOKEN_INVALID: Final = frozenset({4031002, 4031003})
# A fresh login mends these; 4031021 a refresh.
RELOGIN_CODES: Final = frozenset({TOKEN_REPLACED, REFRESH_INVALID, *TOKEN_INVALID})

# Wrong password or account, unknown member/user/corp, unusable access key.
AUTH_CODES: Final = frozenset(
    {
        4001007,
        4001008,
        4001009,
        4001030,
        4001059,
        4001071,
        4001072,
        4001079,
        4041002,
        4041003,
        4041010,
        4041011,
        4041024,
    }
)
# Locked after wrong passwords, or a captcha demanded: a person has to log in once.
LOCKED_CODES: Final = frozenset({4001061, 4001154, 4001155, 4001156})
PERMISSION_CODES: Final = frozenset(
    {4031001, 4031004, 4031005, 4031006, 4031007, 4031019, 4041005, 4041007}
)
OFFLINE_CODES: Final = frozenset(
    {4001034, 4001054, 4001064, 4001098, 4001114, 4001121, 4031010, 4041008, 4041044}
)
INVALID_CODES: Final = frozenset({4001001, 4001002, 4001018})
SERVER_ERROR: Final = 5031001

_DEVICE_FIELDS: Final = (
    "id",
    "mac",
    "name",
    "is_online",
    "firmware_version",
    "mcu_version",
    "firmware_mod",
    "mcu_mod",
    "last_login",
)


def error_code(data: Any) -> int | None:
    """The code of an ``{"error": {"code", "msg"}}`` envelope (number or string)."""
    if not isinstance(data, Mapping):
        return None
    error = data.get("error")
    if not isinstance(error, Mapping):
        return None
    return as_int(error.get("code"))


class XlinkClient(JsonClient):  # pylint: disable=too-many-instance-attributes
    """Talks to one Xlink account. Knows nothing of Home Assistant."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        mode: str,
        login: str,
        password: str,
        corp_id: str | None = None,
        tokens: TokenSet | None = None,
        resource: str = DEFAULT_RESOURCE,
        clock: Callable[[], float] = wall_clock,
        timeout: float = 15.0,
        on_tokens: Callable[[TokenSet], None] | None = None,
    ) -> None:
        if mode not in (MODE_CORP, MODE_ACCESS_KEY, MODE_USER):
            raise ValueError(f"unknown login mode {mode!r}")
        if mode == MODE_USER and not corp_id:
            raise ValueError("an app-user login needs the corp_id")
        super().__init__(session, base_url, timeout=timeout, concurrency=MAX_CONCURRENCY)
        self.mode = mode
        self._login = login
        self._password = password
        self._corp_id = corp_id
        self.malformed = MalformedEntries("Xlink device list", _LOGGER)
        self._entries = 0
        self._resource = resource[:16]
        self._clock = clock
        self._tokens = tokens
        self._lock = asyncio.Lock()
        self.on_tokens = on_tokens
        self.logins = 0
        self.refreshes = 0

    @property
    def tokens(self) -> TokenSet | None:
        """The current tokens."""
        return self._tokens

    @property
    def user_id(self) -> int | None:
        """The app user's ID (user mode)."""
        return self._tokens.user_id if self._tokens else None

    # -- tokens ----------------------------------------------------------------------

    def _due(self) -> bool:
        tokens = self._tokens
        if tokens is None:
            return True
        if tokens.expires_at is None:
            return False
        lifetime = tokens.lifetime or 0.0
        return self._clock() >= tokens.expires_at - (1 - REFRESH_SHARE) * lifetime

    async def async_authenticate(self, *, force: bool = False) -> TokenSet:
        """Log in, or refresh a token that is due; ``force`` logs in afresh."""
        async with self._lock:
            if force or self._tokens is None:
                await self._fresh_login()
            elif self._due():
                await self._refresh_or_login()
            return self._current()

    def _current(self) -> TokenSet:
        if self._tokens is None:  # pragma: no cover  (a login either stores or raises)
            raise CniotInvalidResponseError("no token after the login")
        return self._tokens

    async def _fresh_login(self) -> None:
        path, body = self._login_request()
        reply = await self._http.send("POST", path, body=encode_json(body))
        data = self.object_of(self._parse(reply, self.received(reply)), path)
        self.logins += 1
        user_id = as_int(data.get("user_id"))
        corp_id = as_str(data.get("corp_id")) or self._corp_id
        self._store(self._tokens_from(data, path, corp_id=corp_id, user_id=user_id))

    def _login_request(self) -> tuple[str, dict[str, Any]]:
        # The only requests that carry the password or secret, and only in the body.
        if self.mode == MODE_CORP:
            return "/v2/corp_auth", {"account": self._login, "password": self._password}
        if self.mode == MODE_ACCESS_KEY:
            return "/v2/accesskey_auth", {"id": self._login, "secret": self._password}
        key = "email" if "@" in self._login else "phone"
        return "/v2/user_auth", {
            "corp_id": self._corp_id,
            key: self._login,
            "password": self._password,
            "resource": self._resource,
        }

    async def _refresh_or_login(self) -> None:
        tokens = self._tokens
        if tokens is None or tokens.refresh_token is None or self.mode == MODE_ACCESS_KEY:
            await self._fresh_login()
            return
        path = "/v2/user/token/refresh" if self.mode == MODE_USER else "/v2/corp/token/refresh"
        reply = await self._http.send(
            "POST",
            path,
            body=encode_json({"refresh_token": tokens.refresh_token}),
            headers={"Access-Token": tokens.access_token},
        )
        data = self.received(reply)
        try:
            parsed = self.object_of(self._parse(reply, data), path)
            fresh = self._tokens_from(parsed, path, corp_id=tokens.corp_id, user_id=tokens.user_id)
        except CniotVendorError, CniotAuthenticationError, CniotInvalidResponseError:
            # A used or expired refresh token (4001010, 4031021): log in again.
            await self._fresh_login()
            return
        self.refreshes += 1
        self._store(fresh)

    def _tokens_from(
        self, data: Mapping[str, Any], path: str, *, corp_id: str | None, user_id: int | None
    ) -> TokenSet:
        access = data.get("access_token")
        if not isinstance(access, str) or not access or any(c.isspace() for c in access):
            raise CniotInvalidResponseError(f"reply from {path} carries no usable token")
        refresh = as_str(data.get("refresh_token"))
        lifetime = as_number(data.get("expire_in"))
        if lifetime is not None and lifetime <= 0:
            lifetime = None
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            expires_at=self._clock() + lifetime if lifetime is not None else None,
            lifetime=lifetime,
            corp_id=corp_id,
            user_id=user_id,
        )

    def _store(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        if self.on_tokens is not None:
            self.on_tokens(tokens)

    async def _mend(self, code: int, used: str) -> None:
        """After a token error: refresh (4031021) or log in again, unless done meanwhile."""
        async with self._lock:
            if self._tokens is not None and self._tokens.access_token != used:
                return
            if code == TOKEN_EXPIRED:
                await self._refresh_or_login()
            else:
                await self._fresh_login()

    # -- requests --------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        payload: Any = None,
        params: Mapping[str, str] | None = None,
        empty_ok: bool = False,
        offline_on_202: bool = False,
    ) -> Any:
        tokens = await self.async_authenticate()
        body = encode_json(payload) if payload is not None else None
        retried = False
        while True:
            reply = await self._http.send(
                method,
                path,
                body=body,
                params=params,
                headers={"Access-Token": tokens.access_token},
            )
            data = self.received(reply)
            code = error_code(data)
            if not retried and (code == TOKEN_EXPIRED or code in RELOGIN_CODES):
                retried = True
                await self._mend(code, tokens.access_token)
                tokens = self._current()
                continue
            if offline_on_202 and reply.status == 202:
                # The console reads 202 from probe as "the device is offline".
                raise CniotDeviceOfflineError(4001054, "device offline (HTTP 202)")
            return self._parse(reply, data, empty_ok=empty_ok)

    def _parse(self, reply: Reply, data: Any, *, empty_ok: bool = False) -> Any:
        """The reply's JSON, or the matching client error."""
        code = error_code(data)
        if code is not None:
            raise self._error_for(code, as_mapping(as_mapping(data).get("error")))
        return self.checked(reply, data, empty_ok=empty_ok)

    def _redact(self, text: str) -> str:
        # Whatever the vendor echoes, the password and tokens never reach messages or logs.
        tokens = self._tokens
        access, refresh = (tokens.access_token, tokens.refresh_token) if tokens else (None, None)
        return self.redacted(text, (self._password, access, refresh))

    def _error_for(self, code: int, error: Mapping[str, Any]) -> CniotError:
        message = self._redact(as_str(error.get("msg")) or "error")
        if code in AUTH_CODES:
            return CniotAuthenticationError(f"Xlink refused the login: {message}", code=code)
        if code in LOCKED_CODES or code in PERMISSION_CODES:
            return CniotConfigurationError(code, message)
        if code in OFFLINE_CODES:
            return CniotDeviceOfflineError(code, message)
        if code in INVALID_CODES:
            return CniotInvalidValueError(code, message)
        if code == SERVER_ERROR:
            return CniotConnectionError(f"Xlink server error {code}: {message}")
        return CniotVendorError(code, message)

    @staticmethod
    def _items(data: Any, path: str) -> list[Any]:
        """A bare list, or the ``list`` of an object (the documents show both)."""
        if isinstance(data, list):
            return data
        if isinstance(data, Mapping) and isinstance(data.get("list"), list):
            return list(data["list"])
        raise CniotInvalidResponseError(f"reply from {path} has no list")

    # -- reads -----------------------------------------------------------------------

    # Reads change nothing, so each is tried once more after a transient failure.

    async def async_get_corp(self) -> Mapping[str, Any]:
        """The enterprise (``GET /v2/corp``): the test call of corp and access-key logins."""

        async def read() -> Mapping[str, Any]:
            return self.object_of(await self._call("GET", "/v2/corp"), "/v2/corp")

        return await retry_once(read)

    async def async_get_products(self) -> list[Product]:
        """Every product of the enterprise, without datapoints."""

        async def read() -> list[Product]:
            items = self._items(await self._call("GET", "/v2/products"), "/v2/products")
            return [p for item in items if (p := Product.parse(as_mapping(item)))]

        return await retry_once(read)

    async def async_get_datapoints(self, product_id: str) -> tuple[Datapoint, ...]:
        """A product's datapoint definitions."""
        path = f"/v2/product/{quote(product_id, safe='')}/datapoints"

        async def read() -> tuple[Datapoint, ...]:
            return parse_datapoints(self._items(await self._call("GET", path), path))

        return await retry_once(read)

    def start_listing(self) -> None:
        """A refresh's device listings (every product's, or the subscriptions) begin."""
        self.malformed.start()
        self._entries = 0

    def finish_listing(self) -> None:
        """The refresh's listings are read: count and log their malformed entries."""
        self.malformed.finish(self._entries)

    def _count_entries(self, entries: int, read: int) -> None:
        self._entries += entries
        self.malformed.add(entries - read)

    async def async_get_devices(
        self, product_id: str, *, expected_pages: int = 1
    ) -> list[XlinkDevice]:
        """Every device of a product, paged (``POST /v2/product/{pid}/devices``).

        ``count`` is the total by the documents; a first page exactly full whose count
        equals its length could also be the page size the console's comment claims,
        so then the next page is read too.
        """
        path = f"/v2/product/{quote(product_id, safe='')}/devices"
        page_size = PAGE_SIZE

        async def fetch(number: int) -> tuple[list[XlinkDevice], int, int | None]:
            async def read() -> tuple[list[XlinkDevice], int, int | None]:
                payload = {
                    "offset": number * page_size,
                    "limit": page_size,
                    "filter": list(_DEVICE_FIELDS),
                    "order": {"id": "asc"},
                }
                data = self.object_of(await self._call("POST", path, payload=payload), path)
                items = data.get("list")
                if not isinstance(items, list):
                    raise CniotInvalidResponseError(f"reply from {path} has no list")
                devices = [
                    d for item in items if (d := XlinkDevice.parse(as_mapping(item), product_id))
                ]
                count = as_int(data.get("count"))
                if count is not None and (count < 0 or count == len(items) == page_size):
                    count = None
                return devices, len(items), count

            devices, length, count = await retry_once(read)
            if length and not devices:
                # A product's list none of whose entries can be read is no list.
                raise CniotInvalidResponseError(f"{path}: no entry has a usable id")
            # An entry without a usable ID costs only itself (and no device is absent).
            self._count_entries(length, len(devices))
            return devices, length, count

        def check(pages: list[tuple[list[XlinkDevice], int, int | None]]) -> None:
            ids = [device.device_id for page in pages for device in page[0]]
            if len(ids) != len(set(ids)):
                raise CniotInvalidResponseError(f"{path} repeats devices across pages")

        pages = await fetch_pages(
            fetch,
            lambda page: (page[1], page[2]),
            page_size=page_size,
            expected_pages=expected_pages,
            what=path,
            check=check,
        )
        return [device for page in pages for device in page[0]]

    async def async_get_values(
        self, product_id: str, device_ids: Sequence[int]
    ) -> dict[int, DeviceValues]:
        """Virtual devices of many devices at once, ``BATCH_SIZE`` per request."""
        path = f"/v2/product/{quote(product_id, safe='')}/v_devices"
        batch = BATCH_SIZE
        chunks = [list(device_ids[i : i + batch]) for i in range(0, len(device_ids), batch)]

        async def read(ids: list[int]) -> list[DeviceValues]:
            async def once() -> list[DeviceValues]:
                items = self._items(await self._call("POST", path, payload=ids), path)
                return [v for item in items if (v := DeviceValues.parse(as_mapping(item)))]

            return await retry_once(once)

        results = await gather_or_raise(*(read(chunk) for chunk in chunks))
        wanted = set(device_ids)
        return {
            values.device_id: values
            for chunk in results
            for values in chunk
            if values.device_id in wanted
        }

    async def async_get_subscribed(self) -> list[XlinkDevice]:
        """The app user's subscribed devices (``GET /v2/user/{id}/subscribe/devices``)."""
        await self.async_authenticate()
        user_id = self.user_id
        if user_id is None:
            raise CniotInvalidResponseError("the login reply carried no user_id")
        path = f"/v2/user/{user_id}/subscribe/devices"

        async def read() -> tuple[list[XlinkDevice], int]:
            items = self._items(await self._call("GET", path, params={"version": "0"}), path)
            devices = [d for item in items if (d := XlinkDevice.parse(as_mapping(item), None))]
            return devices, len(items)

        devices, length = await retry_once(read)
        self._count_entries(length, len(devices))
        return devices

    async def async_probe(self, device_id: int) -> dict[int, Any]:
        """Ask the device itself for its values (wakes it); offline devices answer 202."""
        path = f"/v2/diagnosis/device/probe/{device_id}"
        data = self.object_of(await self._call("GET", path, offline_on_202=True), path)
        values: dict[int, Any] = {}
        for item in as_list(data.get("datapoint")):
            entry = as_mapping(item)
            index = as_int(entry.get("index"))
            if index is not None:
                values[index] = entry.get("value")
        return values

    # -- control ---------------------------------------------------------------------

    async def async_control(self, device_id: int, values: Mapping[int, Any]) -> None:
        """Set datapoints (values as :meth:`Datapoint.validate` returns them); never retried."""
        payload = {
            "datapoint": [{"index": index, "value": value} for index, value in values.items()]
        }
        await self._call(
            "POST", f"/v2/diagnosis/device/set/{device_id}", payload=payload, empty_ok=True
        )


def pages_for(devices: int) -> int:
    """Device-list pages a product of this size needs."""
    return max(1, math.ceil(devices / PAGE_SIZE))
