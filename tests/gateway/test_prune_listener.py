"""Stale gateway devices are removed by a listener, never inside the fetch (#15)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.cniot.const import DOMAIN
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from tests.conftest import GATEWAY_ENTRY_ID
from tests.registry import data_when_removed, lookup_device


async def _refresh(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_fetch_leaves_the_registry_alone(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The device goes once the poll has published its data: a listener removes it."""
    coordinator = setup_gateway.runtime_data.coordinator
    sn = next(iter(gateway_sim.devices))
    device = lookup_device(device_registry, {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}")})
    assert device is not None
    removed_with = data_when_removed(hass, device, lambda: coordinator.data)
    del gateway_sim.devices[sn]
    await _refresh(hass)
    assert removed_with == []
    await _refresh(hass)
    assert device_registry.async_get(device.id) is None
    assert len(removed_with) == 1
    assert removed_with[0] is coordinator.data


async def test_failed_poll_does_not_count(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Miss, failure, miss: removed only at the second successful poll without it."""
    sn = next(iter(gateway_sim.devices))
    ident = {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}")}
    del gateway_sim.devices[sn]
    await _refresh(hass)
    gateway_sim.faults.add(Fault(kind="http_status", value=502))
    await _refresh(hass)
    assert not setup_gateway.runtime_data.coordinator.last_update_success
    assert lookup_device(device_registry, ident) is not None
    gateway_sim.faults.clear()
    await _refresh(hass)
    assert lookup_device(device_registry, ident) is None


@pytest.mark.usefixtures("_limit_platforms")
async def test_stale_at_startup_removed_after_two_unchanged_lists(
    hass: HomeAssistant,
    gateway_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device left from an earlier run goes after two polls whose lists are identical."""
    ghost = {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:GHOST0001")}
    device_registry.async_get_or_create(config_entry_id=gateway_entry.entry_id, identifiers=ghost)
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = gateway_entry.runtime_data.coordinator
    first = coordinator.data
    assert lookup_device(device_registry, ghost) is not None
    await _refresh(hass)
    assert coordinator.data.gateways == first.gateways
    assert lookup_device(device_registry, ghost) is None
    # Settled: once the identifier is forgotten, unchanged polls wake no listener.
    await _refresh(hass)
    calls: list[None] = []
    unsubscribe = coordinator.async_add_listener(lambda: calls.append(None))
    await _refresh(hass)
    await _refresh(hass)
    unsubscribe()
    assert calls == []
