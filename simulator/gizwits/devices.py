"""The Gizwits endpoints of products and devices: datapoints, detail, search, control."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ..common import fail
from .codes import (
    ATTR_INVALID,
    ATTRS_NOT_EXIST,
    DATAPOINT_NOT_FOUND,
    DEVICE_DISABLED,
    DEVICE_NOT_EXIST,
    DEVICE_OFFLINE,
    FORM_INVALID,
    JSON_INVALID,
    RAW_INVALID,
    REMOTE_CONTROL_OFF,
    SEARCH_LIMIT,
    View,
    flag_query,
    int_query,
)
from .core import GizwitsCore
from .state import (
    WRITABLE,
    AttrError,
    SimProduct,
)


class DevicesApi(GizwitsCore):
    """Products, devices and their control."""

    def _views(self) -> list[tuple[str, str, View, bool]]:
        return [
            *super()._views(),
            ("GET", "/datapoint", self._datapoint, True),
            ("GET", "/device_detail", self._device_detail, True),
            ("GET", "/devices/search", self._search, True),
            ("POST", "/devices/{did}/control", self._control, True),
        ]

    # -- products and devices --------------------------------------------------------

    @staticmethod
    def _datapoint(product: SimProduct, request: web.Request, body: Any) -> Any:
        return product.schema_json()

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
