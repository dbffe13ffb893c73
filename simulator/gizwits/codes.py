"""The Gizwits enterprise API's constants, error table and replies, parameter readers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import json
import re
from typing import Any, Final

from aiohttp import web

from ..base import dumps, json_reply
from ..common import ApiError, Params
from ..faults import Fault, FaultInjector, Handler
from .state import (
    DAY,
    HOUR,
    Report,
    SimDevice,
    SimProduct,
)

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


def error_reply(err: ApiError) -> web.Response:
    """The error body with the table's HTTP status."""
    status, message = ERRORS.get(err.code, (400, "injected"))
    body = {"error_code": err.code, "error_message": message, "detail": err.detail or ""}
    return json_reply(body, status=status)


# Bad query parameters are 5002 (form invalid) throughout.
_PARAMS: Final = Params(FORM_INVALID)
int_query = _PARAMS.int_query
flag_query = _PARAMS.flag_query


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
            return error_reply(ApiError(int(fault.value or 0), "injected"))
        response = await handler(request)
        if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
            return response  # pragma: no cover  (every reply here is JSON bytes)
        data = json.loads(response.body)
        if isinstance(data, dict) and isinstance(data.get("objects"), list):
            data["objects"] = []
            response.body = dumps(data).encode()
        return response
