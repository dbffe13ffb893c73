"""The Home Assistant-free half of TUMS push: types, parsing, signatures, replay window."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.cniot.tums.codes import DeviceCategory
from custom_components.cniot.tums.models import Device
from custom_components.cniot.tums.push import (
    CATEGORY_FAMILIES,
    CONTENT_TYPE_FAMILY,
    DETECTION_TYPES,
    EVENT_TYPES,
    FAMILY_TYPES,
    MAX_BODY_BYTES,
    PushMessage,
    PushMessageError,
    PushOutcome,
    PushReceiver,
    ReplayMemory,
    device_event_types,
    event_type,
    find_device,
    generate_push_key,
    parse_message,
    push_event_types,
    push_signature,
    signature_valid,
    status_change,
)

KEY = "k3yK3yk3yK3yk3yK3yk3yK3yk3yK3y12"
NOW = 1_790_000_000


def _body(**fields: Any) -> bytes:
    message: dict[str, Any] = {
        "qrcode": "799E562E7073C9A31",
        "mac": "00-FF-00-2C-9F-39",
        "deviceName": "TL-IPC43AN",
        "msgId": "123",
        "time": str(NOW),
        "msgType": "vmsDeviceAlarm",
        "msgContentType": ["NVRHardDiskAbnormal"],
    }
    message.update(fields)
    return json.dumps({k: v for k, v in message.items() if v is not None}).encode()


def _device(**fields: Any) -> Device:
    values: dict[str, Any] = dict.fromkeys(Device.__dataclass_fields__)
    values["children"] = ()
    values.update(fields)
    return Device(**values)


# -- types --------------------------------------------------------------------------------


def test_document_tables() -> None:
    """The four families of 1.4.6.5, each type once, every type with its own event type."""
    assert {family: len(kinds) for family, kinds in FAMILY_TYPES.items()} == {
        "monitorAlarm": 28,
        "vmsDeviceAlarm": 22,
        "nmsDeviceAlarm": 30,
        "chargingStationDeviceAlarm": 25,
    }
    assert len(CONTENT_TYPE_FAMILY) == 105
    assert len(EVENT_TYPES) == 105
    assert set(FAMILY_TYPES["monitorAlarm"]) >= DETECTION_TYPES
    for kind in EVENT_TYPES:
        # Translation keys: lower case, digits and single underscores.
        assert kind == kind.lower()
        assert "__" not in kind
        assert not kind.startswith("_")
        assert not kind.endswith("_")


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("movementDetected", "movement_detected"),
        ("timing", "timing"),
        ("NVRHardDiskLost", "nvr_hard_disk_lost"),
        ("SDCardFull", "sd_card_full"),
        ("PoEPortPowerOverLimit", "poe_port_power_over_limit"),
        ("RTCTimeException", "rtc_time_exception"),
        ("nbsSpeakerDeviceOnline", "nbs_speaker_device_online"),
        ("brandNewAlarm2", "brand_new_alarm_2"),
    ],
)
def test_event_type(content_type: str, expected: str) -> None:
    """msgContentType in snake case, acronyms kept whole."""
    assert event_type(content_type) == expected


def test_status_change() -> None:
    """Online and offline messages of every class, and nothing else."""
    assert status_change("ipcDeviceOnline") is True
    assert status_change("solarPowerDeviceOffline") is False
    assert status_change("networkControllerDeviceOnline") is True
    assert status_change("movementDetected") is None
    assert status_change("gadgetDeviceOnline") is None


def test_device_event_types() -> None:
    """A class's families, with only its own status messages."""
    camera = device_event_types(DeviceCategory.IPC)
    assert camera[0] == "timing"
    assert {"movement_detected", "sd_card_full", "ipc_device_online"} <= set(camera)
    assert "nvr_device_online" not in camera
    ap = device_event_types(DeviceCategory.AP)
    assert {"ap_device_online", "ap_device_offline", "nms_adjust"} <= set(ap)
    assert "router_device_online" not in ap
    assert device_event_types(DeviceCategory.SENSOR) == []
    assert device_event_types(None) == []
    assert set(CATEGORY_FAMILIES) < set(DeviceCategory)
    # An NVR channel without a type is a camera.
    channel = _device(parent_qr_code="NVR", channel_id=2)
    assert push_event_types(channel) == camera
    assert push_event_types(_device(qr_code="X")) == []


# -- keys and signatures ------------------------------------------------------------------


def test_push_key() -> None:
    """32 letters or digits, different every time."""
    keys = {generate_push_key() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert len(key) == 32
        assert key.isascii()
        assert key.isalnum()


def test_signature() -> None:
    """Lowercase hex HMAC-SHA256 of the raw body; case and whitespace of the header ignored."""
    body = _body()
    expected = hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()
    assert push_signature(KEY, body) == expected
    assert signature_valid(KEY, body, expected)
    assert signature_valid(KEY, body, f" {expected.upper()} ")
    assert not signature_valid(KEY, body, None)
    assert not signature_valid(KEY, body, "")
    assert not signature_valid(KEY, body + b" ", expected)
    assert not signature_valid("other", body, expected)


# -- parsing -------------------------------------------------------------------------------


def test_parse_document_example() -> None:
    """The example of 1.4.6.3."""
    message = parse_message(_body())
    assert message == PushMessage(
        qr_code="799E562E7073C9A31",
        mac="00-FF-00-2C-9F-39",
        device_name="TL-IPC43AN",
        msg_id="123",
        time=NOW,
        msg_type="vmsDeviceAlarm",
        content_types=("NVRHardDiskAbnormal",),
    )
    assert message.as_dict() == {
        "qrCode": "799E562E7073C9A31",
        "mac": "00-FF-00-2C-9F-39",
        "deviceName": "TL-IPC43AN",
        "msgId": "123",
        "time": NOW,
        "msgType": "vmsDeviceAlarm",
        "msgContentType": ["NVRHardDiskAbnormal"],
    }


def test_parse_revision_fields() -> None:
    """qrCode beside qrcode, the parent and channel of an NVR channel alarm, the image."""
    message = parse_message(
        _body(
            qrcode=None,
            qrCode="8D0C7977C1A200002",
            mac="5c:e9:31:2a:21:02",
            parentQrCode="8D0C79779B2407B23",
            parentMac="5ce9312a2000",
            channelId=2,
            imageId="img-1",
            msgId=42,
            time=NOW * 1000,
            msgContentType="movementDetected",
        )
    )
    assert message.qr_code == "8D0C7977C1A200002"
    assert message.mac == "5C-E9-31-2A-21-02"
    assert message.parent_qr_code == "8D0C79779B2407B23"
    assert message.parent_mac == "5C-E9-31-2A-20-00"
    assert message.channel_id == 2
    assert message.image_id == "img-1"
    assert message.msg_id == "42"
    assert message.time == NOW
    assert message.content_types == ("movementDetected",)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"{", "not JSON"),
        (b'"text"', "not a JSON object"),
        (_body(qrcode=None, mac=None), "no device identity"),
        (_body(time=None), "no time"),
        (_body(time="soon"), "no time"),
        (_body(time=0), "no time"),
        (_body(msgType=""), "no msgType"),
        (_body(msgContentType=[]), "no msgContentType"),
        (_body(msgContentType=[" ", None]), "no msgContentType"),
        (_body(msgContentType={"a": 1}), "no msgContentType"),
    ],
)
def test_parse_refuses(body: bytes, reason: str) -> None:
    """What a message needs: an identity, a time, a type and its content types."""
    with pytest.raises(PushMessageError, match=reason):
        parse_message(body)


def test_dedupe_key() -> None:
    """The id where there is one; else what stays the same when a message is resent."""
    assert parse_message(_body()).dedupe_key == "id:123"
    first = parse_message(_body(msgId=None))
    again = parse_message(_body(msgId=None, deviceName="renamed"))
    later = parse_message(_body(msgId=None, time=str(NOW + 1)))
    assert first.dedupe_key == again.dedupe_key
    assert first.dedupe_key != later.dedupe_key


# -- routing -------------------------------------------------------------------------------

NVR = _device(qr_code="NVRQR", mac="AA-00-00-00-00-01", device_type="NETWORKVIDEORECORDER")
CHANNEL = _device(
    qr_code="CHQR2",
    mac="AA-00-00-00-00-02",
    parent_qr_code="NVRQR",
    parent_mac="AA-00-00-00-00-01",
    channel_id=2,
)
ROUTER = _device(qr_code=None, mac="AA-00-00-00-00-03", device_type="SMBROUTER")
# A sub-device reporting the router's MAC must not shadow the router.
SUB = _device(mac="AA-00-00-00-00-03", parent_mac="AA-00-00-00-00-09")
DEVICES = {d.key: d for d in (NVR, CHANNEL, SUB, ROUTER)}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"qrcode": None, "mac": None, "parentQrCode": "nvrqr", "channelId": 2}, CHANNEL),
        ({"qrcode": None, "mac": None, "parentMac": "aa0000000001", "channelId": 2}, CHANNEL),
        ({"qrcode": "NVRQR", "mac": None, "channelId": 2}, CHANNEL),
        ({"qrcode": "NVRQR", "mac": None, "channelId": 9}, NVR),
        ({"qrcode": None, "mac": None, "parentQrCode": "NVRQR", "channelId": 9}, NVR),
        ({"qrcode": "CHQR2", "mac": None}, CHANNEL),
        ({"qrcode": None, "mac": "aa-00-00-00-00-03"}, ROUTER),
        ({"qrcode": "UNKNOWN", "mac": "AA-00-00-00-00-01"}, NVR),
        ({"qrcode": "UNKNOWN", "mac": "AA-00-00-00-00-99"}, None),
    ],
)
def test_find_device(fields: dict[str, Any], expected: Device | None) -> None:
    """Channel alarms by parent and channel; others by qrCode, then MAC."""
    assert find_device(DEVICES, parse_message(_body(**fields))) == expected


# -- receiving -----------------------------------------------------------------------------


def _receive(
    receiver: PushReceiver, body: bytes, now: float = NOW, signature: str | None = "sign"
) -> PushOutcome:
    header = push_signature(KEY, body) if signature == "sign" else signature
    outcome, _message = receiver.receive(body, header, now)
    return outcome


def test_receiver_order_of_checks() -> None:
    """Size before signature before shape before age before duplicates."""
    receiver = PushReceiver(KEY)
    oversized = _body(padding="x" * MAX_BODY_BYTES)
    assert _receive(receiver, oversized) is PushOutcome.OVERSIZED
    assert _receive(receiver, b"{", signature=None) is PushOutcome.UNSIGNED
    assert _receive(receiver, b"{", signature="00") is PushOutcome.BAD_SIGNATURE
    assert _receive(receiver, b"{") is PushOutcome.MALFORMED
    assert _receive(receiver, _body(), now=NOW + 601) is PushOutcome.STALE
    # Dated more than a minute ahead of the cloud's clock: refused (D4).
    assert _receive(receiver, _body(), now=NOW - 61) is PushOutcome.STALE
    assert _receive(receiver, _body(), now=NOW + 600) is PushOutcome.ACCEPTED
    assert _receive(receiver, _body(), now=NOW + 600) is PushOutcome.DUPLICATE
    assert dict(receiver.counters) == {
        "oversized": 1,
        "unsigned": 1,
        "bad_signature": 1,
        "malformed": 1,
        "stale": 2,
        "accepted": 1,
        "duplicate": 1,
    }
    assert [o.http_status for o in PushOutcome] == [200, 413, 401, 401, 200, 200, 200]


def test_receiver_remembers_until_stale() -> None:
    """Ids are kept until their message is too old to be accepted, and no more than the bound."""
    receiver = PushReceiver(KEY, memory=ReplayMemory(max_ids=3))
    for n in range(3):
        assert _receive(receiver, _body(msgId=f"a{n}"), now=NOW + n) is PushOutcome.ACCEPTED
    assert receiver.remembered == 3
    # A fourth pushes the oldest out.
    assert _receive(receiver, _body(msgId="a3"), now=NOW + 3) is PushOutcome.ACCEPTED
    assert receiver.remembered == 3
    assert _receive(receiver, _body(msgId="a0"), now=NOW + 4) is PushOutcome.ACCEPTED
    # Messages dated NOW are stale after NOW + 600: their ids go with the next sweep.
    late = _body(msgId="late", time=str(NOW + 603))
    assert _receive(receiver, late, now=NOW + 603.5) is PushOutcome.ACCEPTED
    assert receiver.remembered == 1
    assert _receive(receiver, late, now=NOW + 700) is PushOutcome.DUPLICATE
    assert _receive(receiver, late, now=NOW + 1300) is PushOutcome.STALE


def test_future_dated_message_not_replayable() -> None:
    """A message dated ahead is remembered until it is stale, not for 600 s from its arrival.

    Before, a body dated +590 s was accepted at t, forgotten at t + 601 and accepted again.
    """
    receiver = PushReceiver(KEY)
    ahead = _body(msgId="ahead", time=str(NOW + 50))
    assert _receive(receiver, ahead, now=NOW) is PushOutcome.ACCEPTED
    for later in (300, 601, 649):
        assert _receive(receiver, ahead, now=NOW + later) is PushOutcome.DUPLICATE
    assert _receive(receiver, ahead, now=NOW + 651) is PushOutcome.STALE
    # The same without an id: recognised by its content.
    anonymous = _body(msgId=None, time=str(NOW + 30))
    assert _receive(receiver, anonymous, now=NOW) is PushOutcome.ACCEPTED
    assert _receive(receiver, anonymous, now=NOW + 620) is PushOutcome.DUPLICATE


def test_replay_memory_saved_and_loaded() -> None:
    """What one receiver accepted, another refuses once the memory is saved and loaded."""
    changes: list[int] = []
    memory = ReplayMemory()
    memory.on_change = lambda: changes.append(len(memory))
    first = PushReceiver(KEY, memory=memory)
    assert _receive(first, _body(msgId="once")) is PushOutcome.ACCEPTED
    assert _receive(first, _body(msgId="old", time=str(NOW - 590))) is PushOutcome.ACCEPTED
    assert changes == [1, 2]
    saved = json.loads(json.dumps(memory.as_dict(NOW + 20)))
    assert saved == {"id:once": NOW + 600}

    restored = ReplayMemory()
    # Storage may hold anything: only (id, time) pairs still valid are taken.
    restored.load({**saved, "id:bad": "x", "id:flag": True, "id:gone": NOW - 1, 7: NOW}, NOW + 20)
    restored.load(["not", "a", "mapping"], NOW + 20)
    assert len(restored) == 1
    second = PushReceiver(KEY, memory=restored)
    assert _receive(second, _body(msgId="once"), now=NOW + 20) is PushOutcome.DUPLICATE
    assert _receive(second, _body(msgId="twice"), now=NOW + 20) is PushOutcome.ACCEPTED

    bounded = ReplayMemory(max_ids=1)
    bounded.load({"id:a": NOW + 10, "id:b": NOW + 20}, NOW)
    assert len(bounded) == 1


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_every_event_type_translated(language: str) -> None:
    """Event entity states, device triggers and the motion sensor's attribute, all named."""
    path = (
        Path(__file__).parents[2]
        / "custom_components"
        / "cniot"
        / "translations"
        / f"{language}.json"
    )
    strings = json.loads(path.read_text(encoding="utf-8"))
    event = strings["entity"]["event"]["tums_push"]["state_attributes"]["event_type"]["state"]
    assert set(event) == set(EVENT_TYPES)
    assert set(strings["device_automation"]["trigger_type"]) == set(EVENT_TYPES)
    detection = strings["entity"]["binary_sensor"]["detection"]["state_attributes"]["detection"]
    assert set(detection["state"]) == {event_type(kind) for kind in DETECTION_TYPES}
    assert all(text.strip() for text in event.values())
