"""The core of the TUMS OpenAPI client: signed calls, envelopes, errors and batching.

Every call is a signed ``POST`` with a JSON body (section 1.2.2). Replies carry
the envelope of section 1.3.3: ``error_code`` (0 is success), ``msg``,
``result`` and, for batch calls, ``failList``. Error codes of section 1.5 are
mapped onto the shared exception hierarchy by :func:`error_for`. The API areas
build on this class in client_devices.py, client_settings.py and client_media.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
import logging
import re
from typing import Any, Final, cast

import aiohttp

from ..client.errors import (
    CniotAuthenticationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotRequestRefusedError,
    CniotVendorError,
)
from ..client.http import (
    JsonClient,
    Reply,
    decode_json,
    encode_json,
    parse_retry_after,
    retry_once,
    wall_clock,
)
from ..client.paging import gather_or_raise
from ..client.parse import MalformedEntries, ParseMemo, as_int, as_list, as_mapping, as_str
from . import signing
from .codes import ApplicationType
from .models import Device, DevicePage, DeviceRef, Envelope, FailItem, Target, TargetIndex
from .tier_models import UpgradeInfo

# The logger the client had before its areas moved into modules of their own.
_LOGGER = logging.getLogger(f"{__package__}.client")

DEFAULT_BASE_URL: Final = "https://api-smbcloud.tplinkcloud.com.cn"
DEFAULT_TIMEOUT: Final = 15.0
MAX_BATCH: Final = 100  # devList of the batch calls holds at most 100 devices
# Requests in flight at once. The document names no number, only the errors for
# too many requests (-10200 per IP, -10201 per user), so stay modest.
MAX_CONCURRENCY: Final = 4
CONTENT_TYPE: Final = "application/json;charset=UTF-8"

ERROR_OK: Final = 0
ERROR_EXPIRED: Final = -10302  # the timestamp is more than 5 minutes off
# -10301 signature mismatch, -10302 expired, -10303 malformed header or reused
# nonce, -10304 unknown AK.
AUTH_ERRORS: Final = frozenset({-10301, -10302, -10303, -10304})
# The integration asks the user for new credentials only for these.
REAUTH_ERRORS: Final = frozenset({-10304})
# -10305: "access denied (usually: this Access key has no permission for this API)"
# (section 1.5; permissions are per API, 1.3.1). Not a reason to reauthenticate.
ERROR_ACCESS_DENIED: Final = -10305
# Developer plan usage exceeded: no call succeeds until the plan allows more.
ERROR_PLAN_EXCEEDED: Final = -88303
# How long to stay away after -88303; the document names no reset time.
PLAN_BACKOFF: Final = 3600.0
# Too many requests from this IP (-10200) or user (-10201); API quota (-20004).
RATE_LIMIT_ERRORS: Final = frozenset({-10200, -10201, -20004, ERROR_PLAN_EXCEEDED})
# Device offline (-20571), went offline while handling the request (-20573),
# "设备不在线" (-80327) and "设备离线" (-80379).
OFFLINE_ERRORS: Final = frozenset({-20571, -20573, -80327, -80379})
# The device's service is restricted (not on trial or paid).
ERROR_RESTRICTED: Final = -88315
# Codes with a message of their own in the translations.
TRANSLATED_CODES: Final = frozenset({ERROR_ACCESS_DENIED, ERROR_RESTRICTED})
# Cloud internal error, request timed out, cloud busy, device request timed out.
TRANSIENT_ERRORS: Final = frozenset({-20000, -20002, -20003, -20005})

ERROR_MESSAGES: Final[Mapping[int, str]] = {
    -10000: "general error",
    -10100: "malformed JSON body",
    -10101: "empty JSON body",
    -10200: "too many requests from this IP",
    -10201: "too many requests from this user",
    -10301: "signature mismatch",
    -10302: "request expired (clock skew)",
    -10303: "malformed X-Authorization header or reused nonce",
    -10304: "invalid access key",
    -10305: "access denied for this access key",
    -20000: "cloud internal error",
    -20001: "insufficient permission",
    -20002: "request timed out",
    -20003: "cloud busy",
    -20004: "API request quota exceeded",
    -20005: "request to the device timed out",
    -20571: "device offline",
    -20573: "device went offline",
    -80327: "device not online",
    -80379: "device offline",
    -88303: "developer plan usage exceeded",
    -88315: "device restricted (not on trial or paid)",
    -82400: "parameter error",
    -82401: "permission denied",
}

_HEADER_VALUE_RE = re.compile(r"^[^\s,]+$")
MAX_TERMINAL_ID: Final = 64


class TumsAccessDeniedError(CniotVendorError):
    """-10305: the key may not call this API; other APIs, and other keys' calls, work."""


class TumsTransientError(CniotConnectionError):
    """The cloud or the device did not manage this time; retrying later may work.

    A :class:`CniotConnectionError`, so callers treat it like an unreachable
    server (entities unavailable, retry next poll), while keeping the code.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"vendor error {code}: {message}")
        self.code = code
        self.vendor_message = message


def error_for(code: int, msg: Any, *, retry_after: float | None = None) -> CniotError:
    """The exception for a non-zero ``error_code`` (section 1.5)."""
    text = msg.strip() if isinstance(msg, str) and msg.strip() else None
    text = (text or ERROR_MESSAGES.get(code) or "error")[:200]
    if code in AUTH_ERRORS - REAUTH_ERRORS:
        return CniotRequestRefusedError(f"request refused ({code}): {text}", code=code)
    if code in AUTH_ERRORS:
        return CniotAuthenticationError(f"credentials refused ({code}): {text}", code=code)
    if code == ERROR_ACCESS_DENIED:
        return TumsAccessDeniedError(code, text)
    if code == ERROR_PLAN_EXCEEDED and retry_after is None:
        retry_after = PLAN_BACKOFF
    if code in RATE_LIMIT_ERRORS:
        return CniotRateLimitedError(
            f"rate limited ({code}): {text}", retry_after=retry_after, code=code
        )
    if code in OFFLINE_ERRORS:
        return CniotDeviceOfflineError(code, text)
    if code in TRANSIENT_ERRORS:
        return TumsTransientError(code, text)
    return CniotVendorError(code, text)


def server_time(headers: Mapping[str, str]) -> float | None:
    """Seconds since the epoch from an HTTP ``Date`` header, if usable."""
    value = next((v for k, v in headers.items() if k.lower() == "date"), None)
    if not value:
        return None
    try:
        when: datetime = parsedate_to_datetime(value)
    except TypeError, ValueError, IndexError:
        return None
    if when.tzinfo is None:
        return None
    return when.timestamp()


def _batches[T](items: Sequence[T], size: int = MAX_BATCH) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ref(device: DeviceRef | Device) -> DeviceRef:
    return device.ref if isinstance(device, Device) else device


def _target(device: DeviceRef | Device) -> Target:
    return (device.ref, device) if isinstance(device, Device) else (device, None)


class TumsClientCore(JsonClient):
    """Signed calls to the TUMS OpenAPI with one application's AK/SK, and batching.

    Knows nothing of Home Assistant. The terminal id identifies this client
    to the cloud; the integration generates it once per config entry.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str = DEFAULT_BASE_URL,
        *,
        access_key: str,
        secret_key: str,
        terminal_id: str,
        clock: Callable[[], float] = wall_clock,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        # Both end up in the X-Authorization header, whose fields are comma separated.
        if not _HEADER_VALUE_RE.match(access_key):
            raise ValueError("the access key is empty or has spaces or commas")
        if not _HEADER_VALUE_RE.match(terminal_id) or len(terminal_id) > MAX_TERMINAL_ID:
            raise ValueError("the terminal id must be 1-64 characters without spaces or commas")
        if not secret_key:
            raise ValueError("the secret key is empty")
        url = base_url.strip()
        if "://" not in url:
            url = f"https://{url}"  # the cloud is HTTPS only
        super().__init__(session, url, timeout=timeout, concurrency=MAX_CONCURRENCY)
        self._access_key = access_key
        self._secret_key = secret_key
        self._terminal_id = terminal_id
        self._clock = clock
        self._clock_offset = 0.0
        # Pages the last full listing took, by kind and region (None: every region).
        self._pages: dict[tuple[ApplicationType, str | None], int] = {}
        self._parse_device = ParseMemo(Device.parse)
        self.malformed = MalformedEntries("TUMS device list", _LOGGER)
        # Upgrade info as parsed, and with the device it was matched to: unchanged
        # entries of a fleet's report yield the very objects of the last report.
        self._parse_upgrade = ParseMemo(UpgradeInfo.parse)
        self._upgrade_refs: dict[int, tuple[UpgradeInfo, UpgradeInfo]] = {}

    def __repr__(self) -> str:
        # Never show the keys.
        return f"TumsClient({self.base_url!r})"

    @property
    def clock_offset(self) -> float:
        """Seconds to add to the local clock to get the server's, learned from -10302."""
        return self._clock_offset

    def _timestamp(self) -> int:
        return int(self._clock() + self._clock_offset)

    async def _send(self, path: str, body: bytes) -> Reply:
        def sign() -> dict[str, str]:
            # Signed when the request gets its slot, not before it waits for one:
            # the cloud refuses a time stamp over 5 minutes old (-10302).
            return {
                signing.AUTH_HEADER: signing.authorization_header(
                    access_key=self._access_key,
                    secret_key=self._secret_key,
                    terminal_id=self._terminal_id,
                    timestamp=self._timestamp(),
                    nonce=signing.new_nonce(),
                    method="POST",
                    path=path,
                    payload=body,
                )
            }

        return await self._http.send(
            "POST", path, body=body, headers={"Content-Type": CONTENT_TYPE}, sign=sign
        )

    async def async_call(
        self, path: str, payload: Mapping[str, Any] | None = None, *, batch: bool = False
    ) -> Envelope:
        """Sign and send one call; return its envelope or raise the mapped error.

        A -10302 (expired) reply corrects the clock from the reply's ``Date``
        header, if any, and is retried once with a fresh signature and nonce. For a ``batch`` call, a
        device error that comes with a failList (every device failed, -80414
        in the document's examples) is returned as that failList instead.
        """
        if not path.startswith("/"):
            path = f"/{path}"
        # The exact bytes sent are the bytes signed; no payload is sent as {}.
        body = signing.signed_payload(encode_json(payload) if payload else None)
        reply = await self._send(path, body)
        code, data = _decode(reply)
        if code == ERROR_EXPIRED:
            # Stale when it arrived (a slow network, or our clock is off): once more
            # with a fresh signature, on the server's clock when the reply gives it.
            now = server_time(reply.headers)
            if now is not None:
                self._clock_offset = now - self._clock()
            _LOGGER.debug(
                "%s: signature expired (clock off by %.0f s), retrying once",
                path,
                self._clock_offset,
            )
            reply = await self._send(path, body)
            code, data = _decode(reply)
        if code != ERROR_OK:
            # A batch call that failed for every device says why per device: when all
            # were offline, say that rather than the batch's generic code.
            fail_list = _fail_list(data)
            offline = {item.error_code for item in fail_list}
            if offline and offline <= OFFLINE_ERRORS:
                code = min(cast("set[int]", offline))
            error = error_for(
                code,
                data.get("msg"),
                retry_after=parse_retry_after(reply.headers.get("Retry-After")),
            )
            if (
                batch
                and fail_list
                and isinstance(error, CniotVendorError)
                and not isinstance(error, CniotDeviceOfflineError)
            ):
                return Envelope(result=data.get("result"), fail_list=fail_list, msg=None)
            raise error
        return Envelope(
            result=data.get("result"),
            fail_list=_fail_list(data),
            msg=as_str(data.get("msg")),
        )

    async def _result(self, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        return (await self.async_call(path, payload)).result

    async def _read(self, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        """The result of a call that changes nothing, tried twice on a transient failure."""
        return (await retry_once(lambda: self.async_call(path, payload))).result

    async def _mapping_result(
        self, path: str, payload: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        result = await self._result(path, payload)
        if not isinstance(result, Mapping):
            raise CniotInvalidResponseError(f"reply from {path} has no result object")
        return result

    async def _batch(
        self,
        path: str,
        devices: Iterable[DeviceRef | Device],
        *,
        channel: bool = True,
        extra: Mapping[str, Any] | None = None,
        list_key: str = "devList",
        concurrent: bool = False,
    ) -> list[tuple[Envelope, Sequence[Target]]]:
        """One call per 100 devices; reads may run at once, writes go one after another.

        Writes stop at the first failing batch, so a failure leaves later devices alone.
        """
        batches = list(_batches([_target(device) for device in devices]))
        payloads = [
            {list_key: [ref.to_payload(channel=channel) for ref, _device in batch], **(extra or {})}
            for batch in batches
        ]
        if concurrent:
            envelopes = list(
                await gather_or_raise(*(self.async_call(path, p, batch=True) for p in payloads))
            )
        else:
            envelopes = [await self.async_call(path, payload, batch=True) for payload in payloads]
        return list(zip(envelopes, batches, strict=True))

    async def _batch_failures(
        self, path: str, devices: Iterable[DeviceRef | Device], **kwargs: Any
    ) -> list[FailItem]:
        """The failList of every batch, each entry tied to the device it names."""
        failures: list[FailItem] = []
        for envelope, batch in await self._batch(path, devices, **kwargs):
            index = TargetIndex(batch)
            failures.extend(
                replace(
                    item, ref=index.match(item.qr_code, item.mac, item.channel_id, item.child_mac)
                )
                for item in envelope.fail_list
            )
        return failures


def _decode(reply: Reply) -> tuple[int, Mapping[str, Any]]:
    """The envelope's error code and body, or the client's own error."""
    try:
        data = decode_json(reply.raw, reply.path)
    except CniotInvalidResponseError:
        # A non-JSON error page says more through its status.
        reply.raise_for_status()
        raise
    code = as_int(data.get("error_code")) if isinstance(data, Mapping) else None
    if code is None or not isinstance(data, Mapping):
        reply.raise_for_status()
        raise CniotInvalidResponseError(
            f"reply from {reply.path} has no error_code", status=reply.status
        )
    if code == ERROR_OK and not 200 <= reply.status < 300:
        reply.raise_for_status()
        raise CniotInvalidResponseError(
            f"HTTP {reply.status} from {reply.path}", status=reply.status
        )
    return code, data


def _fail_list(data: Mapping[str, Any]) -> tuple[FailItem, ...]:
    # Section 1.3.3 puts failList beside result; its example nests it in result.
    raw = data.get("failList")
    if raw is None:
        raw = as_mapping(data.get("result")).get("failList")
    return tuple(FailItem.parse(item) for item in as_list(raw) if isinstance(item, Mapping))


def _check_device_pages(pages: list[DevicePage]) -> None:
    """Refuse listings that page forever (malformed entries are skipped and counted)."""
    seen: set[str] = set()
    for page in pages:
        if page.devices and all(device.key in seen for device in page.devices):
            # A cloud that ignores start would otherwise be paged forever.
            raise CniotInvalidResponseError("device list repeats the same page")
        seen.update(device.key for device in page.devices)
