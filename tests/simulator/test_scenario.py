"""Scenarios: the default set, generation, and JSON files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import (
    default_scenario,
    dump_scenario,
    generate_scenario,
    load_scenario,
    scenario_from_json,
    scenario_to_json,
)
from simulator.gateway.state import ScenarioError, SimChannel, WifiChannel

from .conftest import OFFLINE, RULE_NMS, SHANGHAI, VEHICLE, WAREHOUSE, Api


def test_default_scenario() -> None:
    scenario = default_scenario()
    gateways = {gateway.sn: gateway for gateway in scenario.gateways}
    assert [gateway.alias for gateway in scenario.gateways] == [
        "上海1",
        "北京-应急车",
        "Warehouse",
        "深圳-备用",
    ]
    shanghai = gateways[SHANGHAI]
    assert set(shanghai.channels) == {"0", "1", "2", "8"}
    assert shanghai.channels["2"] is None
    assert isinstance(shanghai.channels["8"], WifiChannel)
    vehicle = gateways[VEHICLE]
    assert (vehicle.lat, vehicle.lon) == (39.9042, 116.4074)
    sims = [ch for ch in vehicle.channels.values() if isinstance(ch, SimChannel)]
    assert len(sims) == 3
    assert "4G LTE" in {ch.network_type for ch in sims}
    warehouse = gateways[WAREHOUSE]
    assert warehouse.model == "IG300"
    assert (warehouse.lat, warehouse.lon) == (0, 0)
    assert [ch.enable for ch in warehouse.channels.values() if ch is not None] == [1, 0, 0]
    assert all(isinstance(gw.channels.get("8"), WifiChannel) for gw in scenario.gateways)
    assert not gateways[OFFLINE].online
    assert scenario.rules[0].uuid == RULE_NMS
    assert [a.uuid for a in shanghai.mappings] == [RULE_NMS]
    # Deterministic.
    assert default_scenario() == default_scenario()


@pytest.mark.parametrize(("n", "channels"), [(0, 2), (1, 0), (50, 4), (250, 2), (3, 6)])
def test_generate_sizes(n: int, channels: int) -> None:
    scenario = generate_scenario(n, channels=channels)
    assert len(scenario.gateways) == n
    assert len({gateway.sn for gateway in scenario.gateways}) == n
    assert len({gateway.alias for gateway in scenario.gateways}) == n
    for gateway in scenario.gateways:
        used = [key for key, channel in gateway.channels.items() if channel is not None]
        assert used == [str(slot) for slot in range(channels)]
        if channels < 6:
            assert gateway.channels[str(channels)] is None
    assert sum(not gateway.online for gateway in scenario.gateways) == n // 10
    scenario_from_json(scenario_to_json(scenario))  # passes its own checks


def test_generate_is_seeded() -> None:
    assert generate_scenario(20, seed=1) == generate_scenario(20, seed=1)
    assert generate_scenario(20, seed=1) != generate_scenario(20, seed=2)
    assert generate_scenario(2).gateways[0].mappings[0].uuid == RULE_NMS
    with pytest.raises(ValueError, match="n must"):
        generate_scenario(-1)
    with pytest.raises(ValueError, match="channels"):
        generate_scenario(1, channels=7)


async def test_generated_benchmark_scenario_serves(session: aiohttp.ClientSession) -> None:
    sim = GatewaySimulator(generate_scenario(50, channels=4), drift=True)
    url = await sim.start()
    try:
        api = Api(session, url)
        reply = await api.list_devices(limit=100)
        assert reply["count"] == 50
        assert len(reply["devices"]) == 50
        first = reply["devices"][0]
        assert [key for key, value in first["channel"].items() if value] == ["0", "1", "2", "3"]
        assert first["channel"]["4"] == {}
    finally:
        await sim.stop()


def test_json_round_trip(tmp_path: Path) -> None:
    scenario = default_scenario()
    path = tmp_path / "scenario.json"
    dump_scenario(scenario, path)
    text = path.read_text(encoding="utf-8")
    assert "上海1" in text  # written as UTF-8, not escaped
    assert load_scenario(path) == scenario
    data = json.loads(text)
    assert data["gateway"]["devices"][0]["channel"]["2"] == {}
    assert data["gateway"]["devices"][0]["channel"]["8"]["usb_type"] == 1


def test_minimal_file_and_other_sections(tmp_path: Path) -> None:
    path = tmp_path / "min.json"
    path.write_text(
        json.dumps(
            {
                "gizwits": {"whatever": True},
                "gateway": {
                    "devices": [
                        {"sn": "MIN-0001", "alias": "min", "channel": {"0": {"rateup": 1.5}}}
                    ]
                },
            }
        ),
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert scenario.rules == []
    gateway = scenario.gateways[0]
    assert gateway.model == "IG200"
    channel = gateway.channels["0"]
    assert isinstance(channel, SimChannel)
    assert channel.rateup == 1.5
    assert load_scenario_text(tmp_path, "{}").gateways == []


def load_scenario_text(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def _default_json() -> dict[str, Any]:
    return scenario_to_json(default_scenario())


def _broken(change: Any) -> dict[str, Any]:
    data = _default_json()
    change(data["gateway"])
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ({"gateway": []}, "expected an object"),
        ({"gateway": {"devices": {}}}, "are lists"),
        (_broken(lambda g: g["devices"][0].pop("sn")), "required strings"),
        (_broken(lambda g: g["devices"][0].update(color="red")), "unknown keys"),
        (_broken(lambda g: g["devices"][0].update(runtime="1")), "expected float"),
        (_broken(lambda g: g["devices"][0].update(online=1)), "expected bool"),
        (_broken(lambda g: g["devices"][0]["record"].update(time=1.5)), "expected int"),
        (_broken(lambda g: g["devices"][0]["network"].update(wan={})), "unknown keys"),
        (_broken(lambda g: g["devices"][0]["network"].update(lan=[])), "expected an object"),
        (_broken(lambda g: g["devices"][0]["channel"].update(x={})), "channel numbers"),
        (_broken(lambda g: g["devices"][0]["channel"].update({"9": {"usb_type": 2}})), "usb"),
        (_broken(lambda g: g["devices"][0]["channel"]["0"].update(enable=True)), "int"),
        (_broken(lambda g: g["devices"][0]["channel"]["8"].update(ssidList=[1])), "list"),
        (_broken(lambda g: g["devices"][0]["channel"]["0"].update(signal=float("inf"))), "float"),
        (_broken(lambda g: g["devices"][0].update(mapping={})), "expected a list"),
        (_broken(lambda g: g["devices"][0]["mapping"].append({"uuid": "x", "ip": "1.1.1.1"})),
         "unknown rule"),
        (_broken(lambda g: g["devices"][1].update(sn=SHANGHAI)), "duplicate sn"),
        (_broken(lambda g: g["devices"][1].update(alias="上海1")), "duplicate alias"),
        (_broken(lambda g: g["rules"].append(copy.deepcopy(g["rules"][0]))), "duplicate rule"),
        (_broken(lambda g: g["rules"][0].pop("port")), "required strings"),
        (_broken(lambda g: g["rules"][0].update(port="0")), "invalid ip or port"),
        (_broken(lambda g: g["rules"][0].update(protocol=5)), "protocol"),
        (_broken(lambda g: g["devices"][0]["network"]["lan"].update(mask="255.255.255.255")),
         "LAN"),
        (_broken(lambda g: g["devices"][0]["network"]["lan"].update(ip="x")), "LAN"),
        (_broken(lambda g: g["devices"][0]["network"]["lan"].update(start="10.0.0.1")), "LAN"),
        (_broken(lambda g: g["devices"][0]["network"]["lan"].update(start="192.168.4.250")),
         "LAN"),
        (_broken(lambda g: g["devices"][0]["network"]["lan"].update(end="192.168.4")), "LAN"),
    ],
)  # fmt: skip
def test_invalid_scenarios(data: Any, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_json(data)


def test_invalid_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not JSON"):
        load_scenario_text(tmp_path, "{")
    with pytest.raises(OSError):  # noqa: PT011
        load_scenario(tmp_path / "missing.json")
