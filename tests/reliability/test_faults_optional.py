"""The fault table's optional-feature half: absent, forbidden and unreadable feature calls.

The core of an entry (credentials, the device list, each device's main state) is
covered by ``test_faults.py``; this table breaks one *feature* call of one vendor at a
time, from the first refresh ("setup") or after it worked ("later"), and checks what
the issue asks for:

- the entry is LOADED and no core refresh fails (nor the feature's tier);
- core entities keep their availability; only the feature's entities are missing
  (setup) or unavailable (later);
- one INFO line names the feature, nothing is logged louder;
- a repair issue exactly where the user can fix it;
- diagnostics list the feature; it is not asked again before six hours, and then
  comes back.

Write features (Gizwits control, the gateway's settings path) are tried on every
command instead: each one is the user's own retry.

A row is one feature; its modes are the table's columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
import re
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.features import ISSUE_FORBIDDEN, RETRY_INTERVAL
from simulator.gizwits.state import AC_PRODUCT_KEY

from . import test_faults
from .test_faults import COMMANDS, TIERS, Harness, Tier

# The fault table's harness, shared as a fixture.
harness_factory = test_faults.harness_factory

LOGGER_NAME = "custom_components.cniot"
TIER = {tier.name: tier for tier in TIERS}
SOLAR = (
    "_charge_status",
    "_battery",
    "_temperature",
    "_input_power",
    "_output_power",
    "_input_energy_today",
    "_output_energy_today",
    # Load schedules ride on the solar tier's read.
    "_schedule",
    "_schedule_start",
    "_schedule_end",
)

# (mode, code): how the simulator serves the feature (simulator.base.set_feature).
type Mode = tuple[str, int | None]
BASIC: tuple[Mode, ...] = (("absent", None), ("forbidden", None), ("refused", None))
READ: tuple[Mode, ...] = (*BASIC, ("unreadable", None))
# 405 and 501 also mean "not here"; one feature per vendor carries them.
OTHER_ABSENT: tuple[Mode, ...] = (("absent", 405), ("absent", 501))


def _ends(*suffixes: str) -> Callable[[str], bool]:
    return lambda uid: uid.endswith(suffixes)


def _has(part: str) -> Callable[[str], bool]:
    return lambda uid: part in uid


def _nothing(_uid: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class OptionalFeature:
    """One feature call of one vendor, and what it feeds."""

    tier: str  # a TIERS row
    name: str  # the integration's (and the simulator's) feature name
    modes: tuple[Mode, ...]
    # Its entities: missing when it fails at setup, unavailable when it fails later.
    owns: Callable[[str], bool] = _nothing
    # Buttons offered only once it has answered; they act through other calls, so
    # they stay when it fails later.
    actions: Callable[[str], bool] = _nothing
    write: bool = False  # a command, not a poll
    # The vendor's own repair issue for a refusal code, instead of the generic one.
    own_issue: Callable[[Harness, int | None], str | None] = lambda h, code: None


def _gizwits_remote_control(h: Harness, code: int | None) -> str | None:
    return f"gizwits_remote_control_{h.entry.entry_id}" if code == 5404 else None


FEATURES = [
    OptionalFeature(
        "gizwits", "summary", (*READ, *OTHER_ABSENT, ("refused", 5014)), _ends("_total_devices")
    ),
    OptionalFeature(
        "gizwits", "fault_report", (*READ, ("refused", 5018)), _ends("_faulty_devices")
    ),
    OptionalFeature("gizwits", "alert_report", READ, _ends("_alerting_devices")),
    OptionalFeature(
        "gizwits",
        "control",
        (*BASIC, ("refused", 5404)),
        write=True,
        own_issue=_gizwits_remote_control,
    ),
    OptionalFeature(
        "gateway",
        "settings",
        (("absent", None), ("forbidden", None), ("unreadable", None), *OTHER_ABSENT),
        write=True,
    ),
    OptionalFeature(
        "tums_devices",
        "overview",
        (*READ, *OTHER_ABSENT, ("refused", -82401), ("refused", -88311), ("refused", -88312)),
        _has("_overview_"),
    ),
    OptionalFeature("tums_devices", "firmware_check", BASIC),
    OptionalFeature("tums_devices", "firmware", READ, _ends("_firmware")),
    OptionalFeature("tums_devices", "solar", READ, _ends(*SOLAR), _has("_solar_load_")),
    OptionalFeature("tums_devices", "solar_energy", READ, _ends("_energy_today")),
    OptionalFeature("tums_devices", "solar_loads", READ, actions=_has("_solar_load_")),
    OptionalFeature(
        "tums_devices",
        "flow",
        READ,
        _ends(
            "_people_in_today",
            "_people_out_today",
            "_people_passing_today",
            "_people_in_yesterday",
            "_people_out_yesterday",
            "_people_passing_yesterday",
        ),
    ),
    OptionalFeature("tums_devices", "storage", READ, _has("_storage_")),
    OptionalFeature("tums_devices", "record_loop", READ, _ends("_loop_recording")),
    OptionalFeature(
        "tums_devices", "time_sync", READ, _ends("_time_sync_mode"), _ends("_sync_time")
    ),
    OptionalFeature("tums_devices", "timing_reboot", READ, _has("_scheduled_reboot")),
    OptionalFeature("tums_devices", "ptz_reset", READ, actions=_ends("_ptz_reset")),
]


async def _refresh_all(h: Harness) -> None:
    """Every call of the entry is due now, and made: the core's and every feature's."""
    runtime = h.entry.runtime_data
    coordinator = runtime.coordinator
    if h.tier.name == "gizwits":
        coordinator._summary_at = None  # reports are due
    await coordinator.async_refresh()
    for tier in getattr(runtime, "tiers", {}).values():
        getattr(tier, "_read_at", {}).clear()  # every device is due
        if hasattr(tier, "_found_at"):
            tier._found_at = None  # which IPCs count is asked again
        if hasattr(tier, "_next_check"):
            tier._next_check = 0.0  # devices look for new firmware
        await tier.async_refresh()
    if h.tier.name == "tums_devices":
        # The tiers' findings count once the device list is read again.
        await coordinator.async_refresh()
    await h.hass.async_block_till_done(wait_background_tasks=True)


def _coordinators(h: Harness) -> list[Any]:
    runtime = h.entry.runtime_data
    return [runtime.coordinator, *getattr(runtime, "tiers", {}).values()]


def _availability(h: Harness) -> dict[str, bool]:
    """Every entity of the entry by unique ID: whether it is available."""
    registry = er.async_get(h.hass)
    result = {}
    for entry in er.async_entries_for_config_entry(registry, h.entry.entry_id):
        if entry.disabled_by is not None:
            continue
        state = h.hass.states.get(entry.entity_id)
        assert state is not None, entry.entity_id
        # Gateway unique IDs carry the entry ID: compare entries of separate setups.
        result[entry.unique_id.replace(h.entry.entry_id, "{entry}")] = (
            state.state != STATE_UNAVAILABLE
        )
    return result


def _feature_requests(h: Harness, name: str) -> int:
    pattern = h.sim.feature_paths[name]
    return sum(1 for item in h.sim.requests if re.fullmatch(pattern, item.path))


def _lines(records: list[logging.LogRecord], name: str) -> list[logging.LogRecord]:
    return [r for r in records if f": {name} is unavailable (" in r.getMessage()]


def _loud(records: list[logging.LogRecord]) -> list[str]:
    return [
        r.getMessage()
        for r in records
        if r.levelno >= logging.WARNING and r.name.startswith(LOGGER_NAME)
    ]


def _feature_issues(h: Harness) -> set[str]:
    return {
        issue_id
        for (domain, issue_id) in ir.async_get(h.hass).issues
        if domain == DOMAIN
        and h.entry.entry_id in issue_id
        and issue_id.startswith((ISSUE_FORBIDDEN, "gizwits_remote_control", "gateway_set_path"))
    }


def _expected_issue(h: Harness, feature: OptionalFeature, mode: Mode) -> set[str]:
    kind, code = mode
    if kind == "absent" and feature.tier == "gateway":
        # The settings path is configurable: the user can point it elsewhere.
        return {f"gateway_set_path_not_found_{h.entry.entry_id}"}
    if kind == "refused" and code == 5014:
        return set()  # "report not generated" is nothing to grant
    if kind not in ("forbidden", "refused"):
        return set()
    own = feature.own_issue(h, code)
    if own is not None:
        return {own}
    return {h.entry.runtime_data.features.issue_id(feature.name)}


async def _command(h: Harness) -> None:
    """The tier's command entity (test_faults.COMMANDS), on a device that is online."""
    pick, domain, service, _key = COMMANDS[h.tier.name]
    _device, unique_id = pick(h.sim)
    unique_id = unique_id.format(entry=h.entry.entry_id)
    entity_id = er.async_get(h.hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert entity_id is not None
    await h.hass.services.async_call(domain, service, {"entity_id": entity_id}, blocking=True)


_BASELINES: dict[str, dict[str, bool]] = {}


async def _baseline(harness_factory: Callable[..., Any], tier: Tier) -> dict[str, bool]:
    """Each entity's availability with every feature working (one setup per tier)."""
    if tier.name not in _BASELINES:
        h: Harness = await harness_factory(tier)
        h.entry.runtime_data.client._http._timeout = 15.0
        await _refresh_all(h)
        _BASELINES[tier.name] = _availability(h)
        # Removed, entities and all, so the test's own entry registers them afresh.
        assert await h.hass.config_entries.async_remove(h.entry.entry_id)
        await h.hass.async_block_till_done()
    return _BASELINES[tier.name]


def _cases() -> list[Any]:
    return [
        pytest.param(
            feature,
            mode,
            when,
            id=f"{feature.tier}-{feature.name}-{mode[0]}{mode[1] or ''}-{when}",
        )
        for feature in FEATURES
        for mode in feature.modes
        for when in ("setup", "later")
    ]


@pytest.mark.parametrize(("feature", "mode", "when"), _cases())
async def test_optional_feature(
    hass: HomeAssistant,
    harness_factory: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    feature: OptionalFeature,
    mode: Mode,
    when: str,
) -> None:
    """One feature call is absent, forbidden or unreadable: it alone is lost."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    tier = TIER[feature.tier]
    baseline = await _baseline(harness_factory, tier)
    owned = {uid for uid in baseline if feature.owns(uid)}
    offered = {uid for uid in baseline if feature.actions(uid)}
    if feature.owns is not _nothing:
        assert owned, "the scenario must show this feature"
    if feature.actions is not _nothing:
        assert offered, "the scenario must show this feature"

    def break_it(sim: Any) -> None:
        sim.set_feature(feature.name, *mode)

    if when == "setup":
        h: Harness = await harness_factory(tier, break_it)
        records = list(h.setup_records)
    else:
        h = await harness_factory(tier)
    # No slow faults here: a busy machine must not look like a time-out.
    h.entry.runtime_data.client._http._timeout = 15.0
    if when == "later":
        await _refresh_all(h)
        assert _availability(h) == baseline
        assert h.entry.runtime_data.features.diagnostics() == {}
        caplog.clear()
        break_it(h.sim)
        records = []
    if feature.write:
        with pytest.raises(HomeAssistantError):
            await _command(h)
    await _refresh_all(h)
    records += caplog.records
    caplog.clear()

    # The entry and every one of its refreshes stand.
    assert h.entry.state is ConfigEntryState.LOADED
    assert all(c.last_update_success for c in _coordinators(h))
    assert not h.reauth_flows()
    now = _availability(h)
    for uid, available in baseline.items():
        if uid in owned:
            # Missing when it failed from the start, unavailable when it failed later.
            assert (uid not in now) if when == "setup" else (now.get(uid) is False), uid
        elif uid in offered and when == "setup":
            assert uid not in now, uid
        else:
            assert now.get(uid) == available, uid
    assert set(now) <= set(baseline)

    # One INFO line says which feature and why; nothing louder.
    lines = _lines(records, feature.name)
    assert len(lines) == 1, [r.getMessage() for r in records]
    assert lines[0].levelno == logging.INFO
    assert not _loud(records)
    assert _feature_issues(h) == _expected_issue(h, feature, mode)
    tracker = h.entry.runtime_data.features
    assert feature.name in tracker.diagnostics()

    # Not asked again until the retry is due (a command is the user's own retry).
    asked = _feature_requests(h, feature.name)
    if feature.write:
        with pytest.raises(HomeAssistantError):
            await _command(h)
        assert _feature_requests(h, feature.name) == asked + 1
    else:
        await _refresh_all(h)
        await _refresh_all(h)
        assert _feature_requests(h, feature.name) == asked
    assert len(_lines(caplog.records, feature.name)) == 0
    assert not _loud(caplog.records)

    # The account gains the feature; six hours on (or at once, for a command) it is back.
    h.sim.set_feature(feature.name, None)
    now_clock = tracker.clock()
    tracker.clock = lambda: now_clock + RETRY_INTERVAL.total_seconds()
    if feature.write:
        await _command(h)
    await _refresh_all(h)
    assert _availability(h) == baseline
    assert feature.name not in tracker.diagnostics()
    assert _feature_issues(h) == set()
    assert not _loud(caplog.records)
    assert await hass.config_entries.async_unload(h.entry.entry_id)


def test_table_covers_every_feature() -> None:
    """Every feature the integration names has a row, and only those."""
    from custom_components.cniot.gateway.runtime import GATEWAY_FEATURES
    from custom_components.cniot.gizwits.coordinator import GIZWITS_FEATURES
    from custom_components.cniot.tums.features import TUMS_FEATURES

    named = (
        {("gateway", f.name) for f in GATEWAY_FEATURES}
        | {("gizwits", f.name) for f in GIZWITS_FEATURES}
        | {("tums_devices", f.name) for f in TUMS_FEATURES}
    )
    assert {(f.tier, f.name) for f in FEATURES} == named
    # The simulators can switch each of them off.
    for tier, name in named:
        sim = TIER[tier].make_sim()
        assert name in sim.feature_paths


def test_gizwits_report_paths_are_the_clients() -> None:
    """The simulator's switch hits the very paths the client calls."""
    from custom_components.cniot.gizwits.client import GizwitsClient

    client = GizwitsClient(
        None,  # type: ignore[arg-type]
        "http://127.0.0.1",
        enterprise_id="e",
        enterprise_secret="s",
        product_key=AC_PRODUCT_KEY,
        product_secret="p",
    )
    sim = TIER["gizwits"].make_sim()
    for report, name in (
        ("summary", "summary"),
        ("fault", "fault_report"),
        ("alert", "alert_report"),
    ):
        assert re.fullmatch(sim.feature_paths[name], client.report_path(report))


# -- transient failures: as today, and never the core's -----------------------------

TRANSIENT_FAULTS = {
    "http_500": {"kind": "http_status", "value": 500},
    "disconnect": {"kind": "disconnect"},
    "timeout": {"kind": "latency", "value": 1.5},
}
# tier, feature, the path its fault is injected on, its entities
TRANSIENT = [
    (
        "gizwits",
        "summary",
        f"/v1/products/{AC_PRODUCT_KEY}/devices/summary",
        _ends("_total_devices"),
    ),
    (
        "tums_devices",
        "overview",
        "/tums/open/deviceManager/v1/getApplicationOverview",
        _has("_overview_"),
    ),
    ("tums_devices", "solar", "/evcs/open/chargingDeviceManager/v1/querySolarPower", _ends(*SOLAR)),
]


@pytest.mark.parametrize(
    ("tier_name", "name", "path", "owns", "fault"),
    [
        pytest.param(*row, fault, id=f"{row[0]}-{row[1]}-{fault}")
        for row in TRANSIENT
        for fault in TRANSIENT_FAULTS
    ],
)
async def test_feature_fails_transiently(
    hass: HomeAssistant,
    harness_factory: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    tier_name: str,
    name: str,
    path: str,
    owns: Callable[[str], bool],
    fault: str,
) -> None:
    """Its entities go unavailable after the retry, one line down, one up; the core stands."""
    from simulator.faults import Fault

    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    tier = TIER[tier_name]
    h: Harness = await harness_factory(tier)
    # Only the injected latency may time out, not a busy machine's other calls.
    h.entry.runtime_data.client._http._timeout = 1.0 if fault == "timeout" else 15.0
    await _refresh_all(h)
    before = _availability(h)
    owned = {uid for uid in before if owns(uid) and before[uid]}
    assert owned
    caplog.clear()
    h.sim.faults.add(Fault(path_prefix=path, **TRANSIENT_FAULTS[fault]))
    await _refresh_all(h)
    await _refresh_all(h)
    assert h.entry.runtime_data.coordinator.last_update_success
    now = _availability(h)
    assert {uid for uid in owned if now[uid]} == set()
    assert {uid: a for uid, a in now.items() if uid not in owned} == {
        uid: a for uid, a in before.items() if uid not in owned
    }
    assert len(_loud(caplog.records)) == 1, _loud(caplog.records)
    # Not a permanent failure: nothing is marked for six hours, no repair issue.
    assert not _lines(caplog.records, name)
    assert _feature_issues(h) == set()
    caplog.clear()
    h.sim.faults.clear()
    await _refresh_all(h)
    assert _availability(h) == before
    assert len([r for r in caplog.records if "recovered" in r.getMessage()]) == 1
    assert not _loud(caplog.records)
    assert await hass.config_entries.async_unload(h.entry.entry_id)
