"""The TUMS client against a small signature-checking fake cloud on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.utils import formatdate
import json
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
    CniotRequestRefusedError,
    CniotVendorError,
)
from custom_components.cniot.tums import signing
from custom_components.cniot.tums.client import TumsClient
from custom_components.cniot.tums.client_core import (
    DEFAULT_BASE_URL,
    MAX_CONCURRENCY,
    TumsAccessDeniedError,
    TumsTransientError,
    error_for,
    server_time,
)
from custom_components.cniot.tums.codes import (
    AlarmType,
    ApplicationType,
    PassengerFlowAccuracy,
    SdCardStatus,
    StreamResolution,
    StreamType,
    TimingMode,
    UpgradeStatus,
)
from custom_components.cniot.tums.models import Device, DeviceRef
from custom_components.cniot.tums.paths import (
    PATH_CHECK_FIRMWARE,
    PATH_DEVICE_LIST,
    PATH_DEVICE_PASSENGER_FLOW,
    PATH_FLV_CLOSE_REASON,
    PATH_FLV_URL,
    PATH_FORMAT_SD_CARD,
    PATH_GET_PUSH_CONFIG,
    PATH_GET_PUSH_SK,
    PATH_GET_RECORD_LOOP,
    PATH_GET_SOLAR_SUPPLY,
    PATH_GET_TIME_SYNC,
    PATH_GET_TIMING_REBOOT,
    PATH_MANUAL_TIMING,
    PATH_OVERVIEW,
    PATH_PASSENGER_FLOW_DEVICES,
    PATH_PTZ_RESET,
    PATH_PTZ_RESET_SUPPORT,
    PATH_REBOOT,
    PATH_RENAME,
    PATH_SD_CARDS,
    PATH_SET_ALARM_INPUT,
    PATH_SET_ALARM_OUTPUT,
    PATH_SET_DETECTION,
    PATH_SET_PUSH_CONFIG,
    PATH_SET_PUSH_SK,
    PATH_SET_RECORD_LOOP,
    PATH_SET_SOLAR_SUPPLY,
    PATH_SET_TIME_SYNC,
    PATH_SET_TIMING_REBOOT,
    PATH_SOLAR_LOAD_RESET,
    PATH_SOLAR_METRICS,
    PATH_SOLAR_POWER,
    PATH_STREAM_URL,
    PATH_TRIGGER_ALARM,
    PATH_UPGRADE,
    PATH_UPGRADE_INFO,
)

AK = "ZDkxZmIyNTc2NTg4NTg2ODcxNDE3NTI3YzMyNWU0"
SK = "0123456789abcdef0123456789abcdef"
TERMINAL_ID = "fa5d13475934410b9398a95be95f7079"
NOW = 1_790_000_000.0
QR = "16E0091709B04C926"

Handler = Callable[[dict[str, Any]], Any]


@dataclass
class Call:
    """One request the fake cloud received."""

    path: str
    body: bytes
    headers: dict[str, str]
    fields: dict[str, str]

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeCloud:
    """Verifies every signature and answers from per-path handlers.

    A handler returns the envelope dict, or a ``web.Response`` for raw replies.
    The cloud's clock is ``skew`` seconds ahead of the client's.
    """

    skew: float = 0.0
    handlers: dict[str, Handler] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    send_date: bool = True
    # When set, replies wait for it after the signature was checked (requests in flight).
    gate: asyncio.Event | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        header = request.headers.get(signing.AUTH_HEADER, "")
        fields = signing.verify(SK, header, request.method, request.path, body)
        self.calls.append(Call(request.path, body, dict(request.headers), fields or {}))
        if fields is None:
            return web.json_response({"error_code": -10301, "msg": "signature mismatch"})
        now = NOW + self.skew
        if abs(int(fields["Timestamp"]) - now) > 300:
            # aiohttp adds a Date header unless one is set; an empty one stands for none.
            date = formatdate(now, usegmt=True) if self.send_date else ""
            headers = {"Date": date}
            return web.json_response({"error_code": -10302}, headers=headers)
        if self.gate is not None:
            await self.gate.wait()
        handler = self.handlers.get(request.path)
        if handler is None:
            return web.json_response({"error_code": -82433, "msg": "no such API"})
        reply = handler(json.loads(body))
        if isinstance(reply, web.StreamResponse):
            return reply
        return web.json_response(reply)

    def paths(self) -> list[str]:
        return [call.path for call in self.calls]


@pytest.fixture
async def cloud() -> AsyncIterator[tuple[FakeCloud, str]]:
    fake = FakeCloud()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield fake, f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def fake(cloud: tuple[FakeCloud, str]) -> FakeCloud:
    return cloud[0]


@pytest.fixture
def client(cloud: tuple[FakeCloud, str], session: aiohttp.ClientSession) -> TumsClient:
    return TumsClient(
        session,
        cloud[1],
        access_key=AK,
        secret_key=SK,
        terminal_id=TERMINAL_ID,
        clock=lambda: NOW,
    )


def ok(result: Any = None, **extra: Any) -> Handler:
    def handler(_payload: dict[str, Any]) -> Any:
        reply: dict[str, Any] = {"error_code": 0, **extra}
        if result is not None:
            reply["result"] = result
        return reply

    return handler


def device_list(count: int, *, total: int | None = None) -> Handler:
    """A device list of ``count`` devices, answering start/limit as an offset."""
    everything = [
        {"qrCode": f"QR{i:015d}", "deviceName": f"dev {i}", "deviceStatus": 1} for i in range(count)
    ]

    def handler(payload: dict[str, Any]) -> Any:
        start, limit = payload["start"], payload["limit"]
        return {
            "error_code": 0,
            "result": {
                "total": count if total is None else total,
                "list": everything[start : start + limit],
            },
        }

    return handler


# Signing on the wire


async def test_requests_are_signed_over_the_exact_bytes(
    client: TumsClient, fake: FakeCloud
) -> None:
    fake.handlers[PATH_OVERVIEW] = ok({})
    fake.handlers[PATH_RENAME] = ok()
    await client.async_get_overview()
    await client.async_rename(DeviceRef(QR), "24栋的第五台NVR")
    await client.async_call("tums/open/deviceManager/v1/getApplicationOverview", {})
    assert client.request_count == 3
    first, second, third = fake.calls
    # No body: {} is sent and signed.
    assert first.body == b"{}"
    assert third.body == b"{}"
    assert third.path == PATH_OVERVIEW
    assert first.headers["Content-Type"] == "application/json;charset=UTF-8"
    # Non-ASCII text is sent as UTF-8 and signed as sent.
    assert second.body.decode() == '{"qrCode":"16E0091709B04C926","deviceName":"24栋的第五台NVR"}'
    for call in fake.calls:
        header = call.headers[signing.AUTH_HEADER]
        assert " " not in header
        assert call.fields["AccessKey"] == AK
        assert call.fields["TerminalId"] == TERMINAL_ID
        assert call.fields["Timestamp"] == str(int(NOW))
        assert signing.is_valid_nonce(call.fields["Nonce"])
    assert len({call.fields["Nonce"] for call in fake.calls}) == 3


def test_base_url_and_repr(session: aiohttp.ClientSession) -> None:
    client = TumsClient(session, access_key=AK, secret_key=SK, terminal_id=TERMINAL_ID)
    assert client.base_url == DEFAULT_BASE_URL
    assert client.clock_offset == 0
    other = TumsClient(
        session, "example.com:8443/", access_key=AK, secret_key=SK, terminal_id=TERMINAL_ID
    )
    assert other.base_url == "https://example.com:8443"
    assert SK not in repr(other)
    assert AK not in repr(other)
    with pytest.raises(ValueError):  # noqa: PT011
        TumsClient(session, "ftp://x", access_key=AK, secret_key=SK, terminal_id=TERMINAL_ID)


# Clock skew


async def test_clock_skew_is_corrected_once(client: TumsClient, fake: FakeCloud) -> None:
    fake.skew = 1000
    fake.handlers[PATH_OVERVIEW] = ok({"allIpcNum": 2})
    overview = await client.async_get_overview()
    assert overview.total == 2
    assert client.request_count == 2
    assert client.clock_offset == pytest.approx(1000, abs=1)
    first, retry = fake.calls
    assert first.body == retry.body
    assert first.fields["Nonce"] != retry.fields["Nonce"]
    assert int(retry.fields["Timestamp"]) == int(NOW + 1000)
    # The offset is kept: the next call goes through at once.
    await client.async_get_overview()
    assert client.request_count == 3


async def test_clock_skew_without_date_is_retried_once(client: TumsClient, fake: FakeCloud) -> None:
    # Without the server's time the retry cannot correct the clock, but a signature
    # that went stale on the way is fixed by signing again: one retry, fresh nonce.
    fake.skew = -1000
    fake.send_date = False
    with pytest.raises(CniotAuthenticationError) as err:
        await client.async_get_overview()
    assert err.value.code == -10302
    assert client.request_count == 2
    assert fake.calls[0].fields["Nonce"] != fake.calls[1].fields["Nonce"]
    assert client.clock_offset == 0


async def test_signature_is_made_when_the_request_gets_its_slot(
    cloud: tuple[FakeCloud, str], session: aiohttp.ClientSession
) -> None:
    """A request that waited in the queue is signed with the time it leaves, not it joined."""
    fake, url = cloud
    now = [NOW]
    client = TumsClient(
        session, url, access_key=AK, secret_key=SK, terminal_id=TERMINAL_ID, clock=lambda: now[0]
    )
    fake.gate = asyncio.Event()
    fake.handlers[PATH_OVERVIEW] = ok({"allIpcNum": 1})
    calls = [asyncio.create_task(client.async_get_overview()) for _ in range(MAX_CONCURRENCY + 1)]
    # The first MAX_CONCURRENCY are in flight; the last waits for a slot while the
    # clock moves on by more than the cloud accepts a signature for.
    async with asyncio.timeout(5):
        while len(fake.calls) < MAX_CONCURRENCY:  # noqa: ASYNC110  (the fake's own list)
            await asyncio.sleep(0.001)
    now[0] = NOW + 400
    fake.skew = 400
    assert client.request_count == MAX_CONCURRENCY
    fake.gate.set()
    for call in calls:
        await call
    # Nothing was refused and retried: the last request carries the time it left.
    assert client.request_count == MAX_CONCURRENCY + 1
    assert [int(c.fields["Timestamp"]) for c in fake.calls][-1] == int(NOW + 400)


async def test_clock_skew_retry_that_fails_again(client: TumsClient, fake: FakeCloud) -> None:
    # The cloud says "expired" whatever the timestamp: one retry only.
    fake.handlers[PATH_OVERVIEW] = lambda _p: web.json_response(
        {"error_code": -10302}, headers={"Date": formatdate(NOW + 60, usegmt=True)}
    )
    with pytest.raises(CniotAuthenticationError) as err:
        await client.async_get_overview()
    assert err.value.code == -10302
    assert client.request_count == 2
    assert client.clock_offset == pytest.approx(60)


def test_server_time() -> None:
    assert server_time({"Date": "Sun, 06 Nov 1994 08:49:37 GMT"}) == 784111777
    assert server_time({"date": "Sun, 06 Nov 1994 08:49:37 GMT"}) == 784111777
    assert server_time({}) is None
    assert server_time({"Date": "yesterday"}) is None
    # -0000 means "zone unknown": no usable offset.
    assert server_time({"Date": "Sun, 06 Nov 1994 08:49:37 -0000"}) is None


# Error codes


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (-10301, CniotRequestRefusedError),
        (-10302, CniotRequestRefusedError),
        (-10303, CniotRequestRefusedError),
        (-10304, CniotAuthenticationError),
        (-10305, TumsAccessDeniedError),
        (-10200, CniotRateLimitedError),
        (-10201, CniotRateLimitedError),
        (-20004, CniotRateLimitedError),
        (-20571, CniotDeviceOfflineError),
        (-20573, CniotDeviceOfflineError),
        (-80327, CniotDeviceOfflineError),
        (-80379, CniotDeviceOfflineError),
        (-88303, CniotRateLimitedError),
        (-88315, CniotVendorError),
        (-20000, TumsTransientError),
        (-20002, TumsTransientError),
        (-20003, TumsTransientError),
        (-20005, TumsTransientError),
        (-20001, CniotVendorError),
        (-82401, CniotVendorError),
        (-1, CniotVendorError),
    ],
)
async def test_error_codes(
    client: TumsClient, fake: FakeCloud, code: int, kind: type[CniotError]
) -> None:
    fake.handlers[PATH_OVERVIEW] = lambda _p: web.json_response(
        {"error_code": code, "msg": "vendor text"}, headers={"Date": formatdate(NOW, usegmt=True)}
    )
    with pytest.raises(kind) as err:
        await client.async_get_overview()
    assert type(err.value) is kind
    assert getattr(err.value, "code", None) == code
    assert "vendor text" in str(err.value)
    assert SK not in str(err.value)
    # An expired request is retried (once), and so is a read that failed transiently.
    assert client.request_count == (2 if code == -10302 or kind is TumsTransientError else 1)


def test_error_for_details() -> None:
    transient = error_for(-20003, None)
    assert isinstance(transient, CniotConnectionError)
    assert isinstance(transient, TumsTransientError)
    assert transient.vendor_message == "cloud busy"
    limited = error_for(-10200, "  ", retry_after=30)
    assert isinstance(limited, CniotRateLimitedError)
    assert limited.retry_after == 30
    assert "too many requests from this IP" in str(limited)
    unknown = error_for(-123456, 42)
    assert isinstance(unknown, CniotVendorError)
    assert unknown.vendor_message == "error"
    long = error_for(-1, "x" * 500)
    assert isinstance(long, CniotVendorError)
    assert len(long.vendor_message) == 200


async def test_retry_after_header(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_OVERVIEW] = lambda _p: web.json_response(
        {"error_code": -20004}, headers={"Retry-After": "12"}
    )
    with pytest.raises(CniotRateLimitedError) as err:
        await client.async_get_overview()
    assert err.value.retry_after == 12
    assert err.value.code == -20004


# Envelope tolerance


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (lambda: web.Response(text="<html>busy</html>", status=200), CniotInvalidResponseError),
        (lambda: web.Response(text="<html>down</html>", status=502), CniotConnectionError),
        (lambda: web.json_response([1, 2]), CniotInvalidResponseError),
        (lambda: web.json_response({"msg": "no code"}), CniotInvalidResponseError),
        (lambda: web.json_response({"error_code": "abc"}), CniotInvalidResponseError),
        (lambda: web.json_response({"error_code": True}), CniotInvalidResponseError),
        (lambda: web.json_response({"error_code": 0}, status=500), CniotConnectionError),
        (lambda: web.json_response({"error_code": 0}, status=302), CniotInvalidResponseError),
        (lambda: web.json_response({"msg": "forbidden"}, status=403), CniotAuthenticationError),
        (
            lambda: web.json_response({"error_code": -10304}, status=401),
            CniotAuthenticationError,
        ),
        (lambda: web.json_response({"error_code": -80327}, status=400), CniotVendorError),
    ],
)
async def test_envelope_shape_errors(
    client: TumsClient,
    fake: FakeCloud,
    response: Callable[[], web.Response],
    kind: type[CniotError],
) -> None:
    # A fresh response per request: reads that fail transiently are sent twice.
    fake.handlers[PATH_OVERVIEW] = lambda _p: response()
    with pytest.raises(kind):
        await client.async_get_overview()


async def test_envelope_fields(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers["/any"] = lambda _p: {
        "error_code": "0",
        "msg": "fine",
        "result": [1],
        "failList": [{"qrCode": "A", "error_code": -20571}, "junk"],
    }
    envelope = await client.async_call("/any")
    assert envelope.result == [1]
    assert envelope.msg == "fine"
    assert [item.key for item in envelope.fail_list] == ["A"]
    fake.handlers["/nested"] = lambda _p: {
        "error_code": 0,
        "result": {"failList": [{"mac": "00-11-22-33-44-55"}]},
    }
    envelope = await client.async_call("/nested")
    assert [item.mac for item in envelope.fail_list] == ["00-11-22-33-44-55"]
    fake.handlers["/bad"] = lambda _p: {"error_code": 0, "failList": {"x": 1}}
    envelope = await client.async_call("/bad")
    assert envelope.fail_list == ()
    assert envelope.result is None


async def test_unreachable_server(session: aiohttp.ClientSession) -> None:
    client = TumsClient(
        session, "http://127.0.0.1:9", access_key=AK, secret_key=SK, terminal_id=TERMINAL_ID
    )
    with pytest.raises(CniotConnectionError):
        await client.async_get_overview()


# Device lists


@pytest.mark.parametrize("app_type", list(ApplicationType))
async def test_device_list_pages(
    client: TumsClient, fake: FakeCloud, app_type: ApplicationType
) -> None:
    path = PATH_DEVICE_LIST[app_type]
    fake.handlers[path] = device_list(250)
    devices = await client.async_get_devices(app_type)
    assert len(devices) == 250
    assert len({device.key for device in devices}) == 250
    assert [call.payload for call in fake.calls] == [
        {"start": start, "limit": 100, "filterAnd": {"hasChild": 1}} for start in (0, 100, 200)
    ]
    assert fake.paths() == [path] * 3


async def test_device_list_exact_multiple_and_short_page(
    client: TumsClient, fake: FakeCloud
) -> None:
    path = PATH_DEVICE_LIST[ApplicationType.DEVICE]
    fake.handlers[path] = device_list(200)
    assert len(await client.async_get_devices("device")) == 200
    assert len(fake.calls) == 2
    fake.calls.clear()
    # total promises more, but a short page ends the list. The previous listing's two
    # pages went out at once, so the shrink costs one wasted page, once.
    fake.handlers[path] = device_list(30, total=500)
    assert len(await client.async_get_devices("device")) == 30
    assert len(fake.calls) == 2
    fake.calls.clear()
    assert len(await client.async_get_devices("device")) == 30
    assert len(fake.calls) == 1


async def test_device_list_empty_page_early(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_DEVICE_LIST[ApplicationType.DEVICE]] = ok({"total": 5, "list": []})
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_devices(ApplicationType.DEVICE)


async def test_device_page_tolerance(client: TumsClient, fake: FakeCloud) -> None:
    path = PATH_DEVICE_LIST[ApplicationType.PROJECT]
    fake.handlers[path] = ok({"total": "x", "list": [{"qrCode": "A"}, "junk", {"deviceName": "?"}]})
    page = await client.async_get_device_page("project", 2, page_size=500)
    assert page.total == 3
    assert page.raw_length == 3
    assert [device.qr_code for device in page.devices] == ["A"]
    assert fake.calls[0].payload == {"start": 200, "limit": 100, "filterAnd": {"hasChild": 1}}
    fake.handlers[path] = ok({"total": 0})
    assert (await client.async_get_device_page("project", 0)).devices == ()
    assert await client.async_get_devices("project") == []
    fake.handlers[path] = ok({"list": {"qrCode": "A"}})
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_device_page("project", 0)
    fake.handlers[path] = ok(None)
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_device_page("project", 0)
    with pytest.raises(ValueError):  # noqa: PT011
        await client.async_get_device_page("neither", 0)


async def test_detect_device_application(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_DEVICE_LIST[ApplicationType.DEVICE]] = device_list(3)
    assert await client.async_detect_application_type() is ApplicationType.DEVICE
    assert fake.calls[0].payload["limit"] == 1


async def test_detect_project_application(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_DEVICE_LIST[ApplicationType.DEVICE]] = lambda _p: {"error_code": -82401}
    fake.handlers[PATH_DEVICE_LIST[ApplicationType.PROJECT]] = device_list(0)
    assert await client.async_detect_application_type() is ApplicationType.PROJECT
    assert fake.paths() == [
        PATH_DEVICE_LIST[ApplicationType.DEVICE],
        PATH_DEVICE_LIST[ApplicationType.PROJECT],
    ]


async def test_detect_neither(client: TumsClient, fake: FakeCloud) -> None:
    for path in PATH_DEVICE_LIST.values():
        fake.handlers[path] = lambda _p: {"error_code": -82401}
    with pytest.raises(CniotVendorError):
        await client.async_detect_application_type()


async def test_detect_with_bad_credentials(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_DEVICE_LIST[ApplicationType.DEVICE]] = lambda _p: {"error_code": -10304}
    with pytest.raises(CniotAuthenticationError) as err:
        await client.async_detect_application_type()
    assert err.value.code == -10304
    assert len(fake.calls) == 1


async def test_overview(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_OVERVIEW] = ok(
        {"allRouterNum": 1, "onlineRouterNum": 1, "errorRouterNum": 0}
    )
    overview = await client.async_get_overview()
    assert overview.counts["router"].online == 1
    fake.handlers[PATH_OVERVIEW] = ok()
    assert (await client.async_get_overview()).counts == {}


# Batch calls


def refs(count: int) -> list[DeviceRef]:
    return [DeviceRef(f"QR{i:015d}") for i in range(count)]


async def test_upgrade_info_batches(client: TumsClient, fake: FakeCloud) -> None:
    def handler(payload: dict[str, Any]) -> Any:
        dev_list = payload["devList"]
        return {
            "error_code": 0,
            "result": {
                "list": [
                    {"qrCode": dev["qrCode"], "upgradeStatus": 0, "curFirmwareVer": "1.0"}
                    for dev in dev_list[1:]
                ]
            },
            "failList": [{**dev_list[0], "error_code": -20571}],
        }

    fake.handlers[PATH_UPGRADE_INFO] = handler
    report = await client.async_get_upgrade_info(refs(230), reset_result=True)
    assert [len(call.payload["devList"]) for call in fake.calls] == [100, 100, 30]
    assert all(call.payload["resetUpgradeResult"] == 1 for call in fake.calls)
    assert len(report.infos) == 227
    assert report.infos[0].status is UpgradeStatus.NOT_UPGRADING
    assert [item.key for item in report.failures] == [
        "QR000000000000000",
        "QR000000000000100",
        "QR000000000000200",
    ]
    assert {item.error_code for item in report.failures} == {-20571}
    assert report.failures[1].ref == DeviceRef("QR000000000000100")
    assert report.infos[0].ref == DeviceRef("QR000000000000001")


async def test_upgrade_info_reuses_unchanged_entries(client: TumsClient, fake: FakeCloud) -> None:
    """An entry that comes back unchanged, for the same device, is the same object."""
    status = {"QR000000000000001": 0}

    def handler(payload: dict[str, Any]) -> Any:
        items = [
            {"qrCode": dev["qrCode"], "upgradeStatus": status.get(dev["qrCode"], 0)}
            for dev in payload["devList"]
        ]
        return {"error_code": 0, "result": {"list": items}}

    fake.handlers[PATH_UPGRADE_INFO] = handler
    first = await client.async_get_upgrade_info(refs(3))
    second = await client.async_get_upgrade_info(refs(3))
    assert all(a is b for a, b in zip(first.infos, second.infos, strict=True))
    status["QR000000000000001"] = 1
    third = await client.async_get_upgrade_info(refs(3))
    assert third.infos[1] is not second.infos[1]
    assert third.infos[1].status is UpgradeStatus.UPGRADING
    assert third.infos[1].ref == DeviceRef("QR000000000000001")
    assert third.infos[0] is second.infos[0]
    # The same entry answering for another request is matched to it anew.
    channel = await client.async_get_upgrade_info([DeviceRef("QR000000000000000", channel_id=1)])
    assert channel.infos[0].ref == DeviceRef("QR000000000000000", channel_id=1)


async def test_upgrade_info_tolerance(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_UPGRADE_INFO] = ok({"list": [{"qrCode": "A"}, 5]})
    report = await client.async_get_upgrade_info([DeviceRef("A", channel_id=1)])
    assert [info.qr_code for info in report.infos] == ["A"]
    assert fake.calls[0].payload == {
        "devList": [{"qrCode": "A", "channelId": 1}],
        "resetUpgradeResult": 0,
    }
    fake.handlers[PATH_UPGRADE_INFO] = ok()
    assert (await client.async_get_upgrade_info([DeviceRef("A")])).infos == ()
    fake.handlers[PATH_UPGRADE_INFO] = ok({"list": "nope"})
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_upgrade_info([DeviceRef("A")])
    assert (await client.async_get_upgrade_info([])).infos == ()


async def test_reboot_batches_and_failures(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_REBOOT] = lambda payload: {
        "error_code": 0,
        "failList": [{**payload["devList"][-1], "error_code": -20571}],
    }
    channel = Device.parse({"qrCode": "C", "parentQrCode": "NVR", "channelId": 2})
    assert channel is not None
    failures = await client.async_reboot([*refs(150), channel])
    assert [len(call.payload["devList"]) for call in fake.calls] == [100, 51]
    # No channelId: NVR channels cannot be rebooted, the NVR is addressed.
    assert fake.calls[1].payload["devList"][-1] == {"qrCode": "NVR"}
    assert [item.key for item in failures] == ["QR000000000000099", "NVR"]
    assert all(item.error_code == -20571 for item in failures)
    # Each failure is tied to the device that was asked for.
    assert failures[0].ref == DeviceRef("QR000000000000099")
    assert failures[1].ref == channel.ref


async def test_check_firmware_and_upgrade(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_CHECK_FIRMWARE] = ok()
    fake.handlers[PATH_UPGRADE] = ok(failList=[{"qrCode": "B", "channelId": 1, "error_code": -1}])
    devices = [DeviceRef("A", channel_id=1), DeviceRef(mac="00-11-22-33-44-55")]
    assert await client.async_check_newest_firmware(devices) == []
    failures = await client.async_upgrade(devices)
    assert [item.key for item in failures] == ["B:1"]
    assert fake.calls[0].payload == {
        "devList": [{"qrCode": "A", "channelId": 1}, {"mac": "00-11-22-33-44-55"}]
    }
    assert fake.paths() == [PATH_CHECK_FIRMWARE, PATH_UPGRADE]


async def test_rename(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_RENAME] = ok()
    await client.async_rename(DeviceRef("NVR", channel_id=3), "Gate")
    assert fake.calls[0].payload == {"qrCode": "NVR", "channelId": 3, "deviceName": "Gate"}
    with pytest.raises(ValueError):  # noqa: PT011
        await client.async_rename(DeviceRef("NVR"), "  ")


# Solar


async def test_solar(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_SOLAR_POWER] = ok(
        {"status": "1", "batteryStatus": "53.32", "envTemp": "23", "inputWatt": "12.50"}
    )
    solar = await client.async_get_solar_power(DeviceRef("HGD6784KOFV895J08", "00-11-22-33-44-55"))
    assert solar.battery == pytest.approx(53.32)
    assert solar.input_power == pytest.approx(12.5)
    assert solar.output_power is None
    assert fake.calls[0].payload == {"qrCode": "HGD6784KOFV895J08"}
    fake.handlers[PATH_SOLAR_POWER] = ok("nope")
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_solar_power(DeviceRef("X"))

    fake.handlers[PATH_SOLAR_LOAD_RESET] = ok("0")
    assert await client.async_solar_load_reset(DeviceRef("X"), load_num=2)
    assert fake.calls[-1].payload == {"qrCode": "X", "loadNum": 2}
    fake.handlers[PATH_SOLAR_LOAD_RESET] = ok("1")
    assert not await client.async_solar_load_reset(DeviceRef("X"))
    fake.handlers[PATH_SOLAR_LOAD_RESET] = ok()
    assert not await client.async_solar_load_reset(DeviceRef("X"))


# Video


async def test_request_stream_url(client: TumsClient, fake: FakeCloud) -> None:
    url = "https://api-smbcloud.tplinkcloud.com.cn/vms/open/webServer/v1/requestRelayUrl?token=t"
    fake.handlers[PATH_STREAM_URL] = ok({"sdkStreamUrl": url})
    assert (
        await client.async_request_stream_url(
            DeviceRef("HGD6784KOFV895J08"), 1, resolution=StreamResolution.HD
        )
        == url
    )
    assert fake.calls[0].payload == {
        "qrCode": "HGD6784KOFV895J08",
        "channelId": 1,
        "clientType": "HomeAssistant",
        "streamType": "video",
        "resolution": 2,
    }
    await client.async_request_stream_url(
        DeviceRef("X"), 2, stream_type=StreamType.SDVOD, client_type="chrome 99.0"
    )
    assert fake.calls[1].payload == {
        "qrCode": "X",
        "channelId": 2,
        "clientType": "chrome 99.0",
        "streamType": "sdvod",
    }
    fake.handlers[PATH_STREAM_URL] = ok({})
    with pytest.raises(CniotInvalidResponseError):
        await client.async_request_stream_url(DeviceRef("X"), 1)


async def test_flv_url(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_FLV_URL] = ok({"url": "https://flv.example.invalid/live.flv?t=1"})
    channel = Device.parse({"qrCode": "C", "parentQrCode": "NVR", "channelId": 4})
    assert channel is not None
    url = await client.async_get_flv_url(channel, 4)
    assert url == "https://flv.example.invalid/live.flv?t=1"
    assert fake.calls[0].payload == {
        "qrCode": "NVR",
        "channelId": 4,
        "type": "video",
        "resolution": "HD",
    }
    await client.async_get_flv_url(
        DeviceRef(mac="00-11-22-33-44-55"),
        1,
        stream_type="sdvod",
        video_code="H265",
        start_ms=1_700_000_000_000,
        end_ms=1_700_000_060_000,
    )
    assert fake.calls[1].payload == {
        "mac": "00-11-22-33-44-55",
        "channelId": 1,
        "type": "sdvod",
        "videoCode": "H265",
        "playbackStartTime": 1_700_000_000_000,
        "playbackEndTime": 1_700_000_060_000,
    }
    fake.handlers[PATH_FLV_URL] = ok({"url": ""})
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_flv_url(DeviceRef("X"), 1, resolution="VGA")


@pytest.mark.parametrize(
    "kwargs",
    [{"stream_type": "dtspk"}, {"resolution": "4K"}, {"video_code": "MJPEG"}],
)
async def test_flv_url_refuses_bad_arguments(client: TumsClient, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        await client.async_get_flv_url(DeviceRef("X"), 1, **kwargs)
    assert client.request_count == 0


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ("device offline", "device offline"),
        ({"closeReason": "timeout"}, "timeout"),
        ({"reason": "stopped"}, "stopped"),
        ({"other": 1}, None),
        (None, None),
    ],
)
async def test_flv_close_reason(
    client: TumsClient, fake: FakeCloud, result: Any, expected: str | None
) -> None:
    fake.handlers[PATH_FLV_CLOSE_REASON] = ok(result)
    assert await client.async_get_flv_close_reason("https://flv/x") == expected
    assert fake.calls[0].payload == {"url": "https://flv/x"}


# Message push


async def test_push_config(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_SET_PUSH_CONFIG] = ok()
    fake.handlers[PATH_GET_PUSH_CONFIG] = ok(
        {"appId": "a", "serverUrl": "https://ha/hook", "openMsgTransport": 0, "msgContentType": []}
    )
    await client.async_set_push_config("https://ha/hook", True, ["ipcDeviceOnline"])
    await client.async_set_push_config("https://ha/hook", False)
    assert fake.calls[0].payload == {
        "serverUrl": "https://ha/hook",
        "openMsgTransport": 1,
        "msgContentType": ["ipcDeviceOnline"],
    }
    assert fake.calls[1].payload["openMsgTransport"] == 0
    assert fake.calls[1].payload["msgContentType"] == []
    config = await client.async_get_push_config()
    assert config.server_url == "https://ha/hook"
    assert not config.enabled
    with pytest.raises(ValueError):  # noqa: PT011
        await client.async_set_push_config(" ", True)


async def test_push_sk(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_SET_PUSH_SK] = ok()
    await client.async_set_push_sk("abcDEF123")
    assert fake.calls[0].payload == {"sk": "abcDEF123"}
    for bad in ("", "a" * 33, "with space", "ünïcode"):
        with pytest.raises(ValueError):  # noqa: PT011
            await client.async_set_push_sk(bad)
    fake.handlers[PATH_GET_PUSH_SK] = ok({"sk": "abcDEF123"})
    assert await client.async_get_push_sk() == "abcDEF123"
    fake.handlers[PATH_GET_PUSH_SK] = ok("plain")
    assert await client.async_get_push_sk() == "plain"
    fake.handlers[PATH_GET_PUSH_SK] = ok()
    assert await client.async_get_push_sk() is None


def test_constructor_refuses_unusable_credentials(session: aiohttp.ClientSession) -> None:
    cases: tuple[dict[str, Any], ...] = (
        {"access_key": "", "secret_key": SK, "terminal_id": TERMINAL_ID},
        {"access_key": "a,b", "secret_key": SK, "terminal_id": TERMINAL_ID},
        {"access_key": AK, "secret_key": "", "terminal_id": TERMINAL_ID},
        {"access_key": AK, "secret_key": SK, "terminal_id": "a b"},
        {"access_key": AK, "secret_key": SK, "terminal_id": "x" * 65},
    )
    for kwargs in cases:
        with pytest.raises(ValueError) as err:  # noqa: PT011
            TumsClient(session, **kwargs)
        assert SK not in str(err.value)


# Solar schedules and statistics


async def test_solar_supply_and_metrics(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_GET_SOLAR_SUPPLY] = ok(
        {
            "solarSupplyTimeList": [
                {
                    "startTimeHour": "3",
                    "startTimeMin": "0",
                    "endTimeHour": "4",
                    "endTimeMin": "0",
                    "supplyLoadNum": "1",
                    "status": "on",
                },
                "junk",
            ]
        }
    )
    (schedule,) = await client.async_get_solar_supply_times(DeviceRef("HGD6784KOFV895J08"))
    assert (schedule.start_hour, schedule.end_hour, schedule.on, schedule.load_num) == (
        3,
        4,
        True,
        "1",
    )
    fake.handlers[PATH_SET_SOLAR_SUPPLY] = ok()
    await client.async_set_solar_supply_time(
        DeviceRef("X"), start=(2, 0), end=(20, 0), on=True, load_num="2"
    )
    await client.async_set_solar_supply_time(DeviceRef("X"), start=(0, 0), end=(23, 59), on=False)
    assert fake.calls[1].payload == {
        "qrCode": "X",
        "startTimeHour": 2,
        "startTimeMin": 0,
        "endTimeHour": 20,
        "endTimeMin": 0,
        "status": "on",
        "supplyLoadNum": "2",
    }
    assert fake.calls[2].payload["status"] == "off"
    assert "supplyLoadNum" not in fake.calls[2].payload
    with pytest.raises(ValueError):  # noqa: PT011
        await client.async_set_solar_supply_time(DeviceRef("X"), start=(24, 0), end=(1, 0), on=True)

    fake.handlers[PATH_SOLAR_METRICS] = ok(
        {
            "metricValueList": {
                "batteryEnergyPercentage": [["1591768757223", "80.0"], ["1591768797223", "20.0"]],
                "inputPowerInWatt": [["1591768757223", "10.0"], ["x"], "junk", ["1", "y"]],
            }
        }
    )
    series = await client.async_get_solar_metrics(DeviceRef("X"), 1591768747223, 1591768847223)
    assert series == {
        "batteryEnergyPercentage": [(1591768757223, 80.0), (1591768797223, 20.0)],
        "inputPowerInWatt": [(1591768757223, 10.0)],
    }
    assert fake.calls[-1].payload == {
        "qrCode": "X",
        "event": "solarPowerSystem",
        "metricList": ["batteryEnergyPercentage", "inputPowerInWatt", "outputPowerInWatt"],
        "startTime": "1591768747223",
        "endTime": "1591768847223",
    }


# IPC and NVR configuration


async def test_manual_timing_uses_the_corrected_clock(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_MANUAL_TIMING] = ok()
    await client.async_manual_timing(DeviceRef("X", channel_id=1))
    await client.async_manual_timing(DeviceRef("X"), when=1664438535)
    assert fake.calls[0].payload == {"qrCode": "X", "channelId": 1, "time": int(NOW)}
    assert fake.calls[1].payload == {"qrCode": "X", "time": 1664438535}


async def test_timing_reboot(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_GET_TIMING_REBOOT] = ok({"ifOpen": True, "time": "00:00:01", "day": 0})
    config = await client.async_get_timing_reboot(DeviceRef("X", channel_id=1))
    assert (config.enabled, config.time, config.day) == (True, "00:00:01", 0)
    fake.handlers[PATH_SET_TIMING_REBOOT] = ok()
    await client.async_set_timing_reboot(DeviceRef("X"), True, time_of_day="03:00:00", day=7)
    await client.async_set_timing_reboot(DeviceRef("X"), False)
    assert fake.calls[1].payload == {"qrCode": "X", "ifOpen": True, "time": "03:00:00", "day": 7}
    assert fake.calls[2].payload == {"qrCode": "X", "ifOpen": False}
    for kwargs in (
        {"time_of_day": "03:00:00"},
        {"time_of_day": "3:00", "day": 0},
        {"time_of_day": "03:00:00", "day": 8},
    ):
        with pytest.raises(ValueError):  # noqa: PT011
            await client.async_set_timing_reboot(DeviceRef("X"), True, **kwargs)


async def test_sd_cards_and_loop_recording(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_SD_CARDS] = ok(
        {
            "cardInfoList": [
                {
                    "index": 1,
                    "permission": "rw",
                    "totalSpace": "3.5G",
                    "freeSpace": "2.5G",
                    "recordDuration": 3600,
                    "recordStartTime": 123456,
                    "status": "normal",
                },
                "junk",
            ]
        }
    )
    (card,) = await client.async_get_sd_cards(DeviceRef("X", channel_id=1))
    assert card.index == 1
    assert card.status is SdCardStatus.NORMAL
    fake.handlers[PATH_FORMAT_SD_CARD] = ok()
    await client.async_format_sd_card(DeviceRef("X", channel_id=1), 1)
    assert fake.calls[-1].payload == {"qrCode": "X", "channelId": 1, "cardIndex": 1}
    fake.handlers[PATH_GET_RECORD_LOOP] = ok({"ifLoop": False})
    assert await client.async_get_record_loop(DeviceRef("X")) is False
    fake.handlers[PATH_SET_RECORD_LOOP] = ok()
    await client.async_set_record_loop(DeviceRef("X"), True)
    assert fake.calls[-1].payload == {"qrCode": "X", "ifLoop": True}


async def test_time_sync(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_GET_TIME_SYNC] = ok({"timingMode": "ntp", "serverIp": "192.0.2.1"})
    sync = await client.async_get_time_sync(DeviceRef("X"))
    assert (sync.mode, sync.server) == (TimingMode.NTP, "192.0.2.1")
    fake.handlers[PATH_SET_TIME_SYNC] = ok()
    await client.async_set_time_sync(DeviceRef("X"), TimingMode.NTP, "pool.ntp.org")
    await client.async_set_time_sync(DeviceRef("X"), "manual", "ignored")
    assert fake.calls[1].payload == {"qrCode": "X", "timingMode": "ntp", "serverIp": "pool.ntp.org"}
    assert fake.calls[2].payload == {"qrCode": "X", "timingMode": "manual"}
    with pytest.raises(ValueError):  # noqa: PT011
        await client.async_set_time_sync(DeviceRef("X"), "ntp")
    with pytest.raises(ValueError):  # noqa: PT011
        await client.async_set_time_sync(DeviceRef("X"), "gps")


async def test_ptz(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_PTZ_RESET_SUPPORT] = ok({"positionResetSupport": True})
    assert await client.async_get_ptz_reset_support(DeviceRef("X", channel_id=1))
    fake.handlers[PATH_PTZ_RESET_SUPPORT] = ok({})
    assert not await client.async_get_ptz_reset_support(DeviceRef("X", channel_id=1))
    fake.handlers[PATH_PTZ_RESET] = ok()
    await client.async_reset_ptz(DeviceRef("X", channel_id=1))
    assert fake.calls[-1].payload == {"qrCode": "X", "channelId": 1}


# Passenger flow


async def test_passenger_flow(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_PASSENGER_FLOW_DEVICES] = ok(
        {
            "deviceInfoList": [
                {
                    "qrCode": "799E56281C531B106",
                    "mac": "00-FF-00-2A-F3-19",
                    "channelId": 1,
                    "devName": "devName_1",
                    "parentQrcode": None,
                    "parentMac": None,
                    "deviceStatus": 1,
                },
                {"channelId": 2, "parentQrcode": "NVR1", "devName": "ch2"},
                "junk",
            ]
        }
    )
    first, second = await client.async_get_passenger_flow_devices("1")
    assert fake.calls[0].payload == {"regionId": "1"}
    assert (first.name, first.key, first.online) == ("devName_1", "799E56281C531B106", True)
    assert (second.name, second.key) == ("ch2", "NVR1:2")
    fake.handlers[PATH_DEVICE_PASSENGER_FLOW] = ok(
        {
            "lastTotalInFlow": 1000,
            "lastTotalOutFlow": 100,
            "lastTotalPassFlow": 10,
            "currentTotalInFlow": 500,
            "currentTotalOutFlow": 50,
            "currentTotalPassFlow": 5,
        }
    )
    flow = await client.async_get_device_passenger_flow(
        DeviceRef("799E56281C531B106", channel_id=1),
        PassengerFlowAccuracy.DAY,
        1708012800,
        1708099200,
    )
    assert (flow.current_in, flow.current_out, flow.current_pass) == (500, 50, 5)
    assert (flow.last_in, flow.last_out, flow.last_pass) == (1000, 100, 10)
    assert fake.calls[-1].payload == {
        "qrCode": "799E56281C531B106",
        "channelId": 1,
        "accuracy": "day",
        "startTime": 1708012800,
        "endTime": 1708099200,
    }


# Alarms


async def test_alarms(client: TumsClient, fake: FakeCloud) -> None:
    fake.handlers[PATH_TRIGGER_ALARM] = ok()
    await client.async_trigger_alarm(DeviceRef("X", channel_id=1), True)
    await client.async_trigger_alarm(DeviceRef("X", channel_id=1), False)
    assert [call.payload["action"] for call in fake.calls] == ["1", "0"]

    fake.handlers[PATH_SET_DETECTION] = ok(
        failList=[
            {"qrCode": "QR000000000000001", "channelId": 1, "alarmType": 20, "error_code": -80391}
        ]
    )
    failures = await client.async_set_detection(
        [DeviceRef(f"QR{i:015d}", channel_id=1) for i in range(120)],
        [AlarmType.MOTION, AlarmType.PERSON],
        True,
    )
    detection_calls = [call for call in fake.calls if call.path == PATH_SET_DETECTION]
    assert [len(call.payload["devInfoList"]) for call in detection_calls] == [100, 20]
    assert detection_calls[0].payload["alarmTypeList"] == [2, 20]
    assert detection_calls[0].payload["enable"] == 1
    assert len(failures) == 2
    assert failures[0].alarm_type == AlarmType.PERSON
    for types in ([], list(range(11))):
        with pytest.raises(ValueError):  # noqa: PT011
            await client.async_set_detection([DeviceRef("X")], types, False)

    fake.handlers[PATH_SET_ALARM_INPUT] = ok()
    fake.handlers[PATH_SET_ALARM_OUTPUT] = ok()
    assert await client.async_set_alarm_input([DeviceRef("X", channel_id=1)], True) == []
    assert await client.async_set_alarm_output([DeviceRef("X", channel_id=1)], False) == []
    assert fake.calls[-2].payload == {
        "devInfoList": [{"qrCode": "X", "channelId": 1}],
        "enable": "on",
    }
    assert fake.calls[-1].payload["enable"] == "off"
    # The document's example: a batch refused as a whole, with its failList.
    fake.handlers[PATH_SET_ALARM_INPUT] = lambda _p: {
        "failList": [{"error_code": -80391, "qrCode": "799E56281C531B106", "channelId": 1}],
        "error_code": -80414,
    }
    # Every device failed: the failList names them, so it is returned, not raised.
    target = DeviceRef("799E56281C531B106", channel_id=1)
    [failure] = await client.async_set_alarm_input([target], True)
    assert (failure.error_code, failure.ref) == (-80391, target)
    # Without a failList the refusal is the call's own.
    fake.handlers[PATH_SET_ALARM_INPUT] = lambda _p: {"error_code": -80414}
    with pytest.raises(CniotVendorError) as err:
        await client.async_set_alarm_input([target], True)
    assert err.value.code == -80414
