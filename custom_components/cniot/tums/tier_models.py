"""Typed models of what the TUMS polling tiers read.

Firmware, solar, settings, passenger flow and capabilities; parsing is as tolerant
as models.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import re
from typing import Any

from ..client.parse import as_float, as_int, as_list, as_mapping, as_str
from ..plausible import plausible_bool
from .codes import (
    SdCardStatus,
    SolarChargeStatus,
    UpgradeStatus,
    enum_or_none,
)
from .models import DeviceRef, FailItem, normalize_mac

SOLAR_METRICS = ("batteryEnergyPercentage", "inputPowerInWatt", "outputPowerInWatt")


@dataclass(frozen=True, slots=True)
class FirmwareInfo:
    """``newFwInfo``: the newest firmware available."""

    version: str | None
    release_date: str | None
    release_log: str | None
    release_log_url: str | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FirmwareInfo | None:
        """None when no new firmware is described."""
        if not data:
            return None
        return cls(
            version=as_str(data.get("fwVersion")),
            release_date=as_str(data.get("releaseDate")),
            release_log=as_str(data.get("releaseLog")),
            release_log_url=as_str(data.get("releaseLogUrl")),
        )


@dataclass(frozen=True, slots=True)
class UpgradeInfo:
    """One entry of getDeviceUpgradeInfo (1.4.3.24)."""

    qr_code: str | None
    mac: str | None
    channel_id: int | None
    child_mac: str | None
    name: str | None
    current_version: str | None
    new_firmware: FirmwareInfo | None
    download_progress: int | None
    upgrade_progress: int | None
    status_code: int | None
    ref: DeviceRef | None = None  # the requested device it describes, where known

    @property
    def status(self) -> UpgradeStatus | None:
        """The documented status, or None for an unknown value."""
        return enum_or_none(UpgradeStatus, self.status_code)

    @property
    def update_available(self) -> bool:
        """A newer firmware than the running one is known."""
        new = self.new_firmware.version if self.new_firmware else None
        return bool(new) and new != self.current_version

    @property
    def key(self) -> str | None:
        """The same identifier as :attr:`DeviceRef.key`, where one can be built."""
        return FailItem(None, self.qr_code, self.mac, self.channel_id, self.child_mac).key

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> UpgradeInfo:
        """Parse one list entry."""
        return cls(
            qr_code=as_str(data.get("qrCode")),
            mac=normalize_mac(data.get("mac")),
            channel_id=as_int(data.get("channelId")),
            child_mac=normalize_mac(data.get("childMac")),
            name=as_str(data.get("deviceName")),
            current_version=as_str(data.get("curFirmwareVer")),
            new_firmware=FirmwareInfo.parse(as_mapping(data.get("newFwInfo"))),
            download_progress=as_int(data.get("downloadProgress")),
            upgrade_progress=as_int(data.get("upgradeProgress")),
            status_code=as_int(data.get("upgradeStatus")),
        )


@dataclass(frozen=True, slots=True)
class UpgradeReport:
    """getDeviceUpgradeInfo over one or more batches."""

    infos: tuple[UpgradeInfo, ...]
    failures: tuple[FailItem, ...]


@dataclass(frozen=True, slots=True)
class SolarPower:
    """querySolarPower (1.4.4.19); the API sends every number as a string."""

    status_code: int | None
    battery: float | None  # % of the fullest battery
    env_temperature: float | None
    input_power: float | None  # W
    output_power: float | None  # W

    @property
    def status(self) -> SolarChargeStatus | None:
        """The documented state, or None for an unknown value."""
        return enum_or_none(SolarChargeStatus, self.status_code)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SolarPower:
        """Parse the result object."""
        return cls(
            status_code=as_int(data.get("status")),
            battery=as_float(data.get("batteryStatus")),
            env_temperature=as_float(data.get("envTemp")),
            input_power=as_float(data.get("inputWatt")),
            output_power=as_float(data.get("outputWatt")),
        )


@dataclass(frozen=True, slots=True)
class PushConfig:
    """getAppMsgPushConfig (1.4.6.2): where device messages are pushed."""

    app_id: str | None
    server_url: str | None
    enabled: bool
    msg_types: tuple[str, ...]  # empty: every message type

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> PushConfig:
        """Parse the result object."""
        return cls(
            app_id=as_str(data.get("appId")),
            server_url=as_str(data.get("serverUrl")),
            enabled=as_int(data.get("openMsgTransport")) == 1,
            msg_types=tuple(
                text for item in as_list(data.get("msgContentType")) if (text := as_str(item))
            ),
        )


def as_bool(value: Any) -> bool | None:
    """JSON booleans, also 0/1 numbers and strings; anything else is unknown."""
    return plausible_bool(value)


@dataclass(frozen=True, slots=True)
class TimingReboot:
    """Scheduled reboot of an IPC or NVR (1.4.4.5)."""

    enabled: bool | None
    time: str | None  # "03:00:00"
    day: int | None  # 0 every day, 1-7 Monday to Sunday

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> TimingReboot:
        """Parse the result object."""
        return cls(
            enabled=as_bool(data.get("ifOpen")),
            time=as_str(data.get("time")),
            day=as_int(data.get("day")),
        )


@dataclass(frozen=True, slots=True)
class SdCard:
    """One card (or NVR disk) of getDeviceSdCardInfo (1.4.4.10)."""

    index: int | None
    permission: str | None  # rw, w or r
    total_space: str | None  # with unit, "3.5G"
    free_space: str | None
    record_duration: int | None  # seconds recorded
    record_start: int | None  # earliest recording, seconds since the epoch
    status_text: str | None

    @property
    def total_gb(self) -> float | None:
        """Capacity in GB (decimal units, as the device reports them)."""
        return size_in_gb(self.total_space)

    @property
    def free_gb(self) -> float | None:
        """Free space in GB."""
        return size_in_gb(self.free_space)

    @property
    def status(self) -> SdCardStatus | None:
        """The documented status, or None for an unknown value."""
        try:
            return SdCardStatus(self.status_text or "")
        except ValueError:
            return None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SdCard:
        """Parse one ``cardInfoList`` entry."""
        return cls(
            index=as_int(data.get("index")),
            permission=as_str(data.get("permission")),
            total_space=as_str(data.get("totalSpace")),
            free_space=as_str(data.get("freeSpace")),
            record_duration=as_int(data.get("recordDuration")),
            record_start=as_int(data.get("recordStartTime")),
            status_text=as_str(data.get("status")),
        )


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$", re.IGNORECASE)
_SIZE_SCALE = {"": 1e-9, "K": 1e-6, "M": 1e-3, "G": 1.0, "T": 1e3}


def size_in_gb(text: str | None) -> float | None:
    """Sizes such as "3.5G", "512M" or "1.8T" in GB; None for anything else."""
    match = _SIZE_RE.match(text or "")
    if match is None:
        return None
    return round(float(match.group(1)) * _SIZE_SCALE[match.group(2).upper()], 3)


@dataclass(frozen=True, slots=True)
class TimeSync:
    """Time synchronisation of an IPC or NVR (1.4.4.14)."""

    mode: str | None  # see TimingMode
    server: str | None  # NTP server

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> TimeSync:
        """Parse the result object."""
        return cls(mode=as_str(data.get("timingMode")), server=as_str(data.get("serverIp")))


@dataclass(frozen=True, slots=True)
class SolarSupplyTime:
    """One load's supply schedule of a solar power system (1.4.4.20)."""

    start_hour: int | None
    start_minute: int | None
    end_hour: int | None
    end_minute: int | None
    on: bool | None
    load_num: str | None  # absent with a single load

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SolarSupplyTime:
        """Parse one ``solarSupplyTimeList`` entry (numbers are sent as strings)."""
        status = as_str(data.get("status"))
        return cls(
            start_hour=as_int(data.get("startTimeHour")),
            start_minute=as_int(data.get("startTimeMin")),
            end_hour=as_int(data.get("endTimeHour")),
            end_minute=as_int(data.get("endTimeMin")),
            on=None if status not in ("on", "off") else status == "on",
            load_num=as_str(data.get("supplyLoadNum")),
        )


def parse_metric_values(data: Mapping[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """``metricValueList`` of getMetricValue (1.4.4.23): metric -> [(ms, value)]."""
    series: dict[str, list[tuple[int, float]]] = {}
    for metric, points in data.items():
        values: list[tuple[int, float]] = []
        for point in as_list(points):
            if not isinstance(point, list) or len(point) != 2:
                continue
            when, value = as_int(point[0]), as_float(point[1])
            if when is not None and value is not None:
                values.append((when, value))
        series[str(metric)] = values
    return series


@dataclass(frozen=True, slots=True)
class PassengerFlow:
    """queryDeviceSingleFlow (1.4.7.5): totals of the period and the one before."""

    current_in: int | None
    current_out: int | None
    current_pass: int | None
    last_in: int | None
    last_out: int | None
    last_pass: int | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> PassengerFlow:
        """Parse the result object."""
        return cls(
            current_in=as_int(data.get("currentTotalInFlow")),
            current_out=as_int(data.get("currentTotalOutFlow")),
            current_pass=as_int(data.get("currentTotalPassFlow")),
            last_in=as_int(data.get("lastTotalInFlow")),
            last_out=as_int(data.get("lastTotalOutFlow")),
            last_pass=as_int(data.get("lastTotalPassFlow")),
        )


@dataclass(frozen=True, slots=True)
class Capability:
    """An IPC's or NVR's capability set (1.4.3.16, tables 1.4.3.2-1 and -2)."""

    fields: Mapping[str, Any]

    def supports(self, name: str) -> bool:
        """A flag of "1", or a non-empty list; a missing field or "0" is not supported."""
        value = self.fields.get(name)
        if isinstance(value, list):
            return bool(value)
        return as_str(value) == "1"

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Capability:
        """Parse the result object (its ``capability``)."""
        return cls(fields=dict(as_mapping(data.get("capability"))))
