"""The /_sim admin API, request recording and the simulator lifecycle."""

from __future__ import annotations

import aiohttp
import pytest

from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario, scenario_from_json

from .conftest import EPOCH, LIST, OFFLINE, SHANGHAI, Api, Clock

MAPPINGS = "/api/v1/mapping/list"


def url_of(sim: GatewaySimulator) -> str | None:
    # A call, so the type checker does not carry the narrowing from before stop().
    return sim.url


async def admin(
    api: Api, method: str, path: str, body: object = None, status: int = 200
) -> dict[str, object]:
    async with api.session.request(method, api.url + path, json=body) as resp:
        assert resp.status == status, await resp.text()
        data: dict[str, object] = await resp.json()
        return data


async def test_fault_endpoints(api: Api, sim: GatewaySimulator) -> None:
    reply = await admin(
        api, "POST", "/_sim/faults", {"kind": "vendor_code", "value": 7006, "remaining": 1}
    )
    assert reply == {
        "faults": [
            {"kind": "vendor_code", "value": 7006, "path_prefix": None, "remaining": 1, "skip": 0}
        ]
    }
    assert (await api.get(MAPPINGS))["code"] == 7006
    assert await admin(api, "GET", "/_sim/faults") == {"faults": []}

    await admin(api, "POST", "/_sim/faults", {"kind": "http_status", "value": 500})
    # Admin calls are never faulted.
    assert len((await admin(api, "GET", "/_sim/faults"))["faults"]) == 1  # type: ignore[arg-type]
    assert await admin(api, "DELETE", "/_sim/faults") == {"faults": []}
    assert (await api.get(MAPPINGS))["code"] == 0

    for bad in ({"kind": "nope"}, {"kind": "html", "extra": 1}, [1], None):
        reply = await admin(api, "POST", "/_sim/faults", bad, status=400)
        assert "error" in reply
    async with api.session.post(api.url + "/_sim/faults", data=b"{") as resp:
        assert resp.status == 400


async def test_online_endpoint(api: Api, sim: GatewaySimulator) -> None:
    reply = await admin(api, "POST", f"/_sim/devices/{SHANGHAI}/online", {"online": False})
    assert reply == {"device": SHANGHAI, "online": False}
    assert not sim.devices[SHANGHAI].online
    state = (await api.query([SHANGHAI], {"base": ["state"]}))["devices"][SHANGHAI]
    assert state["base"]["state"] == "offline"
    assert (await api.set(SHANGHAI, {"base": {"remark": "x"}}))["code"] == 7006

    await admin(api, "POST", f"/_sim/devices/{OFFLINE}/online", {"online": True})
    assert sim.devices[OFFLINE].online
    assert (await api.set(OFFLINE, {"base": {"remark": "x"}}))["code"] == 0

    await admin(api, "POST", "/_sim/devices/NOSUCH/online", {"online": True}, status=404)
    await admin(api, "POST", f"/_sim/devices/{SHANGHAI}/online", {"online": 1}, status=400)
    await admin(api, "POST", f"/_sim/devices/{SHANGHAI}/online", [], status=400)
    async with api.session.post(api.url + f"/_sim/devices/{SHANGHAI}/online", data=b"x") as resp:
        assert resp.status == 400


async def test_requests_recorded(api: Api, sim: GatewaySimulator) -> None:
    await api.list_devices({"base": ["sn"]})
    await api.list_devices({"base": ["sn"]}, page=2)
    await api.get(MAPPINGS)
    async with api.session.post(api.url + LIST, data=b"not json") as resp:
        assert resp.status == 200
    assert [(r.method, r.path) for r in sim.requests] == [
        ("POST", LIST),
        ("POST", LIST),
        ("GET", MAPPINGS),
        ("POST", LIST),
    ]
    assert sim.requests[1].body["page"] == 2
    assert sim.requests[2].body is None
    assert sim.requests[3].body is None
    assert sim.requests[3].raw == b"not json"

    reply = await admin(api, "GET", "/_sim/requests")
    assert reply == {"total": 4, "paths": {LIST: 3, MAPPINGS: 1}}
    detail = await admin(api, "GET", "/_sim/requests?detail=1")
    assert detail["requests"][0]["body"]["page"] == 1  # type: ignore[index]
    # Admin calls are not recorded.
    assert len(sim.requests) == 4
    assert await admin(api, "DELETE", "/_sim/requests") == {"total": 0, "paths": {}}
    assert sim.requests == []


async def test_state_and_reset(api: Api, sim: GatewaySimulator, clock: Clock) -> None:
    clock.now = EPOCH + 50
    await api.set(SHANGHAI, {"base": {"alias": "renamed"}})
    sim.faults.add(Fault(kind="html", path_prefix="/api/v1/mapping/"))
    state = await admin(api, "GET", "/_sim/state")
    assert state["requests"] == 1
    assert state["faults"] == [
        {
            "kind": "html",
            "value": None,
            "path_prefix": "/api/v1/mapping/",
            "remaining": None,
            "skip": 0,
        }
    ]
    assert state["settings"] == {
        "drift": False,
        "set_path": "/api/v1/devices/set",
        "max_devices": 64,
        "latency": 0.0,
        "clock": EPOCH + 50,
    }
    devices = state["gateway"]["devices"]  # type: ignore[index]
    shanghai = devices[0]
    assert shanghai["alias"] == "renamed"
    assert shanghai["runtime"] == 156482 + 50
    assert shanghai["network"]["hotspot"]["passwd"] == "Sh4ngh4i-2024"
    assert shanghai["channel"]["8"]["wifiKey"] == "office-pass-123"
    # The dump is itself a loadable scenario.
    restored = scenario_from_json(state)
    assert restored.gateways[0].alias == "renamed"
    assert len(restored.rules) == 2

    assert await admin(api, "POST", "/_sim/reset") == {"reset": True}
    assert sim.devices[SHANGHAI].alias == "上海1"
    assert not sim.faults.active
    assert sim.requests == []
    assert (await api.get(MAPPINGS))["code"] == 0


async def test_reset_restores_registrations_and_rules(api: Api, sim: GatewaySimulator) -> None:
    await api.post("/api/v1/devices/regist", {"sn": "EXTRA-001", "alias": "extra"})
    await api.post("/api/v1/mapping/delete", {"rules": list(sim.rules)})
    sim.reset()
    assert len(sim.devices) == 4
    assert len(sim.rules) == 2
    # Tests may also edit the live state directly.
    sim.devices[SHANGHAI].remark = "direct"
    assert (await api.query([SHANGHAI], {"base": ["remark"]}))["devices"][SHANGHAI]["base"] == {
        "remark": "direct"
    }


async def test_lifecycle(session: aiohttp.ClientSession) -> None:
    sim = GatewaySimulator()
    assert len(sim.devices) == 4  # the default scenario
    await sim.stop()  # not started: nothing to do
    url = await sim.start("127.0.0.1", 0)
    assert url == sim.url
    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        await sim.start()
    port = int(url.rsplit(":", 1)[1])
    # The port is taken: a second simulator cannot bind it and leaves nothing behind.
    other = GatewaySimulator()
    with pytest.raises(OSError):  # noqa: PT011
        await other.start("127.0.0.1", port)
    assert other.url is None
    await sim.stop()
    assert url_of(sim) is None
    # A stopped simulator can serve again (on a fresh app runner).
    url = await sim.start()
    async with session.get(url + MAPPINGS) as resp:
        assert resp.status == 200
    await sim.stop()


async def test_ipv6_url_format() -> None:
    from simulator.base import format_url

    assert format_url("::1", 8501) == "http://[::1]:8501"
    assert format_url("127.0.0.1", 8501) == "http://127.0.0.1:8501"


def test_default_scenario_is_copied() -> None:
    scenario = default_scenario()
    sim = GatewaySimulator(scenario)
    scenario.gateways[0].alias = "changed outside"
    assert sim.devices[SHANGHAI].alias == "上海1"
    sim.reset()
    assert sim.devices[SHANGHAI].alias == "上海1"
