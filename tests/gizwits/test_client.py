"""The Gizwits client and models, against the simulator and a scriptable stub server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
import json
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.cniot.client.errors import (
    CniotAuthenticationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotVendorError,
)
from custom_components.cniot.gizwits.client import (
    DEFAULT_BASE_URL,
    RENEW_BEFORE,
    SUMMARY_CALLS,
    GizwitsClient,
)
from custom_components.cniot.gizwits.models import (
    Datapoint,
    DatapointKind,
    DatapointValueError,
    DataType,
    DevicePage,
    DeviceState,
    GizwitsDevice,
    ProductSchema,
    ProductSummary,
    RateLimit,
    as_bool,
    as_int,
    as_number,
    as_str,
    as_timestamp,
)
from simulator.faults import Fault
from simulator.gizwits import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
    GizwitsSimulator,
    generate_gizwits_scenario,
)
from simulator.gizwits.scenario import AC_GUEST, AC_LIVING, AC_STORE, AC_STUDY, PLUG_DESK, PLUG_NEW
from simulator.gizwits.state import SimEnterprise

EPOCH = 1_790_000_000.0
WEEK = 7 * 86400
SECRETS = {AC_PRODUCT_KEY: AC_PRODUCT_SECRET, PLUG_PRODUCT_KEY: PLUG_PRODUCT_SECRET}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """The client needs no Home Assistant; skip the package-wide hass setup."""


class Clock:
    """A hand-driven clock."""

    def __init__(self, now: float = EPOCH) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Session:
    """An aiohttp session that remembers what it sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._on_start)
        self.session = aiohttp.ClientSession(trace_configs=[trace])

    async def _on_start(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        self.sent.append((params.method, str(params.url), dict(params.headers)))


@pytest.fixture
def sim_clock() -> Clock:
    return Clock()


@pytest.fixture
def client_clock() -> Clock:
    return Clock()


@pytest.fixture
async def gsim(sim_clock: Clock) -> AsyncIterator[GizwitsSimulator]:
    simulator = GizwitsSimulator(clock=sim_clock)
    await simulator.start(host="127.0.0.1", port=0)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
async def recorder() -> AsyncIterator[Session]:
    recording = Session()
    async with recording.session:
        yield recording


type MakeClient = Callable[..., GizwitsClient]


@pytest.fixture
def make_client(gsim: GizwitsSimulator, recorder: Session, client_clock: Clock) -> MakeClient:
    def make(product_key: str = AC_PRODUCT_KEY, **changes: Any) -> GizwitsClient:
        assert gsim.url is not None
        options: dict[str, Any] = {
            "enterprise_id": DEMO_ENTERPRISE_ID,
            "enterprise_secret": DEMO_ENTERPRISE_SECRET,
            "product_key": product_key,
            "product_secret": SECRETS.get(product_key, "x"),
            "clock": client_clock,
        }
        options.update(changes)
        return GizwitsClient(recorder.session, gsim.url, **options)

    return make


@pytest.fixture
def client(make_client: MakeClient) -> GizwitsClient:
    return make_client()


def token_requests(sim: GizwitsSimulator) -> int:
    return sum(1 for r in sim.requests if r.path.endswith("/access_token"))


# -- tokens ------------------------------------------------------------------------------


async def test_token_and_header(
    client: GizwitsClient, gsim: GizwitsSimulator, recorder: Session
) -> None:
    assert client.base_url == gsim.url
    assert client.product_key == AC_PRODUCT_KEY
    assert client.token_expires_at is None
    assert client.rate is None
    await client.async_authenticate()
    assert client.token_expires_at == EPOCH + WEEK
    assert gsim.requests[0].body == {
        "enterprise_id": DEMO_ENTERPRISE_ID,
        "enterprise_secret": DEMO_ENTERPRISE_SECRET,
        "product_secret": AC_PRODUCT_SECRET,
    }
    schema = await client.async_get_schema()
    assert schema.product_key == AC_PRODUCT_KEY
    (token,) = gsim.tokens
    method, url, headers = recorder.sent[-1]
    assert (method, url) == ("GET", f"{gsim.url}/v1/products/{AC_PRODUCT_KEY}/datapoint")
    assert headers["Authorization"] == f"token {token}"
    # The token request itself carries no Authorization; secrets never go in URLs or headers.
    assert "Authorization" not in recorder.sent[0][2]
    for _method, sent_url, sent_headers in recorder.sent:
        for secret in (DEMO_ENTERPRISE_SECRET, AC_PRODUCT_SECRET):
            assert secret not in sent_url
            assert secret not in json.dumps(sent_headers)
    assert client.request_count == 2


async def test_token_reused_until_renewal(
    client: GizwitsClient, gsim: GizwitsSimulator, client_clock: Clock
) -> None:
    await client.async_get_schema()
    await client.async_get_schema()
    await client.async_authenticate()
    assert token_requests(gsim) == 1
    await client.async_authenticate(force=True)
    assert token_requests(gsim) == 2
    assert len(gsim.tokens) == 2

    # Renewed once less than an hour is left.
    expires = client.token_expires_at
    assert expires == EPOCH + WEEK
    client_clock.now = expires - RENEW_BEFORE - 1
    await client.async_get_schema()
    assert token_requests(gsim) == 2
    client_clock.now = expires - RENEW_BEFORE
    await client.async_get_schema()
    assert token_requests(gsim) == 3


async def test_short_tokens_renew_halfway(
    client: GizwitsClient, gsim: GizwitsSimulator, client_clock: Clock, sim_clock: Clock
) -> None:
    gsim.token_ttl = 600
    await client.async_authenticate()
    client_clock.now = sim_clock.now = EPOCH + 299
    await client.async_authenticate()
    assert token_requests(gsim) == 1
    client_clock.now = sim_clock.now = EPOCH + 300
    await client.async_authenticate()
    assert token_requests(gsim) == 2
    assert client.token_expires_at == EPOCH + 900


async def test_renew_and_retry_after_expiry(
    client: GizwitsClient, gsim: GizwitsSimulator, sim_clock: Clock
) -> None:
    gsim.token_ttl = 7200
    seen: list[RateLimit] = []
    client.on_rate_limit = seen.append
    await client.async_authenticate()
    # The server's clock runs ahead: it calls the token expired while the client does not.
    sim_clock.now = EPOCH + 7201
    schema = await client.async_get_schema()
    # Every reply's quota headers are seen, the refused one's included (a new window by then).
    assert [rate.remaining for rate in seen] == [3599, 3599, 3598, 3597]
    assert schema.get("switch") is not None
    paths = [r.path.rsplit("/", 1)[1] for r in gsim.requests]
    assert paths == ["access_token", "datapoint", "access_token", "datapoint"]
    assert client.token_expires_at == EPOCH + 7201 + 7200


@pytest.mark.parametrize("code", [5009, 5010, 5011])
async def test_token_errors_retried_once(
    client: GizwitsClient, gsim: GizwitsSimulator, code: int
) -> None:
    await client.async_authenticate()
    path = f"/v1/products/{AC_PRODUCT_KEY}/datapoint"
    gsim.faults.add(Fault(kind="vendor_code", value=code, path_prefix=path))
    with pytest.raises(CniotVendorError) as err:
        await client.async_get_schema()
    assert err.value.code == code
    assert type(err.value) is CniotVendorError
    assert token_requests(gsim) == 2
    gsim.faults.clear()
    gsim.faults.add(Fault(kind="vendor_code", value=code, remaining=1))
    assert (await client.async_get_schema()).datapoints
    assert token_requests(gsim) == 3


async def test_concurrent_calls_renew_once(
    client: GizwitsClient, gsim: GizwitsSimulator, sim_clock: Clock
) -> None:
    gsim.token_ttl = 7200
    states = await asyncio.gather(*(client.async_get_latest(AC_LIVING) for _ in range(3)))
    assert all(state is not None for state in states)
    assert token_requests(gsim) == 1
    sim_clock.now = EPOCH + 7201
    await asyncio.gather(*(client.async_get_latest(AC_LIVING) for _ in range(5)))
    assert token_requests(gsim) == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"enterprise_id": "nobody"}, 5003),
        ({"enterprise_secret": "wrong"}, 5004),
        ({"product_secret": "wrong"}, 5005),
        ({"product_key": "0" * 32}, 5015),
    ],
)
async def test_refused_credentials(make_client: MakeClient, changes: Any, code: int) -> None:
    client = make_client(**changes)
    with pytest.raises(CniotAuthenticationError) as err:
        await client.async_get_devices()
    assert err.value.code == code
    for secret in ("wrong", DEMO_ENTERPRISE_SECRET, AC_PRODUCT_SECRET):
        assert secret not in str(err.value)


async def test_not_associated(make_client: MakeClient, gsim: GizwitsSimulator) -> None:
    gsim.enterprises["other"] = SimEnterprise("other", "other-secret")
    client = make_client(enterprise_id="other", enterprise_secret="other-secret")
    # 5007 asks for the Enterprise API service: a vendor error, not refused credentials.
    with pytest.raises(CniotVendorError) as err:
        await client.async_authenticate()
    assert type(err.value) is CniotVendorError
    assert err.value.code == 5007
    assert client.token_expires_at is None


# -- errors and rate limits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (5003, CniotAuthenticationError),
        (5004, CniotAuthenticationError),
        (5005, CniotAuthenticationError),
        (5007, CniotVendorError),
        (5015, CniotAuthenticationError),
        (5013, CniotRateLimitedError),
        (5301, CniotVendorError),
        (5304, CniotVendorError),
        (5305, CniotDeviceOfflineError),
        (5012, CniotVendorError),
        (5302, CniotVendorError),
        (5401, CniotVendorError),
        (5402, CniotVendorError),
        (5403, CniotVendorError),
        (5404, CniotVendorError),
        (5405, CniotVendorError),
        (5408, CniotVendorError),
        (5601, CniotVendorError),
        (9999, CniotVendorError),
    ],
)
async def test_error_mapping(
    client: GizwitsClient, gsim: GizwitsSimulator, code: int, error: type[CniotError]
) -> None:
    await client.async_authenticate()
    gsim.faults.add(Fault(kind="vendor_code", value=code, remaining=1))
    with pytest.raises(error) as err:
        await client.async_control(AC_LIVING, {"switch": True})
    assert type(err.value) is error
    assert getattr(err.value, "code", None) == code
    if error is CniotVendorError:
        assert err.value.vendor_message  # type: ignore[attr-defined]


async def test_real_device_errors(client: GizwitsClient, gsim: GizwitsSimulator) -> None:
    with pytest.raises(CniotDeviceOfflineError) as offline:
        await client.async_control(AC_STUDY, {"switch": True})
    assert offline.value.code == 5305
    # A deregistered or unknown device is not an offline one.
    with pytest.raises(CniotVendorError) as disabled:
        await client.async_control(AC_STORE, {"switch": True})
    assert (type(disabled.value), disabled.value.code) == (CniotVendorError, 5304)
    with pytest.raises(CniotVendorError) as unknown:
        await client.async_get_latest("nosuchdevice")
    assert (type(unknown.value), unknown.value.code) == (CniotVendorError, 5301)
    with pytest.raises(CniotVendorError) as other:
        await client.async_get_latest(PLUG_DESK)
    assert other.value.code == 5302
    with pytest.raises(CniotVendorError) as read_only:
        await client.async_control(AC_LIVING, {"room_temp": 20})
    assert read_only.value.code == 5401
    assert "room_temp" in str(read_only.value)
    gsim.products[AC_PRODUCT_KEY].remote_control = False
    with pytest.raises(CniotVendorError) as remote:
        await client.async_control(AC_LIVING, {"switch": True})
    assert remote.value.code == 5404
    gsim.ip_whitelist_ok = False
    with pytest.raises(CniotVendorError) as whitelist:
        await client.async_get_schema()
    assert whitelist.value.code == 5012


async def test_rate_limit_headers(
    client: GizwitsClient, gsim: GizwitsSimulator, client_clock: Clock
) -> None:
    seen: list[RateLimit] = []
    client.on_rate_limit = seen.append
    await client.async_get_schema()
    assert client.rate == RateLimit(limit=3600, remaining=3598, reset=EPOCH + 3600)
    assert [rate.remaining for rate in seen] == [3599, 3598]

    gsim.quota = 3
    await client.async_get_schema()
    assert client.rate is not None
    assert client.rate.remaining == 0
    client_clock.now = EPOCH + 600
    with pytest.raises(CniotRateLimitedError) as err:
        await client.async_get_schema()
    assert err.value.code == 5013
    assert err.value.retry_after == 3000
    # Faulted replies without the headers leave the last known rate in place.
    gsim.faults.add(Fault(kind="vendor_code", value=5013, remaining=1))
    with pytest.raises(CniotRateLimitedError) as bare:
        await client.async_get_schema()
    assert bare.value.retry_after is None
    assert client.rate.remaining == 0
    assert len(seen) == 4


async def test_transport_failures(client: GizwitsClient, gsim: GizwitsSimulator) -> None:
    await client.async_authenticate()
    cases: list[tuple[Fault, type[CniotError]]] = [
        (Fault(kind="http_status", value=503), CniotConnectionError),
        (Fault(kind="http_status", value=404), CniotInvalidResponseError),
        (Fault(kind="http_status", value=429), CniotRateLimitedError),
        (Fault(kind="html"), CniotInvalidResponseError),
        (Fault(kind="truncated"), CniotInvalidResponseError),
        (Fault(kind="wrong_types"), CniotInvalidResponseError),
        # aiohttp retries a GET once on a dropped pooled connection, so it stays on.
        (Fault(kind="disconnect"), CniotConnectionError),
    ]
    for fault, error in cases:
        gsim.faults.add(fault)
        with pytest.raises(error):
            await client.async_get_latest(AC_LIVING)
        gsim.faults.clear()
    assert (await client.async_get_latest(AC_LIVING)) is not None


# -- devices and data --------------------------------------------------------------------


async def test_device_paging(recorder: Session, sim_clock: Clock, client_clock: Clock) -> None:
    sim = GizwitsSimulator(generate_gizwits_scenario(375, seed=2), clock=sim_clock)
    url = await sim.start()
    try:
        client = GizwitsClient(
            recorder.session,
            url,
            enterprise_id=DEMO_ENTERPRISE_ID,
            enterprise_secret=DEMO_ENTERPRISE_SECRET,
            product_key=AC_PRODUCT_KEY,
            product_secret=AC_PRODUCT_SECRET,
            clock=client_clock,
        )
        devices = await client.async_get_devices()
        # Every fiftieth device is deregistered, and left out by show_disabled=0.
        assert len(devices) == 245
        assert len({device.did for device in devices}) == 245
        assert [r.path.rsplit("/", 1)[1] for r in sim.requests].count("search") == 3

        page = await client.async_search_devices(skip=243, limit=5)
        assert page.total == 245
        assert len(page.devices) == 2

        # Read once more first: two empty pages in a row fail the listing.
        sim.faults.add(Fault(kind="empty_page", remaining=2, path_prefix="/v1/"))
        with pytest.raises(CniotInvalidResponseError, match="empty page"):
            await client.async_get_devices()
    finally:
        await sim.stop()


async def test_devices(client: GizwitsClient) -> None:
    page = await client.async_search_devices(limit=2)
    assert isinstance(page, DevicePage)
    assert page.total == 5
    assert len(page.devices) == 2
    devices = {device.did: device for device in await client.async_get_devices()}
    # The deregistered store unit is not asked for.
    assert len(devices) == 5
    assert AC_STORE not in devices
    living = devices[AC_LIVING]
    assert living == GizwitsDevice(
        did=AC_LIVING,
        mac="accf23a10001",
        product_key=AC_PRODUCT_KEY,
        online=True,
        faulty=False,
        alerting=False,
        online_latest=datetime.fromtimestamp(EPOCH - 3 * 3600, tz=UTC),
        created_at=datetime.fromtimestamp(EPOCH - 120 * 86400, tz=UTC),
        latitude=23.125178,
        longitude=113.280637,
        country="China",
        region="Guangdong",
        city="Guangzhou",
        mcu_soft_version="04000001",
        mcu_hard_version="00000001",
        wifi_soft_version="04020035",
        wifi_hard_version="00ESP826",
    )
    assert not devices[AC_STUDY].online
    assert devices[AC_GUEST].alerting


async def test_latest_and_control(
    client: GizwitsClient, make_client: MakeClient, gsim: GizwitsSimulator, sim_clock: Clock
) -> None:
    state = await client.async_get_latest(AC_LIVING)
    assert isinstance(state, DeviceState)
    assert state.timestamp == datetime.fromtimestamp(EPOCH - 600, tz=UTC)
    assert state.attrs["mode"] == "制冷"
    assert state.attrs["switch"] == 1

    schema = await client.async_get_schema()
    changes = {
        "switch": schema.get("switch").validate(0),  # type: ignore[union-attr]
        "mode": schema.get("mode").validate(2),  # type: ignore[union-attr]
        "set_temp": schema.get("set_temp").validate(29.0),  # type: ignore[union-attr]
        "ir_code": schema.get("ir_code").validate("A1B2"),  # type: ignore[union-attr]
    }
    assert changes == {
        "switch": False,
        "mode": "制热",
        "set_temp": 29,
        "ir_code": "a1b2" + "0" * 12,
    }
    sim_clock.now = EPOCH + 5
    await client.async_control(AC_LIVING, changes)
    state = await client.async_get_latest(AC_LIVING)
    assert state is not None
    assert state.timestamp == datetime.fromtimestamp(EPOCH + 5, tz=UTC)
    assert schema.decode(state.attrs) == {
        "switch": False,
        "mode": "制热",
        "fan_speed": "中风",
        "fan_swing": True,
        "set_temp": 29,
        "on_timing": 0,
        "off_timing": 0,
        "ir_code": "a1b2000000000000",
        "room_temp": 27.5,
        "fw_info": "01020304",
        "alert_full": False,
        "alert_shutdown": False,
        "fault_roomtemp": False,
    }

    plug = make_client(PLUG_PRODUCT_KEY)
    assert await plug.async_get_latest(PLUG_NEW) is None
    await plug.async_send_raw(PLUG_DESK, [97, 98, 99])
    assert gsim.devices[PLUG_PRODUCT_KEY][PLUG_DESK].raw_commands == [[97, 98, 99]]
    with pytest.raises(CniotVendorError) as err:
        await plug.async_send_raw(PLUG_DESK, [256])
    assert err.value.code == 5408


async def test_summary(client: GizwitsClient, make_client: MakeClient) -> None:
    await client.async_authenticate()
    before = client.request_count
    assert await client.async_get_summary() == ProductSummary(
        total=6, online=4, faulty=1, alerting=1
    )
    assert client.request_count - before == SUMMARY_CALLS
    plug = make_client(PLUG_PRODUCT_KEY)
    # Total counts devices ever online: the never-connected plug is not among them.
    assert await plug.async_get_summary() == ProductSummary(total=3, online=3, faulty=0, alerting=1)


# -- replies the simulator never sends ---------------------------------------------------


class Stub:
    """A server whose token request works and whose other replies are queued by the test."""

    def __init__(self) -> None:
        self.token: dict[str, Any] = {"token": "stubtoken0123", "expired_at": EPOCH + WEEK}
        self.replies: list[tuple[int, bytes, dict[str, str]]] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner: web.AppRunner | None = None
        self.url = ""

    def queue(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.replies.append((status, raw, headers or {}))

    async def handle(self, request: web.Request) -> web.Response:
        if request.path.endswith("/access_token"):
            return web.json_response(self.token)
        status, raw, headers = self.replies.pop(0)
        return web.Response(status=status, body=raw, headers=headers)

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"


@pytest.fixture
async def stub() -> AsyncIterator[Stub]:
    server = Stub()
    await server.start()
    try:
        yield server
    finally:
        assert server.runner is not None
        await server.runner.cleanup()


@pytest.fixture
def stub_client(stub: Stub, recorder: Session, client_clock: Clock) -> GizwitsClient:
    return GizwitsClient(
        recorder.session,
        stub.url + "/",
        enterprise_id="eid",
        enterprise_secret="e-secret-value",
        product_key="pk",
        product_secret="p-secret-value",
        clock=client_clock,
    )


async def test_stub_error_bodies(stub: Stub, stub_client: GizwitsClient) -> None:
    # The older document writes codes as strings; messages may echo secrets, never shown.
    stub.queue(
        400,
        {
            "error_code": "5305",
            "error_message": "device offline! token stubtoken0123",
            "detail": "e-secret-value p-secret-value",
        },
    )
    with pytest.raises(CniotDeviceOfflineError) as err:
        await stub_client.async_get_latest("d1")
    assert err.value.code == 5305
    text = str(err.value)
    for secret in ("stubtoken0123", "e-secret-value", "p-secret-value"):
        assert secret not in text
    assert "***" in text
    # A code without a message gets the table's text; a coded 200 is still an error.
    stub.queue(200, {"error_code": 5404})
    with pytest.raises(CniotVendorError, match="remote control not allowed"):
        await stub_client.async_control("d1", {"switch": True})
    stub.queue(200, {"error_code": 0, "objects": []})
    assert await stub_client.async_get_latest("d1") is None
    stub.queue(500, {"error_code": 5409, "error_message": "call innerapi failed!"})
    with pytest.raises(CniotVendorError) as inner:
        await stub_client.async_get_latest("d1")
    assert inner.value.code == 5409
    # Transient failures of reads are tried twice.
    stub.queue(502, b"<html>bad gateway</html>")
    stub.queue(502, b"<html>bad gateway</html>")
    with pytest.raises(CniotConnectionError):
        await stub_client.async_get_latest("d1")
    stub.queue(403, b"forbidden")
    with pytest.raises(CniotInvalidResponseError) as forbidden:
        await stub_client.async_get_latest("d1")
    assert forbidden.value.status == 403
    stub.queue(429, b"slow down", {"Retry-After": "7"})
    with pytest.raises(CniotRateLimitedError) as slow:
        await stub_client.async_get_latest("d1")
    assert slow.value.retry_after == 7
    stub.queue(200, b"not json")
    stub.queue(200, b"not json")
    with pytest.raises(CniotInvalidResponseError, match="not JSON"):
        await stub_client.async_get_latest("d1")


async def test_stub_shapes(stub: Stub, stub_client: GizwitsClient) -> None:
    assert stub_client.base_url == stub.url
    stub.queue(200, b"")
    await stub_client.async_control("d1", {"switch": True})
    stub.queue(200, b"")
    await stub_client.async_send_raw("d1", [1])
    stub.queue(200, [1, 2])
    stub.queue(200, [1, 2])
    with pytest.raises(CniotInvalidResponseError, match="not an object"):
        await stub_client.async_get_schema()
    stub.queue(200, {"name": "x"})
    stub.queue(200, {"name": "x"})
    with pytest.raises(CniotInvalidResponseError, match="entities"):
        await stub_client.async_get_schema()
    stub.queue(200, {"objects": {"did": "x"}})
    stub.queue(200, {"objects": {"did": "x"}})
    with pytest.raises(CniotInvalidResponseError, match="objects"):
        await stub_client.async_search_devices()
    stub.queue(200, {"objects": ["x"]})
    assert await stub_client.async_get_latest("d1") is None
    stub.queue(200, {"objects": [{"ts": "never", "attrs": {"a": 1}}]})
    assert await stub_client.async_get_latest("d1") == DeviceState(None, {"a": 1})

    # Odd entities and items are skipped; the first of duplicate names wins.
    stub.queue(
        200,
        {
            "entities": [
                "x",
                {"attrs": "x"},
                {
                    "attrs": [
                        {"name": "a", "type": "W", "data_type": "bool"},
                        {"name": "a", "type": "R", "data_type": "bool"},
                        {"name": "b", "type": "X", "data_type": "bool"},
                        {"type": "W", "data_type": "bool"},
                        7,
                    ]
                },
            ]
        },
    )
    schema = await stub_client.async_get_schema()
    assert schema == ProductSchema(
        name=None,
        product_key=None,
        datapoints=(Datapoint("a", "a", DatapointKind.WRITABLE, DataType.BOOL),),
    )

    # Items without a did are skipped; a missing total counts what is there.
    stub.queue(200, {"meta": {}, "objects": [{"did": "d1", "is_online": True}, {"mac": "m"}, 1]})
    page = await stub_client.async_search_devices(skip=10)
    assert page.total == 13
    assert [device.did for device in page.devices] == ["d1"]
    assert page.devices[0].online
    # A server that caps the page size is paged by what it returns.
    stub.queue(200, {"meta": {"total": 3}, "objects": [{"did": "a"}, {"did": "b"}]})
    stub.queue(200, {"meta": {"total": 3}, "objects": [{"did": "b"}, {"did": "c"}]})
    assert [device.did for device in await stub_client.async_get_devices()] == ["a", "b", "c"]
    stub.queue(200, {"meta": {"total": 0}, "objects": []})
    assert await stub_client.async_get_devices() == []

    stub.queue(200, {"total": "x"})
    stub.queue(200, {"count": {"unresolved": 2}})
    stub.queue(200, {"count": {"unresolved": "x"}})
    assert await stub_client.async_get_summary() == ProductSummary(None, None, 2, None)
    # A report without its count object is unreadable, not zero.
    stub.queue(200, {"count": "x"})
    stub.queue(200, {"count": "x"})
    with pytest.raises(CniotInvalidResponseError, match="no count object"):
        await stub_client.async_get_unresolved("fault")


@pytest.mark.parametrize(
    "token_reply",
    [
        {"expired_at": EPOCH + WEEK},
        {"token": "", "expired_at": EPOCH + WEEK},
        {"token": "a b", "expired_at": EPOCH + WEEK},
        {"token": 5, "expired_at": EPOCH + WEEK},
        {"token": "t"},
    ],
)
async def test_stub_bad_tokens(
    stub: Stub, stub_client: GizwitsClient, token_reply: dict[str, Any]
) -> None:
    stub.token = token_reply
    with pytest.raises(CniotInvalidResponseError):
        await stub_client.async_authenticate()


async def test_stub_expire_at_spelling(stub: Stub, stub_client: GizwitsClient) -> None:
    # The document's table spells the expiry "expire_at".
    stub.token = {"token": "t", "expire_at": EPOCH + 100}
    await stub_client.async_authenticate()
    assert stub_client.token_expires_at == EPOCH + 100


def test_default_base_url(recorder: Session) -> None:
    client = GizwitsClient(
        recorder.session,
        DEFAULT_BASE_URL + "/",
        enterprise_id="e",
        enterprise_secret="s",
        product_key="p",
        product_secret="q",
    )
    assert client.base_url == "https://enterpriseapi.gizwits.com"
    assert client.request_count == 0
    with pytest.raises(ValueError, match="scheme"):
        GizwitsClient(
            recorder.session,
            "ftp://x",
            enterprise_id="e",
            enterprise_secret="s",
            product_key="p",
            product_secret="q",
        )


# -- models ------------------------------------------------------------------------------


async def test_schema_parsing(client: GizwitsClient, make_client: MakeClient) -> None:
    schema = await client.async_get_schema()
    assert schema.name == "智能空调"
    assert [point.name for point in schema.datapoints][:3] == ["switch", "mode", "fan_speed"]
    assert schema.get("nope") is None
    switch = schema.get("switch")
    assert switch == Datapoint("switch", "开关", DatapointKind.WRITABLE, DataType.BOOL)
    assert switch is not None
    assert switch.writable
    mode = schema.get("mode")
    assert mode is not None
    assert mode.options == ("自动", "制冷", "制热", "送风", "除湿")
    set_temp = schema.get("set_temp")
    assert set_temp == Datapoint(
        "set_temp",
        "设定温度",
        DatapointKind.WRITABLE,
        DataType.UINT8,
        minimum=16,
        maximum=30,
        step=1,
        raw_min=0,
        raw_max=14,
        ratio=1,
        addition=16,
    )
    room = schema.get("room_temp")
    assert room is not None
    assert (room.kind, room.minimum, room.maximum, room.step) == (
        DatapointKind.READONLY,
        -10,
        40,
        0.5,
    )
    assert room.is_number
    assert not room.writable
    timing = schema.get("off_timing")
    assert timing is not None
    assert (timing.data_type, timing.maximum) == (DataType.UINT16, 1440)
    ir_code = schema.get("ir_code")
    fw_info = schema.get("fw_info")
    assert ir_code is not None
    assert fw_info is not None
    assert (ir_code.length, ir_code.kind, fw_info.length, fw_info.kind) == (
        8,
        DatapointKind.WRITABLE,
        4,
        DatapointKind.READONLY,
    )
    kinds = {point.name: point.kind for point in schema.datapoints}
    assert kinds["alert_full"] == kinds["alert_shutdown"] == DatapointKind.ALERT
    assert kinds["fault_roomtemp"] == DatapointKind.FAULT

    plug = await make_client(PLUG_PRODUCT_KEY).async_get_schema()
    energy = plug.get("energy")
    power = plug.get("power")
    assert energy is not None
    assert power is not None
    assert (energy.data_type, energy.maximum, energy.step) == (DataType.UINT32, 999999.99, 0.01)
    assert (power.maximum, power.step) == (4000, 0.1)


def test_datapoint_parse_tolerance() -> None:
    parse = Datapoint.parse
    assert parse({"name": "x", "type": "status_writable"}) is None
    assert parse({"name": "x", "type": "status_writable", "data_type": ["bool"]}) is None
    assert parse({"name": "x", "type": "status_writable", "data_type": "float"}) is None
    assert parse({"name": "x", "type": 1, "data_type": "bool"}) is None
    assert parse({"name": "", "type": "W", "data_type": "bool"}) is None
    kinds = [parse({"name": "x", "type": t, "data_type": "bool"}) for t in "WRNE"]
    assert [point.kind for point in kinds if point] == list(DatapointKind)
    # Without uint_spec the type's full range, ratio 1 and addition 0 are assumed.
    bare = parse({"name": "n", "type": "R", "data_type": "uint16"})
    assert bare is not None
    assert (bare.minimum, bare.maximum, bare.step, bare.ratio) == (0, 65535, 1, 1.0)
    odd = parse(
        {
            "name": "n",
            "type": "W",
            "data_type": "uint8",
            "uint_spec": {"min": "2", "max": 10, "ratio": 0, "addition": "1.5"},
        }
    )
    assert odd is not None
    assert (odd.minimum, odd.maximum, odd.step) == (3.5, 11.5, 1)
    inverted = {"name": "n", "type": "W", "data_type": "uint8", "uint_spec": {"min": 5, "max": 1}}
    assert parse(inverted) is None
    enum = parse({"name": "e", "type": "W", "data_type": "enum", "enum": ["a", 2, None, ""]})
    assert enum is not None
    assert enum.options == ("a", "2")
    no_options = parse({"name": "e", "type": "W", "data_type": "enum", "enum": "a,b"})
    assert no_options is not None
    assert no_options.options == ()
    bits = parse(
        {"name": "b", "type": "W", "data_type": "binary", "position": {"len": 12, "unit": "bit"}}
    )
    assert bits is not None
    assert bits.length == 2
    unknown = parse({"name": "b", "type": "W", "data_type": "binary", "position": {"len": 0}})
    assert unknown is not None
    assert unknown.length is None
    assert unknown.validate("abc") == "abc0"


def _point(data_type: DataType, **fields: Any) -> Datapoint:
    return Datapoint("p", "p", DatapointKind.WRITABLE, data_type, **fields)


def test_validate() -> None:
    flag = _point(DataType.BOOL)
    assert (flag.validate(True), flag.validate(0), flag.validate(1)) == (True, False, True)
    enum = _point(DataType.ENUM, options=("低风", "中风", "高风"))
    assert (enum.validate("中风"), enum.validate(2)) == ("中风", "高风")
    temp = Datapoint.parse(
        {
            "name": "t",
            "type": "status_writable",
            "data_type": "uint8",
            "uint_spec": {"min": 0, "max": 100, "ratio": 0.5, "addition": -10},
        }
    )
    assert temp is not None
    assert temp.validate(-10) == -10
    assert temp.validate(25.5) == 25.5
    assert temp.validate(26.0) == 26
    assert isinstance(temp.validate(26.0), int)
    assert temp.validate(40) == 40
    energy = _point(DataType.UINT32, ratio=0.01, raw_min=0, raw_max=99999999, step=0.01)
    assert energy.validate(1234.56) == 1234.56
    # Hand-built numbers without ratio or bounds fall back to the type's.
    plain = _point(DataType.UINT8)
    assert plain.validate(255) == 255
    blob = _point(DataType.BINARY, length=4)
    assert blob.validate("A1B2") == "a1b20000"
    assert blob.validate("1234567") == "12345670"
    assert blob.validate(b"\x01\x02") == "01020000"
    assert blob.validate(bytearray(b"\xff" * 4)) == "ffffffff"
    assert blob.validate([1, 2, 3, 4]) == "01020304"
    assert blob.validate((255,)) == "ff000000"

    failures: list[tuple[Datapoint, Any, str]] = [
        (Datapoint("r", "r", DatapointKind.READONLY, DataType.UINT8), 1, "read_only"),
        (Datapoint("a", "a", DatapointKind.ALERT, DataType.BOOL), True, "read_only"),
        (Datapoint("f", "f", DatapointKind.FAULT, DataType.BOOL), False, "read_only"),
        (flag, "on", "type"),
        (flag, 2, "type"),
        (enum, "冷", "option"),
        (enum, 3, "option"),
        (enum, -1, "option"),
        (enum, True, "type"),
        (enum, 1.0, "type"),
        (temp, "20", "type"),
        (temp, True, "type"),
        (temp, None, "type"),
        (temp, float("inf"), "type"),
        (temp, 40.5, "range"),
        (temp, -10.5, "range"),
        (temp, 25.3, "step"),
        (plain, 256, "range"),
        (plain, 1.5, "step"),
        (blob, "a1b2c3d4e5", "length"),
        (blob, [1, 2, 3, 4, 5], "length"),
        (blob, "xyz", "type"),
        (blob, [256], "type"),
        (blob, [True], "type"),
        (blob, 12, "type"),
    ]
    for point, value, reason in failures:
        with pytest.raises(DatapointValueError) as err:
            point.validate(value)
        assert err.value.reason == reason, (point.data_type, value)
        assert err.value.datapoint == point.name
        assert isinstance(err.value, ValueError)


def test_decode() -> None:
    flag = _point(DataType.BOOL)
    assert [flag.decode(v) for v in (1, 0, True, "true", "1", None)] == [
        True,
        False,
        True,
        True,
        True,
        None,
    ]
    enum = _point(DataType.ENUM, options=("a", "b"))
    decoded = [enum.decode(v) for v in ("b", 1, "1", "c", 5, True, None)]
    # Unknown option text is kept, as the schema may be older than the device.
    assert decoded == ["b", "b", "b", "c", None, None, None]
    blob = _point(DataType.BINARY, length=2)
    assert (blob.decode("ABCD"), blob.decode(12)) == ("abcd", None)
    number = _point(DataType.UINT16)
    assert [number.decode(v) for v in (12, 12.5, "3", None, "x")] == [12, 12.5, 3, None, None]
    schema = ProductSchema("n", "pk", (flag,))
    assert schema.decode({"p": 1, "other": "x"}) == {"p": True, "other": "x"}


def test_device_parsing() -> None:
    # The search example of the document, booleans and all.
    device = GizwitsDevice.parse(
        {
            "city": "Guangzhou",
            "mcu_hard_version": None,
            "did": "kYkSE2xspYjocBhaUHdM5k",
            "country": "China",
            "region": "Guangdong",
            "mac": "virtual:site",
            "longitude": 113.280637,
            "online_latest": 1517296665,
            "is_online": False,
            "latitude": "23.125178",
            "is_alert": False,
            "created_at": 1505789918000,
            "is_faulty": "1",
        }
    )
    assert device is not None
    assert (device.online, device.alerting, device.faulty) == (False, False, True)
    assert device.latitude == 23.125178
    assert device.mcu_hard_version is None
    assert device.created_at == datetime.fromtimestamp(1505789918, tz=UTC)
    assert device.online_latest == datetime.fromtimestamp(1517296665, tz=UTC)
    assert GizwitsDevice.parse({"did": None}) is None
    assert GizwitsDevice.parse({"did": 12}) is not None


def test_scalar_helpers() -> None:
    assert (as_str(" "), as_str(True), as_str(5), as_str([1])) == (None, None, "5", None)
    assert (as_number("1.5"), as_number("x"), as_number(True), as_number(None)) == (
        1.5,
        None,
        None,
        None,
    )
    assert as_number(float("nan")) is None
    assert (as_int("7"), as_int(None)) == (7, None)
    assert (as_bool("false"), as_bool("x"), as_bool(2)) == (False, None, None)
    assert as_timestamp(100) is None
    assert as_timestamp("x") is None
    assert RateLimit.from_headers(
        {
            "x-ratelimit-limit": "60",
            "X-RATELIMIT-REMAINING": "56",
            "X-RateLimit-Reset": "1372700873",
        }
    ) == RateLimit(60, 56, 1372700873)
    assert RateLimit.from_headers({"X-RateLimit-Limit": "60"}) is None
