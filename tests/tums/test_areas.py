"""TUMS regions become areas only when the user asks, and follow renames in the cloud."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.tums.const import CONF_REGION_AREAS
from simulator.tums import TumsSimulator


def _areas_by_device(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str | None]:
    areas = ar.async_get(hass)
    result: dict[str, str | None] = {}
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        area = areas.async_get_area(device.area_id) if device.area_id else None
        result[str(device.name)] = area.name if area is not None else None
    return result


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_regions_are_not_areas_by_default(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Off (the default): no device gets an area, and no area is created."""
    assert tums_sim.regions
    assert set(_areas_by_device(hass, setup_tums).values()) == {None}
    assert list(ar.async_get(hass).async_list_areas()) == []


async def test_regions_as_areas(
    hass: HomeAssistant, tums_entry: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """On: each device in its region's area; a renamed region renames its area."""
    hass.config_entries.async_update_entry(tums_entry, options={CONF_REGION_AREAS: True})
    assert await hass.config_entries.async_setup(tums_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    region_names = {region.name for region in tums_sim.regions.values()}
    placed = _areas_by_device(hass, tums_entry)
    expected = {
        device.name: tums_sim.regions[device.region_id].name
        for device in tums_sim.devices.values()
        if device.region_id in tums_sim.regions and device.parent is None
    }
    assert expected
    assert {name: placed[name] for name in expected} == expected
    assert {area.name for area in ar.async_get(hass).async_list_areas()} == region_names

    # The user moves one device: it stays where they put it.
    registry = dr.async_get(hass)
    mine = ar.async_get(hass).async_create("My office")
    moved_name, region_name = next(iter(expected.items()))
    moved = next(
        d
        for d in dr.async_entries_for_config_entry(registry, tums_entry.entry_id)
        if d.name == moved_name
    )
    registry.async_update_device(moved.id, area_id=mine.id)

    region = next(r for r in tums_sim.regions.values() if r.name == region_name)
    region.name = "新大厅"
    await _refresh(hass, tums_entry)
    names = {area.name for area in ar.async_get(hass).async_list_areas()}
    assert "新大厅" in names
    assert region_name not in names
    placed = _areas_by_device(hass, tums_entry)
    assert placed[moved_name] == "My office"
    others = [name for name, area in expected.items() if area == region_name and name != moved_name]
    assert others
    assert all(placed[name] == "新大厅" for name in others)


async def test_turning_the_option_on_places_existing_devices(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Devices registered while it was off are placed after the reload the option makes."""
    assert set(_areas_by_device(hass, setup_tums).values()) == {None}
    hass.config_entries.async_update_entry(setup_tums, options={CONF_REGION_AREAS: True})
    assert await hass.config_entries.async_reload(setup_tums.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    placed = _areas_by_device(hass, setup_tums)
    region_names = {region.name for region in tums_sim.regions.values()}
    assert {area for area in placed.values() if area is not None} == region_names
