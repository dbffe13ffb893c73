"""Typed models of the TUMS OpenAPI's device replies: devices, pages, the overview.

Parsing is tolerant: a field that is missing or of the wrong type becomes
``None`` rather than an exception. Only a reply whose overall shape is wrong
is refused, by the client.

Devices are addressed by their 17 character ``qrCode`` where they have one
(some network devices do not) and by MAC otherwise; every call that takes a
device accepts either and prefers ``qrCode`` when both are sent. Children are
addressed through their parent: NVR channels by the parent's identity plus
``channelId``, network sub-devices by the parent's identity plus ``childMac``.

The code lists are in codes.py, the polling tiers' models in tier_models.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
import re
from typing import Any

from ..client.parse import as_int, as_list, as_mapping, as_str
from ..plausible import clean_name, plausible_channel, plausible_id
from .codes import (
    DEVICE_TYPE_CATEGORY,
    DeviceCategory,
    DeviceStatus,
    DeviceType,
    OpenStatus,
    OpenType,
    enum_or_none,
)

_OVERVIEW_RE = re.compile(r"^(all|online|error)(\w+)Num$")


def normalize_mac(value: Any) -> str | None:
    """A MAC in the API's form ``00-FF-00-17-00-18`` (upper case, dashes).

    Otherwise the identifier as given (upper case), if it is a plausible one.
    """
    text = plausible_id(value)
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
    # Nested child entries (at any depth) that had no usable identity.
    skipped_children: int = 0

    @property
    def nested_entries(self) -> int:
        """Child entries listed under this one, at any depth, readable or not."""
        return self.skipped_children + sum(1 + child.nested_entries for child in self.children)

    @property
    def nested_skipped(self) -> int:
        """Child entries under this one, at any depth, skipped as unreadable."""
        return self.skipped_children + sum(child.nested_skipped for child in self.children)

    @property
    def status(self) -> DeviceStatus | None:
        """The documented status, or None for an unknown value."""
        return enum_or_none(DeviceStatus, self.status_code)

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
        # Identities make devices: a float (1e40), a bool, an object or text with
        # control characters is none.
        qr_code = plausible_id(data.get("qrCode"))
        mac = normalize_mac(data.get("mac"))
        # The passenger-flow example spells it parentQrcode.
        parent_qr = plausible_id(data.get("parentQrCode") or data.get("parentQrcode"))
        parent_mac = normalize_mac(data.get("parentMac"))
        if parent_qr == qr_code and parent_mac == mac:
            # The document's own example lists a directly bound IPC with
            # itself as parent; that is not a child.
            parent_qr = parent_mac = None
        if not (qr_code or mac or parent_qr or parent_mac):
            return None
        raw_channel = data.get("channelId")
        channel_id = plausible_channel(raw_channel)
        if channel_id is None and raw_channel not in (None, 0, "0"):
            # Part of a channel's identity (1..1024): -2 or 1e40 would make a new device.
            return None
        children: list[Device] = []
        skipped = 0
        for key in ("children", "childList", "childDeviceList"):
            for item in as_list(data.get(key)):
                if (child := cls.parse(as_mapping(item))) is None:
                    skipped += 1
                else:
                    children.append(child)
        return cls(
            qr_code=qr_code,
            mac=mac,
            name=clean_name(data.get("deviceName") or data.get("devName")),
            device_type=as_str(data.get("deviceType")),
            model=as_str(data.get("deviceModel")),
            status_code=as_int(data.get("deviceStatus")),
            ip=as_str(data.get("ip")),
            firmware_version=as_str(data.get("firmwareVer") or data.get("firmwareVersion")),
            hardware_version=as_str(data.get("hardwareVer") or data.get("hardwareVersion")),
            region_id=as_str(data.get("regionId")),
            region_name=clean_name(data.get("regionName")),
            open_type=enum_or_none(OpenType, as_int(data.get("openType"))),
            open_status=enum_or_none(OpenStatus, as_int(data.get("openStatus"))),
            channel_id=channel_id,
            parent_qr_code=parent_qr,
            parent_mac=parent_mac,
            children=tuple(children),
            skipped_children=skipped,
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
