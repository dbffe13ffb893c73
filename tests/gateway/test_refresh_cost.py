"""What a refresh costs at scale: requests per page, and no state writes for unchanged data."""

from __future__ import annotations

from collections import Counter
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import generate_scenario

from ..conftest import SIM_EPOCH

LIST = "/api/v1/devices/list"


class Clock:
    """The simulator's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = SIM_EPOCH

    def __call__(self) -> float:
        return self.now


async def _setup(hass: HomeAssistant, sim: GatewaySimulator) -> MockConfigEntry:
    url = await sim.start(host="127.0.0.1", port=0)
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=url, data={CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: url}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_one_request_per_page_every_refresh(hass: HomeAssistant) -> None:
    """250 gateways with 4 channels: three pages, each asked for once per refresh."""
    sim = GatewaySimulator(scenario=generate_scenario(250, channels=4))
    try:
        # Entities play no part in paging; 25,000 of them would only slow the test.
        with patch("custom_components.cniot.gateway.runtime.GatewayRuntime.platforms", ()):
            entry = await _setup(hass, sim)
        coordinator = entry.runtime_data.coordinator
        for _ in range(2):
            sim.requests.clear()
            await coordinator.async_refresh()
            pages = sorted(r.body["page"] for r in sim.requests if r.path == LIST)
            assert pages == [1, 2, 3]
            assert len(sim.requests) == 3
        assert len(coordinator.data.gateways) == 250
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_unchanged_refresh_writes_no_state(
    hass: HomeAssistant, state_writes: Counter[str]
) -> None:
    """Uptimes tick, nothing else changes: no entity writes; one gateway offline: only its."""
    clock = Clock()
    sim = GatewaySimulator(scenario=generate_scenario(20, channels=4), drift=False, clock=clock)
    try:
        entry = await _setup(hass, sim)
        coordinator = entry.runtime_data.coordinator
        before = coordinator.data
        state_writes.clear()
        clock.now += 60
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        sn = next(iter(before.gateways))
        # The uptime moved, yet the refresh is equal to the last one: no listener hears of it.
        assert coordinator.data.gateways[sn].uptime != before.gateways[sn].uptime
        assert coordinator.data == before
        assert not state_writes

        # Every entity hears of an update: only sensors with a state class write an
        # unchanged state (state_reported, review D18); the rest are skipped.
        coordinator.async_update_listeners()
        measured = {
            state.entity_id
            for state in hass.states.async_all()
            if "state_class" in state.attributes
        }
        assert state_writes
        assert set(state_writes) <= measured
        state_writes.clear()

        # (The clock stays: boot times come from Home Assistant's clock minus the uptime.)
        sim.set_online(sn, False)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert state_writes
        registry, devices = er.async_get(hass), dr.async_get(hass)
        # Measurements of other gateways report too (unchanged); the rest only on this one.
        for entity_id in set(state_writes) - measured:
            entity = registry.async_get(entity_id)
            assert entity is not None
            assert entity.device_id is not None
            device = devices.async_get(entity.device_id)
            assert device is not None
            assert any(sn in ident for _domain, ident in device.identifiers), entity_id
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
