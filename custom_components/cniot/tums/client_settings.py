"""TUMS OpenAPI calls on device settings: solar systems, IPC and NVR configuration, PTZ and passenger flow."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

from ..client.parse import as_int, as_list, as_mapping
from .client_core import (
    TumsClientCore,
    _ref,
)
from .codes import (
    PassengerFlowAccuracy,
    TimingMode,
)
from .models import Device, DeviceRef
from .paths import (
    PATH_CAPABILITY,
    PATH_DEVICE_PASSENGER_FLOW,
    PATH_FORMAT_SD_CARD,
    PATH_GET_RECORD_LOOP,
    PATH_GET_SOLAR_SUPPLY,
    PATH_GET_TIME_SYNC,
    PATH_GET_TIMING_REBOOT,
    PATH_MANUAL_TIMING,
    PATH_PASSENGER_FLOW_DEVICES,
    PATH_PTZ_RESET,
    PATH_PTZ_RESET_SUPPORT,
    PATH_SD_CARDS,
    PATH_SET_RECORD_LOOP,
    PATH_SET_SOLAR_SUPPLY,
    PATH_SET_TIME_SYNC,
    PATH_SET_TIMING_REBOOT,
    PATH_SOLAR_LOAD_RESET,
    PATH_SOLAR_METRICS,
    PATH_SOLAR_POWER,
)
from .tier_models import (
    SOLAR_METRICS,
    Capability,
    PassengerFlow,
    SdCard,
    SolarPower,
    SolarSupplyTime,
    TimeSync,
    TimingReboot,
    as_bool,
    parse_metric_values,
)

_REBOOT_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")


class TumsSettingsApi(TumsClientCore):
    """Solar systems, IPC and NVR settings, PTZ and passenger-flow counts."""

    # Solar power systems

    async def async_get_solar_power(self, device: DeviceRef | Device) -> SolarPower:
        """Charge state, battery, temperature and power of a solar power system."""
        result = await self._mapping_result(PATH_SOLAR_POWER, _ref(device).identity())
        return SolarPower.parse(result)

    async def async_solar_load_reset(self, device: DeviceRef | Device, load_num: int = 1) -> bool:
        """Restart one load of a solar power system; True if the device reports success."""
        result = await self._result(
            PATH_SOLAR_LOAD_RESET, {**_ref(device).identity(), "loadNum": load_num}
        )
        # "0" restarted, "1" failed.
        return as_int(result) == 0

    async def async_get_solar_supply_times(
        self, device: DeviceRef | Device
    ) -> list[SolarSupplyTime]:
        """The load supply schedules of a solar power system."""
        result = await self._mapping_result(PATH_GET_SOLAR_SUPPLY, _ref(device).identity())
        return [
            SolarSupplyTime.parse(item)
            for item in as_list(result.get("solarSupplyTimeList"))
            if isinstance(item, Mapping)
        ]

    async def async_set_solar_supply_time(
        self,
        device: DeviceRef | Device,
        *,
        start: tuple[int, int],
        end: tuple[int, int],
        on: bool,
        load_num: str | None = None,
    ) -> None:
        """Set one load's supply schedule; times are (hour, minute)."""
        for hour, minute in (start, end):
            if not (0 <= hour <= 23 and 0 <= minute <= 59):
                raise ValueError("times must be (0-23, 0-59)")
        payload: dict[str, Any] = {
            **_ref(device).identity(),
            "startTimeHour": start[0],
            "startTimeMin": start[1],
            "endTimeHour": end[0],
            "endTimeMin": end[1],
            "status": "on" if on else "off",
        }
        if load_num is not None:
            payload["supplyLoadNum"] = load_num
        await self.async_call(PATH_SET_SOLAR_SUPPLY, payload)

    async def async_get_solar_metrics(
        self, device: DeviceRef | Device, start_ms: int, end_ms: int
    ) -> dict[str, list[tuple[int, float]]]:
        """Hourly battery % and input/output W (at most 24 h within the last 31 days)."""
        result = await self._mapping_result(
            PATH_SOLAR_METRICS,
            {
                **_ref(device).identity(),
                "event": "solarPowerSystem",
                "metricList": list(SOLAR_METRICS),
                # The document types both as strings of milliseconds.
                "startTime": str(start_ms),
                "endTime": str(end_ms),
            },
        )
        return parse_metric_values(as_mapping(result.get("metricValueList")))

    # IPC and NVR configuration

    async def async_manual_timing(
        self, device: DeviceRef | Device, when: int | None = None
    ) -> None:
        """Switch the device to manual time and set it (default: the cloud's clock)."""
        await self.async_call(
            PATH_MANUAL_TIMING,
            {**_ref(device).to_payload(), "time": self._timestamp() if when is None else when},
        )

    async def async_get_timing_reboot(self, device: DeviceRef | Device) -> TimingReboot:
        """The scheduled reboot of an IPC or NVR."""
        result = await self._mapping_result(PATH_GET_TIMING_REBOOT, _ref(device).to_payload())
        return TimingReboot.parse(result)

    async def async_set_timing_reboot(
        self,
        device: DeviceRef | Device,
        enabled: bool,
        *,
        time_of_day: str | None = None,
        day: int | None = None,
    ) -> None:
        """Schedule reboots at ``HH:MM:SS`` on ``day`` (0 daily, 1-7 Monday-Sunday)."""
        payload: dict[str, Any] = {**_ref(device).to_payload(), "ifOpen": enabled}
        if enabled and (time_of_day is None or day is None):
            raise ValueError("a schedule needs a time and a day")
        if time_of_day is not None:
            if not _REBOOT_TIME_RE.match(time_of_day):
                raise ValueError("the time must be HH:MM:SS")
            payload["time"] = time_of_day
        if day is not None:
            if not 0 <= day <= 7:
                raise ValueError("the day must be 0-7")
            payload["day"] = day
        await self.async_call(PATH_SET_TIMING_REBOOT, payload)

    async def async_get_sd_cards(self, device: DeviceRef | Device) -> list[SdCard]:
        """SD cards of an IPC (or the disks of the NVR behind a channel)."""
        result = await self._mapping_result(PATH_SD_CARDS, _ref(device).to_payload())
        return [
            SdCard.parse(item)
            for item in as_list(result.get("cardInfoList"))
            if isinstance(item, Mapping)
        ]

    async def async_format_sd_card(self, device: DeviceRef | Device, index: int) -> None:
        """Format one card (for an NVR channel: the NVR's disk)."""
        await self.async_call(
            PATH_FORMAT_SD_CARD, {**_ref(device).to_payload(), "cardIndex": index}
        )

    async def async_get_record_loop(self, device: DeviceRef | Device) -> bool | None:
        """Whether recording overwrites the oldest footage when the card is full."""
        result = await self._mapping_result(PATH_GET_RECORD_LOOP, _ref(device).to_payload())
        return as_bool(result.get("ifLoop"))

    async def async_set_record_loop(self, device: DeviceRef | Device, enabled: bool) -> None:
        """Turn loop recording on or off."""
        await self.async_call(
            PATH_SET_RECORD_LOOP, {**_ref(device).to_payload(), "ifLoop": enabled}
        )

    async def async_get_time_sync(self, device: DeviceRef | Device) -> TimeSync:
        """Time synchronisation mode and NTP server."""
        result = await self._mapping_result(PATH_GET_TIME_SYNC, _ref(device).to_payload())
        return TimeSync.parse(result)

    async def async_set_time_sync(
        self, device: DeviceRef | Device, mode: TimingMode | str, server: str | None = None
    ) -> None:
        """Set manual time or NTP (which needs a server)."""
        timing_mode = TimingMode(mode)
        payload: dict[str, Any] = {**_ref(device).to_payload(), "timingMode": str(timing_mode)}
        if timing_mode is TimingMode.NTP:
            if not server:
                raise ValueError("NTP needs a server")
            payload["serverIp"] = server
        await self.async_call(PATH_SET_TIME_SYNC, payload)

    async def async_get_ptz_reset_support(self, device: DeviceRef | Device) -> bool:
        """Whether the PTZ camera can return to its origin."""
        result = await self._mapping_result(PATH_PTZ_RESET_SUPPORT, _ref(device).to_payload())
        return as_bool(result.get("positionResetSupport")) is True

    async def async_get_capability(self, device: DeviceRef | Device) -> Capability:
        """The IPC's or NVR's capability set; a read, tried once more if it fails in passing."""
        return Capability.parse(
            as_mapping(await self._read(PATH_CAPABILITY, _ref(device).to_payload(child=False)))
        )

    async def async_reset_ptz(self, device: DeviceRef | Device) -> None:
        """Move the PTZ camera back to its origin."""
        await self.async_call(PATH_PTZ_RESET, _ref(device).to_payload())

    # Passenger flow (project-type applications only)

    async def async_get_passenger_flow_devices(self, region_id: str) -> list[Device]:
        """IPCs of a region that count passengers."""
        result = await self._mapping_result(PATH_PASSENGER_FLOW_DEVICES, {"regionId": region_id})
        return [
            device
            for item in as_list(result.get("deviceInfoList"))
            if (device := Device.parse(as_mapping(item)))
        ]

    async def async_get_device_passenger_flow(
        self,
        device: DeviceRef | Device,
        accuracy: PassengerFlowAccuracy | str,
        start: int,
        end: int,
    ) -> PassengerFlow:
        """Passenger totals of one IPC between two UNIX times (seconds)."""
        result = await self._mapping_result(
            PATH_DEVICE_PASSENGER_FLOW,
            {
                **_ref(device).to_payload(),
                "accuracy": str(PassengerFlowAccuracy(accuracy)),
                "startTime": start,
                "endTime": end,
            },
        )
        return PassengerFlow.parse(result)
