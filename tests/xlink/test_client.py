"""The Xlink client against the simulator: logins, tokens, errors, reads and control."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest

from custom_components.cniot.client.errors import (
    CniotAuthenticationError,
    CniotConfigurationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotInvalidResponseError,
    CniotInvalidValueError,
    CniotRateLimitedError,
    CniotVendorError,
)
from custom_components.cniot.xlink.client import DEFAULT_RESOURCE, XlinkClient
from custom_components.cniot.xlink.models import (
    DataType,
    TokenSet,
)
from simulator.faults import Fault
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_ACCOUNT,
    DEMO_CORP_ID,
    DEMO_PASSWORD,
    DEMO_USER_EMAIL,
    DEMO_USER_ID,
    DEMO_USER_PASSWORD,
    DEMO_USER_PHONE,
    HEATER_PRODUCT_ID,
    PURIFIER_PRODUCT_ID,
    generate_xlink_scenario,
)

START = 1_790_000_000.0
HEATER_1, HEATER_OFFLINE, PURIFIER_1 = 1658785277, 1658785279, 1094

type MakeClient = Callable[..., XlinkClient]


class Clock:
    """A clock shared by the simulator and the client."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sim(clock: Clock) -> AsyncIterator[XlinkSimulator]:
    simulator = XlinkSimulator(clock=clock, token_ttl=100)
    await simulator.start(host="127.0.0.1", port=0)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def make_client(sim: XlinkSimulator, session: aiohttp.ClientSession, clock: Clock) -> MakeClient:
    def make(mode: str = "corp", **kwargs: Any) -> XlinkClient:
        assert sim.url is not None
        logins = {
            "corp": (DEMO_ACCOUNT, DEMO_PASSWORD, None),
            "accesskey": (DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None),
            "user": (DEMO_USER_EMAIL, DEMO_USER_PASSWORD, DEMO_CORP_ID),
        }
        login, password, corp_id = logins[mode]
        options: dict[str, Any] = {
            "mode": mode,
            "login": login,
            "password": password,
            "corp_id": corp_id,
            "clock": clock,
        }
        options.update(kwargs)
        return XlinkClient(session, sim.url, **options)

    return make


def _paths(sim: XlinkSimulator) -> list[str]:
    return [request.path for request in sim.requests]


# -- logins ---------------------------------------------------------------------------


async def test_corp_login(make_client: MakeClient, sim: XlinkSimulator) -> None:
    """corp_auth with account and password; later calls carry Access-Token."""
    stored: list[TokenSet] = []
    client = make_client(on_tokens=stored.append)
    corp = await client.async_get_corp()
    assert corp["id"] == DEMO_CORP_ID
    login = sim.requests[0]
    assert (login.path, login.body) == (
        "/v2/corp_auth",
        {"account": DEMO_ACCOUNT, "password": DEMO_PASSWORD},
    )
    assert len(stored) == 1
    assert stored[0].corp_id == DEMO_CORP_ID
    assert stored[0].expires_at == START + 100
    assert sim.tokens[stored[0].access_token].kind == "corp"
    assert _paths(sim) == ["/v2/corp_auth", "/v2/corp"]


async def test_access_key_login(make_client: MakeClient, sim: XlinkSimulator) -> None:
    """accesskey_auth gives an access token only: no refresh token, no lifetime."""
    client = make_client("accesskey")
    await client.async_get_products()
    assert sim.requests[0].body == {"id": DEMO_ACCESS_KEY_ID, "secret": DEMO_ACCESS_KEY_SECRET}
    assert client.tokens is not None
    assert client.tokens.refresh_token is None
    assert client.tokens.expires_at is None
    # An expired access-key token cannot be refreshed: the client logs in again.
    sim.expire_tokens()
    assert len(await client.async_get_products()) == 2
    assert (client.logins, client.refreshes) == (2, 0)


@pytest.mark.parametrize(("login", "key"), [(DEMO_USER_EMAIL, "email"), (DEMO_USER_PHONE, "phone")])
async def test_user_login_keeps_the_phone_app_logged_in(
    make_client: MakeClient, sim: XlinkSimulator, login: str, key: str
) -> None:
    """user_auth sends a fixed resource: the app's own session (another resource) stays."""
    phone_app = sim._user_auth(
        None,  # type: ignore[arg-type]
        {"corp_id": DEMO_CORP_ID, "email": DEMO_USER_EMAIL, "password": DEMO_USER_PASSWORD},
        None,
    )
    client = make_client("user", login=login)
    devices = await client.async_get_subscribed()
    assert {d.device_id for d in devices} == {HEATER_1, PURIFIER_1}
    assert sim.requests[0].body == {
        "corp_id": DEMO_CORP_ID,
        key: login,
        "password": DEMO_USER_PASSWORD,
        "resource": DEFAULT_RESOURCE,
    }
    assert client.user_id == DEMO_USER_ID
    assert not sim.tokens[phone_app["access_token"]].replaced
    # Logging in again with our resource replaces only our own older session.
    old = client.tokens
    assert old is not None
    await client.async_authenticate(force=True)
    assert sim.tokens[old.access_token].replaced
    assert not sim.tokens[phone_app["access_token"]].replaced


def test_user_mode_needs_corp_id(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match="corp_id"):
        XlinkClient(session, "http://127.0.0.1", mode="user", login="a", password="b")
    with pytest.raises(ValueError, match="mode"):
        XlinkClient(session, "http://127.0.0.1", mode="other", login="a", password="b")


@pytest.mark.parametrize(
    ("mode", "change", "code"),
    [
        ("corp", {"password": "wrong-password"}, 4001007),
        ("corp", {"login": "nobody@example.com"}, 4041002),
        ("accesskey", {"password": "wrong-secret"}, 4001072),
        ("accesskey", {"login": "ffffffffffffffff"}, 4041024),
        ("user", {"password": "wrong-password"}, 4001007),
        ("user", {"corp_id": "ffffffffffffffff"}, 4041011),
    ],
)
async def test_refused_logins(
    make_client: MakeClient, mode: str, change: dict[str, str], code: int
) -> None:
    client = make_client(mode, **change)
    with pytest.raises(CniotAuthenticationError) as err:
        await client.async_authenticate()
    assert err.value.code == code
    assert "wrong" not in str(err.value)


async def test_disabled_access_key(make_client: MakeClient, sim: XlinkSimulator) -> None:
    sim.access_keys[DEMO_ACCESS_KEY_ID].enabled = False
    with pytest.raises(CniotAuthenticationError) as err:
        await make_client("accesskey").async_authenticate()
    assert err.value.code == 4001071


async def test_lock_after_wrong_passwords(make_client: MakeClient, sim: XlinkSimulator) -> None:
    """Five wrong passwords lock the account: a configuration error, not a reauth."""
    bad = make_client(password="wrong-password")
    for _ in range(5):
        with pytest.raises(CniotAuthenticationError):
            await bad.async_authenticate(force=True)
    with pytest.raises(CniotConfigurationError) as err:
        await make_client().async_authenticate()
    assert err.value.code == 4001061


# -- tokens -----------------------------------------------------------------------------


async def test_stored_tokens_are_reused(make_client: MakeClient, sim: XlinkSimulator) -> None:
    first = make_client()
    await first.async_get_corp()
    second = make_client(tokens=first.tokens)
    await second.async_get_corp()
    assert _paths(sim).count("/v2/corp_auth") == 1
    assert second.logins == 0


async def test_refresh_before_expiry_rotates_both(
    make_client: MakeClient, sim: XlinkSimulator, clock: Clock
) -> None:
    """At 80 % of expire_in the tokens are refreshed; the old pair is spent."""
    stored: list[TokenSet] = []
    client = make_client(on_tokens=stored.append)
    await client.async_get_corp()
    clock.now += 79
    await client.async_get_corp()
    assert client.refreshes == 0
    clock.now += 2
    await client.async_get_corp()
    assert (client.logins, client.refreshes) == (1, 1)
    refresh = next(r for r in sim.requests if r.path == "/v2/corp/token/refresh")
    assert refresh.body == {"refresh_token": stored[0].refresh_token}
    assert len(stored) == 2
    old, new = stored
    assert new.access_token != old.access_token
    assert new.refresh_token != old.refresh_token
    assert new.expires_at == clock.now + 100
    # The old access token is replaced, the old refresh token used up.
    assert sim.tokens[old.access_token].replaced
    stale = make_client(tokens=old)
    await stale.async_get_corp()  # 4031022, then a fresh login
    assert stale.logins == 1


async def test_user_token_refresh(
    make_client: MakeClient, sim: XlinkSimulator, clock: Clock
) -> None:
    client = make_client("user")
    await client.async_get_subscribed()
    clock.now += 90
    await client.async_get_subscribed()
    assert client.refreshes == 1
    assert "/v2/user/token/refresh" in _paths(sim)


async def test_expired_is_refreshed_and_retried_once(
    make_client: MakeClient, sim: XlinkSimulator
) -> None:
    """4031021: refresh, then the same call once more."""
    client = make_client()
    await client.async_get_corp()
    sim.faults.add(
        Fault(kind="vendor_code", value=4031021, path_prefix="/v2/products", remaining=1)
    )
    assert len(await client.async_get_products()) == 2
    assert (client.logins, client.refreshes) == (1, 1)
    assert _paths(sim)[-3:] == ["/v2/products", "/v2/corp/token/refresh", "/v2/products"]


async def test_really_expired_token_means_a_new_login(
    make_client: MakeClient, sim: XlinkSimulator
) -> None:
    """An expired token cannot be refreshed (4031021 again): the client logs in afresh."""
    client = make_client()
    await client.async_get_corp()
    sim.expire_tokens()
    await client.async_get_corp()
    assert (client.logins, client.refreshes) == (2, 0)


@pytest.mark.parametrize("code", [4031022, 4001010, 4031003])
async def test_replaced_or_refused_token_means_a_new_login(
    make_client: MakeClient, sim: XlinkSimulator, code: int
) -> None:
    client = make_client()
    await client.async_get_corp()
    sim.faults.add(Fault(kind="vendor_code", value=code, path_prefix="/v2/corp", remaining=1))
    await client.async_get_corp()
    assert (client.logins, client.refreshes) == (2, 0)


async def test_refused_refresh_means_a_new_login(
    make_client: MakeClient, sim: XlinkSimulator, clock: Clock
) -> None:
    """4001010 from the refresh itself (a used refresh token): log in again."""
    client = make_client()
    await client.async_get_corp()
    sim.faults.add(Fault(kind="vendor_code", value=4001010, path_prefix="/v2/corp/token/refresh"))
    clock.now += 90
    await client.async_get_corp()
    assert (client.logins, client.refreshes) == (2, 0)


async def test_reauth_only_when_the_fresh_login_is_refused(
    make_client: MakeClient, sim: XlinkSimulator
) -> None:
    client = make_client()
    await client.async_get_corp()
    # A token the API keeps refusing is not a credential problem.
    sim.faults.add(Fault(kind="vendor_code", value=4031022, path_prefix="/v2/corp"))
    with pytest.raises(CniotVendorError) as err:
        await client.async_get_corp()
    assert not isinstance(err.value, CniotAuthenticationError)
    sim.faults.clear()
    # The password changed at Xlink: the new login after 4031022 is refused.
    sim.password = "changed-password"
    sim.faults.add(Fault(kind="vendor_code", value=4031022, path_prefix="/v2/corp", remaining=1))
    with pytest.raises(CniotAuthenticationError):
        await client.async_get_corp()


async def test_concurrent_calls_mend_once(make_client: MakeClient, sim: XlinkSimulator) -> None:
    import asyncio

    client = make_client()
    await client.async_get_corp()
    sim.expire_tokens()
    await asyncio.gather(*(client.async_get_corp() for _ in range(4)))
    assert client.logins == 2


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (4001061, CniotConfigurationError),
        (4031004, CniotConfigurationError),
        (4041005, CniotConfigurationError),
        (4001054, CniotDeviceOfflineError),
        (4041008, CniotDeviceOfflineError),
        (4031010, CniotDeviceOfflineError),
        (4001001, CniotInvalidValueError),
        (5031001, CniotConnectionError),
        (4001080, CniotVendorError),
    ],
)
async def test_error_mapping(
    make_client: MakeClient, sim: XlinkSimulator, code: int, error: type[Exception]
) -> None:
    client = make_client()
    await client.async_authenticate()
    sim.faults.add(Fault(kind="vendor_code", value=code, path_prefix="/v2/diagnosis"))
    with pytest.raises(error) as err:
        await client.async_control(HEATER_1, {0: True})
    if isinstance(err.value, CniotVendorError):
        assert err.value.code == code


async def test_string_codes_and_transport_failures(
    make_client: MakeClient, sim: XlinkSimulator
) -> None:
    client = make_client()
    await client.async_authenticate()
    sim.faults.add(Fault(kind="http_status", value=429, path_prefix="/v2/corp", remaining=1))
    with pytest.raises(CniotRateLimitedError):
        await client.async_get_corp()
    sim.faults.add(Fault(kind="http_status", value=404, path_prefix="/v2/corp", remaining=1))
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_corp()
    # One transient failure of a read is retried at once.
    sim.faults.add(Fault(kind="http_status", value=502, path_prefix="/v2/corp", remaining=1))
    assert (await client.async_get_corp())["id"] == DEMO_CORP_ID
    sim.faults.add(Fault(kind="html", path_prefix="/v2/corp"))
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_corp()
    sim.faults.clear()
    sim.faults.add(Fault(kind="wrong_types", path_prefix="/v2/product"))
    with pytest.raises(CniotInvalidResponseError):
        await client.async_get_devices(HEATER_PRODUCT_ID)


def test_error_envelope_parsing() -> None:
    from custom_components.cniot.xlink.client import error_code

    assert error_code({"error": {"code": "4031003", "msg": "x"}}) == 4031003
    assert error_code({"error": {"code": 4001007}}) == 4001007
    assert error_code({"error": "text"}) is None
    assert error_code([1, 2]) is None


async def test_vendor_text_never_carries_the_password(
    make_client: MakeClient, sim: XlinkSimulator
) -> None:
    from simulator.common import ApiError
    from simulator.xlink import error_reply

    client = make_client()
    tokens = await client.async_authenticate()

    async def echo(*args: Any) -> Any:
        return error_reply(ApiError(4001080, f"quota {DEMO_PASSWORD} {tokens.access_token}"))

    sim.faults.add(Fault(kind="vendor_code", value=4001080, path_prefix="/v2/corp"))
    with (
        patch.object(sim.faults, "render", echo),
        pytest.raises(CniotVendorError) as err,
    ):
        await client.async_get_corp()
    assert DEMO_PASSWORD not in str(err.value)
    assert tokens.access_token not in str(err.value)
    assert "quota" in str(err.value)


# -- reads ------------------------------------------------------------------------------


async def test_products_datapoints_devices_values(make_client: MakeClient) -> None:
    client = make_client()
    products = await client.async_get_products()
    assert [p.name for p in products] == ["智能热水器", "空气净化器"]
    points = [
        *await client.async_get_datapoints(HEATER_PRODUCT_ID),
        *await client.async_get_datapoints(PURIFIER_PRODUCT_ID),
    ]
    # The two products use every type of the enum between them.
    assert {p.data_type for p in points} == set(DataType)
    devices = await client.async_get_devices(HEATER_PRODUCT_ID)
    assert [d.device_id for d in devices] == [1658785277, 1658785278, 1658785279]
    assert devices[0].mac == "F0FE6B792673"
    assert devices[2].online is False
    values = await client.async_get_values(HEATER_PRODUCT_ID, [d.device_id for d in devices])
    assert values[1658785278].values["1"] == 60
    assert values[1658785279].online is False


@pytest.mark.parametrize(("count", "pages"), [(0, 1), (99, 1), (200, 2), (250, 3)])
async def test_paging_and_batches_cost(
    session: aiohttp.ClientSession, clock: Clock, count: int, pages: int
) -> None:
    """ceil(devices / page) list requests and ceil(devices / batch) value requests."""
    sim = XlinkSimulator(generate_xlink_scenario(count), clock=clock)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        client = XlinkClient(
            session, url, mode="corp", login=DEMO_ACCOUNT, password=DEMO_PASSWORD, clock=clock
        )
        await client.async_authenticate()
        sim.requests.clear()
        devices = await client.async_get_devices(HEATER_PRODUCT_ID)
        assert len({d.device_id for d in devices}) == count
        assert len(sim.requests) == pages
        sim.requests.clear()
        values = await client.async_get_values(HEATER_PRODUCT_ID, [d.device_id for d in devices])
        assert len(values) == count
        assert len(sim.requests) == -(-count // 100)
    finally:
        await sim.stop()


async def test_full_page_with_count_equal_to_length_reads_on(
    session: aiohttp.ClientSession, clock: Clock
) -> None:
    """``count`` equal to a full page could be the page size: the next page tells."""
    sim = XlinkSimulator(generate_xlink_scenario(4), clock=clock)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        client = XlinkClient(
            session, url, mode="corp", login=DEMO_ACCOUNT, password=DEMO_PASSWORD, clock=clock
        )
        with patch("custom_components.cniot.xlink.client.PAGE_SIZE", 2):
            devices = await client.async_get_devices(HEATER_PRODUCT_ID)
            assert len(devices) == 4
            sim.requests.clear()
            with patch("custom_components.cniot.xlink.client.PAGE_SIZE", 4):
                assert len(await client.async_get_devices(HEATER_PRODUCT_ID)) == 4
            assert len(sim.requests) == 2
            # A server that ignores the offset would page forever: refused.
            sim.faults.add(Fault(kind="empty_page", path_prefix="/v2/product", skip=1))
            with pytest.raises(CniotInvalidResponseError):
                await client.async_get_devices(HEATER_PRODUCT_ID)
    finally:
        await sim.stop()


async def test_user_reach(make_client: MakeClient, sim: XlinkSimulator) -> None:
    """An app user reads its subscribed devices' values; nothing of the enterprise."""
    client = make_client("user")
    devices = await client.async_get_subscribed()
    heater = next(d for d in devices if d.product_id == HEATER_PRODUCT_ID)
    values = await client.async_get_values(HEATER_PRODUCT_ID, [heater.device_id])
    assert values[heater.device_id].online is True
    with pytest.raises(CniotDeviceOfflineError) as err:
        await client.async_get_values(HEATER_PRODUCT_ID, [1658785278])
    assert err.value.code == 4031010
    with pytest.raises(CniotConfigurationError) as config_err:
        await client.async_get_products()
    assert config_err.value.code == 4031004
    assert await client.async_get_datapoints(HEATER_PRODUCT_ID)


# -- probe and control ----------------------------------------------------------------


async def test_probe(make_client: MakeClient, sim: XlinkSimulator, clock: Clock) -> None:
    client = make_client()
    clock.now += 5
    values = await client.async_probe(HEATER_1)
    assert values[1] == 50
    assert sim.devices[HEATER_1].last_update == clock.now
    with pytest.raises(CniotDeviceOfflineError):
        await client.async_probe(HEATER_OFFLINE)
    with pytest.raises(CniotDeviceOfflineError) as err:
        await client.async_probe(999)
    assert err.value.code == 4041008


async def test_control_changes_state(make_client: MakeClient, sim: XlinkSimulator) -> None:
    client = make_client()
    await client.async_control(HEATER_1, {0: True, 1: 65, 7: "客卫热水"})
    assert sim.devices[HEATER_1].values[0] is True
    assert sim.devices[HEATER_1].values[1] == 65
    assert sim.requests[-1].body == {
        "datapoint": [
            {"index": 0, "value": True},
            {"index": 1, "value": 65},
            {"index": 7, "value": "客卫热水"},
        ]
    }
    await client.async_control(PURIFIER_1, {5: "0a0b0c", 7: 55.5})
    assert sim.devices[PURIFIER_1].values[5] == "0a0b0c"


@pytest.mark.parametrize(
    ("device", "values", "error", "code"),
    [
        (HEATER_1, {1: 90}, CniotInvalidValueError, 4001001),  # above max
        (HEATER_1, {2: 10}, CniotInvalidValueError, 4001001),  # read-only
        (HEATER_1, {0: "on"}, CniotInvalidValueError, 4001001),  # wrong type
        (HEATER_1, {1: 40.5}, CniotInvalidValueError, 4001001),  # not whole
        (HEATER_1, {42: 1}, CniotConfigurationError, 4041007),  # unknown index
        (HEATER_OFFLINE, {0: True}, CniotDeviceOfflineError, 4001054),
        (999, {0: True}, CniotDeviceOfflineError, 4041008),
    ],
)
async def test_control_refusals(
    make_client: MakeClient,
    sim: XlinkSimulator,
    device: int,
    values: dict[int, Any],
    error: type[CniotVendorError],
    code: int,
) -> None:
    """The simulator refuses what the client's validation would have stopped."""
    before = dict(sim.devices[HEATER_1].values)
    with pytest.raises(error) as err:
        await make_client().async_control(device, values)
    assert err.value.code == code
    assert sim.devices[HEATER_1].values == before


async def test_control_is_never_retried(make_client: MakeClient, sim: XlinkSimulator) -> None:
    client = make_client()
    await client.async_authenticate()
    sim.faults.add(Fault(kind="http_status", value=502, path_prefix="/v2/diagnosis", remaining=1))
    with pytest.raises(CniotConnectionError):
        await client.async_control(HEATER_1, {0: True})
    assert _paths(sim).count(f"/v2/diagnosis/device/set/{HEATER_1}") == 1
