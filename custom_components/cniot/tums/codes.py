"""The TUMS OpenAPI's codes: enumerations and the tables that go with them.

A data table of the vendor document's code lists (device types and categories,
statuses, upgrade and failure codes, alarm types), with the lookup helper.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, StrEnum


class ApplicationType(StrEnum):
    """The two kinds of TUMS application; each has its own device list call."""

    DEVICE = "device"
    PROJECT = "project"


class DeviceCategory(StrEnum):
    """Device classes of table 1.4.3.1-1 (the names in brackets there)."""

    ROUTER = "router"
    SWITCH = "switch"
    AC = "ac"
    AP = "ap"
    CPE = "cpe"
    FIREWALL = "firewall"
    FIBER_CONVERTER = "fiberConverter"
    NVR = "nvr"
    IPC = "ipc"
    DECODER = "decoder"
    SENSOR = "sensor"
    OLT = "olt"
    ONU = "onu"
    SOLAR_POWER = "solarPower"
    SPEAKER = "speaker"
    PARKING_CAPTURE = "parkingCapture"
    CHARGING_STATION = "chargingStation"
    VPS = "vps"


class DeviceType(StrEnum):
    """``deviceType`` values of table 1.4.3.1-1 (device MIC types)."""

    SMBWIRELESSROUTER = "SMBWIRELESSROUTER"
    SMBROUTER = "SMBROUTER"
    WIRELESSROUTER = "WIRELESSROUTER"
    SMARTSWITCH = "SMARTSWITCH"
    L3MANAGEDSWITCH = "L3MANAGEDSWITCH"
    L2MANAGEDSWITCH = "L2MANAGEDSWITCH"
    L1_CHASSISSWITCH = "L1-CHASSISSWITCH"
    L2_CHASSISSWITCH = "L2-CHASSISSWITCH"
    AC = "AC"
    AP = "AP"
    WALLJACKAP = "WALLJACKAP"
    CEILINGMOUNTAP = "CEILINGMOUNTAP"
    DESKTOPAP = "DESKTOPAP"
    OUTDOORAP = "OUTDOORAP"
    SMARTHOME_SMBAP = "SMARTHOME.SMBAP"
    INDUSTRIALAP = "INDUSTRIALAP"
    STICKAP = "STICKAP"
    CPE = "CPE"
    BSCPE = "BSCPE"
    MOTORCPE = "MOTORCPE"
    IPCCPE = "IPCCPE"
    CPEBS = "CPEBS"
    INDUSTRIALCPE = "INDUSTRIALCPE"
    SMBFIREWALL = "SMBFIREWALL"
    SMBFIBERCONVERTER = "SMBFIBERCONVERTER"
    NETWORKVIDEORECORDER = "NETWORKVIDEORECORDER"
    SURVEILLANCECAMERA = "SURVEILLANCECAMERA"
    NETWORKVIDEODECODER = "NETWORKVIDEODECODER"
    SMB_WALLPLUGSENSOR = "SMB.WALLPLUGSENSOR"
    SMB_PONOLT = "SMB.PONOLT"
    SMB_PONONU = "SMB.PONONU"
    VIDEO_SOLARPOWER = "VIDEO.SOLARPOWER"
    AUDIODEVICE_SPEAKER = "AUDIODEVICE.SPEAKER"
    VIDEO_PARKING_CAPTURE = "VIDEO.PARKING.CAPTURE"
    PARKINGINTEGRATIONCAMERA = "PARKINGINTEGRATIONCAMERA"
    CHARGINGSTATION = "CHARGINGSTATION"
    VIDEO_PARKING_SERVER = "VIDEO.PARKING.SERVER"


_T = DeviceType
_C = DeviceCategory
DEVICE_TYPE_CATEGORY: Mapping[DeviceType, DeviceCategory] = {
    **dict.fromkeys((_T.SMBWIRELESSROUTER, _T.SMBROUTER, _T.WIRELESSROUTER), _C.ROUTER),
    **dict.fromkeys(
        (
            _T.SMARTSWITCH,
            _T.L3MANAGEDSWITCH,
            _T.L2MANAGEDSWITCH,
            _T.L1_CHASSISSWITCH,
            _T.L2_CHASSISSWITCH,
        ),
        _C.SWITCH,
    ),
    _T.AC: _C.AC,
    **dict.fromkeys(
        (
            _T.AP,
            _T.WALLJACKAP,
            _T.CEILINGMOUNTAP,
            _T.DESKTOPAP,
            _T.OUTDOORAP,
            _T.SMARTHOME_SMBAP,
            _T.INDUSTRIALAP,
            _T.STICKAP,
        ),
        _C.AP,
    ),
    **dict.fromkeys((_T.CPE, _T.BSCPE, _T.MOTORCPE, _T.IPCCPE, _T.CPEBS, _T.INDUSTRIALCPE), _C.CPE),
    _T.SMBFIREWALL: _C.FIREWALL,
    _T.SMBFIBERCONVERTER: _C.FIBER_CONVERTER,
    _T.NETWORKVIDEORECORDER: _C.NVR,
    _T.SURVEILLANCECAMERA: _C.IPC,
    _T.NETWORKVIDEODECODER: _C.DECODER,
    _T.SMB_WALLPLUGSENSOR: _C.SENSOR,
    _T.SMB_PONOLT: _C.OLT,
    _T.SMB_PONONU: _C.ONU,
    _T.VIDEO_SOLARPOWER: _C.SOLAR_POWER,
    _T.AUDIODEVICE_SPEAKER: _C.SPEAKER,
    _T.VIDEO_PARKING_CAPTURE: _C.PARKING_CAPTURE,
    _T.PARKINGINTEGRATIONCAMERA: _C.PARKING_CAPTURE,
    _T.CHARGINGSTATION: _C.CHARGING_STATION,
    _T.VIDEO_PARKING_SERVER: _C.VPS,
}


class DeviceStatus(IntEnum):
    """``deviceStatus``, table 1.4.3.1-2."""

    OFFLINE = 0
    ONLINE = 1
    REBOOTING = 2
    UPGRADING = 3
    CONFIGURING = 4
    SYNCING = 5
    WAITING_TO_UPGRADE = 6


class OpenType(IntEnum):
    """``openType`` of the device lists."""

    GENERAL = 0
    VIDEO = 1


class OpenStatus(IntEnum):
    """``openStatus``: whether the device may be used through the OpenAPI."""

    RESTRICTED = 0  # 受限关闭: most calls on the device are refused
    TRIAL = 1
    PAID = 2


class UpgradeStatus(IntEnum):
    """``upgradeStatus`` of getDeviceUpgradeInfo, table 1.4.3.24-1."""

    NOT_UPGRADING = 0
    UPGRADING = 1
    CHECKING = 2
    IMPORTING = 3
    SUCCEEDED = 4
    DOWNLOADING = 5
    WAITING_TO_UPGRADE = 6
    WAITING_TO_CHECK = 7
    NO_NEW_VERSION = -1  # no upgrade version found
    SYSTEM_BUSY = -2
    UNKNOWN_ERROR = -3
    NO_SPACE = -4
    CONNECTION_FAILED = -5  # could not connect to the device
    FILE_NOT_SUPPORTED = -6  # the file does not fit this device
    DOWNLOAD_FAILED = -7
    TIMED_OUT = -8
    VERIFY_FAILED = -9  # firmware verification failed
    CHECK_FAILED = -10  # checking for a new version failed
    NOT_SUPPORTED = -11  # the device cannot be upgraded

    @property
    def failed(self) -> bool:
        """Negative values are failures."""
        return self.value < 0

    @property
    def in_progress(self) -> bool:
        """An upgrade (or its check, download or wait) is under way."""
        return self.value > 0 and self is not UpgradeStatus.SUCCEEDED


UPGRADE_FAILURE_MESSAGES: Mapping[UpgradeStatus, str] = {
    UpgradeStatus.NO_NEW_VERSION: "no upgrade version found",
    UpgradeStatus.SYSTEM_BUSY: "system busy",
    UpgradeStatus.UNKNOWN_ERROR: "unknown error",
    UpgradeStatus.NO_SPACE: "not enough space",
    UpgradeStatus.CONNECTION_FAILED: "could not connect to the device",
    UpgradeStatus.FILE_NOT_SUPPORTED: "the file does not support this device",
    UpgradeStatus.DOWNLOAD_FAILED: "the device could not download the firmware",
    UpgradeStatus.TIMED_OUT: "the upgrade timed out",
    UpgradeStatus.VERIFY_FAILED: "firmware verification failed",
    UpgradeStatus.CHECK_FAILED: "checking for a new version failed",
    UpgradeStatus.NOT_SUPPORTED: "the device does not support upgrades",
}


class SolarChargeStatus(IntEnum):
    """Solar power system state, table 1.4.3.1-5 and 1.4.4.19.

    0-2 are normal, 3 special, 4-7 faults; the device reports the worst.
    """

    NOT_CHARGING = 0
    CHARGING = 1
    CHARGED = 2
    SMART_HEATING = 3
    COLD_NO_CHARGE = 4
    COLD_NO_CHARGE_DISCHARGE = 5
    HOT_NO_CHARGE = 6
    HOT_NO_CHARGE_DISCHARGE = 7

    @property
    def is_fault(self) -> bool:
        """A temperature protection state."""
        return self.value >= SolarChargeStatus.COLD_NO_CHARGE


class StreamType(StrEnum):
    """``streamType`` of requestStreamUrl (1.4.5.2)."""

    VIDEO = "video"  # live preview
    SDVOD = "sdvod"  # playback
    DTSPK = "dtspk"  # two-way audio


class StreamResolution(IntEnum):
    """``resolution`` of requestStreamUrl (1.4.5.2), live preview only."""

    VGA = 0
    QVGA = 1
    HD = 2
    THIRD = 3


class SdCardStatus(StrEnum):
    """``status`` of getDeviceSdCardInfo (1.4.4.10)."""

    NONE = "none"  # no card
    UNFORMATTED = "unformatted"  # must be formatted before use
    NORMAL = "normal"
    INSUFFICIENT = "insufficient"  # card too small


class TimingMode(StrEnum):
    """Time synchronisation mode of IPCs and NVRs (1.4.4.14)."""

    MANUAL = "manual"
    NTP = "ntp"


class PassengerFlowAccuracy(StrEnum):
    """Period of the passenger-flow totals (1.4.7.5)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class AlarmType(IntEnum):
    """Event (alarm) types of section 1.4.8.1."""

    MOTION = 2
    VIDEO_TAMPERING = 3
    LINE_CROSSING = 4
    INTRUSION = 5
    REGION_ENTRANCE = 6
    REGION_EXIT = 7
    LOITERING = 8
    PEOPLE_GATHERING = 9
    FAST_MOVING = 10
    PARKING = 11
    OBJECT_LEFT = 12
    OBJECT_REMOVED = 13
    EXTERNAL_SENSOR = 18
    PERSON = 20
    VEHICLE = 22
    OBJECT_LEFT_OR_REMOVED = 23
    E_BIKE = 29
    POST_SUPERVISION = 40


def enum_or_none[E: IntEnum](enum: type[E], value: int | None) -> E | None:
    """The member for a code, or None for a missing or unknown one."""
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        return None
