"""What a TUMS refresh costs: exact requests at scale, no writes for unchanged data."""

from __future__ import annotations

from collections import Counter
import math
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.entity import CniotEntity
from custom_components.cniot.tums.client import MAX_CONCURRENCY
from custom_components.cniot.tums.entity import TumsDeviceEntity
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums_state import IPC_GATE, generate_scenario

from .conftest import tums_data

LIST = "/tums/open/deviceManager/v1/getDeviceListInProjectApplication"
OVERVIEW = "/tums/open/deviceManager/v1/getApplicationOverview"


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
    # Even when every entity is handed the update, unchanged states are not written.
    coordinator.async_update_listeners()
    assert not state_writes

    tums_sim.set_online(IPC_GATE, False)
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    registry, devices = er.async_get(hass), dr.async_get(hass)
    gate = devices.async_get_device(identifiers={(DOMAIN, f"tums:{IPC_GATE}")})
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
    account = registry.async_get_device(identifiers={(DOMAIN, f"tums:account:{DEMO_ACCESS_KEY}")})
    assert account is not None
    assert len(devices) > 1
    assert all(device.via_device_id for device in devices if device.id != account.id)


async def test_update_computes_only_changed_devices_states(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Entities of one device share one check: unchanged devices compute no state at all."""
    coordinator = setup_tums.runtime_data.coordinator
    checked: list[str] = []
    computed: list[str] = []
    inputs, current = TumsDeviceEntity._state_inputs, CniotEntity._state_is_current

    def counting_inputs(entity: TumsDeviceEntity) -> object:
        checked.append(entity.key)
        return inputs(entity)

    def counting_states(entity: CniotEntity[Any]) -> bool:
        computed.append(entity.unique_id or "")
        return current(entity)

    with (
        patch.object(TumsDeviceEntity, "_state_inputs", counting_inputs),
        patch.object(CniotEntity, "_state_is_current", counting_states),
    ):
        coordinator.async_update_listeners()
        # One look per device, however many entities it has; no state computed.
        assert sorted(checked) == sorted(coordinator.data.devices)
        assert computed == []
        tums_sim.set_online(IPC_GATE, False)
        await coordinator.async_refresh()
        await hass.async_block_till_done(wait_background_tasks=True)
    assert computed
    assert all(IPC_GATE in uid or "_overview_" in uid for uid in computed), computed
