"""Gizwits simulator: datapoints, device search, history data, control and reports."""

from __future__ import annotations

from collections.abc import AsyncIterator
import itertools
from typing import Any

import aiohttp
import pytest

from simulator.gizwits import (
    AC_PRODUCT_KEY,
    HISTORY_MAX,
    PLUG_PRODUCT_KEY,
    GizwitsSimulator,
)
from simulator.gizwits.scenario import (
    AC_BEDROOM,
    AC_GUEST,
    AC_LIVING,
    AC_MEETING,
    AC_STORE,
    AC_STUDY,
    PLUG_DESK,
    PLUG_HEATER,
    PLUG_NEW,
    PLUG_TV,
    default_gizwits_scenario,
    generate_gizwits_scenario,
)
from simulator.gizwits.state import AttrError, DatapointDef, GizwitsScenario, SimProduct, layout

from .conftest import EPOCH, Clock
from .test_gizwits_api import GApi, assert_error, gapi, gsim

__all__ = ["gapi", "gsim"]

DEVICE_KEYS = {
    "did", "mac", "product_key", "type", "is_online", "country", "region",
    "city", "longitude", "latitude", "is_faulty", "is_alert", "online_latest", "created_at",
    "mcu_soft_version", "mcu_hard_version", "wifi_soft_version", "wifi_hard_version",
}  # fmt: skip
AC_ATTRS = [
    "switch", "mode", "fan_speed", "fan_swing", "set_temp", "on_timing", "off_timing",
    "ir_code", "room_temp", "fw_info", "alert_full", "alert_shutdown", "fault_roomtemp",
]  # fmt: skip


# -- datapoints --------------------------------------------------------------------------


async def test_air_conditioner_schema(gapi: GApi) -> None:
    body = await gapi.ok("/datapoint")
    assert body["name"] == "智能空调"
    assert body["product_key"] == AC_PRODUCT_KEY
    assert (body["protocolType"], body["packetVersion"]) == ("standard", "0x00000004")
    (entity,) = body["entities"]
    assert (entity["id"], entity["name"]) == (0, "entity0")
    attrs = {item["name"]: item for item in entity["attrs"]}
    assert list(attrs) == AC_ATTRS
    assert [item["id"] for item in entity["attrs"]] == list(range(len(AC_ATTRS)))
    assert attrs["switch"] == {
        "id": 0,
        "name": "switch",
        "display_name": "开关",
        "desc": ".....",
        "type": "status_writable",
        "data_type": "bool",
        "position": {"byte_offset": 0, "bit_offset": 0, "len": 1, "unit": "bit"},
    }
    assert attrs["mode"]["enum"] == ["自动", "制冷", "制热", "送风", "除湿"]
    assert attrs["mode"]["position"] == {"byte_offset": 0, "bit_offset": 1, "len": 3, "unit": "bit"}
    assert attrs["fan_speed"]["enum"] == ["低风", "中风", "高风"]
    assert attrs["set_temp"]["uint_spec"] == {"min": 0, "max": 14, "ratio": 1, "addition": 16}
    assert attrs["set_temp"]["position"] == {
        "byte_offset": 1,
        "bit_offset": 0,
        "len": 1,
        "unit": "byte",
    }
    assert attrs["room_temp"]["type"] == "status_readonly"
    assert attrs["room_temp"]["uint_spec"] == {
        "min": 0,
        "max": 100,
        "ratio": 0.5,
        "addition": -10,
    }
    assert attrs["on_timing"]["data_type"] == "uint16"
    assert attrs["on_timing"]["uint_spec"]["max"] == 1440
    assert attrs["ir_code"]["data_type"] == "binary"
    assert attrs["ir_code"]["position"]["len"] == 8
    assert attrs["fw_info"]["type"] == "status_readonly"
    assert attrs["fw_info"]["position"]["len"] == 4
    assert {attrs[name]["type"] for name in ("alert_full", "alert_shutdown")} == {"alert"}
    assert attrs["fault_roomtemp"]["type"] == "fault"
    # Alerts and faults start a new byte after the read-only values.
    assert attrs["alert_full"]["position"]["byte_offset"] == 19

    ui = body["ui"]
    assert ui["object"] == {"version": 4, "showEditButton": False}
    elements = {item["key"]: item for item in ui["sections"][0]["elements"]}
    assert elements["entity0.switch"]["type"] == "QBooleanElement"
    assert elements["entity0.switch"]["object"] == {
        "action": "entity0",
        "bind": ["entity0.switch"],
        "perm": "W",
    }
    assert elements["entity0.mode"]["items"] == attrs["mode"]["enum"]
    set_temp = elements["entity0.set_temp"]
    assert (set_temp["type"], set_temp["minimumValue"], set_temp["maximumValue"]) == (
        "QFloatElement",
        16,
        30,
    )
    assert set_temp["object"]["unit_spec"] == {"max": 30, "step": 1, "min": 16}
    assert elements["entity0.ir_code"] == {
        "title": "红外码",
        "key": "entity0.ir_code",
        "object": {"action": "entity0", "bind": ["entity0.ir_code"], "perm": "W"},
        "type": "QMultilineElement",
        "maxLength": 16,
    }
    assert elements["entity0.room_temp"]["type"] == "QLabelElement"
    perms = {key: item["object"]["perm"] for key, item in elements.items()}
    assert (perms["entity0.room_temp"], perms["entity0.alert_full"]) == ("R", "N")
    assert perms["entity0.fault_roomtemp"] == "E"


async def test_plug_schema(gapi: GApi) -> None:
    body = await gapi.ok("/datapoint", PLUG_PRODUCT_KEY)
    attrs = {item["name"]: item for item in body["entities"][0]["attrs"]}
    assert list(attrs) == ["switch", "led", "power", "energy", "overload", "relay_fault"]
    assert attrs["power"]["uint_spec"] == {"min": 0, "max": 40000, "ratio": 0.1, "addition": 0}
    assert attrs["energy"]["data_type"] == "uint32"
    assert attrs["energy"]["uint_spec"]["ratio"] == 0.01
    assert [attrs[name]["type"] for name in ("overload", "relay_fault")] == ["alert", "fault"]


def test_datapoint_values() -> None:
    room = DatapointDef("t", "t", "status_readonly", "uint8", raw_max=100, ratio=0.5, addition=-10)
    assert (room.real_min, room.real_max) == (-10, 40)
    assert room.check(-10) == -10
    assert room.check(25.5) == 25.5
    assert room.check(26.0) == 26
    assert isinstance(room.check(26.0), int)
    for bad, reason in ((25.3, "step"), (40.5, "range"), (-10.5, "range"), (41.3, "range")):
        with pytest.raises(AttrError) as err:
            room.check(bad)
        assert err.value.reason == reason
    wrong_types: tuple[Any, ...] = ("1", None, True, float("nan"), [1])
    for wrong in wrong_types:
        with pytest.raises(AttrError, match="type"):
            room.check(wrong)
    enum = DatapointDef("m", "m", "status_writable", "enum", options=("a", "b", "c"))
    assert enum.bits == 2
    assert (enum.check("b"), enum.check(2)) == ("b", "c")
    enum_cases: tuple[tuple[Any, str], ...] = (
        ("d", "option"),
        (3, "option"),
        (-1, "option"),
        (1.0, "type"),
    )
    for value, reason in enum_cases:
        with pytest.raises(AttrError, match=reason):
            enum.check(value)
    flag = DatapointDef("f", "f", "alert", "bool")
    assert (flag.check(True), flag.check(0), flag.render(True)) == (True, False, 1)
    with pytest.raises(AttrError, match="type"):
        flag.check(2)
    # Bit fields that do not fit the current byte start the next one.
    packed = layout(
        [
            DatapointDef(f"e{i}", "e", "status_writable", "enum", options=tuple("abcde"))
            for i in "123"
        ]
    )
    assert [(point.byte_offset, point.bit_offset) for point in packed] == [(0, 0), (0, 3), (1, 0)]
    blob = DatapointDef("b", "b", "status_writable", "binary", length=2)
    assert blob.check("A0ff") == "a0ff"
    with pytest.raises(AttrError, match="length"):
        blob.check("a0")
    with pytest.raises(AttrError, match="type"):
        blob.check("zz00")


# -- device search -----------------------------------------------------------------------


async def test_search_defaults(gapi: GApi) -> None:
    body = await gapi.ok("/devices/search")
    # Disabled devices are hidden unless show_disabled=1.
    assert body["meta"] == {"total": 5, "limit": 20, "skip": 0, "next": None, "previous": None}
    objects = body["objects"]
    assert [item["did"] for item in objects] == [
        AC_LIVING,
        AC_BEDROOM,
        AC_GUEST,
        AC_STUDY,
        AC_MEETING,
    ]
    living = objects[0]
    assert set(living) == DEVICE_KEYS
    assert living["mac"] == "accf23a10001"
    assert living["product_key"] == AC_PRODUCT_KEY
    assert (living["is_online"], living["type"]) == (1, "normal")
    assert (living["country"], living["region"], living["city"]) == (
        "China",
        "Guangdong",
        "Guangzhou",
    )
    assert (living["longitude"], living["latitude"]) == (113.280637, 23.125178)
    assert living["created_at"] == int(EPOCH - 120 * 86400)
    assert living["online_latest"] == int(EPOCH - 3 * 3600)
    assert living["mcu_soft_version"] == "04000001"
    flags = {
        item["did"]: (item["is_online"], item["is_faulty"], item["is_alert"]) for item in objects
    }
    assert flags[AC_GUEST] == (1, 0, 1)
    assert flags[AC_STUDY] == (0, 0, 0)
    assert flags[AC_MEETING] == (1, 1, 0)
    assert objects[4]["mcu_soft_version"] is None

    everything = await gapi.ok("/devices/search", show_disabled=1)
    assert everything["meta"]["total"] == 6
    assert everything["objects"][-1]["did"] == AC_STORE
    # As in the document, search items carry no is_disabled flag.
    assert "is_disabled" not in everything["objects"][-1]
    assert (await gapi.ok("/devices/search", show_disabled=0))["meta"]["total"] == 5

    plugs = await gapi.ok("/devices/search", PLUG_PRODUCT_KEY)
    new = next(item for item in plugs["objects"] if item["did"] == PLUG_NEW)
    assert new["country"] is None
    assert new["online_latest"] is None
    assert new["wifi_soft_version"] is None


async def test_search_paging(gapi: GApi) -> None:
    first = await gapi.ok("/devices/search", limit=2, show_disabled=1)
    meta = first["meta"]
    assert (meta["total"], meta["limit"], meta["skip"], meta["previous"]) == (6, 2, 0, None)
    assert meta["next"] == (
        f"/v1/products/{AC_PRODUCT_KEY}/devices/search?limit=2&show_disabled=1&skip=2"
    )
    seen = [item["did"] for item in first["objects"]]
    skip = 2
    while skip < 6:
        page = await gapi.ok("/devices/search", limit=2, skip=skip, show_disabled=1)
        assert page["meta"]["previous"] is not None
        seen += [item["did"] for item in page["objects"]]
        skip += 2
    assert page["meta"]["next"] is None
    assert len(set(seen)) == 6
    beyond = await gapi.ok("/devices/search", skip=50)
    assert (beyond["meta"]["total"], beyond["objects"]) == (5, [])
    assert "skip=30" in beyond["meta"]["previous"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"is_online": 0}, [AC_STUDY]),
        ({"is_online": 0, "show_disabled": 1}, [AC_STUDY, AC_STORE]),
        ({"is_faulty": 1}, [AC_MEETING]),
        ({"is_alert": 1}, [AC_GUEST]),
        ({"is_alert": 0, "is_faulty": 0, "is_online": 1}, [AC_LIVING, AC_BEDROOM]),
        ({"country": "China", "city": "Beijing", "show_disabled": 1}, [AC_STUDY, AC_STORE]),
        ({"region": "Shanghai"}, [AC_MEETING]),
        ({"type": "did", "val": AC_GUEST}, [AC_GUEST]),
        ({"type": "mac", "val": "ACCF23A10002"}, [AC_BEDROOM]),
        ({"type": "uid", "val": "someone"}, []),
        ({"liveness_start": int(EPOCH - 4 * 3600)}, [AC_LIVING, AC_MEETING]),
    ],
)
async def test_search_filters(gapi: GApi, params: dict[str, Any], expected: list[str]) -> None:
    body = await gapi.ok("/devices/search", **params)
    assert [item["did"] for item in body["objects"]] == expected
    assert body["meta"]["total"] == len(expected)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, 5002),
        ({"limit": 1001}, 5002),
        ({"limit": "x"}, 5002),
        ({"skip": -1}, 5002),
        ({"show_disabled": 2}, 5002),
        ({"is_online": "yes"}, 5002),
        ({"type": "name", "val": "x"}, 5002),
        ({"type": "did"}, 5002),
        ({"gid": "c8e4b5634b047dc495be4a05a39d02a3"}, 5206),
    ],
)
async def test_search_refusals(gapi: GApi, params: dict[str, Any], code: int) -> None:
    assert_error(await gapi.get("/devices/search", **params), code)


async def test_search_limits(gapi: GApi, session: aiohttp.ClientSession, clock: Clock) -> None:
    sim = GizwitsSimulator(generate_gizwits_scenario(1200, seed=3), clock=clock)
    url = await sim.start()
    try:
        api = GApi(session, url)
        body = await api.ok("/devices/search", limit=1000, show_disabled=1)
        assert body["meta"]["total"] == 800
        assert len(body["objects"]) == 800
        assert all(item["product_key"] == AC_PRODUCT_KEY for item in body["objects"])
        plugs = await api.ok("/devices/search", PLUG_PRODUCT_KEY, limit=1000, show_disabled=1)
        assert plugs["meta"]["total"] == 400
    finally:
        await sim.stop()


async def test_device_detail(gapi: GApi) -> None:
    body = await gapi.ok("/device_detail", mac="accf23a10006")
    assert body == {
        "did": AC_STORE,
        "is_disabled": True,
        "product_key": AC_PRODUCT_KEY,
        "mac": "accf23a10006",
        "is_online": False,
        "type": "normal",
    }
    assert_error(await gapi.get("/device_detail"), 5002)
    assert_error(await gapi.get("/device_detail", mac="5ccf7f0a0001"), 5301)


# -- history data ------------------------------------------------------------------------


async def test_data_latest(gapi: GApi) -> None:
    body = await gapi.ok(f"/devices/{AC_LIVING}/data", limit=1, sort="desc")
    assert body["meta"] == {"total": 3, "limit": 1, "skip": 0, "next": None, "previous": None}
    assert isinstance(body["context"], str)
    (record,) = body["objects"]
    assert record["ts"] == int(EPOCH - 600)
    assert record["attrs"] == {
        "switch": 1,
        "mode": "制冷",
        "fan_speed": "中风",
        "fan_swing": 1,
        "set_temp": 24,
        "on_timing": 0,
        "off_timing": 0,
        "ir_code": "0000000000000000",
        "room_temp": 27.5,
        "fw_info": "01020304",
        "alert_full": 0,
        "alert_shutdown": 0,
        "fault_roomtemp": 0,
    }
    plug = await gapi.latest(PLUG_DESK, PLUG_PRODUCT_KEY)
    assert plug == {
        "switch": 1,
        "led": 1,
        "power": 1200.5,
        "energy": 1234.56,
        "overload": 0,
        "relay_fault": 0,
    }
    # Default: twenty records, newest first, and no context when all were returned.
    everything = await gapi.ok(f"/devices/{AC_LIVING}/data")
    assert [item["ts"] for item in everything["objects"]] == [
        int(EPOCH - 600),
        int(EPOCH - 3600),
        int(EPOCH - 7200),
    ]
    assert everything["context"] is None
    ascending = await gapi.ok(f"/devices/{AC_LIVING}/data", sort="asc")
    assert ascending["objects"] == everything["objects"][::-1]
    never = await gapi.ok(f"/devices/{PLUG_NEW}/data", PLUG_PRODUCT_KEY)
    assert never["objects"] == []
    assert never["meta"]["total"] == 0
    assert never["context"] is None


async def test_data_context_paging(gapi: GApi, clock: Clock) -> None:
    path = f"/devices/{AC_LIVING}/data"
    first = await gapi.ok(path, limit=2, sort="asc")
    assert [item["ts"] for item in first["objects"]] == [int(EPOCH - 7200), int(EPOCH - 3600)]
    context = first["context"]
    # With a context the other parameters are those of the first call.
    second = await gapi.ok(path, context=context, limit=50, sort="desc")
    assert second["meta"] == {"total": 3, "limit": 2, "skip": 2, "next": None, "previous": None}
    assert [item["ts"] for item in second["objects"]] == [int(EPOCH - 600)]
    assert second["context"] is None
    # Used up, unknown, another device's or older than an hour: refused.
    assert_error(await gapi.get(path, context=context), 5002)
    assert_error(await gapi.get(path, context="nope"), 5002)
    other = (await gapi.ok(f"/devices/{AC_BEDROOM}/data", limit=1))["context"]
    assert_error(await gapi.get(path, context=other), 5002)
    stale = (await gapi.ok(path, limit=1))["context"]
    clock.now = EPOCH + 3601
    assert_error(await gapi.get(path, context=stale), 5002)


async def test_data_time_window(gapi: GApi, clock: Clock) -> None:
    path = f"/devices/{AC_LIVING}/data"
    now = int(EPOCH)
    window = await gapi.ok(path, start_ts=now - 4000, end_ts=now - 3000)
    assert [item["ts"] for item in window["objects"]] == [now - 3600]
    start_only = await gapi.ok(path, start_ts=now - 3600)
    assert len(start_only["objects"]) == 2
    end_only = await gapi.ok(path, end_ts=now - 3600)
    assert len(end_only["objects"]) == 2
    assert_error(await gapi.get(path, start_ts=now - 3 * 86400, end_ts=now), 5002)
    assert_error(await gapi.get(path, start_ts=now, end_ts=now - 1), 5002)
    assert_error(await gapi.get(path, start_ts="yesterday"), 5002)
    # By default only the last two days: older reports are not returned.
    study = await gapi.ok(f"/devices/{AC_STUDY}/data", limit=1)
    assert len(study["objects"]) == 1
    clock.now = EPOCH + 2 * 86400
    assert (await gapi.ok(f"/devices/{AC_STUDY}/data", limit=1))["objects"] == []


@pytest.mark.parametrize(("params", "code"), [({"limit": 101}, 5002), ({"sort": "up"}, 5002)])
async def test_data_refusals(gapi: GApi, params: dict[str, Any], code: int) -> None:
    assert_error(await gapi.get(f"/devices/{AC_LIVING}/data", **params), code)


async def test_data_unknown_devices(gapi: GApi) -> None:
    assert_error(await gapi.get("/devices/nosuchdevice/data"), 5301)
    assert_error(await gapi.get(f"/devices/{PLUG_DESK}/data"), 5302)


# -- control -----------------------------------------------------------------------------


async def test_control_attrs(gapi: GApi, gsim: GizwitsSimulator, clock: Clock) -> None:
    clock.now = EPOCH + 5
    reply = await gapi.control(
        AC_LIVING,
        {
            "attrs": {
                "switch": 0,
                "mode": 2,
                "fan_speed": "高风",
                "set_temp": 30,
                "on_timing": 1440,
                "ir_code": "A1B2C3D4E5F60718",
            }
        },
    )
    assert (reply.status, reply.body) == (200, {})
    device = gsim.devices[AC_PRODUCT_KEY][AC_LIVING]
    assert device.attrs["switch"] is False
    assert device.attrs["mode"] == "制热"
    assert device.history[-1].ts == int(EPOCH + 5)
    latest = await gapi.latest(AC_LIVING)
    assert latest["switch"] == 0
    assert latest["mode"] == "制热"
    assert latest["fan_speed"] == "高风"
    assert latest["set_temp"] == 30
    assert latest["on_timing"] == 1440
    assert latest["ir_code"] == "a1b2c3d4e5f60718"
    assert latest["room_temp"] == 27.5  # untouched values are carried over
    body = await gapi.ok(f"/devices/{AC_LIVING}/data")
    assert body["meta"]["total"] == 4

    plug = await gapi.control(PLUG_TV, {"attrs": {"switch": True}}, PLUG_PRODUCT_KEY)
    assert plug.status == 200
    assert (await gapi.latest(PLUG_TV, PLUG_PRODUCT_KEY))["switch"] == 1


@pytest.mark.parametrize(
    ("attrs", "code"),
    [
        ({"nosuch": 1}, 5405),
        ({"room_temp": 20}, 5401),
        ({"fw_info": "00000000"}, 5401),
        ({"alert_full": False}, 5401),
        ({"fault_roomtemp": False}, 5401),
        ({"switch": "on"}, 5401),
        ({"switch": 2}, 5401),
        ({"set_temp": 31}, 5401),
        ({"set_temp": 15}, 5401),
        ({"set_temp": 24.5}, 5401),
        ({"set_temp": "24"}, 5401),
        ({"on_timing": -1}, 5401),
        ({"mode": "冷"}, 5401),
        ({"mode": 5}, 5401),
        ({"fan_speed": None}, 5401),
        ({"ir_code": "a1b2"}, 5401),
        ({"ir_code": "zz" * 8}, 5401),
        ({"ir_code": 12}, 5401),
    ],
)
async def test_control_refused_values(
    gapi: GApi, gsim: GizwitsSimulator, attrs: dict[str, Any], code: int
) -> None:
    before = dict(gsim.devices[AC_PRODUCT_KEY][AC_LIVING].attrs)
    # A valid value alongside does not get applied either.
    assert_error(await gapi.control(AC_LIVING, {"attrs": {"set_temp": 20, **attrs}}), code)
    assert gsim.devices[AC_PRODUCT_KEY][AC_LIVING].attrs == before


async def test_control_refused_devices(gapi: GApi, gsim: GizwitsSimulator) -> None:
    body = {"attrs": {"switch": True}}
    assert_error(await gapi.control("nosuchdevice", body), 5301)
    assert_error(await gapi.control(PLUG_DESK, body), 5302)
    assert_error(await gapi.control(AC_STORE, body), 5304)
    assert_error(await gapi.control(AC_STUDY, body), 5305)
    gsim.set_online(AC_STUDY, True)
    assert (await gapi.control(AC_STUDY, body)).status == 200
    gsim.products[AC_PRODUCT_KEY].remote_control = False
    assert_error(await gapi.control(AC_LIVING, body), 5404)
    assert_error(await gapi.control(AC_LIVING, {"raw": [1]}), 5404)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([1], 5001),
        ({}, 5002),
        ({"attrs": {"switch": True}, "raw": [1]}, 5002),
        ({"attrs": {}}, 5002),
        ({"attrs": [["switch", True]]}, 5002),
        ({"raw": []}, 5408),
        ({"raw": [256]}, 5408),
        ({"raw": [-1]}, 5408),
        ({"raw": [True]}, 5408),
        ({"raw": "616263"}, 5408),
        ({"raw": "zz", "binary_coding": "hex"}, 5408),
        ({"raw": "!!", "binary_coding": "base64"}, 5408),
        ({"raw": "", "binary_coding": "hex"}, 5408),
        ({"raw": [97], "binary_coding": "hex"}, 5408),
        ({"raw": "616263", "binary_coding": "octal"}, 5408),
    ],
)
async def test_control_refused_bodies(gapi: GApi, body: Any, code: int) -> None:
    assert_error(await gapi.control(AC_LIVING, body), code)


async def test_control_non_json(gapi: GApi) -> None:
    assert_error(await gapi.control(AC_LIVING, None, data=b"{"), 5001)


async def test_control_raw(gapi: GApi, gsim: GizwitsSimulator) -> None:
    for body in (
        {"raw": [97, 98, 99]},
        {"raw": "616263", "binary_coding": "hex"},
        {"raw": "YWJj", "binary_coding": "base64"},
    ):
        reply = await gapi.control(PLUG_DESK, body, PLUG_PRODUCT_KEY)
        assert (reply.status, reply.body) == (200, {})
    device = gsim.devices[PLUG_PRODUCT_KEY][PLUG_DESK]
    assert device.raw_commands == [[97, 98, 99]] * 3
    # Raw commands do not change the values.
    assert len(device.history) == 2


async def test_control_without_datapoints(clock: Clock, session: aiohttp.ClientSession) -> None:
    scenario = default_gizwits_scenario()
    scenario.products[1].datapoints = []
    sim = GizwitsSimulator(scenario, clock=clock)
    url = await sim.start()
    try:
        api = GApi(session, url)
        reply = await api.control(PLUG_DESK, {"attrs": {"switch": True}}, PLUG_PRODUCT_KEY)
        assert_error(reply, 5402)
    finally:
        await sim.stop()


# -- reports -----------------------------------------------------------------------------


async def test_summary(gapi: GApi) -> None:
    assert await gapi.ok("/devices/summary") == {
        "active": {"7_day": 6, "yesterday": 1},
        "new": {"7_day": 2, "30_day": 3, "yesterday": 0, "today": 0},
        "total": 6,
        "online": 4,
    }
    assert await gapi.ok("/devices/summary", PLUG_PRODUCT_KEY) == {
        "active": {"7_day": 3, "yesterday": 0},
        "new": {"7_day": 1, "30_day": 3, "yesterday": 0, "today": 1},
        # The plug that never came online is not counted: the total is of devices ever online.
        "total": 3,
        "online": 3,
    }


async def test_fault_and_alert_reports(gapi: GApi, gsim: GizwitsSimulator) -> None:
    faults = await gapi.ok("/fault/report/devices")
    # The bedroom unit's sensor fault was resolved; the meeting room's is not.
    assert faults["gid"] is None
    assert faults["count"] == {"total": 2, "resolved": 1, "unresolved": 1}
    china = faults["location"]["China"]
    assert china["count"] == {"total": 2, "resolved": 1, "unresolved": 1}
    assert china["Guangdong"]["Guangzhou"]["count"] == {"total": 1, "resolved": 1, "unresolved": 0}
    assert china["Shanghai"]["count"] == {"total": 1, "resolved": 0, "unresolved": 1}
    alerts = await gapi.ok("/alert/report/devices")
    assert alerts["count"] == {"total": 1, "resolved": 0, "unresolved": 1}
    assert alerts["location"]["China"]["Guangdong"]["Shenzhen"]["count"]["unresolved"] == 1
    assert list(alerts["location"]["China"]) == ["count", "Guangdong"]

    plug_alerts = await gapi.ok("/alert/report/devices", PLUG_PRODUCT_KEY)
    assert plug_alerts["count"] == {"total": 1, "resolved": 0, "unresolved": 1}
    gsim.report(PLUG_HEATER, {"overload": False, "power": 1800})
    gsim.report(PLUG_NEW, {"relay_fault": True})
    plug_alerts = await gapi.ok("/alert/report/devices", PLUG_PRODUCT_KEY)
    assert plug_alerts["count"] == {"total": 1, "resolved": 1, "unresolved": 0}
    plug_faults = await gapi.ok("/fault/report/devices", PLUG_PRODUCT_KEY)
    # The new plug has no location, so it only counts in the totals.
    assert plug_faults == {
        "gid": None,
        "count": {"total": 1, "resolved": 0, "unresolved": 1},
        "location": {},
    }
    assert_error(await gapi.get("/fault/report/devices", gid="g1"), 5206)


async def test_realtime_report(gapi: GApi) -> None:
    body = await gapi.ok("/devices/report/rt")
    assert body["count"] == {"faulty": 1, "activated": 5, "alert": 1}
    assert body["location"]["China"]["Beijing"]["count"] == {
        "faulty": 0,
        "activated": 1,
        "alert": 0,
    }
    # The document's doubled path is served too.
    assert await gapi.ok("/devices/report/devices/report/rt") == body


# -- the simulator's own API -------------------------------------------------------------


async def test_report_and_online(gapi: GApi, gsim: GizwitsSimulator, clock: Clock) -> None:
    clock.now = EPOCH + 30
    gsim.set_online(PLUG_NEW, True)
    device = gsim.devices[PLUG_PRODUCT_KEY][PLUG_NEW]
    assert device.online_latest == int(EPOCH + 30)
    gsim.set_online(PLUG_NEW, True)  # already online: unchanged
    gsim.report(PLUG_NEW, {"switch": 1, "power": 12.3})
    assert await gapi.latest(PLUG_NEW, PLUG_PRODUCT_KEY) == {"switch": 1, "power": 12.3}
    with pytest.raises(KeyError):
        gsim.report("nosuch", {"switch": True})
    with pytest.raises(KeyError):
        gsim.report(PLUG_NEW, {"nosuch": True})
    with pytest.raises(AttrError):
        gsim.report(PLUG_NEW, {"power": -1})
    with pytest.raises(KeyError):
        gsim.set_online("nosuch", True)
    gsim.set_online(AC_LIVING, False)
    assert_error(await gapi.control(AC_LIVING, {"attrs": {"switch": True}}), 5305)


def test_history_is_capped() -> None:
    sim = GizwitsSimulator(clock=lambda: EPOCH)
    for index in range(HISTORY_MAX + 5):
        sim.report(PLUG_DESK, {"power": index % 100})
    history = sim.devices[PLUG_PRODUCT_KEY][PLUG_DESK].history
    assert len(history) == HISTORY_MAX
    assert history[-1].attrs["power"] == (HISTORY_MAX + 4) % 100


def test_scenarios() -> None:
    scenario = default_gizwits_scenario()
    assert len(scenario.devices) == 10
    assert [product.product_key for product in scenario.products] == [
        AC_PRODUCT_KEY,
        PLUG_PRODUCT_KEY,
    ]
    generated = generate_gizwits_scenario(100, seed=5)
    assert generated == generate_gizwits_scenario(100, seed=5)
    assert generated != generate_gizwits_scenario(100, seed=6)
    assert len({device.did for device in generated.devices}) == 100
    assert sum(not device.is_online for device in generated.devices) == 10
    assert sum(device.is_disabled for device in generated.devices) == 2
    assert generate_gizwits_scenario(0).devices == []
    with pytest.raises(ValueError, match="n must be"):
        generate_gizwits_scenario(-1)
    # The simulator keeps its own copy of the scenario.
    sim = GizwitsSimulator(scenario, clock=lambda: EPOCH)
    scenario.devices[0].mac = "changed"
    assert sim.devices[AC_PRODUCT_KEY][AC_LIVING].mac == "accf23a10001"
    # Devices of a product the scenario does not define are still served under it.
    odd = GizwitsScenario(products=[SimProduct("pk", "ps", "x", None)])
    assert GizwitsSimulator(odd).devices == {"pk": {}}


# -- drift -------------------------------------------------------------------------------


@pytest.fixture
async def drifting(clock: Clock, session: aiohttp.ClientSession) -> AsyncIterator[GApi]:
    sim = GizwitsSimulator(clock=clock, drift=True, seed=11)
    url = await sim.start()
    try:
        yield GApi(session, url)
    finally:
        await sim.stop()


async def test_drift(drifting: GApi, clock: Clock) -> None:
    temps = []
    for step in range(6):
        clock.now = EPOCH + 60 * step
        temps.append((await drifting.latest(AC_LIVING))["room_temp"])
    assert all(a != b for a, b in itertools.pairwise(temps))
    assert all(-10 <= t <= 40 and (t * 2).is_integer() for t in temps)

    plugs = [await drifting.latest(PLUG_DESK, PLUG_PRODUCT_KEY) for _ in range(4)]
    assert len({p["power"] for p in plugs}) > 1
    energies = [p["energy"] for p in plugs]
    assert energies == sorted(energies)
    assert energies[-1] > energies[0]
    # Switched-off plugs draw nothing; offline devices and those never reporting stay put.
    assert (await drifting.latest(PLUG_TV, PLUG_PRODUCT_KEY))["power"] == 0
    study = [await drifting.latest(AC_STUDY) for _ in range(3)]
    assert study[0] == study[1] == study[2]
    empty = await drifting.ok(f"/devices/{PLUG_NEW}/data", PLUG_PRODUCT_KEY)
    assert empty["objects"] == []


async def test_drift_stays_in_range(clock: Clock, session: aiohttp.ClientSession) -> None:
    scenario = default_gizwits_scenario()
    for device in scenario.devices:
        if device.did == AC_MEETING:
            device.attrs["room_temp"] = 40
        if device.did == PLUG_DESK:
            device.attrs.update(power=4000, energy=999999.99)
    sim = GizwitsSimulator(scenario, clock=clock, drift=True, seed=1)
    url = await sim.start()
    try:
        api = GApi(session, url)
        for _ in range(5):
            assert -10 <= (await api.latest(AC_MEETING))["room_temp"] <= 40
            plug = await api.latest(PLUG_DESK, PLUG_PRODUCT_KEY)
            assert plug["power"] <= 4000
            assert plug["energy"] == 999999.99
    finally:
        await sim.stop()


async def test_no_drift(gapi: GApi, clock: Clock) -> None:
    first = await gapi.latest(AC_LIVING)
    clock.now = EPOCH + 600
    assert await gapi.latest(AC_LIVING) == first
    assert (await gapi.ok(f"/devices/{AC_LIVING}/data"))["meta"]["total"] == 3
