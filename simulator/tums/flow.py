"""Passenger flow (/tums/open/passengerFlow)."""

from __future__ import annotations

import math
import random
from typing import Any

from ..common import fail
from .codes import (
    BAD_QUERY_TIME,
    FLOW_ACCURACY,
    NO_FLOW,
    NOT_PROJECT_APP,
    PARAMETER,
    REGION_NOT_FOUND,
    STATUS_OFFLINE,
    Body,
    req_int,
    req_str,
)
from .core import TumsCore
from .state import (
    TumsDevice,
)


class FlowApi(TumsCore):
    """Passenger flow (/tums/open/passengerFlow)."""

    def _add_routes(self) -> None:
        super()._add_routes()
        self._add_api(
            {
                "/tums/open/passengerFlow/v1/getFlowDeviceInRegion": self._flow_devices,
                "/tums/open/passengerFlow/v1/queryDeviceSingleFlow": self._device_flow,
            }
        )

    # -- passenger flow -------------------------------------------------------------

    def _flow_devices(self, body: Body) -> Any:
        if self.app_type != "project":
            fail(NOT_PROJECT_APP)
        region = req_str(body, "regionId")
        if region not in self.regions:
            fail(REGION_NOT_FOUND)
        now = self.now()
        listing = []
        for device in self.devices.values():
            if device.region_id != region or not device.passenger_flow:
                continue
            parent = self.devices.get(device.parent) if device.parent else None
            listing.append(
                {
                    "qrCode": device.qr_code,
                    "mac": device.mac,
                    "channelId": device.channel_id or 1,
                    "parentQrCode": parent.qr_code if parent else None,
                    "parentMac": parent.mac if parent else None,
                    "devName": device.name,
                    "deviceStatus": 1 if self.status(device, now) != STATUS_OFFLINE else 0,
                }
            )
        return {"deviceInfoList": listing}

    def _device_flow(self, body: Body) -> Any:
        if self.app_type != "project":
            fail(NOT_PROJECT_APP)
        req_str(body, "accuracy", *FLOW_ACCURACY)
        start, end = req_int(body, "startTime", 0), req_int(body, "endTime", 0)
        if body.get("channelId") != 1:
            fail(PARAMETER, "channelId must be 1 (directly bound IPCs only)")
        device = self.target(body)
        if device.parent is not None or not device.passenger_flow:
            fail(NO_FLOW)
        if end <= start or end - start > 366 * 86400:
            fail(BAD_QUERY_TIME)
        now = int(self.now() if self.counts_held_at is None else self.counts_held_at)
        current = self._flow(device, start, min(end, now))
        last = self._flow(device, start - (end - start), start)
        return {
            "lastTotalInFlow": last[0],
            "lastTotalOutFlow": last[1],
            "lastTotalPassFlow": last[2],
            "currentTotalInFlow": current[0],
            "currentTotalOutFlow": current[1],
            "currentTotalPassFlow": current[2],
        }

    @staticmethod
    def _flow(device: TumsDevice, start: int, end: int) -> tuple[int, int, int]:
        """In/out/pass counts: deterministic hourly counts with a midday peak."""
        total_in = total_out = total_pass = 0
        hour = start - start % 3600
        while hour < end:
            hour_of_day = (hour // 3600 + 8) % 24
            busy = max(0.0, math.sin(math.pi * (hour_of_day - 7) / 14))
            base = random.Random(f"{device.device_id}:{hour}").randint(20, 40)
            part = (min(end, hour + 3600) - max(start, hour)) / 3600
            count = round(base * busy * part)
            total_in += count
            total_out += round(count * 0.95)
            total_pass += count * 3
            hour += 3600
        return total_in, total_out, total_pass
