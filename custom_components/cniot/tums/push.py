"""TUMS message push (1.4.6): message types, parsing, signatures, replay defence.

Independent of Home Assistant. The cloud POSTs one JSON message per event to
the subscribed URL; since the 2026-08-31 revision it signs the raw body with
the application's push key (``setAppMsgPushSk``) in a ``Signature`` header:
lowercase hex HMAC-SHA256(key, body). :class:`PushReceiver` checks the size,
the signature, the shape, the age and duplicates of each body, in that order;
:class:`ReplayMemory` holds the accepted message ids for their whole validity window
and can be saved, so that a captured push is refused after a reload or restart too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import hashlib
import hmac
import json
import re
import secrets
import string
from typing import Any, Final

from ..client.parse import as_int, as_str
from ..plausible import clean_name, plausible_channel, plausible_id
from .codes import DeviceCategory
from .models import Device, normalize_mac

SIGNATURE_HEADER: Final = "Signature"
MAX_BODY_BYTES: Final = 64 * 1024
# Older messages are dropped; a message id is remembered until its message is this old.
MAX_AGE_SECONDS: Final = 600.0
# Messages dated further ahead of the cloud's clock are refused: the cloud's clock is
# known to the second (HTTP Date), and a message is sent after it happened.
MAX_FUTURE_SECONDS: Final = 60.0
# How often expired ids are swept out (each lookup also checks the expiry).
_SWEEP_SECONDS: Final = 60.0
# Bound on remembered ids, should a signed sender flood us with unique ones.
MAX_REMEMBERED_IDS: Final = 10_000
PUSH_KEY_LENGTH: Final = 32
_PUSH_KEY_ALPHABET: Final = string.ascii_letters + string.digits

FAMILY_MONITOR: Final = "monitorAlarm"
FAMILY_VMS: Final = "vmsDeviceAlarm"
FAMILY_NMS: Final = "nmsDeviceAlarm"
FAMILY_CHARGING: Final = "chargingStationDeviceAlarm"

# msgContentType values of each msgType, in the order of 1.4.6.5.
FAMILY_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    FAMILY_MONITOR: (
        "timing",
        "wanderingDetected",
        "movementDetected",
        "crowdDetected",
        "shadeDetected",
        "fastMoving",
        "overstepingBoundaryDetected",
        "parkingDetected",
        "areaIntruded",
        "itemsLeftBehind",
        "enterArea",
        "itemsTaken",
        "leaveArea",
        "audioAbnormal",
        "defocusDetected",
        "sceneChanged",
        "faceDetected",
        "externalDeviceAlarm",
        "videoLost",
        "videoMessage",
        "humanDetected",
        "vehicleDetected",
        "itemsLeftAndTaken",
        "cryDetected",
        "highAltitudeThrowing",
        "electromobileDetected",
        "someBodyPass",
        "videoRecover",
    ),
    FAMILY_VMS: (
        "nvrDeviceOnline",
        "nvrDeviceOffline",
        "ipcDeviceOnline",
        "ipcDeviceOffline",
        "vpsDeviceOnline",
        "vpsDeviceOffline",
        "decoderDeviceOnline",
        "decoderDeviceOffline",
        "nbsSpeakerDeviceOnline",
        "nbsSpeakerDeviceOffline",
        "SDCardLost",
        "SDCardFull",
        "NVRHardDiskLost",
        "NVRHardDiskFull",
        "SDCardAbnormal",
        "NVRHardDiskAbnormal",
        "abnormalLogin",
        "PoEPortAbnormal",
        "PoEPortPowerOverLimit",
        "PoEChipTemperatureAbnormal",
        "PoETotalPowerOverLimit",
        "flowExceedsThreshold",
    ),
    FAMILY_NMS: (
        "cpeDeviceOnline",
        "cpeDeviceOffline",
        "acDeviceOnline",
        "acDeviceOffline",
        "apDeviceOnline",
        "apDeviceOffline",
        "switchDeviceOnline",
        "switchDeviceOffline",
        "firewallDeviceOnline",
        "firewallDeviceOffline",
        "routerDeviceOnline",
        "routerDeviceOffline",
        "fiberConverterDeviceOnline",
        "fiberConverterDeviceOffline",
        "oltDeviceOnline",
        "oltDeviceOffline",
        "onuDeviceOnline",
        "onuDeviceOffline",
        "networkControllerDeviceOnline",
        "networkControllerDeviceOffline",
        "nmsOtherException",
        "nmsAccessException",
        "nmsConfigException",
        "nmsDeviceException",
        "nmsNetworkSafety",
        "nmsSystemUpgrade",
        "nmsDeviceOperate",
        "nmsAdjust",
        "nmsAbnormalPort",
        "nmsTerminalException",
    ),
    FAMILY_CHARGING: (
        "chargingHubDeviceOnline",
        "chargingHubDeviceOffline",
        "solarPowerDeviceOnline",
        "solarPowerDeviceOffline",
        "spearheadConnectionAbnormalDetected",
        "meterCommunicationFailureDetected",
        "relayFailureDetected",
        "temperatureLowDetected",
        "temperatureHighDetected",
        "leakageCurrentDetected",
        "overPowerDetected",
        "overVoltageDetected",
        "underVoltageDetected",
        "overFrequencyDetected",
        "underFrequencyDetected",
        "phaseSequenceAbnormalDetected",
        "downToEarthAbnormal",
        "insulationResistanceAbnormalDetected",
        "RTCTimeException",
        "simInsufficientFlow",
        "outputPowerOverload",
        "emergencyShutdown",
        "shortCircuitException",
        "checkPointException",
        "internalCommunicationException",
    ),
}

# The detections that drive a camera's motion sensor: motion, person, vehicle,
# intrusion and line crossing.
DETECTION_TYPES: Final = frozenset(
    {
        "movementDetected",
        "humanDetected",
        "vehicleDetected",
        "areaIntruded",
        "overstepingBoundaryDetected",
    }
)

_C = DeviceCategory
# The device class each ``<prefix>DeviceOnline``/``Offline`` message is about
# (network controllers have no class in table 1.4.3.1-1).
STATUS_PREFIX_CATEGORY: Final[Mapping[str, DeviceCategory | None]] = {
    "nvr": _C.NVR,
    "ipc": _C.IPC,
    "vps": _C.VPS,
    "decoder": _C.DECODER,
    "nbsSpeaker": _C.SPEAKER,
    "cpe": _C.CPE,
    "ac": _C.AC,
    "ap": _C.AP,
    "switch": _C.SWITCH,
    "firewall": _C.FIREWALL,
    "router": _C.ROUTER,
    "fiberConverter": _C.FIBER_CONVERTER,
    "olt": _C.OLT,
    "onu": _C.ONU,
    "networkController": None,
    "chargingHub": _C.CHARGING_STATION,
    "solarPower": _C.SOLAR_POWER,
}

# Which message families concern a device class. Video devices hear about
# their own status, storage and PoE (vms); cameras also their detections.
CATEGORY_FAMILIES: Final[Mapping[DeviceCategory, tuple[str, ...]]] = {
    _C.IPC: (FAMILY_MONITOR, FAMILY_VMS),
    _C.PARKING_CAPTURE: (FAMILY_MONITOR, FAMILY_VMS),
    # Channel alarms of an NVR whose channel is not listed land on the NVR.
    _C.NVR: (FAMILY_MONITOR, FAMILY_VMS),
    _C.VPS: (FAMILY_VMS,),
    _C.DECODER: (FAMILY_VMS,),
    _C.SPEAKER: (FAMILY_VMS,),
    **dict.fromkeys(
        (
            _C.ROUTER,
            _C.SWITCH,
            _C.AC,
            _C.AP,
            _C.CPE,
            _C.FIREWALL,
            _C.FIBER_CONVERTER,
            _C.OLT,
            _C.ONU,
        ),
        (FAMILY_NMS,),
    ),
    _C.CHARGING_STATION: (FAMILY_CHARGING,),
    _C.SOLAR_POWER: (FAMILY_CHARGING,),
}

_STATUS_RE = re.compile(r"^(\w+?)Device(Online|Offline)$")
_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def event_type(content_type: str) -> str:
    """The Home Assistant event type of a msgContentType: snake case.

    ``movementDetected`` → ``movement_detected``, ``NVRHardDiskLost`` →
    ``nvr_hard_disk_lost``; PoE is one word (``poe_port_abnormal``).
    """
    text = content_type.replace("PoE", "Poe")
    return "_".join(word.lower() for word in _WORD_RE.findall(text))


CONTENT_TYPE_FAMILY: Final[Mapping[str, str]] = {
    kind: family for family, kinds in FAMILY_TYPES.items() for kind in kinds
}
# Every known event type, back to its msgContentType.
EVENT_TYPES: Final[Mapping[str, str]] = {event_type(kind): kind for kind in CONTENT_TYPE_FAMILY}


def status_change(content_type: str) -> bool | None:
    """True for an online message, False for an offline one, else None."""
    match = _STATUS_RE.match(content_type)
    if match is None or match.group(1) not in STATUS_PREFIX_CATEGORY:
        return None
    return match.group(2) == "Online"


def _status_category(content_type: str) -> DeviceCategory | None:
    match = _STATUS_RE.match(content_type)
    return STATUS_PREFIX_CATEGORY.get(match.group(1)) if match else None


def device_event_types(category: DeviceCategory | None) -> list[str]:
    """Event types a device of this class can receive, in document order.

    The families of its class, less the online/offline messages of other classes.
    """
    families = CATEGORY_FAMILIES.get(category) if category is not None else None
    if not families:
        return []
    return [
        event_type(kind)
        for family in families
        for kind in FAMILY_TYPES[family]
        if status_change(kind) is None or _status_category(kind) is category
    ]


def push_event_types(device: Device) -> list[str]:
    """Event types of one device; an NVR channel is a camera whatever its type says."""
    category = device.category
    if category is None and device.is_child and device.channel_id is not None:
        category = DeviceCategory.IPC
    return device_event_types(category)


# -- keys and signatures -------------------------------------------------------------


def generate_push_key() -> str:
    """A random push key: 32 letters or digits, the most setAppMsgPushSk allows."""
    return "".join(secrets.choice(_PUSH_KEY_ALPHABET) for _ in range(PUSH_KEY_LENGTH))


def push_signature(key: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of the raw body under the push key."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(key: str, body: bytes, signature: str | None) -> bool:
    """Whether the header matches the body (hex case does not matter)."""
    if not signature:
        return False
    return hmac.compare_digest(push_signature(key, body), signature.strip().lower())


# -- messages ------------------------------------------------------------------------


class PushMessageError(ValueError):
    """A body that is not a message of 1.4.6.3."""


@dataclass(frozen=True, slots=True)
class PushMessage:
    """One pushed message (1.4.6.3, with the 2026-08-31 fields)."""

    qr_code: str | None
    mac: str | None
    device_name: str | None
    msg_id: str | None
    time: int
    msg_type: str
    content_types: tuple[str, ...]
    parent_qr_code: str | None = None
    parent_mac: str | None = None
    channel_id: int | None = None
    image_id: str | None = None

    @property
    def dedupe_key(self) -> str:
        """The message id; without one, what stays the same when a message is resent."""
        if self.msg_id:
            return f"id:{self.msg_id}"
        parts = (
            self.qr_code,
            self.mac,
            self.parent_qr_code,
            self.parent_mac,
            self.channel_id,
            self.time,
            self.msg_type,
            ",".join(self.content_types),
        )
        return "hash:" + hashlib.sha256(repr(parts).encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        """The message for event data, in the API's field names."""
        data: dict[str, Any] = {
            "qrCode": self.qr_code,
            "mac": self.mac,
            "deviceName": self.device_name,
            "msgId": self.msg_id,
            "time": self.time,
            "msgType": self.msg_type,
            "msgContentType": list(self.content_types),
            "parentQrCode": self.parent_qr_code,
            "parentMac": self.parent_mac,
            "channelId": self.channel_id,
            "imageId": self.image_id,
        }
        return {key: value for key, value in data.items() if value is not None}


def _strings(value: Any) -> tuple[str, ...]:
    # The document says array; a single string is taken as one type.
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        return ()
    return tuple(text for item in items if (text := as_str(item)) and text.strip())


def parse_message(body: bytes) -> PushMessage:
    """Parse a pushed body; PushMessageError says what is wrong with it."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise PushMessageError("not JSON") from err
    if not isinstance(data, Mapping):
        raise PushMessageError("not a JSON object")
    # The first document spells it qrcode; the 2026-08-31 revision also qrCode.
    qr_code = plausible_id(data.get("qrCode")) or plausible_id(data.get("qrcode"))
    mac = normalize_mac(data.get("mac"))
    parent_qr = plausible_id(data.get("parentQrCode")) or plausible_id(data.get("parentQrcode"))
    parent_mac = normalize_mac(data.get("parentMac"))
    if not (qr_code or mac or parent_qr or parent_mac):
        raise PushMessageError("no device identity")
    # Seconds as a string in the document; a number, or milliseconds, are taken too.
    stamp = as_int(data.get("time"))
    if stamp is None or stamp <= 0:
        raise PushMessageError("no time")
    if stamp >= 10**12:
        stamp //= 1000
    msg_type = as_str(data.get("msgType"))
    if not msg_type:
        raise PushMessageError("no msgType")
    content_types = _strings(data.get("msgContentType"))
    if not content_types:
        raise PushMessageError("no msgContentType")
    msg_id = data.get("msgId")
    return PushMessage(
        qr_code=qr_code,
        mac=mac,
        device_name=clean_name(data.get("deviceName")),
        msg_id=str(msg_id) if isinstance(msg_id, str | int) and str(msg_id) else None,
        time=stamp,
        msg_type=msg_type,
        content_types=content_types,
        parent_qr_code=parent_qr,
        parent_mac=parent_mac,
        channel_id=plausible_channel(data.get("channelId")),
        image_id=as_str(data.get("imageId")),
    )


# -- routing -------------------------------------------------------------------------


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.casefold() == b.casefold())


def find_device(devices: Mapping[str, Device], message: PushMessage) -> Device | None:
    """The listed device a message is about, or None.

    An NVR channel alarm names the NVR (``parentQrCode``/``parentMac``, or in
    older bodies ``qrcode``/``mac``) and the ``channelId``; the channel is the
    device. Otherwise the device's own qrCode, then its MAC. A channel that is
    not listed leaves the alarm with its NVR.
    """
    listed = list(devices.values())
    if message.channel_id is not None:
        has_parent = bool(message.parent_qr_code or message.parent_mac)
        parent_qr = message.parent_qr_code if has_parent else message.qr_code
        parent_mac = message.parent_mac if has_parent else message.mac
        for device in listed:
            if (
                device.is_child
                and device.channel_id == message.channel_id
                and (
                    _same(device.parent_qr_code, parent_qr) or _same(device.parent_mac, parent_mac)
                )
            ):
                return device
    for device in listed:
        if _same(device.qr_code, message.qr_code):
            return device
    # MACs: a top-level device before a child that reports the same address.
    for device in sorted(listed, key=lambda d: d.is_child):
        if _same(device.mac, message.mac):
            return device
    for device in listed:
        if not device.is_child and (
            _same(device.qr_code, message.parent_qr_code) or _same(device.mac, message.parent_mac)
        ):
            return device
    return None


# -- receiving -----------------------------------------------------------------------


class PushOutcome(StrEnum):
    """What became of one pushed body; the values are the diagnostics counters."""

    ACCEPTED = "accepted"
    OVERSIZED = "oversized"
    UNSIGNED = "unsigned"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"
    STALE = "stale"
    DUPLICATE = "duplicate"

    @property
    def http_status(self) -> int:
        """What the sender is told: refusals say why, drops look like success."""
        if self is PushOutcome.OVERSIZED:
            return 413
        if self in (PushOutcome.UNSIGNED, PushOutcome.BAD_SIGNATURE):
            return 401
        return 200


class ReplayMemory:
    """Accepted message ids, each until the end of its message's validity window.

    Lives as long as the entry (not its setup), and is saved by the caller when
    ``on_change`` says so: a message accepted once is refused until it is stale anyway.
    """

    def __init__(self, max_ids: int = MAX_REMEMBERED_IDS) -> None:
        """Remember at most ``max_ids`` ids; the earliest accepted go first."""
        self._max_ids = max_ids
        # dedupe key -> the cloud time after which its message is stale; insertion order.
        self._expires: dict[str, float] = {}
        self._next_sweep = 0.0
        self.on_change: Callable[[], None] | None = None

    def seen(self, key: str, now: float) -> bool:
        """Whether the id was accepted and its message is not yet stale."""
        expires = self._expires.get(key)
        return expires is not None and expires >= now

    def add(self, key: str, expires: float, now: float) -> None:
        """Remember an accepted id until ``expires`` (the cloud's clock)."""
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP_SECONDS
            self._expires = {k: t for k, t in self._expires.items() if t >= now}
        self._expires.pop(key, None)
        self._expires[key] = expires
        while len(self._expires) > self._max_ids:
            del self._expires[next(iter(self._expires))]
        if self.on_change is not None:
            self.on_change()

    def as_dict(self, now: float) -> dict[str, float]:
        """The ids still worth keeping, for storage."""
        return {key: expires for key, expires in self._expires.items() if expires >= now}

    def load(self, stored: object, now: float) -> None:
        """Take back saved ids (whatever the storage holds: only valid pairs count)."""
        if not isinstance(stored, Mapping):
            return
        for key, expires in stored.items():
            if (
                isinstance(key, str)
                and isinstance(expires, int | float)
                and not isinstance(expires, bool)
                and expires >= now
                and key not in self._expires
            ):
                self._expires[key] = float(expires)
        while len(self._expires) > self._max_ids:
            del self._expires[next(iter(self._expires))]

    def __len__(self) -> int:
        """How many ids are held (expired ones until the next sweep)."""
        return len(self._expires)


class PushReceiver:
    """Checks pushed bodies against one push key, refusing ids already accepted."""

    def __init__(
        self,
        key: str,
        *,
        memory: ReplayMemory | None = None,
        max_age: float = MAX_AGE_SECONDS,
        max_future: float = MAX_FUTURE_SECONDS,
    ) -> None:
        """Accept bodies signed with ``key``, at most ``max_age`` seconds old."""
        self._key = key
        self._max_age = max_age
        self._max_future = max_future
        self.memory = memory if memory is not None else ReplayMemory()
        self.counters: Counter[str] = Counter()

    def receive(
        self, body: bytes, signature: str | None, now: float
    ) -> tuple[PushOutcome, PushMessage | None]:
        """Check one body; ``now`` is the cloud's clock in seconds."""
        outcome, message = self._check(body, signature, now)
        self.counters[outcome] += 1
        return outcome, message

    def _check(
        self, body: bytes, signature: str | None, now: float
    ) -> tuple[PushOutcome, PushMessage | None]:
        if len(body) > MAX_BODY_BYTES:
            return PushOutcome.OVERSIZED, None
        if not signature:
            return PushOutcome.UNSIGNED, None
        if not signature_valid(self._key, body, signature):
            return PushOutcome.BAD_SIGNATURE, None
        try:
            message = parse_message(body)
        except PushMessageError:
            return PushOutcome.MALFORMED, None
        # Too old to be news, or dated ahead of the cloud's clock by more than its skew.
        if now - message.time > self._max_age or message.time - now > self._max_future:
            return PushOutcome.STALE, message
        key = message.dedupe_key
        if self.memory.seen(key, now):
            return PushOutcome.DUPLICATE, message
        # Kept until the message turns stale: no replay can fall in between.
        self.memory.add(key, message.time + self._max_age, now)
        return PushOutcome.ACCEPTED, message

    @property
    def remembered(self) -> int:
        """How many message ids are remembered now."""
        return len(self.memory)
