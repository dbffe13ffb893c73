"""Quota-aware polling: simulated hours against the simulator's real quota."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
import time
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.gizwits.coordinator import MAX_CYCLE_INTERVAL
from custom_components.cniot.gizwits.quota import QUOTA_SHARE, QuotaBudget
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.scenario import generate_gizwits_scenario
from simulator.gizwits.state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
)

from .conftest import gizwits_data

STEP = 10.0


def _now() -> float:
    # Looked up at call time, so the simulator follows the frozen clock too.
    return time.time()


async def _advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    for _ in range(round(seconds / STEP)):
        freezer.tick(STEP)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def _setup_products(hass: HomeAssistant, url: str) -> list[MockConfigEntry]:
    entries = []
    for pk, secret in (
        (AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
        (PLUG_PRODUCT_KEY, PLUG_PRODUCT_SECRET),
    ):
        entry = MockConfigEntry(domain=DOMAIN, unique_id=pk, data=gizwits_data(url, pk, secret))
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        entries.append(entry)
    return entries


async def _setup_ac(
    hass: HomeAssistant, url: str, entity_registry: er.EntityRegistry
) -> tuple[MockConfigEntry, str]:
    """The air-conditioner entry, and the set-temperature entity of an online device."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=AC_PRODUCT_KEY,
        data=gizwits_data(url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = next(
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.unique_id.endswith("_set_temp")
        and hass.states.get(e.entity_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    )
    return entry, entity_id


def test_min_interval_arithmetic() -> None:
    """The interval that spends exactly the share, and never faster than configured."""
    budget = QuotaBudget(limit=3600)
    a, b = budget.register("a"), budget.register("b")
    a.per_cycle, b.per_cycle = 150, 52
    a.per_hour_fixed = b.per_hour_fixed = 36
    # 3600 s * 202 calls / (2880 - 72) calls per hour
    assert budget.min_interval() == 259
    assert budget.effective_interval(60) == 259
    assert budget.effective_interval(600) == 600
    budget.unregister("b")
    assert budget.min_interval() < 259
    a.per_hour_fixed = 5000
    assert budget.min_interval() == 3600


# Simulated hours of polling: minutes of CPU on a loaded two-core machine.
@pytest.mark.timeout(600)
async def test_200_devices_stay_within_80_percent(
    hass: HomeAssistant, frozen_loop: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Two products, 200 devices, 3,600 calls/h: every hour at or under 80%, never a 5013."""
    sim = GizwitsSimulator(scenario=generate_gizwits_scenario(200), quota=3600, clock=_now)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entries = await _setup_products(hass, url)
        budget: QuotaBudget = entries[0].runtime_data.budget
        assert budget is entries[1].runtime_data.budget
        per_hour = []
        for _hour in range(3):
            before = len(sim.requests)
            await _advance(hass, frozen_loop, 3600)
            per_hour.append(len(sim.requests) - before)
            assert budget.paused_until is None
        allowed = 3600 * QUOTA_SHARE
        assert all(calls <= allowed for calls in per_hour), per_hour
        # The freshest the quota allows: most of the share is used.
        assert all(calls >= 0.75 * allowed for calls in per_hour), per_hour
        assert "quota exhausted" not in caplog.text
        coordinator = entries[0].runtime_data.coordinator
        assert coordinator.data.interval > coordinator.configured_interval
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)
        assert not budget.consumers
    finally:
        await sim.stop()


# Two simulated hours of polling: well over the default timeout on a loaded two-core machine.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("devices", [20, 1000])
async def test_quota_share_at_other_fleet_sizes(
    hass: HomeAssistant,
    frozen_loop: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    devices: int,
) -> None:
    """Small fleets poll as configured; large ones slow down; none goes over 80%."""
    sim = GizwitsSimulator(scenario=generate_gizwits_scenario(devices), quota=3600, clock=_now)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        # Entities play no part in the calls made.
        with patch("custom_components.cniot.gizwits.runtime.GizwitsRuntime.platforms", ()):
            entries = await _setup_products(hass, url)
        budget: QuotaBudget = entries[0].runtime_data.budget
        per_hour = []
        for _hour in range(2):
            before = len(sim.requests)
            await _advance(hass, frozen_loop, 3600)
            per_hour.append(len(sim.requests) - before)
            assert budget.paused_until is None
        assert all(calls <= 3600 * QUOTA_SHARE for calls in per_hour), per_hour
        assert "quota exhausted" not in caplog.text
        coordinator = entries[0].runtime_data.coordinator
        steady = budget.min_interval()
        if steady <= coordinator.configured_interval:
            assert coordinator.data.interval == coordinator.configured_interval
        else:
            assert coordinator.data.interval >= steady
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


# Simulated hours of polling: minutes of CPU on a loaded two-core machine.
@pytest.mark.timeout(600)
async def test_fleet_too_large_for_one_cycle_is_read_in_slices(
    hass: HomeAssistant, frozen_loop: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """3,500 devices: one whole cycle would exceed the share; slices stay within it.

    A cycle runs every MAX_CYCLE_INTERVAL and reads the devices read longest ago,
    so within the whole-cycle interval every online device is read, none twice.
    """
    sim = GizwitsSimulator(scenario=generate_gizwits_scenario(3500), quota=3600, clock=_now)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        with patch("custom_components.cniot.gizwits.runtime.GizwitsRuntime.platforms", ()):
            entries = await _setup_products(hass, url)
        budget: QuotaBudget = entries[0].runtime_data.budget
        online = sum(
            1 for devices in sim.devices.values() for device in devices.values() if device.is_online
        )
        assert sum(c.per_cycle for c in budget.consumers.values()) > 3600 * QUOTA_SHARE
        per_hour = []
        for _hour in range(2):
            before = len(sim.requests)
            await _advance(hass, frozen_loop, 3600)
            per_hour.append(len(sim.requests) - before)
        assert all(calls <= 3600 * QUOTA_SHARE for calls in per_hour), per_hour
        # Most of the share goes to reading devices: as fresh as the quota allows.
        assert all(calls >= 0.9 * 3600 * QUOTA_SHARE for calls in per_hour), per_hour
        assert budget.paused_until is None
        assert "quota exhausted" not in caplog.text
        coordinator = entries[0].runtime_data.coordinator
        assert coordinator.update_interval == timedelta(seconds=MAX_CYCLE_INTERVAL)
        assert coordinator.data.interval > MAX_CYCLE_INTERVAL
        reads = Counter(r.path.split("/")[-2] for r in sim.requests if r.path.endswith("/data"))
        # Two hours hold more than one whole-cycle interval: every device read, the
        # stalest first, so no device was read a third time before all were read once.
        assert len(reads) == online
        assert max(reads.values()) <= 2
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_window_allowance() -> None:
    """The rest of the window's share, spread evenly; nothing once it is spent."""
    budget = QuotaBudget(limit=3600)
    assert budget.window_allowance(1000.0, 600) is None
    budget.observe(3600, 3000, 1000.0 + 1800)
    # 3000 left - 720 kept back = 2280 over 1800 s: 760 in the next 600 s.
    assert budget.window_allowance(1000.0, 600) == pytest.approx(760)
    assert budget.window_allowance(1000.0, 3600) == pytest.approx(2280)
    budget.register("a").per_hour_fixed = 36
    assert budget.window_allowance(1000.0, 600) == pytest.approx((2280 - 18) / 3)
    budget.observe(3600, 500, 1000.0 + 1800)
    assert budget.window_allowance(1000.0, 600) == 0
    assert budget.window_allowance(5000.0, 600) is None


async def test_recovery_from_5013_without_flapping(
    hass: HomeAssistant,
    frozen_loop: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Quota used up elsewhere near the window's end: pause, values stay, polling resumes."""
    sim = GizwitsSimulator(quota=3600, clock=_now)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry, entity_id = await _setup_ac(hass, url, entity_registry)
        await _advance(hass, frozen_loop, 55 * 60)
        states: list[str] = []
        hass.bus.async_listen(
            "state_changed",
            lambda e: (
                states.append(e.data["new_state"].state)
                if e.data["entity_id"] == entity_id
                else None
            ),
        )
        # Another client of the enterprise takes the rest of this window's quota.
        window = sim.enterprises[next(iter(sim.enterprises))]
        sim.quota = window.calls
        await _advance(hass, frozen_loop, 120)
        budget: QuotaBudget = entry.runtime_data.budget
        assert budget.paused_until is not None
        assert caplog.text.count("quota exhausted") == 1

        sim.quota = 3600
        await _advance(hass, frozen_loop, 15 * 60)
        assert budget.paused_until is None
        assert caplog.text.count("polling resumes") == 1
        assert entry.runtime_data.coordinator.last_update_success
        # Values stayed within their grace period: no unavailable blip at all.
        assert STATE_UNAVAILABLE not in states
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_long_pause_makes_values_unavailable(
    hass: HomeAssistant,
    frozen_loop: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Values older than the grace period (max(3 x interval, 10 min)) become unavailable."""
    sim = GizwitsSimulator(quota=3600, clock=_now)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry, entity_id = await _setup_ac(hass, url, entity_registry)
        window = sim.enterprises[next(iter(sim.enterprises))]
        sim.quota = window.calls
        await _advance(hass, frozen_loop, 300)
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
        await _advance(hass, frozen_loop, 600)
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
        # After the window resets, polling resumes and the values return.
        sim.quota = 3600
        await _advance(hass, frozen_loop, 3600)
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


def _lists(sim: GizwitsSimulator) -> int:
    """Device-list requests the simulator received: one per poll and retry."""
    return sum(1 for request in sim.requests if request.path.endswith("/devices/search"))


async def test_failure_after_pause_waits_the_normal_interval(
    hass: HomeAssistant,
    frozen_loop: FrozenDateTimeFactory,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
) -> None:
    """A poll failing straight after a pause waits the normal interval, not the wake-up.

    Guards D1 of the 2026-12 review: the pause's short wake-up interval survived a
    failed poll, so a cloud that was down was asked again every few seconds.
    """
    coordinator = setup_ac.runtime_data.coordinator
    normal = coordinator.update_interval
    assert normal is not None
    assert normal >= timedelta(seconds=60)
    coordinator.budget.pause(time.time() + 3)
    await coordinator.async_refresh()
    assert coordinator.update_interval is not None
    assert coordinator.update_interval <= timedelta(seconds=4)
    # The pause ends and the wake-up poll fails.
    gizwits_sim.faults.add(Fault(kind="http_status", value=502))
    polls = _lists(gizwits_sim)
    frozen_loop.tick(4)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _lists(gizwits_sim) > polls
    assert coordinator.last_update_success is False
    assert coordinator.update_interval == normal
    # The next try is a whole interval later, not seconds.
    polls = _lists(gizwits_sim)
    await _advance(hass, frozen_loop, normal.total_seconds() - STEP)
    assert _lists(gizwits_sim) == polls
    await _advance(hass, frozen_loop, STEP)
    assert _lists(gizwits_sim) > polls
