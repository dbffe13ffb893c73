"""The gateway client and models, on the document's own quirky examples."""

from __future__ import annotations

from datetime import UTC, datetime
import math
from typing import Any

import aiohttp
import pytest

from custom_components.cniot.client.errors import (
    CniotAuthenticationError,
    CniotDeviceOfflineError,
    CniotInvalidResponseError,
    CniotVendorError,
)
from custom_components.cniot.client.http import normalize_base_url, parse_retry_after
from custom_components.cniot.client.parse import epoch_to_datetime
from custom_components.cniot.gateway.client import GatewayClient
from custom_components.cniot.gateway.models import (
    Channel,
    Gateway,
    PortMapping,
    Protocol,
    as_bool,
    as_float,
    as_str,
    get_key,
)
from custom_components.cniot.gateway.validation import (
    validate_ipv4,
    validate_port_spec,
    validate_serial,
)
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator

# The device object of the document's devices/list example, as valid JSON.
DOC_DEVICE = {
    "base": {
        "sn": "172DE6AC9832DE",
        "alias": "上海1",
        "state": "running",
        "type": "IG200",
        "version": "V1.1.2",
        "runtime": 156482,
        "remark": "这是备注",
        "rateup": "58640 Kbps",
        "ratedown": "58640 Kbps",
        "qos": "standard",
        "mapping": [{"uuid": "ebfa83fe9b9aa6a83fe", "name": "NMS_UDPPort", "ip": "192.168.4.2"}],
        "record": {"time": 16589465828, "speed": {"up": 56482, "down": 65824}},
        "gps": {"lat": 0, "lon": 0},
    },
    "network": {
        "lan": {
            "ip": "192.168.4.1",
            "mask": "255.255.255.0",
            "start": "192.168.4.100",
            "end": "192.168.4.199",
        },
        "hotspot": {
            "enable": 1,
            "name": "我的Wi-Fi",
            "passwd": "4564187",
            "encrymode": 0,
            "ap": 1,
            "chain": 16,
            "bandwidth": 2,
            "hidden": 0,
        },
    },
    "channel": {
        "0": {
            "name": "SIM1",
            "enable": 0,
            "state": 0,
            "signal": -30,
            "operator": "CMCC",
            "type": "5G SA",
            "rateup": 8546,
            "ratedown": 6426,
            "rtt": 100,
            "used": 522681,
            "remain": 5658654,
            "total": 100000000,
            "innerip": "192.168.4.6",
            "outerip": "10.10.15.16",
        },
        "1": {},
        "8": {},
    },
    "parameters": {"top": 1, "lock": 0},
}


def test_document_example_parses() -> None:
    """Units glued to numbers, empty channels and 0,0 GPS are all understood."""
    gateway = Gateway.parse(DOC_DEVICE)
    assert gateway is not None
    assert gateway.rate_up == 58640.0
    assert set(gateway.channels) == {"0"}
    assert gateway.channels["0"].kind == "sim"
    assert gateway.channels["0"].enable is False
    assert gateway.has_location is False
    assert gateway.online is True
    assert gateway.top is True
    assert gateway.lock is False
    # An 11-digit timestamp fits neither seconds nor milliseconds: unknown.
    assert gateway.speed_test is not None
    assert gateway.speed_test.time is None
    assert gateway.speed_test.up == 56482
    assert gateway.hotspot is not None
    assert "4564187" not in repr(gateway)
    assert gateway.mappings[0].uuid == "ebfa83fe9b9aa6a83fe"


def test_gateway_without_serial_is_skipped() -> None:
    """An entry without sn cannot be tracked."""
    assert Gateway.parse({"base": {"alias": "x"}}) is None
    assert Gateway.parse({}) is None


def test_channel_kinds_and_radio_spellings() -> None:
    """USB Wi-Fi channels, and the document's rssp/rssq/sinru spellings."""
    wifi = Channel.parse("8", {"usb_type": 1, "wifiSignal": -60, "ssid": "Depot"})
    assert wifi is not None
    assert wifi.kind == "usb_wifi"
    assert wifi.wifi_signal == -60
    usb = Channel.parse("9", {"name": "USB", "enable": 1})
    assert usb is not None
    assert usb.kind == "usb"
    sim = Channel.parse("2", {"rssp": -95, "rssq": -11, "sinru": 13, "ICCID": "8986"})
    assert sim is not None
    assert (sim.rsrp, sim.rsrq, sim.sinr, sim.iccid) == (-95, -11, 13, "8986")
    assert Channel.parse("3", {}) is None


def test_scalar_helpers() -> None:
    """Tolerant conversions refuse what they cannot use."""
    assert as_float("12.5 Mbps") == 12.5
    assert as_float(True) is None
    assert as_float(float("nan")) is None
    assert as_float([1]) is None
    assert as_str("  ") is None
    assert as_str(5) == "5"
    assert as_str(False) is None
    assert as_bool("1") is True
    assert as_bool(True) is True
    assert as_bool("x") is None
    assert epoch_to_datetime(as_float(1_658_466_585_828)) == datetime.fromtimestamp(
        1_658_466_585.828, UTC
    )
    assert epoch_to_datetime(as_float(1_658_466_585)) == datetime.fromtimestamp(1_658_466_585, UTC)
    assert epoch_to_datetime(as_float("soon")) is None
    assert get_key({"msg ": "success"}, "msg") == "success"
    assert get_key({"other": 1}, "msg") is None


def test_port_mapping_parse() -> None:
    """Rules keep the protocol by enum and need a uuid."""
    rule = PortMapping.parse(
        {"uuid": "u1", "name": "n", "ip": "1.2.3.4", "port": "80", "protocol": 2, "mark": ""}
    )
    assert rule is not None
    assert rule.protocol is Protocol.TCP_UDP
    assert rule.as_dict()["protocol"] == "tcp_udp"
    assert PortMapping.parse({"name": "no uuid"}) is None
    odd = PortMapping.parse({"uuid": "u2", "protocol": 9, "addr": "5.6.7.8"})
    assert odd is not None
    assert odd.protocol is None
    assert odd.ip == "5.6.7.8"
    assert odd.as_dict()["protocol"] is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("192.168.1.10", "http://192.168.1.10:8501"),
        ("http://host:9000/", "http://host:9000"),
        ("https://host/base/", "https://host/base"),
        ("http://[::1]", "http://[::1]:8501"),
    ],
)
def test_normalize_base_url(url: str, expected: str) -> None:
    """Scheme and default port are filled in."""
    assert normalize_base_url(url, default_port=8501) == expected


@pytest.mark.parametrize(
    "url", ["ftp://host", "http://", "http://user:pw@host", "http://host:99999", "http://h/?q=1"]
)
def test_normalize_base_url_refuses(url: str) -> None:
    """Only plain http(s) URLs with a host are accepted."""
    with pytest.raises(ValueError, match=r"scheme|host|port|URL"):
        normalize_base_url(url)


def test_retry_after() -> None:
    """Delta-seconds only."""
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1935,22000-22010", "1935,22000-22010"), (" 80 , 443 ", "80,443"), ("1-65535", "1-65535")],
)
def test_port_spec_valid(value: str, expected: str) -> None:
    """Lists of ports and ranges are normalised."""
    assert validate_port_spec(value) == expected


@pytest.mark.parametrize("value", ["", "0", "80,", "a-b", "10-5", "65536", "1-2-3", "-5"])
def test_port_spec_invalid(value: str) -> None:
    """Anything else is refused."""
    with pytest.raises(ValueError, match="port"):
        validate_port_spec(value)


def test_ip_and_serial_validation() -> None:
    """IPv4 and serial checks."""
    assert validate_ipv4(" 10.0.0.1 ") == "10.0.0.1"
    with pytest.raises(ValueError, match="IPv4"):
        validate_ipv4("10.0.0")
    assert validate_serial("ABCD21DCF318BA") == "ABCD21DCF318BA"
    with pytest.raises(ValueError, match="serial"):
        validate_serial("a b")


async def test_client_against_simulator(gateway_sim: GatewaySimulator) -> None:
    """Query, errors and tolerance, straight against the simulator."""
    async with aiohttp.ClientSession() as session:
        assert gateway_sim.url is not None
        client = GatewayClient(session, gateway_sim.url, page_size=2)
        gateways = await client.async_get_devices()
        assert set(gateways) == set(gateway_sim.devices)
        # One request per page; a full last page needs no extra empty one.
        assert client.request_count == math.ceil(len(gateway_sim.devices) / 2)

        sn = next(iter(gateway_sim.devices))
        queried = await client.async_query([sn, "UNKNOWN1"])
        assert queried["UNKNOWN1"] is None
        assert queried[sn] is not None
        assert queried[sn].sn == sn

        with pytest.raises(CniotVendorError) as err:
            await client.async_delete("UNKNOWN1")
        assert err.value.code == 7005

        offline = next((s for s, g in gateway_sim.devices.items() if not g.online), None)
        if offline is not None:
            with pytest.raises(CniotDeviceOfflineError):
                await client.async_set(offline, {"parameters": {"top": 1}})

        # An empty page amid the list fails the listing; it is read once more first.
        # (Pages go out together, so the fault stays until cleared.)
        gateway_sim.faults.add(Fault(kind="empty_page"))
        with pytest.raises(CniotInvalidResponseError):
            await client.async_get_devices()
        gateway_sim.faults.clear()

        # A garbled reply is read again once; only a second one in a row fails.
        for kind in ("wrong_types", "huge"):
            gateway_sim.faults.add(Fault(kind=kind, remaining=1))  # type: ignore[arg-type]
            assert set(await client.async_get_devices()) == set(gateway_sim.devices)
            # Every page of both tries: the pages of one try go out together.
            pages = math.ceil(len(gateway_sim.devices) / 2)
            gateway_sim.faults.add(Fault(kind=kind, remaining=2 * pages))  # type: ignore[arg-type]
            with pytest.raises(CniotInvalidResponseError):
                await client.async_get_devices()

        gateway_sim.faults.add(Fault(kind="vendor_code", value=7016, remaining=1))
        with pytest.raises(CniotAuthenticationError):
            await client.async_get_devices()


async def test_client_reply_shapes(gateway_sim: GatewaySimulator) -> None:
    """Replies that are JSON but not objects, or lack a code, are refused."""
    from aiohttp import web

    def reply(body: object) -> Any:
        async def handler(request: web.Request) -> web.Response:
            return web.json_response(body)

        return handler

    app = web.Application()
    app.router.add_post("/api/v1/devices/list", reply([1, 2]))
    app.router.add_get("/api/v1/mapping/list", reply({"msg": "x"}))
    app.router.add_post("/api/v1/devices/query", reply({"code": 0, "devices": "x"}))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            client = GatewayClient(session, f"http://127.0.0.1:{port}")
            with pytest.raises(CniotInvalidResponseError):
                await client.async_get_devices()
            with pytest.raises(CniotInvalidResponseError):
                await client.async_list_mappings()
            assert await client.async_query(["A"]) == {"A": None}
    finally:
        await runner.cleanup()
