"""Fault injection shared by every vendor simulator.

Faults are matched by path prefix and applied by :meth:`FaultInjector.apply`, which the
vendor middleware in :mod:`simulator.base` calls for each vendor request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
import json
import math
from typing import Any, Final, Literal, cast, get_args

from aiohttp import web

type FaultKind = Literal[
    "latency",
    "http_status",
    "vendor_code",
    "html",
    "truncated",
    "wrong_types",
    "empty_page",
    "huge",
    "disconnect",
    "strings_for_numbers",
    "nulls",
    "missing_keys",
    "unreadable",
]
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

FAULT_KINDS: Final[frozenset[str]] = frozenset(get_args(FaultKind.__value__))
DEFAULT_HUGE_BYTES: Final = 10_000_000

# What a captive portal or reverse proxy typically answers instead of the API.
HTML_ERROR_PAGE: Final = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>"
    "</html>\n"
)


@dataclass(slots=True)
class Fault:
    """One injected misbehaviour.

    ``value`` is seconds for ``latency``, the status for ``http_status``, the vendor code
    for ``vendor_code`` and the reply size in bytes for ``huge``; other kinds ignore it.
    ``path_prefix`` None means every vendor path. ``remaining`` None means until cleared.
    ``skip`` lets that many matching requests through first (the second page of a list,
    say).
    """

    kind: FaultKind
    value: float | None = None
    path_prefix: str | None = None
    remaining: int | None = None
    skip: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        value = self.value
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError("value must be a finite number")
        if self.kind == "latency" and (value is None or value < 0):
            raise ValueError("latency needs a value of seconds >= 0")
        if self.kind == "http_status" and (value is None or value != int(value)):
            raise ValueError("http_status needs an integer value")
        if self.kind == "http_status" and not 200 <= cast("float", value) <= 599:
            raise ValueError("http_status value must be 200..599")
        if self.kind == "vendor_code" and (value is None or value != int(value)):
            raise ValueError("vendor_code needs an integer value")
        if self.kind == "huge" and value is not None and value < 1:
            raise ValueError("huge needs a positive size")
        if self.path_prefix is not None and (
            not isinstance(self.path_prefix, str) or not self.path_prefix.startswith("/")
        ):
            raise ValueError("path_prefix must start with '/'")
        if self.remaining is not None and (
            isinstance(self.remaining, bool)
            or not isinstance(self.remaining, int)
            or self.remaining < 1
        ):
            raise ValueError("remaining must be a positive integer or null")
        if isinstance(self.skip, bool) or not isinstance(self.skip, int) or self.skip < 0:
            raise ValueError("skip must be an integer >= 0")

    @classmethod
    def from_json(cls, data: object) -> Fault:
        """Build a fault from its JSON form; TypeError or ValueError when malformed."""
        if not isinstance(data, Mapping):
            raise TypeError("a fault is a JSON object")
        unknown = set(data) - {"kind", "value", "path_prefix", "remaining", "skip"}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(map(str, unknown)))}")
        kind = data.get("kind")
        if not isinstance(kind, str):
            raise TypeError("kind is required")
        return cls(
            kind=cast("FaultKind", kind),
            value=data.get("value"),
            path_prefix=data.get("path_prefix"),
            remaining=data.get("remaining"),
            skip=data.get("skip", 0),
        )

    def as_json(self) -> dict[str, Any]:
        """JSON form, as accepted by :meth:`from_json`."""
        return {
            "kind": self.kind,
            "value": self.value,
            "path_prefix": self.path_prefix,
            "remaining": self.remaining,
            "skip": self.skip,
        }

    def matches(self, path: str) -> bool:
        """Whether the fault applies to a request path."""
        return self.path_prefix is None or path.startswith(self.path_prefix)


class FaultInjector:
    """The active faults of one vendor application."""

    def __init__(self, vendor_error: Callable[[int], web.StreamResponse] | None = None) -> None:
        """Start without faults; ``vendor_error`` renders a coded error in the vendor's shape."""
        self._faults: list[Fault] = []
        self._vendor_error = vendor_error

    def add(self, fault: Fault) -> None:
        """Activate a fault; it applies after those added before it."""
        self._faults.append(fault)

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    @property
    def active(self) -> tuple[Fault, ...]:
        """The faults still active, in the order they apply."""
        return tuple(self._faults)

    def __len__(self) -> int:
        """Number of active faults."""
        return len(self._faults)

    def take(self, path: str) -> tuple[list[float], Fault | None]:
        """The delays of every matching latency fault, then the first other matching fault.

        Each fault returned uses up one of its ``remaining`` uses.
        """
        delays: list[float] = []
        chosen: Fault | None = None
        for fault in list(self._faults):
            if not fault.matches(path):
                continue
            if fault.skip > 0:
                fault.skip -= 1
                continue
            if fault.kind == "latency":
                delays.append(float(cast("float", fault.value)))
            elif chosen is None:
                chosen = fault
            else:
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
        return delays, chosen

    async def apply(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Serve a request through whatever faults match its path."""
        delays, fault = self.take(request.path)
        for delay in delays:
            await asyncio.sleep(delay)
        if fault is None:
            return await handler(request)
        return await self.render(request, handler, fault)

    async def render(
        self, request: web.Request, handler: Handler, fault: Fault
    ) -> web.StreamResponse:
        """The reply under one fault; vendors override this for their own shapes."""
        if fault.kind == "vendor_code" and self._vendor_error is not None:
            return self._vendor_error(int(cast("float", fault.value)))
        return await _RENDERERS[fault.kind](request, handler, fault)


async def _http_status(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    status = int(cast("float", fault.value))
    if status in (204, 304):
        return web.Response(status=status)
    return web.Response(status=status, text=f"{status} injected fault\n")


async def _vendor_code(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    return web.json_response({"code": int(cast("float", fault.value)), "msg": "injected"})


async def _html(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    return web.Response(text=HTML_ERROR_PAGE, content_type="text/html")


def _body_of(response: web.StreamResponse) -> bytes | None:
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        return response.body
    return None


async def _truncated(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    response = await handler(request)
    body = _body_of(response)
    if body is None:
        return response
    return web.Response(
        status=response.status, body=body[: len(body) // 2], content_type="application/json"
    )


def _wrong_type(value: Any) -> Any:
    # Containers become strings and scalars change kind, so no field keeps its type.
    if isinstance(value, list | dict) or value is None:
        return "oops"
    if isinstance(value, str):
        return 0
    return None


async def _rewrite_json(
    request: web.Request, handler: Handler, change: Callable[[dict[str, Any]], None]
) -> web.StreamResponse:
    response = await handler(request)
    body = _body_of(response)
    if body is None:
        return response
    try:
        data = json.loads(body)
    except ValueError:
        return response
    if not isinstance(data, dict):
        return response
    change(data)
    return web.json_response(
        data, status=response.status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
    )


# The vendors' success codes: kept, so a mangled reply still looks successful and
# the parsers behind the envelope must cope.
ENVELOPE_KEYS: Final = frozenset({"code", "error_code"})


def _mangle_types(data: dict[str, Any]) -> None:
    for key, value in data.items():
        if key not in ENVELOPE_KEYS:
            data[key] = _wrong_type(value)


def _empty_page(data: dict[str, Any]) -> None:
    # TUMS nests its list in "result".
    for target in (data, data.get("result")):
        if not isinstance(target, dict):
            continue
        for key in ("devices", "list"):
            if isinstance(target.get(key), dict):
                target[key] = {}
            elif key in target:
                target[key] = []


def _deep(value: Any, leaf: Callable[[Any], Any], prune: bool) -> Any:
    """``value`` with every scalar passed through ``leaf``; ``prune`` drops every other key."""
    if isinstance(value, dict):
        keys = sorted(value, key=str)
        kept = keys[1::2] if prune else keys
        return {key: _deep(value[key], leaf, prune) for key in kept}
    if isinstance(value, list):
        return [_deep(item, leaf, prune) for item in value]
    return leaf(value)


def _below_envelope(leaf: Callable[[Any], Any], prune: bool) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key in [key for key in data if key not in ENVELOPE_KEYS]:
            data[key] = _deep(data[key], leaf, prune)

    return change


def _string_for_number(value: Any) -> Any:
    # A string where a number belongs, as a sloppy firmware might send.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "n/a"
    return value


async def _strings_for_numbers(
    request: web.Request, handler: Handler, fault: Fault
) -> web.StreamResponse:
    return await _rewrite_json(request, handler, _below_envelope(_string_for_number, False))


async def _nulls(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    return await _rewrite_json(request, handler, _below_envelope(lambda _value: None, False))


async def _missing_keys(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    return await _rewrite_json(request, handler, _below_envelope(lambda value: value, True))


async def _wrong_types(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    return await _rewrite_json(request, handler, _mangle_types)


async def _empty(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    return await _rewrite_json(request, handler, _empty_page)


async def _unreadable(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    # Valid JSON in a shape no client can read: TUMS keeps its envelope and gets a list
    # for a result; the others get a list where their object belongs.
    response = await handler(request)
    body = _body_of(response)
    try:
        data = json.loads(body) if body is not None else None
    except ValueError:
        data = None
    if isinstance(data, dict) and "error_code" in data and "result" in data:
        return web.json_response({"error_code": data["error_code"], "result": ["unreadable"]})
    return web.json_response(["unreadable"], status=200)


def huge_body(size: int) -> bytes:
    """About ``size`` bytes of a well-formed device list reply."""
    padding = "x" * 900
    items: list[bytes] = []
    total = 64
    index = 0
    while total < size:
        item = json.dumps(
            {
                "base": {"sn": f"HUGE{index:010d}", "alias": f"huge-{index}", "state": "running"},
                "remark": padding,
            }
        ).encode()
        items.append(item)
        total += len(item) + 1
        index += 1
    head = b'{"code": 0, "msg": "success", "count": %d, "devices": [' % len(items)
    return head + b",".join(items) + b"]}"


async def _huge(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    size = int(fault.value) if fault.value is not None else DEFAULT_HUGE_BYTES
    return web.Response(body=huge_body(size), content_type="application/json")


async def _disconnect(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    if request.transport is not None:
        request.transport.close()
    # Writing to the closed transport fails; aiohttp treats that as the client going away.
    return web.Response()


async def _latency_only(request: web.Request, handler: Handler, fault: Fault) -> web.StreamResponse:
    return await handler(request)  # pragma: no cover  (take() never selects latency)


_RENDERERS: Final[
    dict[str, Callable[[web.Request, Handler, Fault], Awaitable[web.StreamResponse]]]
] = {
    "latency": _latency_only,
    "http_status": _http_status,
    "vendor_code": _vendor_code,
    "html": _html,
    "truncated": _truncated,
    "wrong_types": _wrong_types,
    "empty_page": _empty,
    "huge": _huge,
    "disconnect": _disconnect,
    "strings_for_numbers": _strings_for_numbers,
    "nulls": _nulls,
    "missing_keys": _missing_keys,
    "unreadable": _unreadable,
}
