"""Async client of the smart gateway backend's HTTP API (``/api/v1``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import logging
from typing import Any, Final

import aiohttp

from ..client.errors import (
    CniotAuthenticationError,
    CniotDeviceOfflineError,
    CniotInvalidResponseError,
    CniotVendorError,
)
from ..client.http import JsonClient, encode_json, retry_once
from ..client.paging import fetch_pages
from ..client.parse import MalformedEntries, as_int, as_mapping
from .models import DevicePage, Gateway, PortMapping, Protocol, get_key

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT: Final = 8501
DEFAULT_SET_PATH: Final = "/api/v1/devices/set"
DEFAULT_PAGE_SIZE: Final = 100
# Requests in flight at once: the backend is a small box on the customer's network.
MAX_CONCURRENCY: Final = 2

# Every documented field group; an empty channel list asks for all channels.
ALL_FIELDS: Final[Mapping[str, Any]] = {
    "base": [
        "sn",
        "alias",
        "state",
        "type",
        "version",
        "runtime",
        "remark",
        "rateup",
        "ratedown",
        "qos",
        "mapping",
        "record",
        "gps",
    ],
    "network": ["lan", "hotspot"],
    "channel": [],
    "parameters": ["top", "lock"],
}

ERROR_OK: Final = 0
ERROR_DEVICE_OFFLINE: Final = 7006
# 7016-7019: user name, password or login refused by the backend.
AUTH_ERRORS: Final = frozenset({7016, 7017, 7018, 7019})

ERROR_MESSAGES: Final[Mapping[int, str]] = {
    1: "JSON could not be parsed",
    7001: "invalid data",
    7002: "rule name already exists",
    7003: "port already in use",
    7004: "UUID not found",
    7005: "serial number error",
    7006: "device is offline",
    7007: "serial number already exists",
    7008: "device alias already exists",
    7009: "device alias is invalid",
    7010: "parameter error",
    7011: "maximum number of registered devices reached",
    7012: "license or update file error",
    7013: "license update failed",
    7014: "version file missing",
    7015: "version file invalid",
    7016: "user name error",
    7017: "password error",
    7018: "password invalid",
    7019: "login failed",
    7020: "logout failed",
    7021: "new password equals the old one",
    7022: "log compression failed",
}


class GatewayClient(JsonClient):
    """Talks to one gateway backend. Knows nothing of Home Assistant."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        set_path: str = DEFAULT_SET_PATH,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout: float = 15.0,
    ) -> None:
        auth = (username, password or "") if username else None
        super().__init__(
            session,
            base_url,
            timeout=timeout,
            concurrency=MAX_CONCURRENCY,
            default_port=DEFAULT_PORT,
            basic_auth=auth,
        )
        self._set_path = set_path if set_path.startswith("/") else f"/{set_path}"
        self._page_size = max(1, page_size)
        self._pages = 1  # pages the last full listing took
        self.malformed = MalformedEntries("devices/list", _LOGGER)

    async def _call(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        body = encode_json(payload) if payload is not None else None
        data, _headers = await self._http.request(method, path, body=body)
        if not isinstance(data, Mapping):
            raise CniotInvalidResponseError(f"reply from {path} is not an object")
        code = as_int(get_key(data, "code"))
        if code is None:
            raise CniotInvalidResponseError(f"reply from {path} has no code")
        if code != ERROR_OK:
            raise _error_for(code, get_key(data, "msg"))
        return data

    async def async_get_devices_page(
        self, page: int, limit: int | None = None, fields: Mapping[str, Any] = ALL_FIELDS
    ) -> DevicePage:
        """One page of ``devices/list`` (pages count from 1).

        Reads change nothing, so this and the other reads are tried once more
        after a transient failure.
        """
        return await retry_once(lambda: self._devices_page(page, limit, fields))

    async def _devices_page(
        self, page: int, limit: int | None, fields: Mapping[str, Any]
    ) -> DevicePage:
        payload = {
            "page": page,
            "limit": limit or self._page_size,
            "filtration": 0,
            "condition": "",
            "sort_by": 0,
            "ascend": 1,
            "args": fields,
        }
        data = await self._call("POST", "/api/v1/devices/list", payload)
        raw_devices = data.get("devices")
        if raw_devices is None:
            raw_devices = []
        if not isinstance(raw_devices, list):
            raise CniotInvalidResponseError("devices/list returned no device array")
        count = as_int(data.get("count"))
        gateways = tuple(
            gateway for item in raw_devices if (gateway := _parse_gateway(item)) is not None
        )
        reported = count is not None and count >= 0
        return DevicePage(
            count=count if count is not None and reported else len(raw_devices),
            gateways=gateways,
            raw_length=len(raw_devices),
            count_reported=reported,
        )

    async def async_get_devices(self) -> dict[str, Gateway]:
        """Every registered gateway, paging through ``devices/list``.

        As many pages as the previous listing needed are requested at once. A listing
        that fails transiently, or comes out incomplete, is read once more.
        """
        return await retry_once(self._get_devices)

    async def _get_devices(self) -> dict[str, Gateway]:
        self.malformed.start()
        pages = await fetch_pages(
            lambda number: self._devices_page(number + 1, None, ALL_FIELDS),
            lambda page: (page.raw_length, page.count if page.count_reported else None),
            page_size=self._page_size,
            expected_pages=self._pages,
            what="devices/list",
            check=_check_gateway_pages,
        )
        self._pages = len(pages)
        # Entries without a serial are skipped: one bad row costs only itself.
        self.malformed.add(sum(page.raw_length - len(page.gateways) for page in pages))
        self.malformed.finish(sum(page.raw_length for page in pages))
        return {gateway.sn: gateway for page in pages for gateway in page.gateways}

    async def async_query(self, sns: Iterable[str]) -> dict[str, Gateway | None]:
        """``devices/query`` for the given serials; None where not found."""
        wanted = list(sns)
        return await retry_once(lambda: self._query(wanted))

    async def _query(self, wanted: list[str]) -> dict[str, Gateway | None]:
        payload = {"sns": wanted, "args": ALL_FIELDS}
        data = await self._call("POST", "/api/v1/devices/query", payload)
        devices = as_mapping(data.get("devices"))
        result: dict[str, Gateway | None] = {}
        for sn in wanted:
            entry = as_mapping(devices.get(sn))
            if as_int(entry.get("state")) != 1:
                result[sn] = None
                continue
            result[sn] = Gateway.parse(entry)
        return result

    async def async_set(self, sn: str, changes: Mapping[str, Any]) -> None:
        """Write settings, in the query reply's shape, for one gateway."""
        await self._call("POST", self._set_path, {"devices": {sn: changes}})

    async def async_register(self, sn: str, alias: str) -> None:
        """``devices/regist``."""
        await self._call("POST", "/api/v1/devices/regist", {"sn": sn, "alias": alias})

    async def async_delete(self, sn: str) -> None:
        """``devices/delete``."""
        await self._call("POST", "/api/v1/devices/delete", {"sn": sn})

    async def async_list_mappings(self) -> list[PortMapping]:
        """``mapping/list``."""
        return await retry_once(self._list_mappings)

    async def _list_mappings(self) -> list[PortMapping]:
        data = await self._call("GET", "/api/v1/mapping/list")
        raw = data.get("list")
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise CniotInvalidResponseError("mapping/list returned no list")
        return [rule for item in raw if (rule := PortMapping.parse(as_mapping(item)))]

    async def async_add_mapping(
        self, name: str, ip: str, port: str, protocol: Protocol, mark: str = ""
    ) -> None:
        """``mapping/add``."""
        await self._call(
            "POST",
            "/api/v1/mapping/add",
            {"name": name, "ip": ip, "port": port, "protocol": int(protocol), "mark": mark},
        )

    async def async_edit_mapping(self, rule: PortMapping) -> None:
        """``mapping/edit``: the whole rule is sent, as the document requires."""
        await self._call(
            "POST",
            "/api/v1/mapping/edit",
            {
                "uuid": rule.uuid,
                "name": rule.name or "",
                "ip": rule.ip or "",
                "port": rule.port or "",
                "protocol": int(rule.protocol) if rule.protocol is not None else 0,
                "devName": rule.dev_name or "",
                "sn": rule.sn or "",
                "devType": rule.dev_type or "",
                "mark": rule.mark or "",
            },
        )

    async def async_delete_mappings(self, uuids: Iterable[str]) -> list[str]:
        """``mapping/delete``; returns the uuids the backend could not delete."""
        data = await self._call("POST", "/api/v1/mapping/delete", {"rules": list(uuids)})
        return _failed_uuids(get_key(data, "msg"))

    async def async_assign_mapping(self, rule: str, sn: str, ip: str) -> None:
        """``device/addMapping``."""
        await self._call("POST", "/api/v1/device/addMapping", {"rule": rule, "sn": sn, "ip": ip})

    async def async_edit_assignment(self, rule: str, sn: str, ip: str) -> None:
        """``device/editMapping``."""
        await self._call("POST", "/api/v1/device/editMapping", {"rule": rule, "sn": sn, "ip": ip})

    async def async_unassign_mappings(self, sn: str, rules: Iterable[str]) -> list[str]:
        """``device/deleteMapping``; returns the uuids that stayed assigned."""
        data = await self._call(
            "POST", "/api/v1/device/deleteMapping", {"sn": sn, "rules": list(rules)}
        )
        return _failed_uuids(get_key(data, "msg"))


def _failed_uuids(msg: Any) -> list[str]:
    # Deletes answer with the failed uuids as msg (an empty array on success).
    if isinstance(msg, list):
        return [str(item) for item in msg]
    return []


def _error_for(code: int, msg: Any) -> Exception:
    text = msg if isinstance(msg, str) and msg.strip() else ERROR_MESSAGES.get(code, "error")
    text = text[:200]
    if code in AUTH_ERRORS:
        return CniotAuthenticationError(f"backend refused the login: {text}", code=code)
    if code == ERROR_DEVICE_OFFLINE:
        return CniotDeviceOfflineError(code, text)
    return CniotVendorError(code, text)


def _parse_gateway(item: Any) -> Gateway | None:
    """One entry of devices/list; None (skipped, counted) when it cannot be read."""
    try:
        return Gateway.parse(as_mapping(item))
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as err:
        _LOGGER.debug("devices/list: unreadable entry (%s)", type(err).__name__)
        return None


def _check_gateway_pages(pages: list[DevicePage]) -> None:
    """Refuse listings that page forever (malformed entries are skipped and counted)."""
    seen: set[str] = set()
    for page in pages:
        if page.gateways and all(gateway.sn in seen for gateway in page.gateways):
            # A backend that ignores "page" would otherwise be paged forever.
            raise CniotInvalidResponseError("devices/list repeats the same page")
        seen.update(gateway.sn for gateway in page.gateways)
