"""Port-mapping rules and their assignment to gateways."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from simulator.gateway import GatewaySimulator

from .conftest import OFFLINE, RULE_CAMERA, RULE_NMS, SHANGHAI, VEHICLE, Api

LIST = "/api/v1/mapping/list"
ADD = "/api/v1/mapping/add"
EDIT = "/api/v1/mapping/edit"
DELETE = "/api/v1/mapping/delete"
ASSIGN = "/api/v1/device/addMapping"
EDIT_ASSIGNMENT = "/api/v1/device/editMapping"
UNASSIGN = "/api/v1/device/deleteMapping"


def rule(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Web",
        "ip": "198.51.100.7",
        "port": "80,8000-8010",
        "protocol": 0,
        "mark": "",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def edit_body(uuid: str, **changes: Any) -> dict[str, Any]:
    body = rule(**changes)
    body.update(uuid=uuid, devName="", sn="", devType="")
    return body


async def rules_by_name(api: Api) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in (await api.get(LIST))["list"]}


async def test_list_with_msg_quirk(api: Api) -> None:
    reply = await api.get(LIST)
    assert reply["code"] == 0
    assert reply["msg "] == "success"
    assert "msg" not in reply
    assert reply["list"] == [
        {
            "uuid": RULE_NMS,
            "name": "NMS_UDPPort",
            "ip": "192.168.16.56",
            "port": "1935,22000-22010,22222,22048-22058",
            "protocol": 1,
            "devName": "上海1",
            "sn": SHANGHAI,
            "devType": "IG200",
            "mark": "",
        },
        {
            "uuid": RULE_CAMERA,
            "name": "Camera_RTSP",
            "ip": "203.0.113.10",
            "port": "554,8554",
            "protocol": 0,
            "devName": "",
            "sn": "",
            "devType": "",
            "mark": "监控摄像头",
        },
    ]


async def test_errors_also_use_msg_quirk(api: Api) -> None:
    reply = await api.post(ADD, {"name": "x"})
    assert reply["code"] == 7010
    assert "msg " in reply
    assert "msg" not in reply
    async with api.session.post(api.url + ADD, data=b"nope") as resp:
        reply = await resp.json()
    assert reply["code"] == 1
    assert "msg " in reply


async def test_add_edit_delete(api: Api, sim: GatewaySimulator) -> None:
    reply = await api.post(ADD, rule(port=" 80 , 8000-8010", mark="web"))
    assert reply == {"code": 0, "msg ": "success"}
    added = (await rules_by_name(api))["Web"]
    assert re.fullmatch(r"[0-9a-f]{19}", added["uuid"])
    assert (added["ip"], added["port"], added["protocol"], added["mark"]) == (
        "198.51.100.7",
        "80,8000-8010",
        0,
        "web",
    )
    assert added["sn"] == ""

    # A numeric port is accepted; "addr" stands in for "ip" as in the document's table.
    body = edit_body(added["uuid"], name="Web2", ip=None, port=443, protocol=2, mark="m")
    body["addr"] = "198.51.100.8"
    assert (await api.post(EDIT, body))["code"] == 0
    edited = (await rules_by_name(api))["Web2"]
    assert (edited["uuid"], edited["ip"], edited["port"], edited["protocol"]) == (
        added["uuid"],
        "198.51.100.8",
        "443",
        2,
    )
    # Editing a rule to overlap only itself is fine.
    assert (await api.post(EDIT, edit_body(added["uuid"], name="Web2", port="443-444")))[
        "code"
    ] == 0

    reply = await api.post(DELETE, {"rules": [added["uuid"], added["uuid"], "0" * 19]})
    assert reply == {"code": 0, "msg ": ["0" * 19]}
    assert "Web2" not in await rules_by_name(api)
    assert len(sim.rules) == 2


async def test_delete_removes_assignments(api: Api, sim: GatewaySimulator) -> None:
    reply = await api.post(DELETE, {"rules": [RULE_NMS]})
    assert reply == {"code": 0, "msg ": []}
    base = (await api.query([SHANGHAI], {"base": ["mapping"]}))["devices"][SHANGHAI]["base"]
    assert base["mapping"] == []
    assert sim.devices[SHANGHAI].mappings == []
    assert (await api.post(DELETE, {"rules": "x"}))["code"] == 7010


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (rule(name=None), 7010),
        (rule(ip=None), 7010),
        (rule(port=None), 7010),
        (rule(port=True), 7010),
        (rule(protocol=None), 7010),
        (rule(protocol="0"), 7010),
        (rule(mark=None), 7010),
        (rule(name=" "), 7001),
        (rule(name="x" * 65), 7001),
        (rule(ip="198.51.100"), 7001),
        (rule(port=""), 7001),
        (rule(port="0"), 7001),
        (rule(port="65536"), 7001),
        (rule(port="90-80"), 7001),
        (rule(port="80,,81"), 7001),
        (rule(port="http"), 7001),
        (rule(port="80-"), 7001),
        (rule(protocol=3), 7001),
        (rule(name="NMS_UDPPort"), 7002),
        # Same address and protocol, overlapping a range of NMS_UDPPort.
        (rule(ip="192.168.16.56", port="22005", protocol=1), 7003),
        # TCP&UDP overlaps UDP.
        (rule(ip="192.168.16.56", port="1935", protocol=2), 7003),
        (rule(ip="203.0.113.10", port="500-600", protocol=0), 7003),
    ],
)
async def test_add_errors(api: Api, sim: GatewaySimulator, body: dict[str, Any], code: int) -> None:
    reply = await api.post(ADD, body)
    assert reply["code"] == code, reply
    assert len(sim.rules) == 2


@pytest.mark.parametrize(
    "body",
    [
        # Different protocol, different address, or no overlap: no conflict.
        rule(ip="192.168.16.56", port="22005", protocol=0),
        rule(ip="192.168.16.57", port="22005", protocol=1),
        rule(ip="192.168.16.56", port="22011-22047", protocol=1),
    ],
)
async def test_add_without_conflict(api: Api, body: dict[str, Any]) -> None:
    assert (await api.post(ADD, body))["code"] == 0


async def test_edit_errors(api: Api, sim: GatewaySimulator) -> None:
    before = copy.deepcopy(sim.rules)
    assert (await api.post(EDIT, edit_body("f" * 19)))["code"] == 7004
    assert (await api.post(EDIT, edit_body(RULE_CAMERA, name="NMS_UDPPort")))["code"] == 7002
    conflict = edit_body(RULE_CAMERA, ip="192.168.16.56", port="1935", protocol=1)
    assert (await api.post(EDIT, conflict))["code"] == 7003
    assert (await api.post(EDIT, edit_body(RULE_CAMERA, protocol=7)))["code"] == 7001
    missing_sn = edit_body(RULE_CAMERA)
    del missing_sn["sn"]
    assert (await api.post(EDIT, missing_sn))["code"] == 7010
    assert (await api.post(EDIT, {"name": "x"}))["code"] == 7010
    assert sim.rules == before


async def test_assignments(api: Api, sim: GatewaySimulator) -> None:
    reply = await api.post(ASSIGN, {"rule": RULE_CAMERA, "sn": VEHICLE, "ip": "192.168.5.20"})
    assert reply == {"code": 0, "msg ": "success"}
    base = (await api.query([VEHICLE], {"base": ["mapping"]}))["devices"][VEHICLE]["base"]
    assert base["mapping"] == [{"uuid": RULE_CAMERA, "name": "Camera_RTSP", "ip": "192.168.5.20"}]
    camera = (await rules_by_name(api))["Camera_RTSP"]
    assert (camera["devName"], camera["sn"], camera["devType"]) == ("北京-应急车", VEHICLE, "IG200")

    # Assigned to two gateways, the list names the first.
    assert (await api.post(ASSIGN, {"rule": RULE_CAMERA, "sn": SHANGHAI, "ip": "192.168.4.9"}))[
        "code"
    ] == 0
    assert (await rules_by_name(api))["Camera_RTSP"]["sn"] == SHANGHAI

    reply = await api.post(
        EDIT_ASSIGNMENT, {"rule": RULE_CAMERA, "sn": VEHICLE, "ip": "192.168.5.21"}
    )
    assert reply == {"code": 0, "msg ": "success"}
    assert sim.devices[VEHICLE].mappings[0].ip == "192.168.5.21"

    reply = await api.post(UNASSIGN, {"sn": VEHICLE, "rules": [RULE_CAMERA, RULE_NMS]})
    assert reply == {"code": 0, "msg ": [RULE_NMS]}
    assert sim.devices[VEHICLE].mappings == []
    # Unassigning works while the gateway is offline.
    assert (await api.post(UNASSIGN, {"sn": OFFLINE, "rules": []})) == {"code": 0, "msg ": []}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"rule": "f" * 19, "sn": VEHICLE, "ip": "192.168.5.20"}, 7004),
        ({"rule": RULE_CAMERA, "sn": "NOSUCHSN", "ip": "192.168.5.20"}, 7005),
        ({"rule": RULE_CAMERA, "sn": OFFLINE, "ip": "192.168.6.20"}, 7006),
        ({"rule": RULE_CAMERA, "sn": VEHICLE, "ip": "192.168.4.20"}, 7001),
        ({"rule": RULE_CAMERA, "sn": VEHICLE, "ip": "192.168.5.1"}, 7001),
        ({"rule": RULE_CAMERA, "sn": VEHICLE, "ip": "192.168.5.255"}, 7001),
        ({"rule": RULE_CAMERA, "sn": VEHICLE, "ip": "192.168.5"}, 7001),
        ({"rule": RULE_NMS, "sn": SHANGHAI, "ip": "192.168.4.3"}, 7001),
        ({"rule": RULE_CAMERA, "sn": VEHICLE}, 7010),
        ({"rule": 1, "sn": VEHICLE, "ip": "192.168.5.20"}, 7010),
    ],
)
async def test_assign_errors(
    api: Api, sim: GatewaySimulator, body: dict[str, Any], code: int
) -> None:
    assert (await api.post(ASSIGN, body))["code"] == code
    assert sim.devices[VEHICLE].mappings == []


async def test_edit_assignment_errors(api: Api) -> None:
    base = {"rule": RULE_NMS, "sn": SHANGHAI, "ip": "192.168.4.3"}
    assert (await api.post(EDIT_ASSIGNMENT, {**base, "rule": RULE_CAMERA}))["code"] == 7004
    assert (await api.post(EDIT_ASSIGNMENT, {**base, "sn": "NOSUCHSN"}))["code"] == 7005
    assert (await api.post(EDIT_ASSIGNMENT, {**base, "sn": OFFLINE}))["code"] == 7006
    assert (await api.post(EDIT_ASSIGNMENT, {**base, "ip": "10.0.0.3"}))["code"] == 7001
    assert (await api.post(EDIT_ASSIGNMENT, {"rule": RULE_NMS}))["code"] == 7010


async def test_unassign_errors(api: Api) -> None:
    assert (await api.post(UNASSIGN, {"sn": "NOSUCHSN", "rules": []}))["code"] == 7005
    assert (await api.post(UNASSIGN, {"sn": SHANGHAI}))["code"] == 7010
    assert (await api.post(UNASSIGN, {"sn": SHANGHAI, "rules": [1]}))["code"] == 7010


async def test_methods(api: Api) -> None:
    async with api.session.post(api.url + LIST, json={}) as resp:
        assert resp.status == 405
    async with api.session.get(api.url + ADD) as resp:
        assert resp.status == 405
    async with api.session.get(api.url + "/api/v1/nothing") as resp:
        assert resp.status == 404
