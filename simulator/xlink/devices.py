"""The Xlink endpoints of the enterprise, products and devices (probe, set)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..common import fail
from .core import MAX_BATCH, MAX_PAGE, SimToken, View, XlinkCore
from .state import (
    DATAPOINT_NOT_FOUND,
    DEMO_MEMBER_ID,
    DEVICE_NOT_FOUND,
    DEVICE_OFFLINE,
    FIELD_INVALID,
    FIELD_MISSING,
    NOT_SUBSCRIBED,
    PRODUCT_NOT_FOUND,
    TOKEN_MISSING,
    SimDevice,
    SimProduct,
    ValueRefusedError,
)


class DevicesApi(XlinkCore):
    """Enterprise, products, devices, their datapoints and control."""

    def _views(self) -> list[tuple[str, str, View, str | None]]:
        return [
            *super()._views(),
            ("GET", "/v2/corp", self._corp, "corp"),
            ("GET", "/v2/products", self._products, "corp"),
            ("GET", "/v2/product/{pid}/datapoints", self._datapoints, "any"),
            ("POST", "/v2/product/{pid}/devices", self._device_list, "corp"),
            ("POST", "/v2/product/{pid}/v_devices", self._v_devices, "any"),
            ("GET", "/v2/user/{user_id}/subscribe/devices", self._subscribed, "user"),
            ("GET", "/v2/diagnosis/device/probe/{device_id}", self._probe, "any"),
            ("POST", "/v2/diagnosis/device/set/{device_id}", self._set, "any"),
        ]

    def _corp(self, request: web.Request, body: Any, token: SimToken | None) -> Any:
        return {
            "id": self.corp_id,
            "company": "示例智能家电有限公司",
            "create_time": "2015-10-09T08:15:40.843Z",
            "type": 1,
            "status": 1,
            "device_total": len(self.devices),
            "device_limit": 100000,
            "member": {"id": DEMO_MEMBER_ID, "email": self.account, "name": "运维"},
        }

    def _products(self, request: web.Request, body: Any, token: SimToken | None) -> Any:
        return [product.as_json() for product in self.products.values()]

    def _product(self, request: web.Request) -> SimProduct:
        product = self.products.get(request.match_info["pid"])
        if product is None:
            fail(PRODUCT_NOT_FOUND)
        return product

    def _datapoints(self, request: web.Request, body: Any, token: SimToken | None) -> Any:
        product = self._product(request)
        return [
            point.as_json(f"{product.product_id[:8]}{point.index:04d}")
            for point in product.datapoints
        ]

    def _device_list(self, request: web.Request, body: Any, token: SimToken | None) -> Any:
        product = self._product(request)
        body = body if body is not None else {}
        if not isinstance(body, dict):
            fail(FIELD_INVALID)
        offset, limit = body.get("offset", 0), body.get("limit", 10)
        for value, high in ((offset, None), (limit, MAX_PAGE)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                fail(FIELD_INVALID, "offset/limit 须为非负整数")
            if high is not None and not 1 <= value <= high:
                fail(FIELD_INVALID, f"limit 须为1-{high}")
        devices = [d for d in self.devices.values() if d.product_id == product.product_id]
        devices = self._query(devices, body.get("query"))
        order = body.get("order", {"id": "asc"})
        if not isinstance(order, dict):
            fail(FIELD_INVALID)
        devices.sort(key=lambda d: d.device_id, reverse=order.get("id") == "desc")
        fields = body.get("filter")
        self._drift_all(devices)
        listed = [device.as_json(self._iso) for device in devices[offset : offset + limit]]
        if isinstance(fields, list) and fields:
            keep = {str(name) for name in fields} | {"id"}
            listed = [{k: v for k, v in item.items() if k in keep} for item in listed]
        # ``count`` is the number of matches, not the page's length.
        return {"count": len(devices), "list": listed}

    @staticmethod
    def _query(devices: list[SimDevice], query: Any) -> list[SimDevice]:
        if query is None:
            return devices
        if not isinstance(query, dict):
            fail(FIELD_INVALID)
        for name, condition in query.items():
            if name not in ("id", "mac", "is_online") or not isinstance(condition, dict):
                fail(FIELD_INVALID, f"不支持的查询字段 {name}")
            wanted = condition.get("$in")
            if not isinstance(wanted, list):
                fail(FIELD_INVALID, "仅支持 $in")
            key = {"id": "device_id", "mac": "mac", "is_online": "online"}[name]
            devices = [d for d in devices if getattr(d, key) in wanted]
        return devices

    def _visible(self, token: SimToken | None, device: SimDevice) -> bool:
        if token is None or token.kind != "user":
            return True
        user = self.users.get(int(token.principal))
        return user is not None and device.device_id in user.subscribed

    def _v_device(self, device: SimDevice) -> dict[str, Any]:
        return {
            "device_id": device.device_id,
            "cm_id": "cm-1",
            "ip": "10.0.0.1" if device.online else "",
            "online": device.online,
            "last_login": self._iso(device.last_login),
            "last_update": self._iso(device.last_update),
            "conn_prot": 1,
            **{str(index): value for index, value in device.values.items()},
        }

    def _v_devices(self, request: web.Request, body: Any, token: SimToken | None) -> Any:
        product = self._product(request)
        if not isinstance(body, list) or not body or len(body) > MAX_BATCH:
            fail(FIELD_INVALID, f"须为1-{MAX_BATCH}个设备ID的数组")
        if not all(isinstance(item, int) and not isinstance(item, bool) for item in body):
            fail(FIELD_INVALID, "设备ID须为整数")
        found = []
        for device_id in dict.fromkeys(body):
            device = self.devices.get(device_id)
            if device is None or device.product_id != product.product_id:
                continue
            if not self._visible(token, device):
                fail(NOT_SUBSCRIBED)
            found.append(device)
        self._drift_all(found)
        return {"list": [self._v_device(device) for device in found]}

    def _subscribed(self, request: web.Request, body: Any, token: SimToken | None) -> Any:
        if token is None:  # pragma: no cover  (the route needs a user token)
            fail(TOKEN_MISSING)
        user_id = request.match_info["user_id"]
        if user_id != token.principal:
            fail(NOT_SUBSCRIBED, "不能查看其他用户的设备")
        user = self.users[int(user_id)]
        devices = [self.devices[i] for i in user.subscribed if i in self.devices]
        items = []
        for device in devices:
            item = device.as_json(self._iso)
            item.update({"role": 0, "authority": "RW", "source": 1, "access_key": 777})
            items.append(item)
        return {"version": 0, "list": items}

    # -- the device ------------------------------------------------------------------

    def _device(self, request: web.Request, token: SimToken | None) -> SimDevice:
        text = request.match_info["device_id"]
        device = self.devices.get(int(text)) if text.isdigit() else None
        if device is None:
            fail(DEVICE_NOT_FOUND)
        if not self._visible(token, device):
            fail(NOT_SUBSCRIBED)
        return device

    def _probe(self, request: web.Request, body: Any, token: SimToken | None) -> Any:
        device = self._device(request, token)
        if not device.online:
            # The console reads 202 as "the device did not answer".
            return web.Response(status=202)
        # The device answers with its values; the virtual device takes them.
        device.last_update = self.clock()
        return {
            "name": device.name,
            "datapoint": [{"index": i, "value": v} for i, v in sorted(device.values.items())],
        }

    def _set(self, request: web.Request, body: Any, token: SimToken | None) -> Any:
        device = self._device(request, token)
        items = body.get("datapoint") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            fail(FIELD_MISSING, "datapoint 不可为空")
        product = self.products[device.product_id]
        changes: dict[int, Any] = {}
        for item in items:
            index = item.get("index") if isinstance(item, dict) else None
            if isinstance(index, bool) or not isinstance(index, int) or "value" not in item:
                fail(FIELD_INVALID, "datapoint 须为 {index, value}")
            point = product.datapoint(index)
            if point is None:
                fail(DATAPOINT_NOT_FOUND)
            if not point.is_write:
                fail(FIELD_INVALID, f"数据端点 {index} 不可写")
            try:
                changes[index] = point.check(item["value"])
            except ValueRefusedError as err:
                fail(FIELD_INVALID, str(err))
        # Only online devices take writes (设置在线设备属性).
        if not device.online:
            fail(DEVICE_OFFLINE)
        device.values.update(changes)
        device.last_update = self.clock()
        return web.Response(status=200)

    def _drift_all(self, devices: list[SimDevice]) -> None:
        """Readings move by a seeded random walk, on online devices only."""
        if not self.drift:
            return
        for device in devices:
            if not device.online:
                continue
            product = self.products[device.product_id]
            for point in product.datapoints:
                value = device.values.get(point.index)
                if point.is_write or point.type not in (2, 3, 5, 8) or value is None:
                    continue
                if "故障" in point.name:
                    continue  # a code changes with a fault, not by a walk
                # A meter's total only rises; readings walk both ways.
                meter = point.symbol in ("kWh", "Wh", "L", "m³")
                step = self._rng.choice((0, 1) if meter else (-1, 0, 1))
                moved = value + (round(step * 0.1, 1) if point.type == 5 else step)
                if point.max > point.min:
                    moved = min(point.max, max(point.min, moved))
                device.values[point.index] = moved
            device.last_update = self.clock()
