"""The settings write, registration and deletion."""

from __future__ import annotations

import copy
from typing import Any

import aiohttp
import pytest

from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario
from simulator.gateway.state import KB_PER_GB, SimChannel, WifiChannel

from .conftest import OFFLINE, RULE_NMS, SET, SHANGHAI, VEHICLE, WAREHOUSE, Api

REGIST = "/api/v1/devices/regist"
DELETE = "/api/v1/devices/delete"


async def test_write_changes_state(api: Api, sim: GatewaySimulator) -> None:
    reply = await api.set(
        SHANGHAI,
        {
            "base": {"alias": "上海-总部", "remark": "新备注"},
            "network": {
                "lan": {"ip": "192.168.9.1", "start": "192.168.9.50", "end": "192.168.9.60"},
                "hotspot": {"name": "HQ", "passwd": "longer-pass", "hidden": 1, "enable": 0},
            },
            "channel": {
                "0": {"name": "主卡", "net": "NSA", "slot": 2, "apn": "cmiot", "is_dhcp": False},
                "8": {"ssid": "Other", "wifiKey": "", "ip": "192.168.31.5", "mask": "255.255.0.0"},
            },
            "parameters": {"top": 0, "lock": 1},
        },
    )
    assert reply == {"code": 0, "msg": "success"}
    device = (await api.query([SHANGHAI]))["devices"][SHANGHAI]
    assert device["base"]["alias"] == "上海-总部"
    assert device["base"]["remark"] == "新备注"
    assert device["network"]["lan"] == {
        "ip": "192.168.9.1",
        "mask": "255.255.255.0",
        "start": "192.168.9.50",
        "end": "192.168.9.60",
    }
    hotspot = device["network"]["hotspot"]
    assert (hotspot["name"], hotspot["passwd"], hotspot["hidden"], hotspot["enable"]) == (
        "HQ",
        "longer-pass",
        1,
        0,
    )
    sim0 = device["channel"]["0"]
    assert (sim0["name"], sim0["net"], sim0["slot"], sim0["apn"], sim0["is_dhcp"]) == (
        "主卡",
        "NSA",
        2,
        "cmiot",
        False,
    )
    assert device["channel"]["8"]["ssid"] == "Other"
    assert device["channel"]["8"]["mask"] == "255.255.0.0"
    assert device["parameters"] == {"top": 0, "lock": 1}
    # Other gateways are untouched.
    assert sim.devices[VEHICLE].alias == "北京-应急车"


async def test_channel_enable_side_effects(api: Api, sim: GatewaySimulator) -> None:
    assert (await api.set(SHANGHAI, {"channel": {"1": {"enable": 0}}}))["code"] == 0
    device = (await api.query([SHANGHAI]))["devices"][SHANGHAI]
    channel = device["channel"]["1"]
    assert (channel["enable"], channel["state"], channel["rateup"], channel["ratedown"]) == (
        0,
        0,
        0,
        0,
    )
    assert device["base"]["rateup"] == 8546 + 2200

    assert (await api.set(WAREHOUSE, {"channel": {"1": {"enable": 1}}}))["code"] == 0
    channel = (await api.query([WAREHOUSE]))["devices"][WAREHOUSE]["channel"]["1"]
    assert (channel["enable"], channel["state"]) == (1, 1)
    assert sim.devices[WAREHOUSE].channels["1"] is not None


async def test_flow_fields(api: Api, sim: GatewaySimulator) -> None:
    channel = sim.devices[SHANGHAI].channels["0"]
    assert isinstance(channel, SimChannel)
    used = channel.used
    assert (await api.set(SHANGHAI, {"channel": {"0": {"initFlow": 200}}}))["code"] == 0
    assert channel.total == 200 * KB_PER_GB
    assert channel.remain == 200 * KB_PER_GB - used
    reply = await api.set(
        SHANGHAI, {"channel": {"0": {"initFlow": 10, "remainFlow": 5, "todayUsedFlow": 0}}}
    )
    assert reply["code"] == 0
    view = (await api.query([SHANGHAI], {"channel": ["0"]}))["devices"][SHANGHAI]["channel"]["0"]
    assert (view["initFlow"], view["total"], view["remain"], view["remainFlow"]) == (
        10,
        10 * KB_PER_GB,
        5,
        5,
    )
    assert view["todayUsedFlow"] == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"base": {"sn": "OTHER"}},
        {"base": {"runtime": 1}},
        {"base": {"remark": 5}},
        {"base": {"mapping": []}},
        {"base": "x"},
        {"state": 1},
        {"chart": {}},
        {"network": {"wan": {}}},
        {"network": []},
        {"network": {"lan": {"ip": "300.1.1.1"}}},
        {"network": {"lan": {"mask": "255.0.255.0"}}},
        {"network": {"lan": {"ip": "10.0.0.1"}}},
        {"network": {"lan": {"start": "192.168.4.200", "end": "192.168.4.100"}}},
        {"network": {"lan": {"mask": "255.255.255.255"}}},
        {"network": {"lan": {"gateway": "192.168.4.1"}}},
        {"network": {"hotspot": {"name": ""}}},
        {"network": {"hotspot": {"name": "x" * 33}}},
        {"network": {"hotspot": {"passwd": "short"}}},
        {"network": {"hotspot": {"passwd": "x" * 64}}},
        {"network": {"hotspot": {"enable": 2}}},
        {"network": {"hotspot": {"enable": True}}},
        {"network": {"hotspot": {"bandwidth": 9}}},
        {"network": {"hotspot": {"chain": "1"}}},
        {"channel": {"0": {"enable": 2}}},
        {"channel": {"0": {"state": 1}}},
        {"channel": {"0": {"rateup": 5}}},
        {"channel": {"0": {"net": "5G"}}},
        {"channel": {"0": {"slot": 3}}},
        {"channel": {"0": {"ip": "1.2.3"}}},
        {"channel": {"0": {"initFlow": -1}}},
        {"channel": {"0": {"initFlow": "10"}}},
        {"channel": {"0": {"is_dhcp": "yes"}}},
        {"channel": {"0": {"name": "   "}}},
        {"channel": {"0": {"ssid": "x"}}},
        {"channel": {"8": {"wifiKey": "short"}}},
        {"channel": {"8": {"apn": "cmnet"}}},
        {"channel": {"2": {"enable": 1}}},
        {"channel": {"5": {"enable": 1}}},
        {"channel": {"0": "on"}},
        {"channel": []},
        {"parameters": {"top": 5}},
        {"parameters": {"pin": 1}},
    ],
)
async def test_invalid_writes(api: Api, sim: GatewaySimulator, changes: dict[str, Any]) -> None:
    before = copy.deepcopy(sim.devices)
    reply = await api.set(SHANGHAI, changes)
    assert reply["code"] == 7001, reply
    assert sim.devices == before


async def test_write_is_atomic(api: Api, sim: GatewaySimulator) -> None:
    before = copy.deepcopy(sim.devices)
    # Valid changes on one gateway, an invalid one later in the same request.
    reply = await api.post(
        SET,
        {
            "devices": {
                SHANGHAI: {"base": {"remark": "changed"}, "channel": {"1": {"enable": 0}}},
                VEHICLE: {"network": {"hotspot": {"name": "ok"}}, "channel": {"0": {"slot": 9}}},
            }
        },
    )
    assert reply["code"] == 7001
    assert sim.devices == before
    # The same happens when the failure is a later alias conflict.
    reply = await api.post(
        SET,
        {
            "devices": {
                SHANGHAI: {"base": {"alias": "Warehouse"}},
                VEHICLE: {"base": {"remark": "x"}},
            }
        },
    )
    assert reply["code"] == 7008
    assert sim.devices == before


async def test_write_errors(api: Api, sim: GatewaySimulator) -> None:
    assert (await api.set("UNKNOWN-SN", {"base": {"remark": "x"}}))["code"] == 7005
    assert (await api.set(OFFLINE, {"base": {"remark": "x"}}))["code"] == 7006
    assert (await api.set(SHANGHAI, {"base": {"alias": "北京-应急车"}}))["code"] == 7008
    assert (await api.set(SHANGHAI, {"base": {"alias": ""}}))["code"] == 7009
    assert (await api.set(SHANGHAI, {"base": {"alias": "  "}}))["code"] == 7009
    assert (await api.set(SHANGHAI, {"base": {"alias": "x" * 33}}))["code"] == 7009
    assert (await api.set(SHANGHAI, {"base": {"alias": 7}}))["code"] == 7009
    assert (await api.set(SHANGHAI, "x"))["code"] == 7010
    assert (await api.post(SET, {"devices": []}))["code"] == 7010
    assert (await api.post(SET, {}))["code"] == 7010
    # Keeping one's own alias is fine; swapping aliases in one request is not a conflict.
    assert (await api.set(SHANGHAI, {"base": {"alias": "上海1"}}))["code"] == 0
    reply = await api.post(
        SET,
        {
            "devices": {
                SHANGHAI: {"base": {"alias": "北京-应急车"}},
                VEHICLE: {"base": {"alias": "上海1"}},
            }
        },
    )
    assert reply["code"] == 0
    assert sim.devices[SHANGHAI].alias == "北京-应急车"
    # Two gateways may not end up with the same alias.
    reply = await api.post(
        SET,
        {"devices": {SHANGHAI: {"base": {"alias": "same"}}, VEHICLE: {"base": {"alias": "same"}}}},
    )
    assert reply["code"] == 7008
    # An empty write is a successful no-op.
    assert (await api.post(SET, {"devices": {}}))["code"] == 0


async def test_custom_set_path(session: aiohttp.ClientSession) -> None:
    sim = GatewaySimulator(default_scenario(), set_path="/api/v1/devices/setting")
    url = await sim.start()
    try:
        api = Api(session, url)
        assert (await api.post("/api/v1/devices/setting", {"devices": {}}))["code"] == 0
        async with session.post(url + SET, json={"devices": {}}) as resp:
            assert resp.status == 404
    finally:
        await sim.stop()
    with pytest.raises(ValueError, match="set_path"):
        GatewaySimulator(default_scenario(), set_path="/_sim/set")
    with pytest.raises(ValueError, match="set_path"):
        GatewaySimulator(default_scenario(), set_path="api/set")
    with pytest.raises(ValueError, match="set_path"):
        GatewaySimulator(default_scenario(), set_path="/api/v1/devices/query")
    with pytest.raises(ValueError, match="chart_size"):
        GatewaySimulator(default_scenario(), chart_size=0)


async def test_register_and_delete(api: Api, sim: GatewaySimulator) -> None:
    reply = await api.post(REGIST, {"sn": "NEW_GW-0001", "alias": "新网关"})
    assert reply == {"code": 0, "msg": "success"}
    listed = await api.list_devices({"base": ["sn", "alias", "state"], "channel": []})
    assert listed["count"] == 5
    new = listed["devices"][-1]
    assert new["base"] == {"sn": "NEW_GW-0001", "alias": "新网关", "state": "running"}
    assert list(new["channel"]) == ["0", "1", "2"]
    assert new["channel"]["2"] == {}
    assert new["channel"]["0"]["state"] == new["channel"]["1"]["state"] == 1
    assert (await api.set("NEW_GW-0001", {"channel": {"1": {"enable": 0}}}))["code"] == 0

    reply = await api.post(DELETE, {"sn": SHANGHAI})
    assert reply == {"code": 0, "msg": "success"}
    assert SHANGHAI not in sim.devices
    assert (await api.query([SHANGHAI]))["devices"][SHANGHAI] == {"state": 0}
    # Its rule assignment went with it.
    rules = (await api.get("/api/v1/mapping/list"))["list"]
    nms = next(rule for rule in rules if rule["uuid"] == RULE_NMS)
    assert (nms["sn"], nms["devName"], nms["devType"]) == ("", "", "")
    assert (await api.post(DELETE, {"sn": SHANGHAI}))["code"] == 7005
    assert (await api.post(DELETE, {"sn": 5}))["code"] == 7010
    # Deleting works for an offline gateway too.
    assert (await api.post(DELETE, {"sn": OFFLINE}))["code"] == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"sn": "abc", "alias": "short sn"}, 7005),
        ({"sn": "has space", "alias": "x"}, 7005),
        ({"sn": "x" * 65, "alias": "x"}, 7005),
        ({"sn": SHANGHAI, "alias": "dup sn"}, 7007),
        ({"sn": "NEW00001", "alias": "上海1"}, 7008),
        ({"sn": "NEW00001", "alias": ""}, 7009),
        ({"sn": "NEW00001", "alias": "x" * 33}, 7009),
        ({"sn": "NEW00001"}, 7010),
        ({"sn": 12345678, "alias": "x"}, 7010),
    ],
)
async def test_register_errors(
    api: Api, sim: GatewaySimulator, body: dict[str, object], code: int
) -> None:
    assert (await api.post(REGIST, body))["code"] == code
    assert len(sim.devices) == 4


async def test_register_limit(session: aiohttp.ClientSession) -> None:
    sim = GatewaySimulator(default_scenario(), max_devices=5)
    url = await sim.start()
    try:
        api = Api(session, url)
        assert (await api.post(REGIST, {"sn": "FIFTH-1", "alias": "5"}))["code"] == 0
        assert (await api.post(REGIST, {"sn": "SIXTH-1", "alias": "6"}))["code"] == 7011
        assert len(sim.devices) == 5
    finally:
        await sim.stop()


async def test_usb_wifi_channel_is_a_wifi_channel(sim: GatewaySimulator) -> None:
    assert isinstance(sim.devices[SHANGHAI].channels["8"], WifiChannel)
    assert sim.devices[SHANGHAI].channels["2"] is None
