"""TUMS message push (document 1.4.6, 2026-08-31 revision), as the cloud sends it.

An independent implementation for the simulator: the message types of 1.4.6.5,
the body of 1.4.6.3 with the revision's fields (``qrCode`` beside ``qrcode``,
``parentQrCode``, ``parentMac``, ``channelId``, ``imageId``), and the signature:
a ``Signature`` header with the lowercase hex HMAC-SHA256 of the raw body under
the key set with ``setAppMsgPushSk``. Without a key, pushes go unsigned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
import hashlib
import hmac
import json
import random
from typing import Any, Final
import uuid

import aiohttp

from .state import DEVICE_TYPES, TumsDevice

SIGNATURE_HEADER: Final = "Signature"
SEND_TIMEOUT: Final = 10.0
SENT_KEPT: Final = 200

MONITOR: Final = "monitorAlarm"
VMS: Final = "vmsDeviceAlarm"
NMS: Final = "nmsDeviceAlarm"
CHARGING: Final = "chargingStationDeviceAlarm"

# msgContentType by msgType, table 1.4.6.5.
PUSH_TYPES: Final[Mapping[str, frozenset[str]]] = {
    MONITOR: frozenset(
        [
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
        ]
    ),
    VMS: frozenset(
        [
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
        ]
    ),
    NMS: frozenset(
        [
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
        ]
    ),
    CHARGING: frozenset(
        [
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
        ]
    ),
}
TYPE_FAMILY: Final[Mapping[str, str]] = {
    kind: family for family, kinds in PUSH_TYPES.items() for kind in kinds
}

# What the random generator sends, by device class (never online/offline: those
# follow the device's real state, see TumsSimulator.set_online).
_RANDOM_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    "ipc": (
        "movementDetected",
        "movementDetected",
        "humanDetected",
        "humanDetected",
        "vehicleDetected",
        "areaIntruded",
        "overstepingBoundaryDetected",
        "shadeDetected",
        "SDCardFull",
    ),
    "nvr": ("NVRHardDiskFull", "NVRHardDiskAbnormal", "PoEPortAbnormal", "abnormalLogin"),
    "solarPower": ("temperatureHighDetected", "underVoltageDetected", "simInsufficientFlow"),
    "chargingHub": ("overPowerDetected", "leakageCurrentDetected"),
}
_NETWORK_RANDOM: Final = ("nmsAccessException", "nmsAbnormalPort", "nmsTerminalException")
_NETWORK: Final = frozenset(
    {"router", "switch", "ac", "ap", "cpe", "firewall", "fiberConverter", "olt", "onu"}
)


def push_signature(key: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of the raw body."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def device_class(device: TumsDevice) -> str | None:
    """The class name of table 1.4.3.1-1, as the status messages spell it (``ipc``, ...)."""
    entry = DEVICE_TYPES.get(device.device_type)
    return entry[0] if entry else None


def status_type(device: TumsDevice, online: bool) -> tuple[str, str] | None:
    """(msgType, msgContentType) announcing a device going on or off line, if it has one."""
    name = device_class(device)
    kind = f"{name}Device{'Online' if online else 'Offline'}"
    family = TYPE_FAMILY.get(kind)
    return (family, kind) if family else None


def random_type(device: TumsDevice, rng: random.Random) -> tuple[str, str] | None:
    """A plausible alarm for the device, or None for classes that raise none here."""
    name = device_class(device)
    if name is None:
        return None
    choices = _RANDOM_TYPES.get(name) or (_NETWORK_RANDOM if name in _NETWORK else ())
    if not choices:
        return None
    kind = rng.choice(choices)
    return TYPE_FAMILY[kind], kind


@dataclass(frozen=True, slots=True)
class SentPush:
    """One push as sent, and what the receiver answered (None: it could not be reached)."""

    url: str
    body: dict[str, Any]
    signed: bool
    status: int | None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        """For the admin API and the state dump."""
        return {
            "url": self.url,
            "body": self.body,
            "signed": self.signed,
            "status": self.status,
            "error": self.error,
        }


def build_message(
    device: TumsDevice,
    parent: TumsDevice | None,
    family: str,
    kind: str,
    now: float,
    msg_id: str | None = None,
) -> dict[str, Any]:
    """The body of 1.4.6.3 with the revision's fields; ``time`` is a string of seconds."""
    body: dict[str, Any] = {
        "qrcode": device.qr_code,
        "qrCode": device.qr_code,
        "mac": device.mac,
        "deviceName": device.name,
        "msgId": msg_id or uuid.uuid4().hex,
        "time": str(int(now)),
        "msgType": family,
        "msgContentType": [kind],
    }
    if parent is not None:
        body["parentQrCode"] = parent.qr_code
        body["parentMac"] = parent.mac
        body["channelId"] = device.channel_id
    if family == MONITOR:
        body["imageId"] = uuid.uuid4().hex[:16]
    return {key: value for key, value in body.items() if value is not None}


class PushSender:
    """Sends pushes to the subscribed URL and remembers the last ones."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self.sent: list[SentPush] = []

    async def send(self, url: str, body: dict[str, Any], key: str | None) -> SentPush:
        """POST the body, signed when a key is set; never raises."""
        raw = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if key:
            headers[SIGNATURE_HEADER] = push_signature(key, raw)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT))
        try:
            async with self._session.post(url, data=raw, headers=headers) as response:
                await response.read()
                result = SentPush(url, body, bool(key), response.status)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            result = SentPush(url, body, bool(key), None, type(err).__name__)
        self.sent = [*self.sent[-(SENT_KEPT - 1) :], result]
        return result

    async def close(self) -> None:
        """Release the HTTP session."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


async def run_generator(
    rate_per_minute: float,
    rng: random.Random,
    emit_random: Callable[[], Any],
    sleep: Callable[[float], Any] = asyncio.sleep,
) -> None:
    """Call ``emit_random`` at random intervals averaging ``rate_per_minute``, until cancelled."""
    while True:
        await sleep(rng.expovariate(rate_per_minute / 60.0))
        await emit_random()
