"""Xlink registry IDs scoped to the entry, and the 1.2 -> 1.3 migration of stored ones."""

from __future__ import annotations

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.compat import PER_ENTRY_DEVICES, entry_ids, get_device
from custom_components.cniot.const import DOMAIN
from custom_components.cniot.migration import CURRENT_MINOR_VERSION
from custom_components.cniot.xlink.const import MODE_USER
from simulator.xlink import XlinkSimulator
from simulator.xlink_state import HEATER_PRODUCT_ID

from .conftest import XLINK_ENTRY_ID, xlink_data, xlink_unique_id

HEATER = 1658785277  # an enterprise device the demo app user also subscribes to


async def test_two_entries_seeing_one_device_do_not_collide(
    hass: HomeAssistant,
    xlink_sim: XlinkSimulator,
    setup_xlink: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The enterprise member and an app user both see the heater: a device and entities each."""
    assert xlink_sim.url is not None
    user = MockConfigEntry(
        domain=DOMAIN,
        unique_id=xlink_unique_id(MODE_USER),
        data=xlink_data(xlink_sim.url, MODE_USER),
    )
    user.add_to_hass(hass)
    assert await hass.config_entries.async_setup(user.entry_id)
    await hass.async_block_till_done()
    assert HEATER in user.runtime_data.coordinator.data.devices

    mine = get_device(
        device_registry,
        (DOMAIN, f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}:{HEATER}"),
        XLINK_ENTRY_ID,
    )
    theirs = get_device(
        device_registry,
        (DOMAIN, f"xlink:{user.entry_id}:{HEATER_PRODUCT_ID}:{HEATER}"),
        user.entry_id,
    )
    assert mine is not None
    assert theirs is not None
    if PER_ENTRY_DEVICES:
        assert mine.id != theirs.id
    else:
        # Before 2026.8 the registry merges devices by MAC: one device, owned by both.
        assert mine.id == theirs.id
        assert {XLINK_ENTRY_ID, user.entry_id} <= entry_ids(mine)
    for entry, device in ((setup_xlink, mine), (user, theirs)):
        switch = entity_registry.async_get_entity_id(
            "switch", DOMAIN, f"xlink_{entry.entry_id}_{HEATER_PRODUCT_ID}_{HEATER}_0"
        )
        assert switch is not None, entry.title
        registered = entity_registry.async_get(switch)
        assert registered is not None
        assert registered.config_entry_id == entry.entry_id
        assert registered.device_id == device.id
        state = hass.states.get(switch)
        assert state is not None
        assert state.state != STATE_UNAVAILABLE


async def test_migration_keeps_entity_ids_and_customisations(
    hass: HomeAssistant,
    xlink_sim: XlinkSimulator,
    xlink_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A 1.2 registry (``{pid}_{device}_{key}``, ``xlink:{pid}[:{device}]``) is renamed in place."""
    hass.config_entries.async_update_entry(xlink_entry, minor_version=2)
    product = device_registry.async_get_or_create(
        config_entry_id=xlink_entry.entry_id,
        identifiers={(DOMAIN, f"xlink:{HEATER_PRODUCT_ID}")},
        name="Heater product",
    )
    device = device_registry.async_get_or_create(
        config_entry_id=xlink_entry.entry_id,
        identifiers={(DOMAIN, f"xlink:{HEATER_PRODUCT_ID}:{HEATER}")},
        name="Heater",
    )
    device_registry.async_update_device(device.id, name_by_user="Bathroom heater")
    switch = entity_registry.async_get_or_create(
        "switch",
        DOMAIN,
        f"{HEATER_PRODUCT_ID}_{HEATER}_0",
        config_entry=xlink_entry,
        device_id=device.id,
        suggested_object_id="my_heater_power",
    )
    entity_registry.async_update_entity(switch.entity_id, name="Heater power")
    counter = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{HEATER_PRODUCT_ID}_online_devices",
        config_entry=xlink_entry,
        device_id=product.id,
        suggested_object_id="my_online_heaters",
    )

    assert await hass.config_entries.async_setup(xlink_entry.entry_id)
    await hass.async_block_till_done()

    assert xlink_entry.minor_version == CURRENT_MINOR_VERSION
    scope = xlink_entry.entry_id
    migrated = entity_registry.async_get(switch.entity_id)
    assert migrated is not None
    assert migrated.unique_id == f"xlink_{scope}_{HEATER_PRODUCT_ID}_{HEATER}_0"
    assert migrated.name == "Heater power"
    assert migrated.device_id == device.id
    migrated_counter = entity_registry.async_get(counter.entity_id)
    assert migrated_counter is not None
    assert migrated_counter.unique_id == f"xlink_{scope}_{HEATER_PRODUCT_ID}_online_devices"
    for entity_id in (switch.entity_id, counter.entity_id):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state != STATE_UNAVAILABLE
    # No second entity for either.
    uniques = [e.unique_id for e in er.async_entries_for_config_entry(entity_registry, scope)]
    assert len(uniques) == len(set(uniques))
    assert not [u for u in uniques if not u.startswith(f"xlink_{scope}_")]
    moved = device_registry.async_get(device.id)
    assert moved is not None
    assert moved.identifiers == {(DOMAIN, f"xlink:{scope}:{HEATER_PRODUCT_ID}:{HEATER}")}
    assert moved.name_by_user == "Bathroom heater"
    assert moved.via_device_id == product.id
    moved_product = device_registry.async_get(product.id)
    assert moved_product is not None
    assert moved_product.identifiers == {(DOMAIN, f"xlink:{scope}:{HEATER_PRODUCT_ID}")}
    # Every device of the entry is scoped; none was created beside the migrated ones.
    for entry_device in dr.async_entries_for_config_entry(device_registry, scope):
        for domain, ident in entry_device.identifiers:
            assert domain != DOMAIN or ident.startswith(f"xlink:{scope}:"), ident


async def test_migration_leaves_scoped_ids_alone(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, xlink_entry: MockConfigEntry
) -> None:
    """The rewrite runs for every older entry: IDs it already scoped stay as they are."""
    from custom_components.cniot.xlink.entity import scoped_ids

    ids = scoped_ids(xlink_entry)
    scoped_uid = f"xlink_{XLINK_ENTRY_ID}_{HEATER_PRODUCT_ID}_{HEATER}_0"
    scoped_ident = f"xlink:{XLINK_ENTRY_ID}:{HEATER_PRODUCT_ID}:{HEATER}"
    assert ids.unique_id(scoped_uid) is None
    assert ids.identifier(scoped_ident) is None
    assert ids.unique_id(f"{HEATER_PRODUCT_ID}_{HEATER}_0") == scoped_uid
    assert ids.identifier(f"xlink:{HEATER_PRODUCT_ID}:{HEATER}") == scoped_ident
    assert ids.identifier("gateway:x") is None
