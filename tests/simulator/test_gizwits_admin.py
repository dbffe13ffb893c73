"""Gizwits simulator: its /_sim admin endpoints, state dump, reset, faults and recording."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.faults import Fault
from simulator.gizwits import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
    PLUG_PRODUCT_KEY,
    GizwitsSimulator,
)
from simulator.gizwits.scenario import AC_LIVING, AC_STUDY, PLUG_DESK

from .conftest import EPOCH, Clock
from .test_gizwits_api import GApi, assert_error, gapi, gsim

__all__ = ["gapi", "gsim"]


async def admin(gapi: GApi, path: str, body: Any, status: int = 200) -> Any:
    async with gapi.session.post(gapi.url + path, json=body) as resp:
        assert resp.status == status, await resp.text()
        assert "X-RateLimit-Limit" not in resp.headers
        return await resp.json()


async def test_quota_endpoint(gapi: GApi, gsim: GizwitsSimulator) -> None:
    await gapi.token()
    assert await admin(gapi, "/_sim/gizwits/quota", {"quota": 2}) == {"quota": 2, "reset": False}
    # One call made already: one left, then refused.
    assert (await gapi.get("/datapoint")).rate() == (2, 0, int(EPOCH + 3600))
    assert_error(await gapi.get("/datapoint"), 5013)
    await admin(gapi, "/_sim/gizwits/quota", {"quota": 2, "reset": True})
    assert gsim.enterprises[DEMO_ENTERPRISE_ID].window_start is None
    assert (await gapi.get("/datapoint")).rate()[1] == 1
    assert await admin(gapi, "/_sim/gizwits/quota", {"reset": True}) == {"quota": 2, "reset": True}
    for bad in ({"quota": -1}, {"quota": "5"}, {"quota": True}, {"reset": 1}):
        assert "error" in await admin(gapi, "/_sim/gizwits/quota", bad, status=400)
    assert gsim.quota == 2


async def test_token_ttl_endpoint(gapi: GApi, gsim: GizwitsSimulator, clock: Clock) -> None:
    assert await admin(gapi, "/_sim/gizwits/token_ttl", {"seconds": 30}) == {"token_ttl": 30.0}
    assert gsim.issue_token_ttl == 30
    await gapi.token()
    clock.now = EPOCH + 31
    assert_error(await gapi.get("/datapoint"), 5011)
    for bad in ({"seconds": 0}, {"seconds": "1"}, {"seconds": True}, {}, [1]):
        assert "error" in await admin(gapi, "/_sim/gizwits/token_ttl", bad, status=400)
    async with gapi.session.post(gapi.url + "/_sim/gizwits/token_ttl", data=b"{") as resp:
        assert resp.status == 400


async def test_whitelist_endpoint(gapi: GApi, gsim: GizwitsSimulator) -> None:
    assert await admin(gapi, "/_sim/gizwits/whitelist", {"ok": False}) == {"ok": False}
    assert_error(await gapi.access_token(), 5012)
    await admin(gapi, "/_sim/gizwits/whitelist", {"ok": True})
    assert (await gapi.access_token()).status == 200
    assert "error" in await admin(gapi, "/_sim/gizwits/whitelist", {"ok": 0}, status=400)
    assert gsim.ip_whitelist_ok


async def test_remote_control_endpoint(gapi: GApi, gsim: GizwitsSimulator) -> None:
    body = {"product_key": AC_PRODUCT_KEY, "enabled": False}
    assert await admin(gapi, "/_sim/gizwits/remote_control", body) == body
    assert not gsim.products[AC_PRODUCT_KEY].remote_control
    assert_error(await gapi.control(AC_LIVING, {"attrs": {"switch": False}}), 5404)
    await admin(gapi, "/_sim/gizwits/remote_control", {**body, "enabled": True})
    assert (await gapi.control(AC_LIVING, {"attrs": {"switch": False}})).status == 200
    unknown = {"product_key": "nope", "enabled": True}
    assert "error" in await admin(gapi, "/_sim/gizwits/remote_control", unknown, status=404)
    for bad in ({"product_key": AC_PRODUCT_KEY}, {"enabled": True}):
        assert "error" in await admin(gapi, "/_sim/gizwits/remote_control", bad, status=400)


async def test_report_endpoint(gapi: GApi) -> None:
    reply = await admin(gapi, f"/_sim/gizwits/devices/{PLUG_DESK}/report", {"attrs": {"power": 7}})
    assert reply["did"] == PLUG_DESK
    assert reply["attrs"]["power"] == 7
    assert (await gapi.latest(PLUG_DESK, PLUG_PRODUCT_KEY))["power"] == 7
    path = f"/_sim/gizwits/devices/{PLUG_DESK}/report"
    await admin(gapi, "/_sim/gizwits/devices/nosuch/report", {"attrs": {"power": 1}}, status=404)
    assert (
        "unknown datapoint" in (await admin(gapi, path, {"attrs": {"x": 1}}, status=400))["error"]
    )
    assert "range" in (await admin(gapi, path, {"attrs": {"power": -1}}, status=400))["error"]
    bodies: list[dict[str, Any]] = [{"attrs": {}}, {"attrs": [1]}, {}]
    for body in bodies:
        await admin(gapi, path, body, status=400)


async def test_online_endpoint(gapi: GApi, gsim: GizwitsSimulator) -> None:
    reply = await admin(gapi, f"/_sim/devices/{AC_STUDY}/online", {"online": True})
    assert reply == {"device": AC_STUDY, "online": True}
    assert gsim.devices[AC_PRODUCT_KEY][AC_STUDY].is_online
    await admin(gapi, "/_sim/devices/nosuch/online", {"online": True}, status=404)


async def test_state_and_reset(gapi: GApi, gsim: GizwitsSimulator, clock: Clock) -> None:
    token = await gapi.token()
    await gapi.control(AC_LIVING, {"attrs": {"set_temp": 18}})
    await gapi.control(AC_LIVING, {"raw": [1, 2]})
    gsim.ip_whitelist_ok = False
    gsim.faults.add(Fault(kind="html", path_prefix="/v1/products/x"))
    async with gapi.session.get(gapi.url + "/_sim/state") as resp:
        state = await resp.json()
    assert state["requests"] == 3
    assert state["faults"][0]["kind"] == "html"
    assert state["settings"] == {
        "quota": 3600,
        "token_ttl": 7 * 86400,
        "ip_whitelist_ok": False,
        "drift": False,
        "latency": 0.0,
        "clock": EPOCH,
    }
    dump = state["gizwits"]
    assert dump["enterprises"] == [
        {
            "enterprise_id": DEMO_ENTERPRISE_ID,
            "enterprise_secret": DEMO_ENTERPRISE_SECRET,
            "window_start": EPOCH,
            "calls": 3,
        }
    ]
    ac = dump["products"][0]
    assert (ac["product_key"], ac["product_secret"], ac["remote_control"]) == (
        AC_PRODUCT_KEY,
        AC_PRODUCT_SECRET,
        True,
    )
    assert ac["datapoint"]["entities"][0]["attrs"][0]["name"] == "switch"
    living = dump["devices"][0]
    assert (living["did"], living["name"], living["attrs"]["set_temp"]) == (
        AC_LIVING,
        "客厅空调",
        18,
    )
    assert len(living["history"]) == 4
    assert living["raw_commands"] == [[1, 2]]
    assert len(dump["devices"]) == 10
    assert dump["tokens"] == [
        {
            "token": token,
            "product_key": AC_PRODUCT_KEY,
            "enterprise_id": DEMO_ENTERPRISE_ID,
            "expired_at": EPOCH + 7 * 86400,
        }
    ]

    async with gapi.session.post(gapi.url + "/_sim/reset") as resp:
        assert await resp.json() == {"reset": True}
    assert gsim.ip_whitelist_ok
    assert not gsim.tokens
    assert not gsim.faults.active
    assert gsim.requests == []
    assert gsim.devices[AC_PRODUCT_KEY][AC_LIVING].attrs["set_temp"] == 24
    assert gsim.enterprises[DEMO_ENTERPRISE_ID].calls == 0
    # The old token is gone with the reset.
    assert_error(await gapi.get("/datapoint"), 5009)


async def test_requests_recorded(gapi: GApi, gsim: GizwitsSimulator) -> None:
    await gapi.token()
    await gapi.get("/datapoint")
    assert [(r.method, r.path) for r in gsim.requests] == [
        ("POST", f"/v1/products/{AC_PRODUCT_KEY}/access_token"),
        ("GET", f"/v1/products/{AC_PRODUCT_KEY}/datapoint"),
    ]
    assert gsim.requests[0].body["enterprise_id"] == DEMO_ENTERPRISE_ID


# -- faults ------------------------------------------------------------------------------


async def test_vendor_code_fault(gapi: GApi, gsim: GizwitsSimulator) -> None:
    await gapi.token()
    gsim.faults.add(Fault(kind="vendor_code", value=5305, remaining=1))
    gsim.faults.add(Fault(kind="latency", value=0.01, remaining=1))
    assert_error(await gapi.get("/datapoint"), 5305)
    assert (await gapi.get("/datapoint")).status == 200
    gsim.faults.add(Fault(kind="vendor_code", value=7777, remaining=1))
    reply = await gapi.get("/datapoint")
    assert (reply.status, reply.body) == (
        400,
        {"error_code": 7777, "error_message": "injected", "detail": "injected"},
    )


async def test_empty_page_fault(gapi: GApi, gsim: GizwitsSimulator) -> None:
    await gapi.token()
    gsim.faults.add(Fault(kind="empty_page"))
    reply = await gapi.get("/devices/search")
    assert reply.body["objects"] == []
    assert reply.body["meta"]["total"] == 5
    # The quota headers survive the rewrite; replies without objects are left alone.
    assert reply.rate()[1] == 3598
    assert (await gapi.ok("/datapoint"))["name"] == "智能空调"


@pytest.mark.parametrize(("kind", "status"), [("http_status", 503), ("html", 200)])
async def test_other_faults(gapi: GApi, gsim: GizwitsSimulator, kind: str, status: int) -> None:
    await gapi.token()
    gsim.faults.add(Fault(kind=kind, value=503 if kind == "http_status" else None))  # type: ignore[arg-type]
    reply = await gapi.get("/datapoint")
    assert reply.status == status
    assert reply.body is None
