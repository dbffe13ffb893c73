"""Typed models and enumerations of the TUMS OpenAPI replies.

Parsing is tolerant: a field that is missing or of the wrong type becomes
``None`` rather than an exception. Only a reply whose overall shape is wrong
is refused, by the client.

Devices are addressed by their 17 character ``qrCode`` where they have one
(some network devices do not) and by MAC otherwise; every call that takes a
device accepts either and prefers ``qrCode`` when both are sent. Children are
addressed through their parent: NVR channels by the parent's identity plus
``channelId``, network sub-devices by the parent's identity plus ``childMac``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum
import re
from typing import Any

from ..client.parse import as_float, as_int, as_list, as_mapping, as_str

_OVERVIEW_RE = re.compile(r"^(all|online|error)(\w+)Num$")


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


class OperationMode(IntEnum):
    """Wireless working mode, table 1.4.3.1-3."""

    AP = 1
    CLIENT = 2
    REPEATER = 3
    BRIDGE = 4
    ROUTER = 5
    WISP = 6


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


class FlowAccuracy(StrEnum):
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


SOLAR_METRICS = ("batteryEnergyPercentage", "inputPowerInWatt", "outputPowerInWatt")


def _enum[E: IntEnum](enum: type[E], value: int | None) -> E | None:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        return None


def normalize_mac(value: Any) -> str | None:
    """A MAC in the API's form ``00-FF-00-17-00-18`` (upper case, dashes)."""
    text = as_str(value)
    if text is None:
        return None
    digits = re.sub(r"[^0-9A-Fa-f]", "", text)
    if len(digits) != 12:
        return text.strip().upper()
    return "-".join(digits[i : i + 2] for i in range(0, 12, 2)).upper()


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """How a call addresses a device: ``qrCode`` if known, else MAC.

    With ``channel_id`` or ``child_mac`` set, ``qr_code``/``mac`` name the
    parent and the call targets the child.
    """

    qr_code: str | None = None
    mac: str | None = None
    channel_id: int | None = None
    child_mac: str | None = None

    def __post_init__(self) -> None:
        if not self.qr_code and not self.mac:
            raise ValueError("a device needs a qrCode or a MAC")

    @property
    def key(self) -> str:
        """A stable identifier: qrCode (else MAC), plus the child part."""
        base = self.qr_code or self.mac or ""
        if self.channel_id is not None:
            return f"{base}:{self.channel_id}"
        if self.child_mac:
            return f"{base}:{self.child_mac}"
        return base

    def identity(self) -> dict[str, Any]:
        """``qrCode`` if known, else ``mac``: the API prefers qrCode anyway."""
        if self.qr_code:
            return {"qrCode": self.qr_code}
        return {"mac": self.mac}

    def to_payload(self, *, channel: bool = True, child: bool = True) -> dict[str, Any]:
        """The request fields; some calls take no ``channelId`` or ``childMac``."""
        payload = self.identity()
        if channel and self.channel_id is not None:
            payload["channelId"] = self.channel_id
        if child and self.child_mac:
            payload["childMac"] = self.child_mac
        return payload


@dataclass(frozen=True, slots=True)
class FailItem:
    """One entry of a batch call's ``failList``."""

    error_code: int | None
    qr_code: str | None
    mac: str | None
    channel_id: int | None
    child_mac: str | None
    alarm_type: int | None = None  # setEnableByAlarmType fails per device and type
    ref: DeviceRef | None = None  # the requested device it names, where known

    @property
    def key(self) -> str | None:
        """The same identifier as :attr:`DeviceRef.key`, where one can be built."""
        base = self.qr_code or self.mac
        if base is None:
            return None
        if self.channel_id is not None:
            return f"{base}:{self.channel_id}"
        if self.child_mac:
            return f"{base}:{self.child_mac}"
        return base

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FailItem:
        """Parse one failList entry."""
        return cls(
            error_code=as_int(data.get("error_code")),
            qr_code=as_str(data.get("qrCode")),
            mac=normalize_mac(data.get("mac")),
            channel_id=as_int(data.get("channelId")),
            child_mac=normalize_mac(data.get("childMac")),
            alarm_type=as_int(data.get("alarmType")),
        )


@dataclass(frozen=True, slots=True)
class Envelope:
    """A successful reply: ``result`` as sent, ``failList`` parsed, ``msg``."""

    result: Any
    fail_list: tuple[FailItem, ...] = ()
    msg: str | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """One entry of the device lists (1.4.3.10 and 1.4.3.11)."""

    qr_code: str | None
    mac: str | None
    name: str | None
    device_type: str | None
    model: str | None
    status_code: int | None
    ip: str | None
    firmware_version: str | None
    hardware_version: str | None
    region_id: str | None
    region_name: str | None
    open_type: OpenType | None
    open_status: OpenStatus | None
    channel_id: int | None
    parent_qr_code: str | None
    parent_mac: str | None
    children: tuple[Device, ...] = field(default=())

    @property
    def status(self) -> DeviceStatus | None:
        """The documented status, or None for an unknown value."""
        return _enum(DeviceStatus, self.status_code)

    @property
    def online(self) -> bool:
        """Reachable: every documented status but offline means the device answers."""
        return self.status_code is not None and self.status_code != DeviceStatus.OFFLINE

    @property
    def category(self) -> DeviceCategory | None:
        """The device class of table 1.4.3.1-1."""
        try:
            return DEVICE_TYPE_CATEGORY[DeviceType(self.device_type or "")]
        except ValueError:
            return None

    @property
    def is_child(self) -> bool:
        """An NVR channel or network sub-device, listed with its parent's identity."""
        return self.parent_qr_code is not None or self.parent_mac is not None

    @property
    def ref(self) -> DeviceRef:
        """How to address this device in calls.

        A child is addressed through its parent: with ``channelId`` when it is
        a video channel, else with ``childMac``.
        """
        if self.is_child:
            if self.channel_id is not None:
                return DeviceRef(self.parent_qr_code, self.parent_mac, channel_id=self.channel_id)
            return DeviceRef(self.parent_qr_code, self.parent_mac, child_mac=self.mac)
        # A directly bound IPC is listed with channelId 1, which the video calls want.
        return DeviceRef(self.qr_code, self.mac, channel_id=self.channel_id)

    @property
    def key(self) -> str:
        """A stable identifier: qrCode (else MAC); children ``parent:channel``/``parent:mac``."""
        if self.is_child:
            return self.ref.key
        return self.qr_code or self.mac or ""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Device | None:
        """Parse one list entry; None if it has neither qrCode nor MAC."""
        qr_code = as_str(data.get("qrCode"))
        mac = normalize_mac(data.get("mac"))
        # The passenger-flow example spells it parentQrcode.
        parent_qr = as_str(data.get("parentQrCode") or data.get("parentQrcode"))
        parent_mac = normalize_mac(data.get("parentMac"))
        if parent_qr == qr_code and parent_mac == mac:
            # The document's own example lists a directly bound IPC with
            # itself as parent; that is not a child.
            parent_qr = parent_mac = None
        if not (qr_code or mac or parent_qr or parent_mac):
            return None
        channel_id = as_int(data.get("channelId"))
        if channel_id is None and data.get("channelId") is not None:
            # Part of a channel's identity: guessing another would make it a new device.
            return None
        children: list[Device] = []
        for key in ("children", "childList", "childDeviceList"):
            children.extend(
                child for item in as_list(data.get(key)) if (child := cls.parse(as_mapping(item)))
            )
        return cls(
            qr_code=qr_code,
            mac=mac,
            name=as_str(data.get("deviceName") or data.get("devName")),
            device_type=as_str(data.get("deviceType")),
            model=as_str(data.get("deviceModel")),
            status_code=as_int(data.get("deviceStatus")),
            ip=as_str(data.get("ip")),
            firmware_version=as_str(data.get("firmwareVer") or data.get("firmwareVersion")),
            hardware_version=as_str(data.get("hardwareVer") or data.get("hardwareVersion")),
            region_id=as_str(data.get("regionId")),
            region_name=as_str(data.get("regionName")),
            open_type=_enum(OpenType, as_int(data.get("openType"))),
            open_status=_enum(OpenStatus, as_int(data.get("openStatus"))),
            channel_id=channel_id,
            parent_qr_code=parent_qr,
            parent_mac=parent_mac,
            children=tuple(children),
        )


type Target = tuple[DeviceRef, Device | None]


def _same_device(
    qr_code: str | None, mac: str | None, other_qr: str | None, other_mac: str | None
) -> bool:
    if qr_code and other_qr:
        return qr_code == other_qr
    return bool(mac and other_mac and mac == other_mac)


class TargetIndex:
    """The devices of one request, found by the identities a reply entry names.

    A batch reply names up to 100 devices; looking each up among candidates
    sharing its QR code or MAC keeps a fleet's replies linear, not quadratic.
    """

    def __init__(self, targets: Iterable[Target]) -> None:
        self._items = list(targets)
        self._by_id: dict[str, list[int]] = {}
        for position, (ref, device) in enumerate(self._items):
            names = {ref.qr_code, ref.mac}
            if device is not None:
                names |= {device.qr_code, device.mac}
            for name in names:
                if name:
                    self._by_id.setdefault(name, []).append(position)

    def match(
        self,
        qr_code: str | None,
        mac: str | None,
        channel_id: int | None = None,
        child_mac: str | None = None,
    ) -> DeviceRef | None:
        """The requested device a reply entry names, or None.

        failList entries echo what was sent (the parent plus ``channelId`` or
        ``childMac``), possibly without the channel; upgrade info names the device
        itself (an NVR channel by its own qrCode). Exact echoes win, then the
        device's own identity, then an echo that leaves the channel out.
        """
        # Only entries sharing the QR code or the MAC can be the same device.
        positions = sorted(
            {p for name in (qr_code, mac) if name for p in self._by_id.get(name, ())}
        )
        items = [self._items[p] for p in positions]
        for ref, _device in items:
            if (
                _same_device(qr_code, mac, ref.qr_code, ref.mac)
                and ref.channel_id == channel_id
                and ref.child_mac == child_mac
            ):
                return ref
        if child_mac is None:
            for ref, device in items:
                if (
                    device is not None
                    and _same_device(qr_code, mac, device.qr_code, device.mac)
                    and channel_id in (None, device.channel_id)
                ):
                    return ref
        for ref, _device in items:
            if (
                _same_device(qr_code, mac, ref.qr_code, ref.mac)
                and channel_id in (None, ref.channel_id)
                and child_mac in (None, ref.child_mac)
            ):
                return ref
        return None


def match_target(
    targets: Iterable[Target],
    qr_code: str | None,
    mac: str | None,
    channel_id: int | None = None,
    child_mac: str | None = None,
) -> DeviceRef | None:
    """The requested device a reply entry names, or None (see :meth:`TargetIndex.match`)."""
    return TargetIndex(targets).match(qr_code, mac, channel_id, child_mac)


def attach_children(devices: Iterable[Device]) -> list[Device]:
    """Top-level devices with the flat-listed children (``hasChild=1``) attached.

    Children whose parent is not in the list stay at the top level.
    """
    items = list(devices)
    parents: dict[str, int] = {}
    top: list[Device] = []
    adopted: dict[int, list[Device]] = {}
    for device in items:
        if device.is_child:
            continue
        index = len(top)
        top.append(device)
        for ident in (device.qr_code, device.mac):
            if ident:
                parents.setdefault(ident, index)
    for device in items:
        if not device.is_child:
            continue
        parent = parents.get(device.parent_qr_code or "")
        if parent is None:
            parent = parents.get(device.parent_mac or "")
        if parent is None:
            top.append(device)
            continue
        adopted.setdefault(parent, []).append(device)
    for index, children in adopted.items():
        top[index] = replace(top[index], children=(*top[index].children, *children))
    return top


@dataclass(frozen=True, slots=True)
class DevicePage:
    """One page of a device list."""

    total: int
    devices: tuple[Device, ...]
    raw_length: int
    # False when the reply's total was unusable and ``total`` only counts this page.
    total_reported: bool = True


@dataclass(frozen=True, slots=True)
class TypeCount:
    """Device counts of one class in getApplicationOverview."""

    total: int | None = None
    online: int | None = None
    error: int | None = None


@dataclass(frozen=True, slots=True)
class Overview:
    """getApplicationOverview (1.4.3.12): counts per device class.

    Keys are the class part of the field names (``router`` from
    ``allRouterNum``, ``fiberConverter``, ``nbsSpeaker``, ``chargingHub``…);
    only classes present in the application are sent.
    """

    counts: Mapping[str, TypeCount]

    @property
    def total(self) -> int:
        """Devices of every class."""
        return sum(count.total or 0 for count in self.counts.values())

    @property
    def online(self) -> int:
        """Online devices of every class."""
        return sum(count.online or 0 for count in self.counts.values())

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Overview:
        """Parse the result object, keeping any class the document may add later."""
        raw: dict[str, dict[str, int | None]] = {}
        for key, value in data.items():
            match = _OVERVIEW_RE.match(key) if isinstance(key, str) else None
            if match is None:
                continue
            kind, name = match.groups()
            name = name[0].lower() + name[1:]
            raw.setdefault(name, {})["total" if kind == "all" else kind] = as_int(value)
        return cls(counts={name: TypeCount(**values) for name, values in raw.items()})


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
        return _enum(UpgradeStatus, self.status_code)

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
        return _enum(SolarChargeStatus, self.status_code)

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
    """JSON booleans, also 0/1 numbers and strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    number = as_int(value)
    return None if number is None else number != 0


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
