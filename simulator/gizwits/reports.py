"""The Gizwits endpoints of history and reports: device data, summary, realtime/fault/alert reports."""

from __future__ import annotations

from collections.abc import Callable
import math
from typing import Any

from aiohttp import web

from ..common import fail
from .codes import (
    CHINA_OFFSET,
    CONTEXT_TTL,
    DATA_LIMIT,
    DATA_WINDOW,
    FORM_INVALID,
    DataCursor,
    View,
    int_query,
    location_tree,
)
from .core import GizwitsCore
from .state import (
    ALERT,
    DAY,
    FAULT,
    DatapointDef,
    SimDevice,
    SimProduct,
)


class ReportsApi(GizwitsCore):
    """History (with drift) and the product reports."""

    def _views(self) -> list[tuple[str, str, View, bool]]:
        return [
            *super()._views(),
            ("GET", "/devices/summary", self._summary, True),
            ("GET", "/devices/report/rt", self._realtime_report, True),
            # The document writes this path with its segments doubled; serve both.
            ("GET", "/devices/report/devices/report/rt", self._realtime_report, True),
            ("GET", "/devices/{did}/data", self._data, True),
            ("GET", "/fault/report/devices", self._fault_report, True),
            ("GET", "/alert/report/devices", self._alert_report, True),
        ]

    # -- history ---------------------------------------------------------------------

    def _data(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        device = self._device(product, request.match_info["did"])
        query = request.query
        now = self.clock()
        context = query.get("context")
        if context:
            cursor = self._contexts.get(context)
            if cursor is None or cursor.did != device.did or now > cursor.expires_at:
                self._contexts.pop(context, None)
                fail(FORM_INVALID, "context is unknown or expired")
        else:
            limit = int_query(query, "limit", DATA_LIMIT[0], 1, DATA_LIMIT[1])
            sort = query.get("sort", "desc")
            if sort not in ("asc", "desc"):
                fail(FORM_INVALID, "sort must be asc or desc")
            start_text, end_text = query.get("start_ts"), query.get("end_ts")
            if start_text and not end_text:
                start = int_query(query, "start_ts", 0, 0)
                end = int(start + DATA_WINDOW)
            else:
                end = int_query(query, "end_ts", int(now), 0)
                start = int_query(query, "start_ts", int(end - DATA_WINDOW), 0)
            if start > end or end - start > DATA_WINDOW:
                fail(FORM_INVALID, "start_ts..end_ts must be at most two days")
            if self.drift:
                self._drift(device, now)
            records = sorted(
                (r for r in device.history if start <= r.ts <= end), key=lambda r: r.ts
            )
            if sort == "desc":
                # Reversed rather than sorted descending, so of equal ts the last comes first.
                records.reverse()
            context = self._new_id(64)
            cursor = DataCursor(device.did, records, 0, limit, now + CONTEXT_TTL)
        skip = cursor.position
        page = cursor.records[skip : skip + cursor.limit]
        cursor.position += len(page)
        if cursor.position < len(cursor.records):
            self._contexts[context] = cursor
            next_context: str | None = context
        else:
            self._contexts.pop(context, None)
            next_context = None
        points = {point.name: point for point in product.datapoints}
        return {
            "meta": {
                "total": len(cursor.records),
                "limit": cursor.limit,
                "skip": skip,
                "next": None,
                "previous": None,
            },
            "objects": [
                {
                    "ts": record.ts,
                    "attrs": {
                        name: points[name].render(value) if name in points else value
                        for name, value in record.attrs.items()
                    },
                }
                for record in page
            ],
            "context": next_context,
        }

    def _drift(self, device: SimDevice, now: float) -> None:
        # Only devices that are on line and have reported keep reporting.
        if not device.is_online or device.is_disabled or not device.attrs:
            return
        product = self.products[device.product_key]
        elapsed = max(0.0, now - self._last_drift.get(device.did, now))
        self._last_drift[device.did] = now
        changes: dict[str, Any] = {}
        room = product.datapoint("room_temp")
        if room is not None and "room_temp" in device.attrs:
            changes["room_temp"] = self._step(room, device.attrs["room_temp"], 1)
        power = product.datapoint("power")
        if power is not None and "power" in device.attrs:
            on = bool(device.attrs.get("switch", True))
            watts = self._step(power, device.attrs["power"], 20) if on else 0
            changes["power"] = watts
            energy = product.datapoint("energy")
            if energy is not None and watts:
                # kWh since the last read; at least one step so a frozen clock still moves it.
                used = max(energy.ratio, watts * elapsed / 3_600_000)
                total = float(device.attrs.get("energy", 0)) + used
                raw = min(energy.raw_max, math.floor(total / energy.ratio + 1e-6))
                changes["energy"] = energy.to_real(raw)
        if changes:
            self._record(device, changes)

    def _step(self, point: DatapointDef, value: Any, spread: int) -> float | int:
        raw = point.raw_of(float(value))
        delta = self._rng.randint(1, spread) * self._rng.choice((-1, 1))
        moved = raw + delta
        if not point.raw_min <= moved <= point.raw_max:
            moved = raw - delta
        return point.to_real(min(point.raw_max, max(point.raw_min, moved)))

    # -- reports ---------------------------------------------------------------------

    def _product_devices(self, product: SimProduct, request: web.Request) -> list[SimDevice]:
        self._no_groups(request.query)
        return list(self.devices[product.product_key].values())

    def _summary(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        devices = self._product_devices(product, request)
        now = self.clock()
        today = (now + CHINA_OFFSET) // DAY * DAY - CHINA_OFFSET
        yesterday = today - DAY

        def reported(device: SimDevice, start: float, end: float) -> bool:
            return any(start <= r.ts < end for r in device.history)

        def count(test: Callable[[SimDevice], bool]) -> int:
            return sum(1 for device in devices if test(device))

        return {
            "active": {
                "7_day": count(lambda d: reported(d, now - 7 * DAY, now + 1)),
                "yesterday": count(lambda d: reported(d, yesterday, today)),
            },
            "new": {
                "7_day": count(lambda d: d.created_at >= now - 7 * DAY),
                "30_day": count(lambda d: d.created_at >= now - 30 * DAY),
                "yesterday": count(lambda d: yesterday <= d.created_at < today),
                "today": count(lambda d: d.created_at >= today),
            },
            # "设备累计上线数": devices that ever came online, deregistered ones included.
            "total": count(lambda d: d.online_latest is not None),
            "online": count(lambda d: d.is_online and not d.is_disabled),
        }

    def _realtime_report(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        devices = [d for d in self._product_devices(product, request) if not d.is_disabled]

        def counts(members: list[SimDevice]) -> dict[str, int]:
            return {
                "faulty": sum(1 for d in members if self.is_faulty(d)),
                "activated": len(members),
                "alert": sum(1 for d in members if self.is_alert(d)),
            }

        return {"count": counts(devices), "gid": None, "location": location_tree(devices, counts)}

    def _fault_report(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        return self._flag_report(product, request, FAULT)

    def _alert_report(self, product: SimProduct, request: web.Request, body: Any) -> Any:
        return self._flag_report(product, request, ALERT)

    def _flag_report(self, product: SimProduct, request: web.Request, kind: str) -> Any:
        # total: devices that ever reported the condition; unresolved: those showing it now.
        devices = [d for d in self._product_devices(product, request) if not d.is_disabled]

        def counts(members: list[SimDevice]) -> dict[str, int]:
            ever = [
                d
                for d in members
                if self._flagged(d, kind, d.attrs)
                or any(self._flagged(d, kind, r.attrs) for r in d.history)
            ]
            unresolved = sum(1 for d in ever if self._flagged(d, kind, d.attrs))
            return {
                "total": len(ever),
                "resolved": len(ever) - unresolved,
                "unresolved": unresolved,
            }

        affected = [d for d in devices if counts([d])["total"]]
        return {
            "gid": None,
            "count": counts(devices),
            "location": location_tree(affected, counts),
        }
