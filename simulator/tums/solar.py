"""Solar power devices (/evcs/open/chargingDeviceManager)."""

from __future__ import annotations

import math
import random
from typing import Any

from ..common import fail
from .codes import (
    PARAMETER,
    SOLAR_METRICS,
    UNSUPPORTED,
    Body,
    millis,
    req_int,
    req_str,
)
from .core import TumsCore
from .state import (
    SOLAR,
    SupplyTime,
    TumsDevice,
)


class SolarApi(TumsCore):
    """Solar power devices (/evcs/open/chargingDeviceManager)."""

    def _add_routes(self) -> None:
        super()._add_routes()
        self._add_api(
            {
                "/evcs/open/chargingDeviceManager/v1/querySolarPower": self._solar_power,
                "/evcs/open/chargingDeviceManager/v1/querySolarSupplyTime": self._solar_supply,
                "/evcs/open/chargingDeviceManager/v1/setSolarSupplyTime": self._set_solar_supply,
                "/evcs/open/chargingDeviceManager/v1/solarLoadReset": self._solar_reset,
                "/evcs/open/chargingDeviceManager/v1/getMetricValue": self._solar_metrics,
            }
        )

    # -- solar ----------------------------------------------------------------------

    def _solar(self, body: Body) -> TumsDevice:
        device = self.target(body)
        if device.device_type != SOLAR or device.solar is None:
            fail(UNSUPPORTED)
        return self.reachable(device)

    def _walk(self, value: float, step: float, low: float, high: float) -> float:
        return min(high, max(low, value + self._rng.uniform(-step, step)))

    def _solar_power(self, body: Body) -> Any:
        solar = self._solar(body).solar
        assert solar is not None  # noqa: S101  (checked by _solar)
        if self.drift:
            solar.battery = self._walk(solar.battery, 0.8, 0.0, 100.0)
            solar.env_temp = self._walk(solar.env_temp, 0.3, -30.0, 70.0)
            solar.input_watt = self._walk(solar.input_watt, 4.0, 0.0, 120.0)
            solar.output_watt = self._walk(solar.output_watt, 1.5, 0.0, 60.0)
            solar.status = 2 if solar.battery >= 99.5 else (1 if solar.input_watt > 1 else 0)
        return {
            "status": str(solar.status),
            "batteryStatus": f"{solar.battery:.2f}",
            "envTemp": f"{solar.env_temp:.0f}",
            "inputWatt": f"{solar.input_watt:.2f}",
            "outputWatt": f"{solar.output_watt:.2f}",
        }

    def _solar_supply(self, body: Body) -> Any:
        solar = self._solar(body).solar
        assert solar is not None  # noqa: S101
        single = len(solar.schedules) == 1
        listing = []
        for schedule in solar.schedules:
            entry = {
                "startTimeHour": str(schedule.start_hour),
                "startTimeMin": str(schedule.start_min),
                "endTimeHour": str(schedule.end_hour),
                "endTimeMin": str(schedule.end_min),
                "status": schedule.status,
            }
            if not single:
                entry["supplyLoadNum"] = str(schedule.load)
            listing.append(entry)
        return {"solarSupplyTimeList": listing}

    def _set_solar_supply(self, body: Body) -> Any:
        values = (
            req_int(body, "startTimeHour", 0, 23),
            req_int(body, "startTimeMin", 0, 59),
            req_int(body, "endTimeHour", 0, 23),
            req_int(body, "endTimeMin", 0, 59),
        )
        status = req_str(body, "status", "on", "off")
        solar = self._solar(body).solar
        assert solar is not None  # noqa: S101
        if len(solar.schedules) == 1:
            schedule = solar.schedules[0]
        else:
            load = body.get("supplyLoadNum")
            found = [s for s in solar.schedules if str(s.load) == load]
            if not isinstance(load, str) or not found:
                fail(PARAMETER, "supplyLoadNum must name one of the loads")
            schedule = found[0]
        new = SupplyTime(schedule.load, *values, status=status)
        solar.schedules[solar.schedules.index(schedule)] = new
        return None

    def _solar_reset(self, body: Body) -> Any:
        load = req_int(body, "loadNum")
        solar = self._solar(body).solar
        assert solar is not None  # noqa: S101
        if len(solar.schedules) == 1:
            fail(UNSUPPORTED, "single-load systems have no load reset")
        if load not in {s.load for s in solar.schedules}:
            fail(PARAMETER, "unknown loadNum")
        solar.load_resets[load] = solar.load_resets.get(load, 0) + 1
        return "0"

    def _solar_metrics(self, body: Body) -> Any:
        if body.get("event") != "solarPowerSystem":
            fail(PARAMETER, "event must be solarPowerSystem")
        metrics = body.get("metricList")
        if (
            not isinstance(metrics, list)
            or not metrics
            or not all(m in SOLAR_METRICS for m in metrics)
        ):
            fail(PARAMETER, f"metricList must name some of {', '.join(SOLAR_METRICS)}")
        start, end = millis(body, "startTime"), millis(body, "endTime")
        now_ms = int(self.now() * 1000)
        if end <= start or end - start > 86_400_000 or start < now_ms - 31 * 86_400_000:
            fail(PARAMETER, "the range must be within the last 31 days and at most 24 hours")
        device = self._solar(body)
        series: dict[str, list[list[str]]] = {m: [] for m in metrics}
        hour = start - start % 3_600_000
        while hour < end:
            for metric in metrics:
                value = 0.0 if hour > now_ms else self._history(device, metric, hour)
                series[metric].append([str(hour), f"{value:.1f}"])
            hour += 3_600_000
        return {"metricValueList": series}

    def _history(self, device: TumsDevice, metric: str, hour_ms: int) -> float:
        """A deterministic hourly average: daylight input, steady load, battery between."""
        hour_of_day = (hour_ms // 3_600_000 + 8) % 24  # China Standard Time
        sun = max(0.0, math.sin(math.pi * (hour_of_day - 6) / 12))
        jitter = random.Random(f"{device.device_id}:{metric}:{hour_ms}").uniform(0.9, 1.1)
        if metric == "inputPowerInWatt":
            return 95.0 * sun * jitter
        if metric == "outputPowerInWatt":
            return 12.0 * jitter
        return min(100.0, 55.0 + 40.0 * sun * jitter)
