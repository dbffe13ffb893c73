"""Xlink models: datapoint validation and decoding, tolerant parsing of replies."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.cniot.xlink.models import (
    Datapoint,
    DatapointValueError,
    DataType,
    DeviceValues,
    TokenSet,
    XlinkDevice,
    as_bool,
    as_time,
)


def _point(data_type: DataType, **kwargs: Any) -> Datapoint:
    return Datapoint(index=1, name="p", data_type=data_type, readable=True, writable=True, **kwargs)


def test_validate_every_type() -> None:
    assert _point(DataType.BOOL).validate(1) is True
    assert _point(DataType.UINT8).validate(255.0) == 255
    assert _point(DataType.INT16).validate(-5) == -5
    assert _point(DataType.FLOAT, minimum=0, maximum=1).validate(0.5) == 0.5
    assert _point(DataType.STRING).validate("文本") == "文本"
    assert _point(DataType.BYTES).validate("0A 0b") == "0a0b"
    assert _point(DataType.BYTES).validate([1, 255]) == "01ff"
    refusals = [
        (_point(DataType.BOOL), 2, "type"),
        (_point(DataType.UINT8), 256, "range"),
        (_point(DataType.UINT8), -1, "range"),
        (_point(DataType.UINT16), 1.5, "type"),
        (_point(DataType.UINT32), True, "type"),
        (_point(DataType.INT32), "5", "type"),
        (_point(DataType.FLOAT, minimum=0, maximum=1), 2, "range"),
        (_point(DataType.STRING), 5, "type"),
        (_point(DataType.STRING), "x" * 256, "text_length"),
        (_point(DataType.BYTES), "abc", "type"),
        (_point(DataType.BYTES), "zz", "type"),
        (_point(DataType.BYTES), [256], "type"),
        (_point(DataType.BYTES), "00" * 128, "length"),
        (Datapoint(1, "r", DataType.BOOL, True, False), True, "read_only"),
    ]
    for point, value, reason in refusals:
        with pytest.raises(DatapointValueError) as err:
            point.validate(value)
        assert err.value.reason == reason, (point, value)


def test_datapoint_parsing_and_decoding() -> None:
    parsed = Datapoint.parse(
        {"index": "3", "type": 2, "is_write": 1, "min": 0, "max": 0, "field_name": "speed"}
    )
    assert parsed is not None
    assert parsed.name == "speed"
    assert parsed.writable
    assert parsed.bounds == (0, 255)
    assert Datapoint.parse({"index": 1, "type": 12}) is None
    assert Datapoint.parse({"index": -1, "type": 1}) is None
    assert Datapoint.parse({"type": 1}) is None
    described = Datapoint.parse({"index": 0, "type": 1, "descrption": "typo"})
    assert described is not None
    assert described.description == "typo"
    assert _point(DataType.BOOL).decode("1") is True
    assert _point(DataType.BOOL).decode("maybe") is None
    assert _point(DataType.UINT8).decode("7") == 7
    assert _point(DataType.UINT8).decode(7.5) is None
    assert _point(DataType.FLOAT).decode(3.0) == 3
    assert _point(DataType.FLOAT).decode("n/a") is None
    assert _point(DataType.STRING).decode(5) is None
    assert _point(DataType.BYTES).decode("0A") == "0a"
    assert _point(DataType.BYTES).decode([10, 11]) == "0a0b"
    assert _point(DataType.BYTES).decode("xyz") is None
    assert _point(DataType.BOOL).decode(None) is None


def test_device_and_value_parsing() -> None:
    device = XlinkDevice.parse({"id": "12", "firmware": 7, "is_online": 1}, "pid")
    assert device is not None
    assert (device.device_id, device.firmware_version, device.online) == (12, "7", True)
    assert XlinkDevice.parse({"id": 1}, None) is None
    assert XlinkDevice.parse({"id": "x"}, "pid") is None
    values = DeviceValues.parse({"device_id": 5, "online": "true", "0": 1, "ip": "x"})
    assert values is not None
    assert values.values == {"0": 1}
    assert DeviceValues.parse({"online": True}) is None
    assert as_time("2015-10-09T08:15:40.843Z") is not None
    assert as_time(1_790_000_000) is not None
    assert as_time("garbage") is None
    assert as_time("2015-10-09T08:15:40") is not None
    assert as_bool(2) is None
    assert TokenSet.from_json({"refresh_token": "x"}) is None
    restored = TokenSet.from_json({"access_token": "a", "lifetime": -1, "user_id": "5"})
    assert restored is not None
    assert (restored.lifetime, restored.user_id) == (None, 5)
