"""Paging when a list's count is unusable, or a server ignores the page asked for."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.cniot.client.errors import CniotInvalidResponseError
from custom_components.cniot.gateway.client import GatewayClient
from custom_components.cniot.gizwits.client import GizwitsClient
from custom_components.cniot.tums.client import TumsClient

from .test_parsers import GOOD_TOKEN, FakeTransport


@pytest.fixture(autouse=True)
def loopback_sockets() -> None:
    """No sockets: the transport is replaced."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant needed."""


def _replies(*bodies: Any) -> FakeTransport:
    return FakeTransport([(200, json.dumps(body).encode(), {}) for body in bodies])


def _gateway(sn: str) -> dict[str, Any]:
    return {"base": {"sn": sn}}


async def test_gateway_pages_on_without_a_count() -> None:
    fake = _replies(
        {"code": 0, "count": "many", "devices": [_gateway("A"), _gateway("B")]},
        {"code": 0, "devices": [_gateway("C")]},
    )
    client = GatewayClient(None, "http://gw.test", page_size=2)  # type: ignore[arg-type]
    with patch.object(client._http, "send", fake.send):
        assert list(await client.async_get_devices()) == ["A", "B", "C"]


async def test_gateway_refuses_a_repeated_page() -> None:
    page = {"code": 0, "devices": [_gateway("A"), _gateway("B")]}
    client = GatewayClient(None, "http://gw.test", page_size=2)  # type: ignore[arg-type]
    with (
        patch.object(client._http, "send", _replies(page).send),
        pytest.raises(CniotInvalidResponseError, match="repeats"),
    ):
        await client.async_get_devices()


async def test_gizwits_pages_to_an_empty_page_without_a_total() -> None:
    fake = _replies(
        {"token": "t", "expired_at": 4102444800},
        {"meta": {}, "objects": [{"did": "a"}, {"did": "b"}]},
        {"meta": {"total": None}, "objects": [{"did": "c"}]},
        {"objects": []},
    )
    client = GizwitsClient(
        None,  # type: ignore[arg-type]
        "http://g.test",
        enterprise_id="e",
        enterprise_secret="s",
        product_key="pk",
        product_secret="p",
        clock=lambda: 1_790_000_000.0,
    )
    with patch.object(client._http, "send", fake.send):
        assert [d.did for d in await client.async_get_devices()] == ["a", "b", "c"]
    repeat = FakeTransport(
        [GOOD_TOKEN, *[(200, json.dumps({"objects": [{"did": "a"}]}).encode(), {})] * 7]
    )
    client = GizwitsClient(
        None,  # type: ignore[arg-type]
        "http://g.test",
        enterprise_id="e",
        enterprise_secret="s",
        product_key="pk",
        product_secret="p",
        clock=lambda: 1_790_000_000.0,
    )
    with (
        patch.object(client._http, "send", repeat.send),
        pytest.raises(CniotInvalidResponseError, match="repeats"),
    ):
        await client.async_get_devices()


async def test_tums_pages_on_without_a_total() -> None:
    def page(*qrs: str, total: Any = None) -> dict[str, Any]:
        return {"error_code": 0, "result": {"total": total, "list": [{"qrCode": q} for q in qrs]}}

    client = TumsClient(
        None,  # type: ignore[arg-type]
        "http://t.test",
        access_key="AK",
        secret_key="SK",
        terminal_id="t",
    )
    with (
        patch("custom_components.cniot.tums.client_devices.MAX_PAGE_SIZE", 2),
    ):
        with patch.object(client._http, "send", _replies(page("A", "B"), page("C")).send):
            assert [d.key for d in await client.async_get_devices("device")] == ["A", "B", "C"]
        with (
            patch.object(client._http, "send", _replies(page("A", "B", total=9)).send),
            pytest.raises(CniotInvalidResponseError, match="repeats"),
        ):
            await client.async_get_devices("device")
