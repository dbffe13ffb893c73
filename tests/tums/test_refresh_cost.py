"""What a TUMS refresh costs: exact requests at scale, no writes for unchanged data."""

from __future__ import annotations

from collections import Counter
import math
from typing import Any
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.entity import CniotEntity
from custom_components.cniot.tums.client_core import MAX_CONCURRENCY
from custom_components.cniot.tums.const import SETTINGS_INTERVAL, SLICE_MIN_DEVICES, SLICE_TICK
from custom_components.cniot.tums.discovery import TumsEntityDiscovery
from custom_components.cniot.tums.paths import PATH_GET_TIMING_REBOOT
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import IPC_GATE, generate_scenario
from tests.registry import lookup_device

from .conftest import tums_data

LIST = "/tums/open/deviceManager/v1/getDeviceListInProjectApplication"
OVERVIEW = "/tums/open/deviceManager/v1/getApplicationOverview"
TIMING_REBOOT = PATH_GET_TIMING_REBOOT


@pytest.mark.parametrize("top_level", [100, 250])
async def test_device_tier_is_exact_on_every_refresh(hass: HomeAssistant, top_level: int) -> None:
    """ceil(N / 100) list pages, each once, plus the overview: at setup and ever after."""
    sim = TumsSimulator(scenario=generate_scenario(top_level))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(domain=DOMAIN, unique_id=DEMO_ACCESS_KEY, data=tums_data(url))
        entry.add_to_hass(hass)
        # Entities play no part in the request count.
        with patch("custom_components.cniot.tums.runtime.TumsRuntime.platforms", ()):
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
        coordinator = entry.runtime_data.coordinator
        listed = len(sim.devices)  # NVR channels included, as the list has them
        assert len(coordinator.data.devices) == listed
        for _ in range(2):
            sim.requests.clear()
            await coordinator.async_refresh()
            starts = sorted(r.body["start"] for r in sim.requests if r.path == LIST)
            assert starts == list(range(0, listed, 100))
            assert [r.path for r in sim.requests].count(OVERVIEW) == 1
            assert len(sim.requests) == math.ceil(listed / 100) + 1
        assert entry.runtime_data.client.max_concurrency == MAX_CONCURRENCY
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_unchanged_refresh_writes_no_state(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    state_writes: Counter[str],
) -> None:
    """Nothing changed: no write; one device offline: only its entities and the overview."""
    coordinator = setup_tums.runtime_data.coordinator
    state_writes.clear()
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not state_writes
    # Every entity handed the update: only measurements write (state_reported, review
    # D18); the rest, unchanged, are skipped.
    coordinator.async_update_listeners()
    assert state_writes
    registry = er.async_get(hass)
    overview = {
        entity_id
        for entity_id in state_writes
        if (entry := registry.async_get(entity_id)) and "_overview_" in entry.unique_id
    }
    assert set(state_writes) == overview
    state_writes.clear()

    tums_sim.set_online(IPC_GATE, False)
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    registry, devices = er.async_get(hass), dr.async_get(hass)
    gate = lookup_device(devices, {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_GATE}")})
    assert gate is not None
    written = [registry.async_get(entity_id) for entity_id in state_writes]
    on_gate = {entity.unique_id for entity in written if entity and entity.device_id == gate.id}
    elsewhere = {entity.unique_id for entity in written if entity and entity.device_id != gate.id}
    assert f"tums_{DEMO_ACCESS_KEY}_{IPC_GATE}_online" in on_gate
    assert elsewhere
    assert all("_overview_" in unique_id for unique_id in elsewhere), elsewhere


async def test_devices_hang_off_the_account_from_the_start(
    hass: HomeAssistant, tums_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """The account device exists before any device naming it as parent is created."""
    assert await hass.config_entries.async_setup(tums_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    setup_tums = tums_entry
    assert "non existing `via_device`" not in caplog.text
    registry = dr.async_get(hass)
    devices = dr.async_entries_for_config_entry(registry, setup_tums.entry_id)
    account = lookup_device(registry, {(DOMAIN, f"tums:account:{DEMO_ACCESS_KEY}")})
    assert account is not None
    assert len(devices) > 1
    assert all(device.via_device_id for device in devices if device.id != account.id)


async def test_update_writes_only_changed_devices_states(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Unchanged devices write nothing, however many entities they have; only measurements."""
    coordinator = setup_tums.runtime_data.coordinator
    computed: list[str] = []

    def counting_writes(entity: CniotEntity[Any]) -> None:
        computed.append(entity.unique_id or "")

    with patch.object(CniotEntity, "async_write_ha_state", counting_writes):
        coordinator.async_update_listeners()
        assert all("_overview_" in uid for uid in computed), computed
        computed.clear()
        tums_sim.set_online(IPC_GATE, False)
        await coordinator.async_refresh()
        await hass.async_block_till_done(wait_background_tasks=True)
    assert computed
    assert all(IPC_GATE in uid or "_overview_" in uid for uid in computed), computed


async def test_refresh_reuses_unchanged_data_and_entity_candidates(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Unchanged devices keep their objects, so only changed ones are looked at again."""
    runtime = setup_tums.runtime_data
    coordinator = runtime.coordinator
    before = dict(coordinator.data.devices)
    tiers_before = {name: dict(tier.data or {}) for name, tier in runtime.tiers.items()}
    assert any(tiers_before.values())
    scanned: list[str] = []
    original = TumsEntityDiscovery._device_entities

    def counting(self: TumsEntityDiscovery, platform: Platform, key: str, device: Any) -> Any:
        scanned.append(key)
        return original(self, platform, key, device)

    tums_sim.set_online(IPC_GATE, False)
    with patch.object(TumsEntityDiscovery, "_device_entities", counting):
        await coordinator.async_refresh()
        for tier in runtime.tiers.values():
            await tier.async_refresh()
        await hass.async_block_till_done(wait_background_tasks=True)
    after = coordinator.data.devices
    changed = {key for key in after if after[key] is not before.get(key)}
    assert IPC_GATE in changed
    # The gate itself, and at most the NVR it may hang off.
    assert len(changed) <= 2
    assert all(after[key] == before[key] for key in after.keys() - changed)
    for name, tier in runtime.tiers.items():
        same = [key for key in tier.data or {} if key not in changed]
        assert all((tier.data or {})[key] is tiers_before[name][key] for key in same), name
    # Entities are worked out again for the changed devices only, on each platform.
    assert scanned
    assert set(scanned) <= changed


async def test_settings_sweep_is_spread_over_wakeups(hass: HomeAssistant) -> None:
    """A large fleet's settings are read once a sweep, a bounded share each wake-up."""
    sim = TumsSimulator(scenario=generate_scenario(400))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(domain=DOMAIN, unique_id=DEMO_ACCESS_KEY, data=tums_data(url))
        entry.add_to_hass(hass)
        with patch("custom_components.cniot.tums.runtime.TumsRuntime.platforms", ()):
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
        tier = entry.runtime_data.settings
        targets = len(tier.targets())
        tick, sweep = SLICE_TICK.total_seconds(), SETTINGS_INTERVAL.total_seconds()
        share = max(SLICE_MIN_DEVICES, math.ceil(targets * tick / sweep))
        assert targets > 10 * share
        # The sweep counts from when setup's full read was stamped, however long the
        # setup then took on a loaded machine.
        base = max(tier._read_at.values())
        now = [base]
        tier.clock = lambda: now[0]
        per_wakeup: list[Counter[str]] = []
        for wakeup in range(1, 2 * round(sweep / tick)):
            now[0] = base + wakeup * tick
            sim.requests.clear()
            await tier.async_refresh()
            per_wakeup.append(
                Counter(r.raw.decode() for r in sim.requests if r.path == TIMING_REBOOT)
            )
        first_sweep = round(sweep / tick) - 1
        # Read in full at setup: nothing is due until a sweep has passed.
        assert not any(per_wakeup[:first_sweep])
        assert max(sum(c.values()) for c in per_wakeup) <= share
        second = sum(per_wakeup[first_sweep:], Counter[str]())
        # Over the next sweep every device is read, each once, in several wake-ups.
        assert len(second) == targets
        assert set(second.values()) == {1}
        assert sum(1 for c in per_wakeup if c) >= math.ceil(targets / share)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_tier_reads_device_at_once_when_asked_or_back(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """update_entity reads that device now; a device back online is read next wake-up."""
    assert await async_setup_component(hass, "homeassistant", {})
    runtime = setup_tums.runtime_data
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(
        "switch", DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{IPC_GATE}_loop_recording"
    )
    assert entity_id is not None

    def gate_reads() -> int:
        return sum(
            1 for r in tums_sim.requests if r.path == TIMING_REBOOT and IPC_GATE in r.raw.decode()
        )

    before, total = gate_reads(), len(tums_sim.requests)
    await runtime.settings.async_refresh()
    assert len(tums_sim.requests) == total
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": entity_id}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert gate_reads() == before + 1
    # Only that device: the others are not due.
    assert sum(1 for r in tums_sim.requests[total:] if r.path == TIMING_REBOOT) == 1

    tums_sim.set_online(IPC_GATE, False)
    await runtime.coordinator.async_refresh()
    await runtime.settings.async_refresh()
    tums_sim.set_online(IPC_GATE, True)
    await runtime.coordinator.async_refresh()
    await runtime.settings.async_refresh()
    assert gate_reads() == before + 2
