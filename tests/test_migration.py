"""Review D4: registry IDs scoped to the entry, and the 1.1 -> 1.2 migration."""

from __future__ import annotations

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.compat import get_device
from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from custom_components.cniot.migration import CURRENT_MINOR_VERSION
from simulator.gateway import GatewaySimulator

from .conftest import GATEWAY_ENTRY_ID


def _entities(registry: er.EntityRegistry, entry_id: str) -> list[er.RegistryEntry]:
    return er.async_entries_for_config_entry(registry, entry_id)


async def test_same_backend_under_two_urls_gets_all_entities(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    setup_gateway: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A second spelling of the backend's URL is a second entry with its own entities."""
    assert gateway_sim.url is not None
    other_url = gateway_sim.url + "/"  # the same backend, spelt differently
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id=other_url,
        data={CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: other_url},
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()
    first = _entities(entity_registry, setup_gateway.entry_id)
    second = _entities(entity_registry, other.entry_id)
    assert first
    assert len(second) == len(first)
    sn = next(iter(gateway_sim.devices))
    mine = get_device(
        device_registry, (DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}"), GATEWAY_ENTRY_ID
    )
    theirs = get_device(device_registry, (DOMAIN, f"gateway:{other.entry_id}:{sn}"), other.entry_id)
    assert mine is not None
    assert theirs is not None
    assert mine.id != theirs.id


async def test_gateway_migration_keeps_entity_ids(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Entities and devices registered by 1.1 are renamed in place, customisations kept."""
    sn = next(sn for sn, gateway in gateway_sim.devices.items() if gateway.online)
    device = device_registry.async_get_or_create(
        config_entry_id=gateway_entry.entry_id, identifiers={(DOMAIN, f"gateway:{sn}")}
    )
    old = entity_registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"gateway_{sn}_online",
        config_entry=gateway_entry,
        device_id=device.id,
        suggested_object_id="my_gateway_online",
    )
    entity_registry.async_update_entity(old.entity_id, name="Front gateway")
    assert gateway_entry.minor_version == 1
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()

    assert gateway_entry.minor_version == CURRENT_MINOR_VERSION
    migrated = entity_registry.async_get(old.entity_id)
    assert migrated is not None
    assert migrated.unique_id == f"gateway_{GATEWAY_ENTRY_ID}_{sn}_online"
    assert migrated.name == "Front gateway"
    state = hass.states.get(old.entity_id)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
    # No second entity for the same thing.
    assert [
        e.entity_id
        for e in _entities(entity_registry, gateway_entry.entry_id)
        if e.unique_id.endswith(f"{sn}_online")
    ] == [old.entity_id]
    moved = device_registry.async_get(device.id)
    assert moved is not None
    assert (DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}") in moved.identifiers
    assert migrated.device_id == device.id


async def test_newer_entry_version_is_refused(hass: HomeAssistant, gateway_url: str) -> None:
    """An entry written by a newer release is not loaded by this one."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        unique_id=gateway_url,
        data={CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: gateway_url},
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
