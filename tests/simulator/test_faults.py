"""Fault injection, the fixed latency and HTTP Basic auth."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
import pytest

from simulator.faults import DEFAULT_HUGE_BYTES, HTML_ERROR_PAGE, Fault, FaultInjector
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario

from .conftest import LIST, QUERY, SHANGHAI, Api

MAPPINGS = "/api/v1/mapping/list"
LIST_BODY = {
    "page": 1,
    "limit": 100,
    "filtration": 0,
    "condition": "",
    "sort_by": 0,
    "ascend": 1,
    "args": {"base": ["sn"]},
}


async def raw_list(api: Api) -> tuple[int, str, bytes]:
    async with api.session.post(api.url + LIST, json=LIST_BODY) as resp:
        return resp.status, resp.content_type, await resp.read()


async def test_http_status(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="http_status", value=503))
    status, content_type, body = await raw_list(api)
    assert (status, content_type) == (503, "text/plain")
    assert b"503" in body
    # Until cleared, every request fails.
    assert (await raw_list(api))[0] == 503
    sim.faults.clear()
    assert (await raw_list(api))[0] == 200

    sim.faults.add(Fault(kind="http_status", value=204, remaining=1))
    assert await raw_list(api) == (204, "application/octet-stream", b"")


async def test_vendor_code(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="vendor_code", value=7019, remaining=1))
    assert await api.post(LIST, LIST_BODY) == {"code": 7019, "msg": "injected"}
    assert (await api.post(LIST, LIST_BODY))["code"] == 0
    assert not sim.faults.active


async def test_html(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="html", remaining=1))
    status, content_type, body = await raw_list(api)
    assert (status, content_type) == (200, "text/html")
    assert body.decode() == HTML_ERROR_PAGE


async def test_truncated(api: Api, sim: GatewaySimulator) -> None:
    full = (await raw_list(api))[2]
    sim.faults.add(Fault(kind="truncated", remaining=1))
    status, content_type, body = await raw_list(api)
    assert (status, content_type) == (200, "application/json")
    assert body == full[: len(full) // 2]
    with pytest.raises(ValueError):  # noqa: PT011
        json.loads(body)


async def test_wrong_types(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="wrong_types", remaining=2))
    assert await api.post(LIST, LIST_BODY) == {
        "code": 0,
        "msg": 0,
        "count": None,
        "devices": "oops",
    }
    assert await api.get(MAPPINGS) == {"code": 0, "msg ": 0, "list": "oops"}


async def test_deep_type_faults(api: Api, sim: GatewaySimulator) -> None:
    """Below the envelope: numbers become strings, leaves null, or every other key goes."""
    clean = await api.post(LIST, LIST_BODY)
    sim.faults.add(Fault(kind="strings_for_numbers", remaining=1))
    reply = await api.post(LIST, LIST_BODY)
    assert reply["code"] == 0
    assert reply["count"] == "n/a"
    assert reply["devices"][0]["base"]["sn"] == clean["devices"][0]["base"]["sn"]

    sim.faults.add(Fault(kind="nulls", remaining=1))
    reply = await api.post(LIST, LIST_BODY)
    assert (reply["code"], reply["count"], reply["msg"]) == (0, None, None)
    assert reply["devices"][0] == {"base": {"sn": None}}

    sim.faults.add(Fault(kind="missing_keys", remaining=1))
    reply = await api.post(LIST, LIST_BODY)
    # Nested objects keep every other key in sorted order: the gateway loses "base".
    assert set(reply) == set(clean)
    assert reply["devices"][0] == {}  # LIST_BODY asks for base only


async def test_skip_lets_requests_through(api: Api, sim: GatewaySimulator) -> None:
    """A fault with skip serves that many matching requests normally first."""
    sim.faults.add(Fault(kind="vendor_code", value=7010, remaining=1, skip=2))
    assert (await api.post(LIST, LIST_BODY))["code"] == 0
    assert (await api.get(MAPPINGS))["code"] == 0
    assert (await api.post(LIST, LIST_BODY))["code"] == 7010
    assert (await api.post(LIST, LIST_BODY))["code"] == 0


async def test_empty_page(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="empty_page", remaining=3))
    reply = await api.post(LIST, LIST_BODY)
    assert (reply["code"], reply["count"], reply["devices"]) == (0, 4, [])
    reply = await api.post(QUERY, {"sns": [SHANGHAI], "args": {}})
    assert reply["devices"] == {}
    assert (await api.get(MAPPINGS))["list"] == []


async def test_huge(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="huge", value=200_000, remaining=1))
    status, _content_type, body = await raw_list(api)
    assert status == 200
    assert 200_000 <= len(body) < 202_000
    data = json.loads(body)
    assert data["code"] == 0
    assert data["count"] == len(data["devices"])

    sim.faults.add(Fault(kind="huge", remaining=1))
    body = (await raw_list(api))[2]
    assert DEFAULT_HUGE_BYTES <= len(body) < DEFAULT_HUGE_BYTES + 2_000
    assert json.loads(body)["code"] == 0


async def test_disconnect(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="disconnect", remaining=1))
    with pytest.raises(aiohttp.ClientError):
        await raw_list(api)
    # The next connection works again.
    assert (await raw_list(api))[0] == 200


async def test_latency_fault_combines(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="latency", value=0.2, remaining=1))
    sim.faults.add(Fault(kind="vendor_code", value=7001, remaining=1))
    started = time.monotonic()
    assert (await api.post(LIST, LIST_BODY))["code"] == 7001
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    assert (await api.post(LIST, LIST_BODY))["code"] == 0
    assert time.monotonic() - started < 0.2


async def test_path_prefix_and_order(api: Api, sim: GatewaySimulator) -> None:
    sim.faults.add(Fault(kind="http_status", value=500, path_prefix="/api/v1/mapping/"))
    sim.faults.add(Fault(kind="http_status", value=502, path_prefix="/api/v1/"))
    async with api.session.get(api.url + MAPPINGS) as resp:
        assert resp.status == 500
    assert (await raw_list(api))[0] == 502
    assert len(sim.faults) == 2


async def test_fixed_latency(session: aiohttp.ClientSession) -> None:
    sim = GatewaySimulator(default_scenario(), latency=0.15)
    url = await sim.start()
    try:
        started = time.monotonic()
        async with session.get(url + MAPPINGS) as resp:
            assert resp.status == 200
        assert time.monotonic() - started >= 0.15
        # The admin API is not delayed.
        started = time.monotonic()
        async with session.get(url + "/_sim/requests") as resp:
            assert resp.status == 200
        assert time.monotonic() - started < 0.15
    finally:
        await sim.stop()
    with pytest.raises(ValueError, match="latency"):
        GatewaySimulator(default_scenario(), latency=-1)


async def test_basic_auth(session: aiohttp.ClientSession) -> None:
    sim = GatewaySimulator(default_scenario(), username="admin", password="s3cret-pass")
    url = await sim.start()
    try:
        async with session.get(url + MAPPINGS) as resp:
            assert resp.status == 401
            assert resp.headers["WWW-Authenticate"].startswith("Basic")
        for auth in (aiohttp.BasicAuth("admin", "wrong"), aiohttp.BasicAuth("root", "s3cret-pass")):
            async with session.post(url + LIST, json=LIST_BODY, auth=auth) as resp:
                assert resp.status == 401
        async with session.get(url + MAPPINGS, headers={"Authorization": "Bearer x"}) as resp:
            assert resp.status == 401
        good = aiohttp.BasicAuth("admin", "s3cret-pass")
        async with session.post(url + LIST, json=LIST_BODY, auth=good) as resp:
            assert resp.status == 200
            assert (await resp.json())["count"] == 4
        async with session.get(url + "/api/v1/unknown", auth=good) as resp:
            assert resp.status == 404
        async with session.get(url + "/api/v1/unknown") as resp:
            assert resp.status == 401
        # The admin API needs no credentials.
        async with session.get(url + "/_sim/state") as resp:
            assert resp.status == 200
        assert len(sim.requests) == 7
    finally:
        await sim.stop()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "explode"}, "unknown fault kind"),
        ({"kind": "latency"}, "latency"),
        ({"kind": "latency", "value": -1}, "latency"),
        ({"kind": "http_status"}, "integer"),
        ({"kind": "http_status", "value": 503.5}, "integer"),
        ({"kind": "http_status", "value": 199}, "200..599"),
        ({"kind": "vendor_code"}, "integer"),
        ({"kind": "huge", "value": 0}, "positive"),
        ({"kind": "html", "value": True}, "finite number"),
        ({"kind": "html", "value": float("nan")}, "finite number"),
        ({"kind": "html", "value": "1"}, "finite number"),
        ({"kind": "html", "path_prefix": "api"}, "path_prefix"),
        ({"kind": "html", "remaining": 0}, "remaining"),
        ({"kind": "html", "remaining": True}, "remaining"),
        ({"kind": "html", "skip": -1}, "skip"),
    ],
)
def test_fault_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault(**kwargs)


def test_fault_json() -> None:
    fault = Fault.from_json({"kind": "http_status", "value": 502, "remaining": 2})
    assert fault == Fault(kind="http_status", value=502, remaining=2)
    assert Fault.from_json(fault.as_json()) == fault
    with pytest.raises(TypeError):
        Fault.from_json([])
    with pytest.raises(TypeError):
        Fault.from_json({"value": 1})
    with pytest.raises(ValueError, match="unknown fault fields"):
        Fault.from_json({"kind": "html", "count": 1})


async def _text(request: web.Request) -> web.StreamResponse:
    return web.Response(text="plain text")


async def _json_list(request: web.Request) -> web.StreamResponse:
    return web.json_response([1, 2])


async def _stream(request: web.Request) -> web.StreamResponse:
    return web.StreamResponse()


@pytest.mark.parametrize(
    "kind", ["truncated", "wrong_types", "empty_page", "strings_for_numbers", "nulls"]
)
@pytest.mark.parametrize("handler", [_text, _json_list, _stream])
async def test_rewriting_faults_leave_other_replies_alone(kind: str, handler: Any) -> None:
    # Replies that are not a JSON object pass through unchanged.
    injector = FaultInjector()
    injector.add(Fault(kind=kind))  # type: ignore[arg-type]
    request = make_mocked_request("GET", "/x")
    original = await handler(request)
    response = await injector.apply(request, handler)
    if kind == "truncated" and handler is not _stream:
        assert isinstance(response, web.Response)
        assert isinstance(original, web.Response)
        body = original.body
        assert isinstance(body, bytes)
        assert response.body == body[: len(body) // 2]
    else:
        assert type(response) is type(original)
        if isinstance(original, web.Response):
            assert response.body == original.body  # type: ignore[attr-defined]
