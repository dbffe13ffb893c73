"""Plausible values only (plausible.py): the shared rules, and property tests over the
gateway and TUMS parsers with the entities' value functions: no state leaves its bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime
import json
import logging
import math
from types import SimpleNamespace
from typing import Any
import unicodedata

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.cniot.datapoints.describe import Point, describe
from custom_components.cniot.datapoints.entity import (
    PLATFORM_CLASSES,
    DatapointBinarySensor,
    DatapointDevice,
    DatapointSelect,
    DatapointSwitch,
    DatapointText,
)
from custom_components.cniot.gateway.coordinator import GatewayData
from custom_components.cniot.gateway.descriptions import (
    CHANNEL_SENSORS,
    GATEWAY_BINARY_SENSORS,
    GATEWAY_SENSORS,
)
from custom_components.cniot.gateway.entity import channel_device_info, gateway_device_info
from custom_components.cniot.gateway.models import Gateway
from custom_components.cniot.gizwits.descriptions import point_of as gizwits_point_of
from custom_components.cniot.gizwits.models import Datapoint as GizwitsDatapoint, GizwitsDevice
from custom_components.cniot.plausible import (
    ANY,
    MAX_CHANNEL,
    NON_NEGATIVE,
    PERCENT,
    SIGNAL_DB,
    SIGNAL_DBM,
    TEMPERATURE_C,
    Bounds,
    BoundsGuard,
    clean_name,
    clean_text,
    number_bounds,
    plausible_bool,
    plausible_channel,
    plausible_id,
    plausible_time,
    sensor_bounds,
    sensor_state,
    within,
)
from custom_components.cniot.tums.descriptions import (
    DEVICE_SENSORS,
    PASSENGER_FLOW_SENSORS,
    SOLAR_SENSORS,
    storage_sensors,
)
from custom_components.cniot.tums.models import Device
from custom_components.cniot.tums.push import PushMessageError, parse_message
from custom_components.cniot.tums.tier_models import PassengerFlow, SdCard, SolarPower
from custom_components.cniot.tums.tiers import DeviceSettings, SolarState
from custom_components.cniot.xlink.entity import point_of as xlink_point_of
from custom_components.cniot.xlink.models import (
    DeviceValues,
    Product as XlinkProduct,
    XlinkDevice,
    parse_datapoints,
)

EVIL = "\x00\x07\x1b[2J\u202eevil\u200b\ufeff\u2066名" + "x" * 300


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """These tests need no Home Assistant."""


def _invisible(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in text)


# -- the rules ----------------------------------------------------------------------


def test_sensor_bounds_by_what_is_measured() -> None:
    """Signal in dBm and dB, percentages, temperatures, counters and quantities."""
    strength = SensorDeviceClass.SIGNAL_STRENGTH
    assert sensor_bounds(strength, "dBm") is SIGNAL_DBM
    assert sensor_bounds(strength, "dB") is SIGNAL_DB
    assert sensor_bounds(None, "%") is PERCENT
    assert sensor_bounds(SensorDeviceClass.BATTERY, "%") is PERCENT
    assert sensor_bounds(SensorDeviceClass.TEMPERATURE, "°C") is TEMPERATURE_C
    assert sensor_bounds(SensorDeviceClass.DATA_RATE, "kbit/s") is NON_NEGATIVE
    assert sensor_bounds(None, None, SensorStateClass.TOTAL_INCREASING) is NON_NEGATIVE
    assert sensor_bounds(SensorDeviceClass.POWER, "W", SensorStateClass.MEASUREMENT) is ANY
    assert -141 not in SIGNAL_DBM
    assert 1 not in SIGNAL_DBM
    assert -70 in SIGNAL_DBM
    assert number_bounds(-5, 5) == Bounds(-5, 5)
    assert number_bounds(None, None) == ANY


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        (-1, None),
        (1e40, None),
        (10**40, None),
        (math.nan, None),
        (math.inf, None),
        (True, None),
        ("5", None),
        (None, None),
    ],
)
def test_within(value: Any, expected: Any) -> None:
    """Only finite numbers within the bounds; bools and strings are no numbers."""
    assert within(value, NON_NEGATIVE) == expected


def test_guard_logs_once_a_spell(caplog: pytest.LogCaptureFixture) -> None:
    """Out of bounds: unknown, one warning; back: one info line; out again: one warning."""
    guard = BoundsGuard()
    caplog.set_level(logging.INFO)
    assert guard.check("sensor.x", 50, PERCENT) == 50
    for _ in range(3):
        assert guard.check("sensor.x", 1e40, PERCENT) is None
    assert guard.check("sensor.x", 10**400, PERCENT) is None
    assert guard.check("sensor.x", True, PERCENT) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "sensor.x" in warnings[0].getMessage()
    assert guard.check("sensor.x", 7, PERCENT) == 7
    assert guard.check("sensor.x", "text", PERCENT) == "text"
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.INFO]
    assert guard.check("sensor.x", -1, PERCENT) is None
    assert [r.levelno for r in caplog.records].count(logging.WARNING) == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        (" true ", True),
        ("0", False),
        ("FALSE", False),
        (2, None),
        (1e40, None),
        (-1, None),
        ("yes", None),
        ([1], None),
        ({"v": 1}, None),
        (None, None),
    ],
)
def test_plausible_bool(value: Any, expected: bool | None) -> None:
    """Flags are 0/1 or true/false; 2, 1e40 or a container mean nothing."""
    assert plausible_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A1B2C3", "A1B2C3"),
        (" A1 ", "A1"),
        (12345, "12345"),
        (1e40, None),
        (1.5, None),
        (-1, None),
        (2**60, None),
        (True, None),
        (None, None),
        ("", None),
        ({"id": [1, 2]}, None),
        ("x" * 129, None),
        ("AB\x00CD", None),
        ("AB\u202eCD", None),
    ],
)
def test_plausible_id(value: Any, expected: str | None) -> None:
    """Identities that may make a device."""
    assert plausible_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("8", 8),
        (2.0, 2),
        (MAX_CHANNEL, MAX_CHANNEL),
        (0, None),
        (-2, None),
        (MAX_CHANNEL + 1, None),
        (1e40, None),
        (10**30, None),
        (2.5, None),
        (True, None),
        ("n/a", None),
        (None, None),
    ],
)
def test_plausible_channel(value: Any, expected: int | None) -> None:
    """Channel numbers 1..1024."""
    assert plausible_channel(value) == expected


def test_clean_text_and_names() -> None:
    """Control, direction and zero-width characters go; long text is cut with an ellipsis."""
    cleaned = clean_text(EVIL)
    assert cleaned is not None
    assert cleaned.startswith("[2Jevil名")
    assert not _invisible(cleaned)
    assert len(cleaned) == 255
    assert cleaned.endswith("…")
    assert clean_text("a\t\n b") == "a b"
    assert clean_text("\u200b\u202e") is None
    assert clean_text(5) is None
    assert clean_name(5) == "5"
    assert clean_name(True) is None
    assert clean_name("  Lobby  camera ") == "Lobby camera"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_790_000_000, datetime(2026, 9, 21, 14, 13, 20, tzinfo=UTC)),
        (1_790_000_000_000, datetime(2026, 9, 21, 14, 13, 20, tzinfo=UTC)),
        ("2026-09-21T14:13:20+00:00", datetime(2026, 9, 21, 14, 13, 20, tzinfo=UTC)),
        ("2026-09-21 14:13:20", datetime(2026, 9, 21, 14, 13, 20, tzinfo=UTC)),
        (datetime(2026, 9, 21, tzinfo=UTC), datetime(2026, 9, 21, tzinfo=UTC)),
        (253402300799, None),
        ("9999-12-31 23:59:59", None),
        ("1970-01-01T00:00:00", None),
        (datetime(2100, 1, 1, tzinfo=UTC), None),
        (math.inf, None),
        (10**400, None),
        (True, None),
        ("yesterday", None),
        ([2026], None),
    ],
)
def test_plausible_time(value: Any, expected: datetime | None) -> None:
    """2000-2100, whatever the format."""
    assert plausible_time(value) == expected


# -- property tests over the parsers --------------------------------------------------

BAD = st.sampled_from(
    [EVIL, "", " ", "n/a", "12abc", "9999-12-31 23:59:59", "1e999", "-1", "nan", "x" * 3000]
)
NUMBERS = (
    st.integers()
    | st.sampled_from([10**40, -(10**40), 2**64, -1, 0, 1, 253402300799, 253402300799000])
    | st.floats(allow_nan=True, allow_infinity=True)
)
SCALARS = st.none() | st.booleans() | NUMBERS | BAD | st.text(max_size=8)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fields(*keys: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(keys, VALUES))


def _assert_state(description: Any, value: Any) -> None:
    """What the entity would show: within its bounds, or unknown."""
    bounds = sensor_bounds(
        description.device_class,
        description.native_unit_of_measurement,
        description.state_class,
    )
    state = sensor_state(value, bounds)
    if state is None:
        return
    if isinstance(state, str):
        assert len(state) <= 255
        assert not _invisible(state)
        if description.options is not None:
            assert state in description.options, (description.key, state)
    elif isinstance(state, date):  # datetime included
        assert 2000 <= state.year < 2100
    else:
        assert not isinstance(state, bool)
        assert isinstance(state, int | float), (description.key, state)
        assert math.isfinite(state)
        assert state in bounds, (description.key, state)


CHANNEL = _fields(
    *("name", "enable", "state", "signal", "operator", "type", "rateup", "ratedown", "rtt"),
    *("used", "remain", "total", "innerip", "outerip", "net", "slot", "apn", "ICCID"),
    *("frequency", "frequencyRange", "rssi", "rssp", "rssq", "sinru", "todayUsedFlow"),
    *("usb_type", "ssid", "wifiSignal"),
)
GATEWAY = st.fixed_dictionaries(
    {
        "base": st.fixed_dictionaries(
            {"sn": st.sampled_from(["SN0001", "  SN2 "]) | VALUES},
            optional={
                "alias": VALUES,
                "state": st.sampled_from(["running", "offline"]) | VALUES,
                "runtime": VALUES,
                "remark": VALUES,
                "rateup": VALUES,
                "ratedown": VALUES,
                "qos": VALUES,
                "type": VALUES,
                "version": VALUES,
                "record": _fields("time", "up", "down"),
                "gps": _fields("lat", "lon"),
            },
        ),
        "channel": st.dictionaries(st.sampled_from(["0", "1", "8", "-2", "1e40", "x"]), CHANNEL),
    },
    optional={
        "network": st.fixed_dictionaries(
            {}, optional={"lan": _fields("ip"), "hotspot": _fields("name", "enable", "hidden")}
        ),
        "parameters": _fields("top", "lock"),
    },
)


@given(item=GATEWAY)
@SETTINGS
def test_gateway_states_stay_in_bounds(item: dict[str, Any]) -> None:
    """Any gateway entry: every sensor's state in bounds, names and identities clean."""
    gateway = Gateway.parse(item)
    if gateway is None:
        return
    assert plausible_id(gateway.sn) == gateway.sn
    data = GatewayData(gateways={gateway.sn: gateway})
    for description in GATEWAY_SENSORS:
        if description.exists_fn(gateway):
            _assert_state(description, description.value_fn(gateway, data))
    state = item["base"].get("state")
    documented = {"running": True, "upgrading": True, "rebooting": True, "offline": False}
    connectivity = GATEWAY_BINARY_SENSORS[0]
    assert connectivity.key == "online"
    expected = documented.get(state.strip().lower()) if isinstance(state, str) else None
    assert connectivity.value_fn(gateway) is expected
    if gateway.latitude is not None:
        assert -90 <= gateway.latitude <= 90
    if gateway.longitude is not None:
        assert -180 <= gateway.longitude <= 180
    info = gateway_device_info("scope", gateway, "http://gw")
    name = info.get("name")
    assert isinstance(name, str)
    assert len(name) <= 255
    assert not _invisible(name)
    for key, channel in gateway.channels.items():
        assert key.isdigit()
        for channel_description in CHANNEL_SENSORS:
            if channel_description.exists_fn(channel):
                _assert_state(channel_description, channel_description.value_fn(channel))
        channel_name = channel_device_info("scope", gateway, channel, "http://gw").get("name")
        assert isinstance(channel_name, str)
        assert len(channel_name) <= 255
        assert not _invisible(channel_name)


TUMS_DEVICE = _fields(
    *("qrCode", "mac", "deviceName", "deviceType", "deviceModel", "deviceStatus", "ip"),
    *("firmwareVer", "hardwareVer", "regionId", "regionName", "openType", "openStatus"),
    *("channelId", "parentQrCode", "parentMac"),
)


@given(item=TUMS_DEVICE)
@SETTINGS
def test_tums_device_states_stay_in_bounds(item: dict[str, Any]) -> None:
    """Any device entry: identity plausible (no phantom channel), names clean, states bounded."""
    device = Device.parse(item)
    if device is None:
        return
    for ident in (device.qr_code, device.parent_qr_code):
        assert ident is None or plausible_id(ident) == ident
    assert device.channel_id is None or 1 <= device.channel_id <= MAX_CHANNEL
    for text in (device.name, device.region_name):
        assert text is None or (len(text) <= 255 and not _invisible(text))
    for description in DEVICE_SENSORS:
        if description.exists_fn(device):
            _assert_state(description, description.value_fn(device))


@given(
    power=_fields("batteryStatus", "batteryPercentage", "envTemperature", "inputWatt",
                  "outputWatt", "chargeStatus", "inputPowerInWatt", "outputPowerInWatt"),
    flow=_fields("currentTotalInFlow", "currentTotalOutFlow", "currentTotalPassFlow",
                 "lastTotalInFlow", "lastTotalOutFlow", "lastTotalPassFlow"),
    cards=st.lists(_fields("index", "permission", "totalSpace", "freeSpace", "status",
                           "recordDuration", "recordStartTime", "diskName"), max_size=2),
    energy=NUMBERS | st.none(),
)  # fmt: skip
@SETTINGS
def test_tums_tier_states_stay_in_bounds(
    power: dict[str, Any],
    flow: dict[str, Any],
    cards: list[dict[str, Any]],
    energy: float | None,
) -> None:
    """Solar, passenger-flow and storage readings: every state bounded."""
    solar = SolarState(SolarPower.parse(power), energy, energy)
    for description in SOLAR_SENSORS:
        if description.exists_fn(solar):
            _assert_state(description, description.value_fn(solar))
    counts = PassengerFlow.parse(flow)
    for counter in PASSENGER_FLOW_SENSORS:
        _assert_state(counter, counter.value_fn(counts))
    settings_ = DeviceSettings(sd_cards=tuple(SdCard.parse(card) for card in cards))
    for index in (1, 2):
        for storage in storage_sensors(index):
            _assert_state(storage, storage.value_fn(settings_))


@given(
    body=st.fixed_dictionaries(
        {
            "qrCode": st.just("QR1") | VALUES,
            "time": st.just("1790000000") | VALUES,
            "msgType": st.just("monitorAlarm"),
            "msgContentType": st.just(["movementDetected"]),
        },
        optional={"channelId": VALUES, "deviceName": VALUES, "parentQrCode": VALUES},
    )
)
@SETTINGS
def test_tums_push_identities_bounded(body: dict[str, Any]) -> None:
    """A pushed channel number or name never leaves its bounds (a recorder-safe event)."""
    try:
        raw = json.dumps(body).encode()
    except ValueError:
        return
    try:
        message = parse_message(raw)
    except PushMessageError:
        return
    assert message.channel_id is None or 1 <= message.channel_id <= MAX_CHANNEL
    assert message.device_name is None or not _invisible(message.device_name)
    for ident in (message.qr_code, message.parent_qr_code):
        assert ident is None or plausible_id(ident) == ident


# -- the datapoint vendors: Gizwits and Xlink --------------------------------------------


class _Data:
    """Coordinator data holding one device's decoded values."""

    def __init__(self, values: dict[Any, Any]) -> None:
        self.values = values

    def values_of(self, device: Any) -> dict[Any, Any]:
        return self.values

    def current(self, device: Any) -> bool:
        return True

    def source_of(self, device: Any) -> object:
        return self.values


def _datapoint_state(point: Point, decoded: Any) -> None:
    """The entity the shared stack makes of ``point``, showing ``decoded``: in bounds."""
    described = describe(point)
    assert described is not None
    platform, description = described
    coordinator = SimpleNamespace(data=_Data({point.ref: decoded}))

    async def write(key: Any, values: Any) -> None:  # pragma: no cover - never written
        raise AssertionError

    device = DatapointDevice(coordinator=coordinator, key="d", info={}, write=write)  # type: ignore[arg-type]
    entity = PLATFORM_CLASSES[platform](device, description, "uid")
    entity.entity_id = f"{platform}.test"
    if isinstance(entity, DatapointBinarySensor | DatapointSwitch):
        assert entity.is_on is None or type(entity.is_on) is bool, entity.is_on
        return
    if isinstance(entity, DatapointSelect):
        assert entity.current_option is None or entity.current_option in point.options
        return
    if isinstance(entity, DatapointText):
        return
    value = entity.native_value
    if value is None:
        return
    if isinstance(value, str):
        assert len(value) <= 255
        assert not _invisible(value)
        return
    assert not isinstance(value, bool)
    assert math.isfinite(value)
    assert point.minimum <= value <= point.maximum, (point.key, value)
    physical = sensor_bounds(
        entity.device_class,
        entity.native_unit_of_measurement,
        getattr(entity, "state_class", None),
    )
    assert value in physical, (point.key, value)


def _assert_device_common(online: Any, times: tuple[Any, ...]) -> None:
    assert online is None or type(online) is bool, online
    for moment in times:
        assert moment is None or 2000 <= moment.year < 2100, moment


GIZWITS_ATTRS: list[dict[str, Any]] = [
    {"name": "switch", "type": "status_writable", "data_type": "bool"},
    {"name": "fault_x", "type": "fault", "data_type": "bool"},
    {"name": "alert_y", "type": "alert", "data_type": "bool"},
    {"name": "mode", "type": "status_writable", "data_type": "enum", "enum": ["a", "b"]},
    {"name": "mode_ro", "type": "status_readonly", "data_type": "enum", "enum": ["a", "b"]},
    {
        "name": "set_temp",
        "type": "status_writable",
        "data_type": "uint8",
        "uint_spec": {"min": 16, "max": 30, "ratio": 1, "addition": 0},
    },
    {
        "name": "room_temp",
        "type": "status_readonly",
        "data_type": "uint16",
        "uint_spec": {"min": 0, "max": 200, "ratio": 0.5, "addition": -20},
    },
    {"name": "blob", "type": "status_readonly", "data_type": "binary", "position": {"len": 4}},
]
GIZWITS_POINTS = [
    point
    for item in GIZWITS_ATTRS
    if (dp := GizwitsDatapoint.parse(item)) is not None and (point := gizwits_point_of(dp))
]
GIZWITS_DEVICE = st.fixed_dictionaries(
    {"did": st.sampled_from(["abcDEF123", " did "]) | VALUES},
    optional=dict.fromkeys(
        ("mac", "product_key", "is_online", "is_faulty", "is_alert", "online_latest"), VALUES
    )
    | dict.fromkeys(("created_at", "latitude", "longitude", "country", "city"), VALUES),
)


@given(item=GIZWITS_DEVICE, values=st.lists(VALUES, min_size=8, max_size=8))
@SETTINGS
def test_gizwits_states_stay_in_bounds(item: dict[str, Any], values: list[Any]) -> None:
    """Any search entry and any reported values: flags are flags, values within bounds."""
    assert len(GIZWITS_POINTS) == len(GIZWITS_ATTRS)
    device = GizwitsDevice.parse(item)
    if device is not None:
        assert plausible_id(device.did) == device.did
        _assert_device_common(device.online, (device.online_latest, device.created_at))
        for flag in (device.faulty, device.alerting):
            assert flag is None or type(flag) is bool, flag
    for dp_item, point, value in zip(GIZWITS_ATTRS, GIZWITS_POINTS, values, strict=True):
        datapoint = GizwitsDatapoint.parse(dp_item)
        assert datapoint is not None
        _datapoint_state(point, datapoint.decode(value))


XLINK_PRODUCT = XlinkProduct(
    product_id="pid",
    name="P",
    datapoints=parse_datapoints(
        [
            {"index": 0, "type": 1, "name": "switch", "is_write": 1},
            {"index": 1, "type": 1, "name": "fault"},
            {"index": 2, "type": 2, "name": "set", "is_write": 1, "min": 30, "max": 75},
            {"index": 3, "type": 5, "name": "energy", "symbol": "kWh"},
            {"index": 4, "type": 3, "name": "temp", "symbol": "℃", "min": -20, "max": 80},
            {"index": 5, "type": 4, "name": "power", "symbol": "W"},
            {"index": 6, "type": 6, "name": "nick", "is_write": 1},
            {"index": 7, "type": 6, "name": "note"},
        ]
    ),
)
XLINK_DEVICE = st.fixed_dictionaries(
    {"id": st.sampled_from([1, 2_000_000_000]) | VALUES},
    optional=dict.fromkeys(("mac", "name", "is_online", "last_login", "mcu_version"), VALUES),
)
XLINK_VALUES = st.fixed_dictionaries(
    {"device_id": st.just(1)},
    optional={"online": VALUES, "last_update": VALUES}
    | {str(index): VALUES | NUMBERS for index in range(8)},
)


@given(item=XLINK_DEVICE, raw=XLINK_VALUES)
@SETTINGS
def test_xlink_states_stay_in_bounds(item: dict[str, Any], raw: dict[str, Any]) -> None:
    """Any list entry and virtual device: names clean, times in 2000-2100, values bounded."""
    device = XlinkDevice.parse(item, "pid")
    if device is not None:
        assert device.device_id >= 0
        _assert_device_common(device.online, (device.last_login,))
        if device.name is not None:
            assert device.name == clean_name(device.name)
    values = DeviceValues.parse(raw)
    assert values is not None
    _assert_device_common(values.online, (values.last_update,))
    decoded = XLINK_PRODUCT.decode(values.values)
    for datapoint in XLINK_PRODUCT.datapoints:
        _datapoint_state(xlink_point_of(XLINK_PRODUCT, datapoint), decoded.get(datapoint.index))
