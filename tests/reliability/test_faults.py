"""Fault injection: every vendor and coordinator tier against every fault, as one table.

A tier is one coordinator of one vendor (the gateway backend, a Gizwits product, the
TUMS device tier). Adding a tier is one ``Tier`` row; adding a fault one ``Case`` row.
Each case sets the tier up against its simulator, injects the fault for two polling
intervals, clears it, and checks what the issue asks for:

- no unhandled exception (Home Assistant would log "Unexpected error" with a traceback);
- the tier's entities become unavailable, or stay as they were when the client can
  absorb the fault, or show no value where a field was unusable;
- exactly one log line (warning or worse) when the service goes down, none while it
  stays down, and one line when it comes back;
- recovery within one interval after the fault clears;
- reauthentication only for a real credential failure;
- nothing left running: the entry unloads and the test harness finds no lingering
  task or timer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
import logging
from typing import Any, Literal
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from simulator.base import VendorSimulator
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY, AC_PRODUCT_SECRET
from simulator.tums import TumsSimulator
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import DEMO_CORP_ID, HEATER_PRODUCT_ID

from ..gizwits.conftest import gizwits_data
from ..tums.conftest import tums_data
from ..xlink.conftest import xlink_data

# How a tier's entities should look while the fault lasts.
type Outcome = Literal["unavailable", "absorbed", "degraded", "partial", "reauth"]


@dataclass(frozen=True, slots=True)
class Tier:
    """One coordinator of one vendor, and how to drive its simulator.

    A tier that polls other paths than its vendor's device list (say, TUMS firmware)
    sets ``fault_prefix`` to those paths, so the table's faults hit it alone, ``owns``
    to pick its entities, and ``coordinator`` to find it on the runtime; cases that
    make no sense for it (paging, for a tier without a list) leave it out by name.
    """

    name: str
    make_sim: Callable[[], VendorSimulator]
    entry_data: Callable[[str], dict[str, Any]]
    list_path: str  # the paged device list
    small_pages: Callable[[Any], Any]  # context manager: two devices per page
    remove_listed: Callable[[Any], None]  # deletes the first listed device at the vendor
    auth_fault: Callable[[Any], None]  # the vendor refuses the credentials
    coordinator: Callable[[Any], Any] = lambda runtime: runtime.coordinator
    unique_id: str = ""
    # Unique-ID endings of entities whose value changes by itself between polls.
    volatile: tuple[str, ...] = ()
    # The paths this tier's faults are injected on (None: every vendor path).
    fault_prefix: str | None = None
    # Whether an entity (by unique ID) belongs to this tier.
    owns: Callable[[str], bool] = lambda _unique_id: True


@contextmanager
def _gateway_pages(runtime: Any) -> Iterator[None]:
    with patch.object(runtime.client, "_page_size", 2):
        yield


@contextmanager
def _gizwits_pages(runtime: Any) -> Iterator[None]:
    with patch("custom_components.cniot.gizwits.client.DEFAULT_PAGE_SIZE", 2):
        yield


@contextmanager
def _tums_pages(runtime: Any) -> Iterator[None]:
    with (
        patch("custom_components.cniot.tums.client_devices.MAX_PAGE_SIZE", 2),
    ):
        yield


@contextmanager
def _xlink_pages(runtime: Any) -> Iterator[None]:
    with patch("custom_components.cniot.xlink.client.PAGE_SIZE", 2):
        yield


def _remove_gateway(sim: GatewaySimulator) -> None:
    del sim.devices[next(iter(sim.devices))]


def _remove_gizwits(sim: GizwitsSimulator) -> None:
    devices = sim.devices[AC_PRODUCT_KEY]
    del devices[next(iter(devices))]


def _remove_tums(sim: TumsSimulator) -> None:
    del sim.devices[next(iter(sim.devices))]


def _remove_xlink(sim: XlinkSimulator) -> None:
    del sim.devices[min(d for d, dev in sim.devices.items() if dev.product_id == HEATER_PRODUCT_ID)]


def _xlink_auth(sim: XlinkSimulator) -> None:
    # The token was replaced, and the fresh login is refused: the password changed.
    sim.faults.add(Fault(kind="vendor_code", value=4031022, path_prefix="/v2/product"))
    sim.faults.add(Fault(kind="vendor_code", value=4001007, path_prefix="/v2/corp_auth"))


def _gateway_auth(sim: GatewaySimulator) -> None:
    # The backend now sits behind a proxy that wants credentials we do not have.
    sim._username = "admin"
    sim._password = "new-password"


def _gizwits_auth(sim: GizwitsSimulator) -> None:
    sim.faults.add(Fault(kind="vendor_code", value=5004))


def _tums_auth(sim: TumsSimulator) -> None:
    sim.faults.add(Fault(kind="vendor_code", value=-10304))


TIERS = [
    Tier(
        name="gateway",
        make_sim=lambda: GatewaySimulator(scenario=default_scenario(), drift=False),
        entry_data=lambda url: {CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: url},
        list_path="/api/v1/devices/list",
        small_pages=_gateway_pages,
        remove_listed=_remove_gateway,
        auth_fault=_gateway_auth,
    ),
    Tier(
        name="gizwits",
        make_sim=GizwitsSimulator,
        entry_data=lambda url: gizwits_data(url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
        list_path=f"/v1/products/{AC_PRODUCT_KEY}/devices/search",
        small_pages=_gizwits_pages,
        remove_listed=_remove_gizwits,
        auth_fault=_gizwits_auth,
        unique_id=AC_PRODUCT_KEY,
        volatile=("_calls_used",),
    ),
    Tier(
        name="tums_devices",
        make_sim=TumsSimulator,
        entry_data=tums_data,
        list_path="/tums/open/deviceManager/v1/getDeviceList",
        small_pages=_tums_pages,
        remove_listed=_remove_tums,
        auth_fault=_tums_auth,
    ),
    Tier(
        name="xlink",
        make_sim=XlinkSimulator,
        entry_data=xlink_data,
        list_path=f"/v2/product/{HEATER_PRODUCT_ID}/devices",
        small_pages=_xlink_pages,
        remove_listed=_remove_xlink,
        auth_fault=_xlink_auth,
        unique_id=DEMO_CORP_ID,
    ),
]


@dataclass(frozen=True, slots=True)
class Case:
    """One fault: how to start and end it, and what the entities should do meanwhile."""

    name: str
    start: Callable[[Any, Tier], Any]
    outcome: Outcome | Mapping[str, Outcome]  # one for all tiers, or per tier
    tiers: frozenset[str] | None = None  # None: every tier
    stop: Callable[[Any], Any] = field(default=lambda sim: sim.faults.clear())

    def outcome_for(self, tier: Tier) -> Outcome:
        return self.outcome if isinstance(self.outcome, str) else self.outcome[tier.name]


def _fault(**kwargs: Any) -> Callable[[Any, Tier], None]:
    return lambda sim, tier: sim.faults.add(Fault(path_prefix=tier.fault_prefix, **kwargs))


def _list_fault(**kwargs: Any) -> Callable[[Any, Tier], None]:
    return lambda sim, tier: sim.faults.add(Fault(path_prefix=tier.list_path, **kwargs))


def _timeout(sim: Any, tier: Tier) -> None:
    sim.faults.add(Fault(kind="latency", value=0.5, path_prefix=tier.fault_prefix))


def _online_dids(sim: GizwitsSimulator) -> list[str]:
    return [did for did, device in sim.devices[AC_PRODUCT_KEY].items() if device.is_online]


def _data_path(did: str) -> str:
    return f"/v1/products/{AC_PRODUCT_KEY}/devices/{did}/data"


def _every_device_read_fault(sim: GizwitsSimulator, tier: Tier) -> None:
    for did in _online_dids(sim):
        sim.faults.add(Fault(kind="http_status", value=500, path_prefix=_data_path(did)))


def _device_read_auth_fault(sim: GizwitsSimulator, tier: Tier) -> None:
    did = _online_dids(sim)[-1]
    sim.faults.add(Fault(kind="vendor_code", value=5004, path_prefix=_data_path(did)))


def _skew(sim: TumsSimulator, tier: Tier) -> None:
    sim.clock_skew = 1200.0


def _unskew(sim: TumsSimulator) -> None:
    sim.clock_skew = 0.0


CASES = [
    Case("timeout", _timeout, "unavailable"),
    Case("http_500", _fault(kind="http_status", value=500), "unavailable"),
    Case("http_502", _fault(kind="http_status", value=502), "unavailable"),
    Case("http_503", _fault(kind="http_status", value=503), "unavailable"),
    Case("html_page", _fault(kind="html"), "unavailable"),
    Case("truncated_json", _fault(kind="truncated"), "unavailable"),
    Case("wrong_container_types", _fault(kind="wrong_types"), "unavailable"),
    # Gateway and Gizwits fields are read one by one: an unreadable number is unknown
    # (Gizwits search items carry no disabled flag that could decide a device away). A
    # TUMS channel number is part of a device's identity: the devices with one are
    # skipped (one warning), the others read.
    Case(
        "string_for_number",
        _fault(kind="strings_for_numbers"),
        {
            "gateway": "degraded",
            "gizwits": "degraded",
            "tums_devices": "partial",
            "xlink": "unavailable",
        },
    ),
    Case("nulls", _fault(kind="nulls"), "unavailable"),
    # Gizwits devices keep their did (and lose optional fields); the others lose identities.
    Case(
        "missing_keys",
        _list_fault(kind="missing_keys"),
        {
            "gateway": "unavailable",
            "gizwits": "degraded",
            "tums_devices": "unavailable",
            "xlink": "unavailable",
        },
    ),
    Case("empty_page_mid_list", _list_fault(kind="empty_page", skip=1), "unavailable"),
    Case("reply_of_10_mb", _fault(kind="huge", value=10_000_000), "unavailable"),
    Case("disconnect", _fault(kind="disconnect"), "unavailable"),
    Case("auth_failure", lambda sim, tier: tier.auth_fault(sim), "reauth"),
    Case(
        "rate_limited_http",
        _fault(kind="http_status", value=429),
        "unavailable",
        frozenset({"gateway", "tums_devices", "xlink"}),
    ),
    Case(
        "rate_limited_code",
        _fault(kind="vendor_code", value=-20004),
        "unavailable",
        frozenset({"tums_devices"}),
    ),
    # A bad signature or nonce is not a credential problem: no reauth.
    Case(
        "signature_refused",
        _fault(kind="vendor_code", value=-10301),
        "unavailable",
        frozenset({"tums_devices"}),
    ),
    # A token the API keeps refusing is renewed once per call, then the poll fails.
    Case(
        "token_refused",
        _fault(kind="vendor_code", value=5009),
        "unavailable",
        frozenset({"gizwits"}),
    ),
    Case("clock_skew", _skew, "absorbed", frozenset({"tums_devices"}), stop=_unskew),
    # No device's values can be read: the service is down (one device: see below).
    Case(
        "every_device_read_fails", _every_device_read_fault, "unavailable", frozenset({"gizwits"})
    ),
    # A device read refused for the credentials stops the other reads and asks for them.
    Case(
        "device_read_refuses_credentials",
        _device_read_auth_fault,
        "reauth",
        frozenset({"gizwits"}),
    ),
    # Xlink: a token refused even after a fresh login is not a credential problem.
    Case(
        "xlink_token_refused",
        _fault(kind="vendor_code", value=4031003),
        "unavailable",
        frozenset({"xlink"}),
    ),
    # Xlink: a token that expired is refreshed (or replaced by a login) unnoticed.
    Case(
        "xlink_token_expired_once",
        _fault(kind="vendor_code", value=4031021, remaining=1),
        "absorbed",
        frozenset({"xlink"}),
    ),
    # One dropped reply is read again at once, unnoticed.
    Case("single_transient_error", _fault(kind="http_status", value=502, remaining=1), "absorbed"),
]


def _slow_loop(record: logging.LogRecord) -> bool:
    """asyncio's debug-mode note that a step took long: a fact of the machine's load."""
    return record.name == "asyncio" and record.msg.startswith("Executing ")


class Harness:
    """Home Assistant, one tier's simulator and entry, and the log."""

    def __init__(
        self,
        hass: HomeAssistant,
        tier: Tier,
        sim: VendorSimulator,
        entry: MockConfigEntry,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        self.hass = hass
        self.tier = tier
        self.sim = sim
        self.entry = entry
        self.caplog = caplog
        self.setup_records: list[logging.LogRecord] = []

    @property
    def coordinator(self) -> Any:
        return self.tier.coordinator(self.entry.runtime_data)

    async def poll(self) -> None:
        """Let one polling interval pass."""
        interval = self.coordinator.update_interval
        async_fire_time_changed(self.hass, dt_util.utcnow() + interval + timedelta(seconds=1))
        await self.hass.async_block_till_done(wait_background_tasks=True)

    def entity_ids(self) -> list[str]:
        registry = er.async_get(self.hass)
        return [
            item.entity_id
            for item in er.async_entries_for_config_entry(registry, self.entry.entry_id)
            if item.disabled_by is None
        ]

    def states(self) -> dict[str, str]:
        result = {}
        registry = er.async_get(self.hass)
        for entity_id in self.entity_ids():
            entry = registry.async_get(entity_id)
            assert entry is not None
            if entry.unique_id.endswith(self.tier.volatile or ("\0",)):
                continue
            if not self.tier.owns(entry.unique_id):
                continue
            state = self.hass.states.get(entity_id)
            assert state is not None, entity_id
            result[entity_id] = state.state
        return result

    def loud(self) -> list[logging.LogRecord]:
        """Records at warning or worse since the last look."""
        records = [
            r for r in self.caplog.records if r.levelno >= logging.WARNING and not _slow_loop(r)
        ]
        self.caplog.clear()
        return records

    def reauth_flows(self) -> list[Any]:
        return list(self.entry.async_get_active_flows(self.hass, {"reauth"}))


@pytest.fixture
async def harness_factory(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Callable[[Tier], Any]]:
    sims: list[VendorSimulator] = []

    async def make(tier: Tier, before_setup: Callable[[Any], None] | None = None) -> Harness:
        sim = tier.make_sim()
        sims.append(sim)
        if before_setup is not None:
            before_setup(sim)
        url = await sim.start(host="127.0.0.1", port=0)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"Fault test {tier.name}",
            unique_id=tier.unique_id or url,
            data=tier.entry_data(url),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        # TUMS starts its slower tiers in the background: let them finish first.
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.state is ConfigEntryState.LOADED
        # Faults that make the simulator slow must not make the test slow.
        entry.runtime_data.client._http._timeout = 0.2
        setup_records = list(caplog.records)
        caplog.clear()
        harness = Harness(hass, tier, sim, entry, caplog)
        harness.setup_records = setup_records
        return harness

    yield make
    for sim in sims:
        await sim.stop()


async def _unload(harness: Harness) -> None:
    """Unloading leaves no refresh scheduled and no listener behind."""
    coordinator = harness.coordinator
    assert await harness.hass.config_entries.async_unload(harness.entry.entry_id)
    await harness.hass.async_block_till_done()
    assert harness.entry.state is ConfigEntryState.NOT_LOADED
    # No refresh left scheduled: a day later the cloud has heard nothing more.
    requests = len(harness.sim.requests)
    async_fire_time_changed(harness.hass, dt_util.utcnow() + timedelta(days=1))
    await harness.hass.async_block_till_done(wait_background_tasks=True)
    assert len(harness.sim.requests) == requests
    assert not coordinator._listeners


def _down_line(records: list[logging.LogRecord]) -> None:
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].name.startswith("custom_components.cniot")
    assert "Unexpected error" not in records[0].getMessage()
    assert records[0].exc_info is None


@pytest.mark.parametrize(
    ("tier", "case"),
    [
        pytest.param(tier, case, id=f"{tier.name}-{case.name}")
        for tier in TIERS
        for case in CASES
        if case.tiers is None or tier.name in case.tiers
    ],
)
async def test_fault(
    hass: HomeAssistant, harness_factory: Callable[[Tier], Any], tier: Tier, case: Case
) -> None:
    """Inject one fault into one tier for two intervals, then clear it."""
    h: Harness = await harness_factory(tier)
    with tier.small_pages(h.entry.runtime_data):
        await h.poll()
        before = h.states()
        available_before = {e for e, s in before.items() if s != STATE_UNAVAILABLE}
        assert available_before
        assert not h.loud()

        outcome = case.outcome_for(tier)
        case.start(h.sim, tier)
        await h.poll()
        during = h.states()
        first = h.loud()
        await h.poll()
        # The same entities stay (nothing is pruned for a fault), equally available.
        still = h.states()
        assert set(still) == set(during)
        assert {e for e, s in still.items() if s == STATE_UNAVAILABLE} == {
            e for e, s in during.items() if s == STATE_UNAVAILABLE
        }
        # Still down: nothing more is logged.
        assert not h.loud()

        if outcome in ("unavailable", "reauth"):
            assert set(during.values()) == {STATE_UNAVAILABLE}
            _down_line(first)
            # Only a real credential failure tells the user to re-authenticate.
            assert ("Re-authenticate" in first[0].getMessage()) == (outcome == "reauth")
        elif outcome == "absorbed":
            assert {e for e, s in during.items() if s != STATE_UNAVAILABLE} == available_before
            assert not first
        elif outcome == "partial":  # the unreadable entries' devices only, one line
            _down_line(first)
            assert "malformed" in first[0].getMessage()
            unavailable = {e for e, s in during.items() if s == STATE_UNAVAILABLE}
            assert unavailable - (set(before) - available_before)
            assert available_before - unavailable
            for entity_id, state in during.items():
                if state != before[entity_id]:
                    assert state in (STATE_UNKNOWN, STATE_UNAVAILABLE), (entity_id, state)
        else:  # degraded: values that could not be read are unknown, never made up
            assert not first
            for entity_id, state in during.items():
                if state != before[entity_id]:
                    assert state in (STATE_UNKNOWN, STATE_UNAVAILABLE), (entity_id, state)
        if outcome == "reauth":
            assert len(h.reauth_flows()) == 1
            # Polling stops until the user acts: no hammering with refused credentials.
            requests = len(h.sim.requests)
            await h.poll()
            assert len(h.sim.requests) == requests
        else:
            assert not h.reauth_flows()

        case.stop(h.sim)
        if outcome == "reauth":
            if tier.name == "gateway":
                h.sim._username = None  # type: ignore[attr-defined]
            # The user re-enters the credentials; the entry reloads.
            assert await hass.config_entries.async_reload(h.entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
        else:
            await h.poll()
            if outcome == "partial":
                # Devices back in the list: their tiers read them at the next wake-up.
                await h.poll()
        after = h.states()
        assert {e for e, s in after.items() if s != STATE_UNAVAILABLE} == available_before
        recovered = [r for r in h.caplog.records if "recovered" in r.getMessage()]
        if outcome == "unavailable":
            assert len(recovered) == 1
        assert not h.loud()
    await _unload(h)


@pytest.mark.parametrize("tier", TIERS, ids=[tier.name for tier in TIERS])
async def test_connection_refused(
    hass: HomeAssistant, harness_factory: Callable[[Tier], Any], tier: Tier
) -> None:
    """The server goes away altogether, and comes back on the same port."""
    h: Harness = await harness_factory(tier)
    assert h.sim.url is not None
    port = int(h.sim.url.rsplit(":", 1)[1])
    available_before = {e for e, s in h.states().items() if s != STATE_UNAVAILABLE}
    await h.sim.stop()
    await h.poll()
    assert set(h.states().values()) == {STATE_UNAVAILABLE}
    _down_line(h.loud())
    await h.poll()
    assert not h.loud()
    await h.sim.start(host="127.0.0.1", port=port)
    await h.poll()
    assert {e for e, s in h.states().items() if s != STATE_UNAVAILABLE} == available_before
    assert len([r for r in h.caplog.records if "recovered" in r.getMessage()]) == 1
    assert not h.loud()
    assert not h.reauth_flows()
    await _unload(h)


@pytest.mark.parametrize("tier", TIERS, ids=[tier.name for tier in TIERS])
async def test_device_removed_while_paging(
    hass: HomeAssistant, harness_factory: Callable[[Tier], Any], tier: Tier
) -> None:
    """A device deleted between two pages hides another for one refresh, no more.

    The hidden device is neither removed nor logged about; the deleted one goes from
    the registry after its second miss, as documented.
    """
    h: Harness = await harness_factory(tier)
    registry = dr.async_get(hass)
    with tier.small_pages(h.entry.runtime_data):
        await h.poll()
        devices_before = {
            d.id for d in dr.async_entries_for_config_entry(registry, h.entry.entry_id)
        }
        calls = 0
        original = h.sim.faults.apply

        async def apply(request: Any, handler: Any) -> Any:
            nonlocal calls
            if request.path.startswith(tier.list_path):
                calls += 1
                if calls == 2:
                    tier.remove_listed(h.sim)
            return await original(request, handler)

        with patch.object(h.sim.faults, "apply", apply):
            await h.poll()
        assert calls >= 2
        # One miss is forgiven: every device is still registered.
        devices_now = {d.id for d in dr.async_entries_for_config_entry(registry, h.entry.entry_id)}
        assert devices_now == devices_before
        assert not h.loud()
        assert h.coordinator.last_update_success
        # The next refresh sees the list as it is: the deleted device is gone for good.
        await h.poll()
        await h.poll()
        devices_after = {
            d.id for d in dr.async_entries_for_config_entry(registry, h.entry.entry_id)
        }
        assert len(devices_after) < len(devices_before)
        assert not h.loud()
    await _unload(h)


def _online_gateway(sim: GatewaySimulator) -> tuple[str, str]:
    sn = next(sn for sn, gateway in sim.devices.items() if gateway.online)
    return sn, f"gateway_{{entry}}_{sn}_hotspot"  # unique IDs carry the entry ID


def _online_gizwits(sim: GizwitsSimulator) -> tuple[str, str]:
    did = next(did for did, device in sim.devices[AC_PRODUCT_KEY].items() if device.is_online)
    return did, f"{AC_PRODUCT_KEY}_{did}_switch"


def _online_tums(sim: TumsSimulator) -> tuple[str, str]:
    device = next(d for d in sim.devices.values() if d.online and d.parent is None)
    from simulator.tums import DEMO_ACCESS_KEY

    return device.device_id, f"tums_{DEMO_ACCESS_KEY}_{device.device_id}_reboot"


def _online_xlink(sim: XlinkSimulator) -> tuple[str, str]:
    device = next(d for d in sim.devices.values() if d.online and d.product_id == HEATER_PRODUCT_ID)
    return str(device.device_id), f"xlink_{{entry}}_{HEATER_PRODUCT_ID}_{device.device_id}_0"


COMMANDS: dict[str, tuple[Callable[[Any], tuple[str, str]], str, str, str]] = {
    # tier: (pick a device and its command entity, domain, service, expected error key)
    "gateway": (_online_gateway, "switch", "turn_on", "device_offline"),
    "gizwits": (_online_gizwits, "switch", "turn_on", "device_offline"),
    "tums_devices": (_online_tums, "button", "press", "device_offline"),
    "xlink": (_online_xlink, "switch", "turn_on", "device_offline"),
}


@pytest.mark.parametrize("tier", TIERS, ids=[tier.name for tier in TIERS])
async def test_device_offline_during_command(
    hass: HomeAssistant, harness_factory: Callable[[Tier], Any], tier: Tier
) -> None:
    """The device drops off just as a command goes out: a translated error, nothing else."""
    h: Harness = await harness_factory(tier)
    pick, domain, service, key = COMMANDS[tier.name]
    device_id, unique_id = pick(h.sim)
    unique_id = unique_id.format(entry=h.entry.entry_id)
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert entity_id is not None
    h.sim.set_online(device_id, False)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(domain, service, {"entity_id": entity_id}, blocking=True)
    assert err.value.translation_key == key
    assert not isinstance(err.value, ConfigEntryAuthFailed)
    assert not h.reauth_flows()
    await h.poll()
    assert not h.loud()
    # The service itself is fine: the tier keeps polling.
    assert h.coordinator.last_update_success
    h.sim.set_online(device_id, True)
    await h.poll()
    assert hass.states.get(entity_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    await _unload(h)


@pytest.mark.parametrize("tier", TIERS, ids=[tier.name for tier in TIERS])
async def test_setup_is_quiet(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, tier: Tier
) -> None:
    """A healthy setup logs nothing at warning or worse (the soak found a via_device one)."""
    sim = tier.make_sim()
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN, unique_id=tier.unique_id or url, data=tier.entry_data(url)
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        loud = [
            r.getMessage()
            for r in caplog.records
            if r.levelno >= logging.WARNING
            and "has not been tested" not in r.getMessage()
            # Notices about this machine's missing C libraries, when http or camera load.
            and r.name not in ("aiohttp_fast_zlib", "homeassistant.components.camera.img_util")
            and not _slow_loop(r)
        ]
        assert not loud
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_gizwits_one_device_unreadable(
    hass: HomeAssistant, harness_factory: Callable[[Tier], Any], freezer: FrozenDateTimeFactory
) -> None:
    """One device's values cannot be read: they stay for the grace period, then go.

    The rest of the product is untouched, and nothing is logged: the service is up.
    """
    freezer.move_to("2026-09-21 08:00:00+00:00")
    h: Harness = await harness_factory(TIERS[1])
    sim: GizwitsSimulator = h.sim  # type: ignore[assignment]
    did = _online_dids(sim)[0]
    registry = er.async_get(hass)
    mine = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(registry, h.entry.entry_id)
        if entry.unique_id.startswith(f"{AC_PRODUCT_KEY}_{did}_")
        # These come from the device listing, which still answers.
        and not entry.unique_id.endswith(
            ("_online", "_last_online", "_device_fault", "_device_alert")
        )
    }
    assert mine
    before = h.states()
    sim.faults.add(Fault(kind="http_status", value=500, path_prefix=_data_path(did)))
    await h.poll()
    assert h.coordinator.last_update_success
    assert {e for e, s in h.states().items() if s == STATE_UNAVAILABLE} == {
        e for e, s in before.items() if s == STATE_UNAVAILABLE
    }
    # Past the grace period (max(3 x interval, 10 min)) its values are unavailable.
    freezer.tick(h.coordinator.grace + 1)
    await h.poll()
    states = h.states()
    assert {e for e in mine if states[e] == STATE_UNAVAILABLE} == mine
    others = {e for e, s in before.items() if s != STATE_UNAVAILABLE} - mine
    assert all(states[e] != STATE_UNAVAILABLE for e in others)
    assert not h.loud()
    sim.faults.clear()
    await h.poll()
    assert all(h.states()[e] != STATE_UNAVAILABLE for e in mine)
    assert not h.loud()
    await _unload(h)
