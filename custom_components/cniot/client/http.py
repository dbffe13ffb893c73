"""A small JSON-over-HTTP transport shared by the vendor clients."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
import ipaddress
import json
import logging
import re
import time
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from .errors import (
    CniotAuthenticationError,
    CniotCertificateError,
    CniotConnectionError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotSslError,
    CniotTimeoutError,
)
from .paging import Limiter

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0
# Large enough for a 1,000-device page, small enough that a runaway reply cannot eat memory.
DEFAULT_MAX_BODY = 4 * 1024 * 1024
# Pause before the one retry of a read that failed on the way; module-level so tests
# can shorten it.
RETRY_DELAY = 1.0
# What ``JsonClient.received`` returns for a body that is not JSON.
NOT_JSON: Final = object()


def wall_clock() -> float:
    """Seconds since the epoch, looked up at call time (so a frozen clock applies)."""
    return time.time()


_HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)


def _valid_host(host: str) -> bool:
    """An IP address, or a DNS name (internationalised names in their IDNA form)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.removesuffix(".").split(".")
    return len(ascii_host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def normalize_base_url(url: str, *, default_port: int | None = None) -> str:
    """Return ``scheme://host[:port][/path]`` or raise ``ValueError``.

    Only http and https with a valid host are accepted; whitespace or control
    characters anywhere are refused rather than passed on to the HTTP library.
    """
    text = url.strip()
    if any(char.isspace() or not char.isprintable() for char in text):
        raise ValueError("spaces or control characters")
    if "://" not in text:
        text = f"http://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError("unsupported scheme")
    if not parts.hostname or not _valid_host(parts.hostname):
        raise ValueError("missing or invalid host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("unexpected URL parts")
    try:
        port = parts.port
    except ValueError as err:
        raise ValueError("invalid port") from err
    if port is None and default_port is not None and parts.scheme == "http":
        port = default_port
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in its delta-seconds form."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


@dataclass(frozen=True, slots=True)
class Reply:
    """A raw HTTP reply."""

    status: int
    raw: bytes = field(repr=False)
    headers: Mapping[str, str]
    path: str

    def json(self) -> Any:
        """The body as JSON, or the client's own error."""
        return decode_json(self.raw, self.path)

    def raise_for_status(self) -> None:
        """Map a non-2xx status onto the client errors."""
        status, path = self.status, self.path
        if status in (401, 403):
            raise CniotAuthenticationError(f"HTTP {status} from {path}", status=status)
        if status == 429:
            raise CniotRateLimitedError(
                f"HTTP 429 from {path}",
                retry_after=parse_retry_after(self.headers.get("Retry-After")),
            )
        if status >= 500:
            raise CniotConnectionError(f"HTTP {status} from {path}", status=status)
        if status >= 400:
            raise CniotInvalidResponseError(f"HTTP {status} from {path}", status=status)


class JsonTransport:
    """Sends JSON requests and returns decoded JSON, mapping transport failures."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = DEFAULT_MAX_BODY,
        basic_auth: tuple[str, str] | None = None,
        concurrency: int | None = None,
    ) -> None:
        self._session = session
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._max_body = max_body
        # Built once, by hand: aiohttp deprecates its BasicAuth helper (3.14 and later).
        self._auth_header = (
            {"Authorization": "Basic " + base64.b64encode(":".join(basic_auth).encode()).decode()}
            if basic_auth is not None
            else {}
        )
        # The vendor's rule for parallel requests of one client; the rest wait their turn.
        self._limiter = Limiter(concurrency)
        self.request_count = 0

    @property
    def max_concurrency(self) -> int | None:
        """How many requests may be in flight at once (None: no limit)."""
        return self._limiter.limit

    async def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        sign: Callable[[], Mapping[str, str]] | None = None,
    ) -> Reply:
        """Send one request; raise only for transport failures, whatever the status.

        Vendors whose error bodies carry their own codes (sent with 4xx statuses)
        read them from the reply before judging the status. ``sign`` gives headers
        made once the request has its slot: a signature's time stamp must not age
        in the queue.
        """
        url = f"{self.base_url}{path}"
        send_headers = {"Accept": "application/json", **self._auth_header}
        if body is not None:
            send_headers["Content-Type"] = "application/json"
        if headers:
            send_headers.update(headers)
        # The timeout starts once the request may go, not while it waits its turn.
        async with self._limiter:
            if sign is not None:
                send_headers.update(sign())
            self.request_count += 1
            try:
                async with asyncio.timeout(self._timeout):
                    async with self._session.request(
                        method,
                        url,
                        data=body,
                        params=params,
                        headers=send_headers,
                        allow_redirects=False,
                    ) as resp:
                        raw = await self._read_limited(resp)
                        status = resp.status
                        resp_headers = dict(resp.headers)
            except TimeoutError as err:
                raise CniotTimeoutError(f"timed out calling {path}") from err
            except aiohttp.ClientConnectorCertificateError as err:
                raise CniotCertificateError(_verify_reason(err)) from err
            except aiohttp.ClientSSLError as err:
                raise CniotSslError(f"the TLS handshake for {path} failed") from err
            except aiohttp.ClientError as err:
                raise CniotConnectionError(
                    f"cannot reach the server for {path}: {type(err).__name__}"
                ) from err
        # Paths and sizes only: bodies, queries and headers may carry credentials.
        _LOGGER.debug("%s %s -> HTTP %s, %d bytes", method, path, status, len(raw))
        return Reply(status=status, raw=raw, headers=resp_headers, path=path)

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[Any, Mapping[str, str]]:
        """Send one request and return its decoded JSON body and headers.

        Non-2xx statuses become the matching client errors.
        """
        reply = await self.send(method, path, body=body, headers=headers, params=params)
        reply.raise_for_status()
        return reply.json(), reply.headers

    async def _read_limited(self, resp: aiohttp.ClientResponse) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > self._max_body:
            raise CniotInvalidResponseError(f"reply of {declared} bytes is too large")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(65536):
            size += len(chunk)
            if size > self._max_body:
                raise CniotInvalidResponseError("reply is too large")
            chunks.append(chunk)
        return b"".join(chunks)


def _verify_reason(err: aiohttp.ClientConnectorCertificateError) -> str:
    """OpenSSL's short reason ("self-signed certificate", "certificate has expired")."""
    reason = getattr(err.certificate_error, "verify_message", None)
    return reason if isinstance(reason, str) and reason else "verification failed"


def decode_json(raw: bytes, path: str) -> Any:
    """Decode a JSON body, turning every failure into the client's own error."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise CniotInvalidResponseError(f"reply from {path} is not JSON") from err


def encode_json(payload: Any) -> bytes:
    """Encode compactly, keeping non-ASCII text (aliases are often Chinese)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def is_transient(err: CniotError) -> bool:
    """Whether trying again soon may work: the transport failed or the reply was garbled.

    Refusals (credentials, rate limits, vendor codes, 4xx statuses) are answers and
    would only be repeated.
    """
    if isinstance(err, CniotSslError):
        # The same certificate or handshake fails the same way a second later.
        return False
    if isinstance(err, CniotConnectionError):
        return True
    return isinstance(err, CniotInvalidResponseError) and err.status is None


async def retry_once[T](call: Callable[[], Awaitable[T]]) -> T:
    """Run a read, and run it once more if it failed transiently.

    A dropped connection or a proxy's error page now and then would otherwise turn
    every entity unavailable for a whole polling interval and log each time. Only
    for requests that change nothing: a write is never repeated behind the user's back.
    """
    try:
        return await call()
    except CniotError as err:
        if not is_transient(err):
            raise
        _LOGGER.debug("retrying once after %s: %s", type(err).__name__, err)
    await asyncio.sleep(RETRY_DELAY)
    return await call()


class JsonClient:
    """What the vendor clients built on ``JsonTransport`` share.

    Vendors send their error codes in the body with 4xx statuses, so a reply's JSON is
    read first (``received``), its code judged by the vendor, and only then its status
    (``checked``).
    """

    # Any vendor text quoted in an error is cut to this length.
    MESSAGE_MAX = 200

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        timeout: float,
        concurrency: int,
        default_port: int | None = None,
        basic_auth: tuple[str, str] | None = None,
    ) -> None:
        self._http = JsonTransport(
            session,
            normalize_base_url(base_url, default_port=default_port),
            timeout=timeout,
            basic_auth=basic_auth,
            concurrency=concurrency,
        )

    @property
    def base_url(self) -> str:
        """The normalised API URL."""
        return self._http.base_url

    @property
    def request_count(self) -> int:
        """Requests sent so far, token requests included, for diagnostics and benchmarks."""
        return self._http.request_count

    @property
    def max_concurrency(self) -> int | None:
        """Requests this client keeps in flight at most."""
        return self._http.max_concurrency

    @staticmethod
    def received(reply: Reply) -> Any:
        """The reply's JSON; None for an empty body, ``NOT_JSON`` for any other."""
        if not reply.raw.strip():
            return None
        try:
            return json.loads(reply.raw)
        except UnicodeDecodeError, ValueError, RecursionError:
            return NOT_JSON

    @staticmethod
    def checked(reply: Reply, data: Any, *, empty_ok: bool = False) -> Any:
        """The JSON of a reply that carries no vendor error code, or the status's error."""
        status, path = reply.status, reply.path
        if status >= 500:
            raise CniotConnectionError(f"HTTP {status} from {path}", status=status)
        if status == 429:
            raise CniotRateLimitedError(
                f"HTTP 429 from {path}",
                retry_after=parse_retry_after(reply.headers.get("Retry-After")),
            )
        if not 200 <= status < 300:
            raise CniotInvalidResponseError(f"HTTP {status} from {path}", status=status)
        if data is None:
            if empty_ok:
                return {}
            raise CniotInvalidResponseError(f"reply from {path} is empty", status=status)
        if data is NOT_JSON:
            raise CniotInvalidResponseError(f"reply from {path} is not JSON", status=status)
        return data

    @classmethod
    def redacted(cls, text: str, secrets: Iterable[str | None]) -> str:
        """Vendor text for a message: secrets it echoes masked, cut to ``MESSAGE_MAX``."""
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text[: cls.MESSAGE_MAX]

    @staticmethod
    def object_of(data: Any, path: str) -> Mapping[str, Any]:
        """A reply that must be a JSON object."""
        if not isinstance(data, Mapping):
            raise CniotInvalidResponseError(f"reply from {path} is not an object")
        return data
