"""The Gizwits simulator's own admin endpoints (/_sim/gizwits/...)."""

from __future__ import annotations

import math

from aiohttp import web

from ..base import json_reply
from ..common import admin_body
from .core import GizwitsCore
from .state import (
    AttrError,
)


class AdminApi(GizwitsCore):
    """Quota, token lifetime, whitelist, remote control and device reports, on demand."""

    # -- admin -----------------------------------------------------------------------

    def _add_routes(self) -> None:
        super()._add_routes()
        router = self.app.router
        router.add_post("/_sim/gizwits/quota", self._admin_quota)
        router.add_post("/_sim/gizwits/token_ttl", self._admin_token_ttl)
        router.add_post("/_sim/gizwits/whitelist", self._admin_whitelist)
        router.add_post("/_sim/gizwits/remote_control", self._admin_remote_control)
        router.add_post("/_sim/gizwits/devices/{did}/report", self._admin_report)

    @staticmethod
    def _admin_error(message: str, status: int = 400) -> web.Response:
        return json_reply({"error": message}, status=status)

    async def _admin_quota(self, request: web.Request) -> web.Response:
        data = await admin_body(request)
        quota, reset = data.get("quota", self.quota), data.get("reset", False)
        if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
            return self._admin_error('body must be {"quota": int >= 0, "reset": bool}')
        if not isinstance(reset, bool):
            return self._admin_error('body must be {"quota": int >= 0, "reset": bool}')
        self.quota = quota
        if reset:
            for enterprise in self.enterprises.values():
                enterprise.window_start, enterprise.calls = None, 0
        return json_reply({"quota": self.quota, "reset": reset})

    async def _admin_token_ttl(self, request: web.Request) -> web.Response:
        seconds = (await admin_body(request)).get("seconds")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or seconds <= 0
        ):
            return self._admin_error('body must be {"seconds": number > 0}')
        self.token_ttl = float(seconds)
        return json_reply({"token_ttl": self.token_ttl})

    async def _admin_whitelist(self, request: web.Request) -> web.Response:
        ok = (await admin_body(request)).get("ok")
        if not isinstance(ok, bool):
            return self._admin_error('body must be {"ok": true|false}')
        self.ip_whitelist_ok = ok
        return json_reply({"ok": ok})

    async def _admin_remote_control(self, request: web.Request) -> web.Response:
        data = await admin_body(request)
        key, enabled = data.get("product_key"), data.get("enabled")
        if not isinstance(key, str) or not isinstance(enabled, bool):
            return self._admin_error('body must be {"product_key": str, "enabled": bool}')
        product = self.products.get(key)
        if product is None:
            return self._admin_error(f"unknown product {key}", 404)
        product.remote_control = enabled
        return json_reply({"product_key": key, "enabled": enabled})

    async def _admin_report(self, request: web.Request) -> web.Response:
        did = request.match_info["did"]
        attrs = (await admin_body(request)).get("attrs")
        if not isinstance(attrs, dict) or not attrs:
            return self._admin_error('body must be {"attrs": {name: value, ...}}')
        if self.find_device(did) is None:
            return self._admin_error(f"unknown device {did}", 404)
        try:
            self.report(did, attrs)
        except KeyError as err:
            return self._admin_error(f"unknown datapoint {err.args[0]}")
        except AttrError as err:
            return self._admin_error(str(err))
        device = self.find_device(did)
        return json_reply({"did": did, "attrs": device.attrs if device else {}})
