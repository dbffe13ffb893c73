"""devices/list and devices/query: shapes, paging, filtering, field selection, offline."""

from __future__ import annotations

import pytest

from simulator.gateway import BASE_FIELDS, GatewaySimulator
from simulator.gateway.state import KB_PER_GB

from .conftest import (
    EPOCH,
    LIST,
    OFFLINE,
    QUERY,
    RULE_NMS,
    SHANGHAI,
    VEHICLE,
    WAREHOUSE,
    Api,
    Clock,
)

SIM_CHANNEL_KEYS = {
    "name", "enable", "state", "signal", "operator", "type", "rateup", "ratedown", "rtt",
    "used", "remain", "total", "innerip", "outerip", "net", "slot", "apn", "initFlow", "ICCID",
    "frequency", "frequencyRange", "rssi", "rssp", "rssq", "sinru", "todayUsedFlow",
    "remainFlow", "is_dhcp", "ip", "mask", "gateway",
}  # fmt: skip
WIFI_CHANNEL_KEYS = {
    "usb_type", "name", "enable", "state", "ssid", "wifiKey", "wifiEncryMode", "wifiMode",
    "wifiSignal", "wifiFrequencyRange", "rateup", "ratedown", "rtt", "used", "innerip",
    "outerip", "is_dhcp", "ip", "mask", "gateway", "ssidList",
}  # fmt: skip


async def test_list_everything(api: Api) -> None:
    reply = await api.list_devices()
    assert reply["code"] == 0
    assert reply["msg"] == "success"
    assert reply["count"] == 4
    devices = {device["base"]["sn"]: device for device in reply["devices"]}
    assert list(devices) == [SHANGHAI, VEHICLE, WAREHOUSE, OFFLINE]

    shanghai = devices[SHANGHAI]
    assert set(shanghai) == {"base", "network", "channel", "parameters"}
    base = shanghai["base"]
    assert list(base) == list(BASE_FIELDS)
    assert base["alias"] == "上海1"
    assert base["state"] == "running"
    assert base["type"] == "IG200"
    assert base["runtime"] == 156482
    assert base["mapping"] == [{"uuid": RULE_NMS, "name": "NMS_UDPPort", "ip": "192.168.4.2"}]
    assert base["record"] == {"time": 1735689600000, "speed": {"up": 56482, "down": 65824}}
    assert base["gps"] == {"lat": 0, "lon": 0}
    channels = shanghai["channel"]
    assert list(channels) == ["0", "1", "2", "8"]
    assert channels["2"] == {}
    assert set(channels["0"]) == SIM_CHANNEL_KEYS
    assert set(channels["8"]) == WIFI_CHANNEL_KEYS
    assert channels["8"]["usb_type"] == 1
    assert channels["0"]["remainFlow"] == channels["0"]["remain"]
    assert channels["0"]["total"] == 100 * KB_PER_GB
    # The gateway's rates are the sum of its connected channels.
    assert base["rateup"] == sum(channels[key]["rateup"] for key in ("0", "1", "8"))
    assert base["ratedown"] == sum(channels[key]["ratedown"] for key in ("0", "1", "8"))
    assert shanghai["network"]["lan"] == {
        "ip": "192.168.4.1",
        "mask": "255.255.255.0",
        "start": "192.168.4.100",
        "end": "192.168.4.199",
    }
    assert set(shanghai["network"]["hotspot"]) == {
        "enable", "name", "passwd", "encrymode", "ap", "chain", "bandwidth", "hidden",
    }  # fmt: skip
    assert shanghai["parameters"] == {"top": 1, "lock": 0}

    vehicle = devices[VEHICLE]
    assert vehicle["base"]["gps"] == {"lat": 39.9042, "lon": 116.4074}
    assert vehicle["channel"]["2"]["type"] == "4G LTE"
    assert set(vehicle["channel"]) == {"0", "1", "2", "8"}

    warehouse = devices[WAREHOUSE]
    assert warehouse["base"]["type"] == "IG300"
    disabled = warehouse["channel"]["1"]
    assert (disabled["enable"], disabled["state"], disabled["rateup"]) == (0, 0, 0)


async def test_list_selected_fields(api: Api) -> None:
    reply = await api.list_devices(
        {"base": ["sn", "state", "nonsense"], "channel": ["0", "2", "5"], "parameters": ["lock"]}
    )
    device = reply["devices"][0]
    assert device == {
        "base": {"sn": SHANGHAI, "state": "running"},
        "channel": {"0": device["channel"]["0"], "2": {}},
        "parameters": {"lock": 0},
    }
    only_network = await api.list_devices({"network": ["hotspot"], "base": []})
    assert set(only_network["devices"][0]) == {"network", "base"}
    assert only_network["devices"][0]["base"] == {}
    assert set(only_network["devices"][0]["network"]) == {"hotspot"}
    # An empty channel list means every channel.
    all_channels = await api.list_devices({"channel": []})
    assert list(all_channels["devices"][0]["channel"]) == ["0", "1", "2", "8"]
    # The list has no chart, even when asked.
    charted = await api.list_devices({"base": ["sn"], "chart": {}})
    assert "chart" not in charted["devices"][0]


async def test_list_paging_and_count(api: Api) -> None:
    first = await api.list_devices({"base": ["sn"]}, limit=3, page=1)
    second = await api.list_devices({"base": ["sn"]}, limit=3, page=2)
    third = await api.list_devices({"base": ["sn"]}, limit=3, page=3)
    assert [d["base"]["sn"] for d in first["devices"]] == [SHANGHAI, VEHICLE, WAREHOUSE]
    assert [d["base"]["sn"] for d in second["devices"]] == [OFFLINE]
    assert third["devices"] == []
    assert first["count"] == second["count"] == third["count"] == 4


@pytest.mark.parametrize(
    ("filtration", "condition", "expected"),
    [
        (0, "ignored", [SHANGHAI, VEHICLE, WAREHOUSE, OFFLINE]),
        (1, "ware", [WAREHOUSE]),
        (1, "应急", [VEHICLE]),
        (1, "", [SHANGHAI, VEHICLE, WAREHOUSE, OFFLINE]),
        (2, "IG300", [WAREHOUSE]),
        (2, "IG3", []),
        (3, "V1.1.2", [SHANGHAI, OFFLINE]),
    ],
)
async def test_list_filtration(
    api: Api, filtration: int, condition: str, expected: list[str]
) -> None:
    reply = await api.list_devices(
        {"base": ["sn"]}, filtration=filtration, condition=condition, limit=1
    )
    assert reply["count"] == len(expected)
    assert [d["base"]["sn"] for d in reply["devices"]] == expected[:1]


@pytest.mark.parametrize(
    "change",
    [
        {"page": 0},
        {"page": "1"},
        {"page": True},
        {"limit": 0},
        {"limit": 1001},
        {"filtration": 4},
        {"condition": None},
        {"sort_by": "name"},
        {"ascend": None},
        {"args": []},
        {"args": {"base": "sn"}},
        {"args": {"channel": [0]}},
    ],
)
async def test_list_parameter_errors(api: Api, change: dict[str, object]) -> None:
    reply = await api.list_devices(**change)
    assert reply["code"] == 7010
    assert "devices" not in reply


async def test_missing_parameter_and_bad_json(api: Api) -> None:
    assert (await api.post(LIST, {"page": 1}))["code"] == 7010
    assert (await api.post(LIST, [1, 2]))["code"] == 7010
    async with api.session.post(api.url + LIST, data=b"{not json") as resp:
        assert resp.status == 200
        reply = await resp.json()
    assert reply["code"] == 1
    assert reply["msg"]
    async with api.session.post(api.url + QUERY, data=b"\xff\xfe") as resp:
        assert (await resp.json())["code"] == 1


async def test_query(api: Api) -> None:
    reply = await api.query([SHANGHAI, "NOPE0000", OFFLINE])
    assert reply["code"] == 0
    devices = reply["devices"]
    assert list(devices) == [SHANGHAI, "NOPE0000", OFFLINE]
    assert devices["NOPE0000"] == {"state": 0}
    shanghai = devices[SHANGHAI]
    assert shanghai["state"] == 1
    assert set(shanghai) == {"state", "base", "network", "channel", "parameters", "chart"}
    chart = shanghai["chart"]
    assert chart["timestamp"] == int(EPOCH * 1000)
    assert set(chart["total"]) == {"rateUp", "rateDown"}
    assert chart["total"]["rateUp"][-1] == shanghai["base"]["rateup"]
    assert set(chart["channel"]) == {"0", "1", "8"}
    assert set(chart["channel"]["8"]) == {"rateUp", "rateDown", "rtt"}
    assert chart["channel"]["8"]["rtt"][-1] == shanghai["channel"]["8"]["rtt"]


async def test_query_selected_fields_and_chart(api: Api, clock: Clock) -> None:
    reply = await api.query(
        [VEHICLE], {"base": ["alias"], "chart": {"total": ["rateDown"], "channel": ["2", "7"]}}
    )
    vehicle = reply["devices"][VEHICLE]
    assert vehicle["base"] == {"alias": "北京-应急车"}
    assert set(vehicle) == {"state", "base", "chart"}
    assert list(vehicle["chart"]["total"]) == ["rateDown"]
    assert list(vehicle["chart"]["channel"]) == ["2"]

    # Each query adds a sample; the buffer keeps the last 60.
    for step in range(70):
        clock.now = EPOCH + step
        await api.query([VEHICLE], {"chart": {"channel": []}})
    chart = (await api.query([VEHICLE], {"chart": {"channel": []}}))["devices"][VEHICLE]["chart"]
    assert chart["total"] == {}
    assert set(chart["channel"]) == {"0", "1", "2", "8"}
    assert len(chart["channel"]["0"]["rateUp"]) == 60
    assert chart["timestamp"] == int((EPOCH + 69) * 1000)

    # An empty chart object asks for the whole chart.
    full = (await api.query([VEHICLE], {"chart": {}}))["devices"][VEHICLE]["chart"]
    assert set(full["total"]) == {"rateUp", "rateDown"}
    assert set(full["channel"]) == {"0", "1", "2", "8"}

    only_totals = await api.query([VEHICLE], {"chart": {"total": []}})
    assert only_totals["devices"][VEHICLE]["chart"]["channel"] == {}
    assert only_totals["devices"][VEHICLE]["chart"]["total"] == {}


@pytest.mark.parametrize(
    "body",
    [
        {"args": {}},
        {"sns": SHANGHAI, "args": {}},
        {"sns": [1], "args": {}},
        {"sns": [SHANGHAI]},
        {"sns": [SHANGHAI], "args": {"chart": []}},
        {"sns": [SHANGHAI], "args": {"chart": {"total": "rateUp"}}},
    ],
)
async def test_query_parameter_errors(api: Api, body: dict[str, object]) -> None:
    assert (await api.post(QUERY, body))["code"] == 7010


async def test_offline_gateway(api: Api, sim: GatewaySimulator) -> None:
    offline = (await api.query([OFFLINE]))["devices"][OFFLINE]
    assert offline["state"] == 1
    assert offline["base"]["state"] == "offline"
    assert (offline["base"]["rateup"], offline["base"]["ratedown"]) == (0, 0)
    assert offline["channel"]["2"] == {}
    for key in ("0", "1"):
        channel = offline["channel"][key]
        assert (channel["state"], channel["rateup"], channel["ratedown"]) == (0, 0, 0)
        assert channel["operator"]

    # Back online, the stored channel values reappear.
    sim.set_online(OFFLINE, True)
    online = (await api.query([OFFLINE]))["devices"][OFFLINE]
    assert online["base"]["state"] == "running"
    assert online["channel"]["0"]["state"] == 1
    assert online["base"]["rateup"] == 6000 + 2000 + 800


async def test_runtime_follows_clock_and_pauses_offline(
    api: Api, sim: GatewaySimulator, clock: Clock
) -> None:
    args = {"base": ["runtime"]}
    clock.now = EPOCH + 100
    assert (await api.query([SHANGHAI], args))["devices"][SHANGHAI]["base"]["runtime"] == 156582
    sim.set_online(SHANGHAI, False)
    sim.set_online(SHANGHAI, False)  # no-op
    clock.now = EPOCH + 1000
    assert (await api.query([SHANGHAI], args))["devices"][SHANGHAI]["base"]["runtime"] == 156582
    sim.set_online(SHANGHAI, True)
    clock.now = EPOCH + 1010
    assert (await api.query([SHANGHAI], args))["devices"][SHANGHAI]["base"]["runtime"] == 156592
    # The offline gateway's runtime stays as the scenario has it.
    assert (await api.query([OFFLINE], args))["devices"][OFFLINE]["base"]["runtime"] == 86400
    with pytest.raises(KeyError):
        sim.set_online("UNKNOWN", True)
