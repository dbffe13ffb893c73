"""Property tests: every reply parser turns any JSON into a typed model or the client's error.

The transport is replaced by one that answers with generated replies (any JSON, or
bytes that are no JSON at all, with assorted statuses and headers), and every read of
each client is run against them. The only exceptions allowed out are ``CniotError``s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
import contextlib
import json
from types import SimpleNamespace
from typing import Any, cast
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.cniot.client.errors import CniotError
from custom_components.cniot.client.http import Reply
from custom_components.cniot.client.parse import as_float, as_int, epoch_to_datetime
from custom_components.cniot.gateway.client import GatewayClient
from custom_components.cniot.gateway.coordinator import GatewayCoordinator
from custom_components.cniot.gateway.models import DevicePage as GatewayPage, Gateway, PortMapping
from custom_components.cniot.gizwits.client import GizwitsClient
from custom_components.cniot.gizwits.models import (
    Datapoint,
    DatapointValueError,
    DevicePage as GizwitsPage,
    DeviceState,
    GizwitsDevice,
    ProductSchema,
    ProductSummary,
    RateLimit,
)
from custom_components.cniot.tums.client import TumsClient
from custom_components.cniot.tums.client_core import server_time
from custom_components.cniot.tums.codes import ApplicationType
from custom_components.cniot.tums.models import (
    Device,
    DevicePage as TumsPage,
    DeviceRef,
    FailItem,
    Overview,
)
from custom_components.cniot.tums.tier_models import (
    PassengerFlow,
    PushConfig,
    SdCard,
    SolarPower,
    SolarSupplyTime,
    TimeSync,
    TimingReboot,
    UpgradeReport,
)


@pytest.fixture(autouse=True)
def loopback_sockets() -> None:
    """No sockets at all here: the transport is replaced."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """These tests need no Home Assistant."""


# Keys the parsers look for, so generated objects reach past the envelope checks.
KEYS = (
    *("code", "msg", "msg ", "count", "devices", "list", "base", "sn", "alias", "state"),
    *("runtime", "rateup", "ratedown", "gps", "lat", "lon", "record", "time", "speed"),
    *("network", "lan", "hotspot", "channel", "parameters", "top", "lock", "mapping"),
    *("uuid", "protocol", "port", "ip", "signal", "usb_type", "enable", "name", "mark"),
    *("error_code", "error_message", "detail", "token", "expired_at", "expire_at"),
    *("entities", "attrs", "type", "data_type", "uint_spec", "min", "max", "ratio"),
    *("addition", "enum", "position", "len", "unit", "objects", "meta", "total", "did"),
    *("is_online", "online_latest", "ts", "online", "unresolved", "result", "failList"),
    *("qrCode", "mac", "deviceName", "deviceStatus", "channelId", "parentQrCode"),
    *("parentMac", "children", "openStatus", "allIpcNum", "onlineIpcNum", "errorNvrNum"),
    *("newFwInfo", "fwVersion", "upgradeStatus", "status", "batteryStatus", "inputWatt"),
    *("solarSupplyTimeList", "startTimeHour", "metricValueList", "cardInfoList", "ifLoop"),
    *("timingMode", "positionResetSupport", "deviceInfoList", "currentTotalInFlow"),
    *("sdkStreamUrl", "url", "reason", "sk", "serverUrl", "msgContentType", "ifOpen", "day"),
)

SCALARS = (
    st.none()
    | st.booleans()
    # Unbounded: JSON allows integers of any size.
    | st.integers()
    | st.sampled_from([0, 1, -1, 2**64, 10**400, -(10**400)])
    # Python's decoder also reads NaN, Infinity and numbers too large for a float.
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", " ", "1", "0", "true", "58640 Kbps", "1e999", "-10302", "nan"])
)

JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=6)
    ),
    max_leaves=40,
)


def _encode(value: Any) -> bytes:
    # Integers past 4300 digits cannot be written; the decoder would refuse them anyway.
    try:
        return json.dumps(value).encode()
    except ValueError:
        return b"[]"


BODIES = JSON.map(_encode) | st.binary(max_size=40) | st.sampled_from([b"", b"{", b"null"])


def mutated(template: Any) -> st.SearchStrategy[Any]:
    """A realistic reply with some values swapped for any JSON and some keys left out.

    Random JSON alone rarely gets past the envelope checks; these reach the models.
    """
    if isinstance(template, dict):
        return st.fixed_dictionaries(
            {}, optional={key: mutated(value) for key, value in template.items()}
        )
    if isinstance(template, list):
        return st.lists(st.one_of(*(mutated(item) for item in template)), max_size=3)
    return st.one_of(st.just(template), st.just(template), JSON)


GATEWAY_TEMPLATES = [
    {
        "code": 0,
        "msg": "success",
        "count": 1,
        "devices": [
            {
                "base": {
                    "sn": "SN01",
                    "alias": "a",
                    "state": "running",
                    "runtime": 100,
                    "rateup": "58640 Kbps",
                    "gps": {"lat": 31.2, "lon": 121.4},
                    "record": {"time": 1735689600000, "speed": {"up": 1, "down": 2}},
                    "mapping": [{"uuid": "u", "ip": "1.2.3.4"}],
                },
                "network": {
                    "lan": {"ip": "192.168.4.1", "mask": "255.255.255.0"},
                    "hotspot": {"enable": 1, "name": "x", "passwd": "p", "encrymode": 2},
                },
                "channel": {"0": {"name": "SIM1", "signal": -80, "state": 1}, "8": {"usb_type": 1}},
                "parameters": {"top": 1, "lock": 0},
            }
        ],
    },
    {"code": 0, "devices": {"SN01": {"state": 1, "base": {"sn": "SN01"}}}},
    {"code": 0, "msg ": ["u2"], "list": [{"uuid": "u", "ip": "1.1.1.1", "protocol": 1}]},
]
GIZWITS_TEMPLATES = [
    {"token": "t0ken", "expired_at": 4102444800},
    {
        "name": "P",
        "product_key": "pk",
        "entities": [
            {
                "attrs": [
                    {
                        "name": "n",
                        "type": "status_writable",
                        "data_type": "uint16",
                        "uint_spec": {"min": 0, "max": 100, "ratio": 0.5, "addition": 1},
                    },
                    {"name": "e", "type": "R", "data_type": "enum", "enum": ["a"]},
                    {"name": "x", "type": "W", "data_type": "binary", "position": {"len": 2}},
                ]
            }
        ],
    },
    {
        "meta": {"total": 1},
        "objects": [
            {
                "did": "d1",
                "mac": "aa",
                "is_online": True,
                "online_latest": 1735689600,
                "latitude": "31.2",
            }
        ],
    },
    {"objects": [{"ts": 1735689600, "attrs": {"switch": 1, "n": 20}}]},
    {"total": 3, "online": 2, "count": {"unresolved": 1}},
    {"error_code": 5013, "error_message": "quota", "detail": "d"},
]
TUMS_TEMPLATES = [
    {
        "error_code": 0,
        "result": {
            "total": 1,
            "list": [
                {
                    "qrCode": "Q",
                    "mac": "5C-E9-31-6A-00-01",
                    "deviceName": "n",
                    "deviceStatus": 1,
                    "channelId": 1,
                    "openStatus": 2,
                    "children": [{"mac": "5C-E9-31-6A-00-02", "parentQrCode": "Q", "channelId": 2}],
                    "qrCode ": "x",
                    "curFirmwareVer": "1",
                    "newFwInfo": {"fwVersion": "2"},
                    "upgradeStatus": 1,
                }
            ],
            "allIpcNum": 3,
            "onlineIpcNum": 2,
            "status": "1",
            "batteryStatus": "50",
            "solarSupplyTimeList": [{"startTimeHour": "1", "status": "on"}],
            "metricValueList": {"m": [[1, 2.5]]},
            "cardInfoList": [{"index": 1, "status": "normal"}],
            "ifLoop": 1,
            "timingMode": "ntp",
            "positionResetSupport": 1,
            "deviceInfoList": [{"qrCode": "Q"}],
            "currentTotalInFlow": 5,
            "sdkStreamUrl": "u",
            "url": "u",
            "reason": "r",
            "sk": "k",
            "serverUrl": "s",
            "msgContentType": ["a"],
        },
        "failList": [{"qrCode": "Q", "error_code": -1, "channelId": 1}],
    },
    {"error_code": -10302, "msg": "expired"},
    {"error_code": -20004, "msg": "quota"},
]


def replies(templates: list[Any]) -> st.SearchStrategy[list[tuple[int, bytes, dict[str, str]]]]:
    """Lists of replies: mostly mutated templates, some anything at all."""
    bodies = st.one_of(*(mutated(t).map(_encode) for t in templates)) | BODIES
    return st.lists(st.tuples(STATUSES, bodies, HEADERS), min_size=1, max_size=6)


STATUSES = st.sampled_from([200, 200, 200, 200, 204, 302, 400, 401, 403, 404, 429, 500, 502])
HEADER_VALUES = st.text(max_size=20) | st.sampled_from(
    ["7", "-1", "1e999", "Tue, 22 Sep 2026 08:00:00 GMT", "Mon, 99 Foo 10000 99:99:99 GMT"]
)
HEADERS = st.dictionaries(
    st.sampled_from(
        ["Retry-After", "Date", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
    ),
    HEADER_VALUES,
    max_size=5,
)

# Replies that let a Gizwits client past its token request, so the reads are reached.
GOOD_TOKEN = (200, b'{"token": "t0ken", "expired_at": 4102444800}', {})

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class FakeTransport:
    """Answers each request with the next generated reply, cycling."""

    def __init__(self, replies: list[tuple[int, bytes, dict[str, str]]]) -> None:
        self._replies = replies
        self._next: Iterator[int] = iter(range(10**6))

    async def send(self, method: str, path: str, **_kwargs: Any) -> Reply:
        status, raw, headers = self._replies[next(self._next) % len(self._replies)]
        return Reply(status=status, raw=raw, headers=headers, path=path)


def _run_all(
    replies: list[tuple[int, bytes, dict[str, str]]],
    calls: list[tuple[Callable[[], Awaitable[Any]], Callable[[Any], bool]]],
) -> None:
    """Run each call against the replies; a result must pass its check, errors be ours."""
    fake = FakeTransport(replies)

    async def run() -> None:
        with (
            patch("custom_components.cniot.client.http.JsonTransport.send", fake.send),
            patch("custom_components.cniot.client.http.RETRY_DELAY", 0),
        ):
            for call, check in calls:
                try:
                    result = await call()
                except CniotError:
                    continue
                assert check(result), result

    # A private loop, left unset, so Home Assistant's own test loop is not disturbed.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run())
    finally:
        loop.close()


def _list_of(kind: type) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, list) and all(isinstance(v, kind) for v in value)


def _session() -> Any:
    return cast("Any", None)


@given(replies=replies(GATEWAY_TEMPLATES))
@SETTINGS
def test_gateway_parsers(replies: list[tuple[int, bytes, dict[str, str]]]) -> None:
    client = GatewayClient(_session(), "http://gw.test", page_size=2)
    _run_all(
        replies,
        [
            (lambda: client.async_get_devices_page(1), lambda r: isinstance(r, GatewayPage)),
            (
                client.async_get_devices,
                lambda r: (
                    isinstance(r, dict)
                    and all(isinstance(g, Gateway) and g.sn == sn for sn, g in r.items())
                ),
            ),
            (
                lambda: client.async_query(["SN01"]),
                lambda r: (
                    set(r) == {"SN01"} and (r["SN01"] is None or isinstance(r["SN01"], Gateway))
                ),
            ),
            (client.async_list_mappings, _list_of(PortMapping)),
            (lambda: client.async_delete_mappings(["u1"]), _list_of(str)),
            (lambda: client.async_unassign_mappings("SN01", ["u1"]), _list_of(str)),
            (lambda: client.async_set("SN01", {"parameters": {"top": 1}}), lambda r: r is None),
        ],
    )


@given(replies=replies(GIZWITS_TEMPLATES), token_first=st.booleans())
@SETTINGS
def test_gizwits_parsers(
    replies: list[tuple[int, bytes, dict[str, str]]], token_first: bool
) -> None:
    client = GizwitsClient(
        _session(),
        "http://gizwits.test",
        enterprise_id="e",
        enterprise_secret="es",
        product_key="pk",
        product_secret="ps",
        clock=lambda: 1_790_000_000.0,
    )
    if token_first:
        replies = [GOOD_TOKEN, *replies]
    _run_all(
        replies,
        [
            (client.async_get_schema, lambda r: isinstance(r, ProductSchema)),
            (client.async_search_devices, lambda r: isinstance(r, GizwitsPage)),
            (client.async_get_devices, _list_of(GizwitsDevice)),
            (
                lambda: client.async_get_latest("d1"),
                lambda r: r is None or isinstance(r, DeviceState),
            ),
            (client.async_get_summary, lambda r: isinstance(r, ProductSummary)),
            (lambda: client.async_control("d1", {"switch": True}), lambda r: r is None),
            (lambda: client.async_authenticate(force=True), lambda r: r is None),
        ],
    )


@given(replies=replies(TUMS_TEMPLATES))
@SETTINGS
def test_tums_parsers(replies: list[tuple[int, bytes, dict[str, str]]]) -> None:
    client = TumsClient(
        _session(),
        "http://tums.test",
        access_key="AK",
        secret_key="SK",
        terminal_id="t1",
        clock=lambda: 1_790_000_000.0,
    )
    ref = DeviceRef(qr_code="QR0000000000000001", channel_id=1)
    _run_all(
        replies,
        [
            (
                lambda: client.async_get_device_page(ApplicationType.PROJECT, 0),
                lambda r: isinstance(r, TumsPage),
            ),
            (lambda: client.async_get_devices("device"), _list_of(Device)),
            (client.async_get_overview, lambda r: isinstance(r, Overview)),
            (client.async_detect_application_type, lambda r: isinstance(r, ApplicationType)),
            (lambda: client.async_reboot([ref]), _list_of(FailItem)),
            (lambda: client.async_get_upgrade_info([ref]), lambda r: isinstance(r, UpgradeReport)),
            (lambda: client.async_get_solar_power(ref), lambda r: isinstance(r, SolarPower)),
            (lambda: client.async_get_solar_supply_times(ref), _list_of(SolarSupplyTime)),
            (
                lambda: client.async_get_solar_metrics(ref, 0, 3_600_000),
                lambda r: (
                    isinstance(r, dict)
                    and all(
                        isinstance(t, int) and isinstance(v, float)
                        for s in r.values()
                        for t, v in s
                    )
                ),
            ),
            (lambda: client.async_get_timing_reboot(ref), lambda r: isinstance(r, TimingReboot)),
            (lambda: client.async_get_sd_cards(ref), _list_of(SdCard)),
            (lambda: client.async_get_record_loop(ref), lambda r: r in (None, True, False)),
            (lambda: client.async_get_time_sync(ref), lambda r: isinstance(r, TimeSync)),
            (lambda: client.async_get_ptz_reset_support(ref), lambda r: isinstance(r, bool)),
            (lambda: client.async_get_passenger_flow_devices("r1"), _list_of(Device)),
            (
                lambda: client.async_get_device_passenger_flow(ref, "day", 0, 86400),
                lambda r: isinstance(r, PassengerFlow),
            ),
            (lambda: client.async_request_stream_url(ref, 1), lambda r: isinstance(r, str)),
            (lambda: client.async_get_flv_url(ref, 1), lambda r: isinstance(r, str)),
            (
                lambda: client.async_get_flv_close_reason("u"),
                lambda r: r is None or isinstance(r, str),
            ),
            (client.async_get_push_config, lambda r: isinstance(r, PushConfig)),
            (client.async_get_push_sk, lambda r: r is None or isinstance(r, str)),
            (lambda: client.async_solar_load_reset(ref), lambda r: isinstance(r, bool)),
            (lambda: client.async_rename(ref, "x"), lambda r: r is None),
        ],
    )


@given(value=JSON)
@SETTINGS
def test_numbers_are_finite_or_none(value: Any) -> None:
    """Shared conversions never raise and never let infinities or NaN through."""
    number = as_float(value)
    assert number is None or number - number == 0
    integer = as_int(value)
    assert integer is None or isinstance(integer, int)
    assert epoch_to_datetime(number) is None or number is not None


@given(attrs=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), JSON, max_size=6))
@SETTINGS
def test_gizwits_datapoints(attrs: dict[str, Any]) -> None:
    """Any schema item parses or is skipped; any value validates or is refused as such."""
    point = Datapoint.parse(attrs)
    assert point is None or isinstance(point, Datapoint)
    schema = ProductSchema.parse({}, [attrs])
    decoded = schema.decode(attrs)
    assert set(decoded) == set(attrs)
    for candidate in (point, *_SAMPLE_POINTS):
        if candidate is None:
            continue
        for value in (*attrs.values(), attrs):
            with contextlib.suppress(DatapointValueError):
                candidate.validate(value)
            candidate.decode(value)


_SAMPLE_POINTS = [
    point
    for item in [
        {"name": "b", "type": "status_writable", "data_type": "bool"},
        {"name": "e", "type": "status_writable", "data_type": "enum", "enum": ["a", "b"]},
        {
            "name": "n",
            "type": "status_writable",
            "data_type": "uint16",
            "uint_spec": {"min": 0, "max": 100, "ratio": 0.5, "addition": -10},
        },
        {"name": "x", "type": "status_writable", "data_type": "binary", "position": {"len": 2}},
    ]
    if (point := Datapoint.parse(item)) is not None
]


@given(headers=HEADERS)
@SETTINGS
def test_header_parsers(headers: dict[str, str]) -> None:
    """Rate-limit and Date headers parse to numbers or None."""
    rate = RateLimit.from_headers(headers)
    assert rate is None or isinstance(rate, RateLimit)
    when = server_time(headers)
    assert when is None or isinstance(when, float)


def test_extreme_numbers_found_by_fuzzing() -> None:
    """The cases the fuzzing above found: no OverflowError, no infinities."""
    assert as_float(10**400) is None
    assert as_float(float("inf")) is None
    assert as_float("9" * 400) is None
    assert as_int(10**400) is None
    assert as_float("58640 Kbps") == 58640.0
    huge_schema = Datapoint.parse(
        {
            "name": "n",
            "type": "status_writable",
            "data_type": "uint32",
            "uint_spec": {"max": 4294967295, "ratio": 1e308},
        }
    )
    assert huge_schema is None


@given(runtime=st.integers() | st.floats(allow_nan=False) | st.none())
@SETTINGS
def test_gateway_boot_time_from_any_uptime(runtime: float | None) -> None:
    """Any reported uptime gives a boot time or none; a huge one used to overflow."""
    gateway = Gateway.parse({"base": {"sn": "SN01", "state": "running", "runtime": runtime}})
    assert gateway is not None
    boot = GatewayCoordinator._boot_times(
        cast("Any", SimpleNamespace(data=None)), {"SN01": gateway}
    )
    assert set(boot) <= {"SN01"}
