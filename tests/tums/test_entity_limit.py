"""Home Assistant's 10,000 enabled entities per entry: none dropped, a repair before the limit."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.entity_limit import WARN_SHARE
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import generate_scenario

from .conftest import TUMS_ENTRY_ID, tums_data

LIMIT = 10_000


@pytest.fixture
def tums_entities_enabled() -> None:
    """The integration's own defaults: disabled-by-default entities stay disabled."""


# Coverage tracing multiplies this 2,000-device setup's time; smaller tests cover its code.
@pytest.mark.no_cover
@pytest.mark.timeout(600)
async def test_two_thousand_devices_fit_in_one_entry(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Every entity registered (enabled or disabled by default), none refused, no repair."""
    # asyncio's debug mode records a traceback per callback: slow at this scale.
    hass.loop.set_debug(False)
    sim = TumsSimulator(scenario=generate_scenario(2000))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN, entry_id=TUMS_ENTRY_ID, unique_id=DEMO_ACCESS_KEY, data=tums_data(url)
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert "Reached the maximum" not in caplog.text
        registry = er.async_get(hass)
        entries = er.async_entries_for_config_entry(registry, entry.entry_id)
        enabled = [e for e in entries if e.disabled_by is None]
        assert len(enabled) < LIMIT * WARN_SHARE
        # Every listed device has its entities, the always-present ones included.
        listed = entry.runtime_data.coordinator.data.devices
        assert len(listed) == 2500
        by_key = {(e.domain, e.unique_id) for e in entries}
        prefix = f"tums_{DEMO_ACCESS_KEY}"
        for key in listed:
            for domain, name in (("binary_sensor", "online"), ("sensor", "status")):
                assert (domain, f"{prefix}_{key}_{name}") in by_key
        # Disabled by default, and still there for whoever wants them.
        disabled = [e for e in entries if e.disabled_by is er.RegistryEntryDisabler.INTEGRATION]
        assert len(disabled) > len(enabled)
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"entity_limit_{entry.entry_id}") is None
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_entry_near_the_limit_raises_a_repair(
    hass: HomeAssistant, tums_entry: MockConfigEntry
) -> None:
    """At 90% of the limit a repair says what to do; below it again, it goes."""
    with patch("custom_components.cniot.entity_limit.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", 30):
        assert await hass.config_entries.async_setup(tums_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        # Counted once the tiers' entities have settled.
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()
        registry = er.async_get(hass)
        enabled = registry.entities.get_enabled_count_for_config_entry_id(tums_entry.entry_id)
        assert enabled >= 30 * WARN_SHARE
        issue = ir.async_get(hass).async_get_issue(DOMAIN, f"entity_limit_{tums_entry.entry_id}")
        assert issue is not None
        assert issue.translation_key == "entity_limit"
        assert issue.translation_placeholders == {
            "entry": tums_entry.title,
            "count": str(enabled),
            "limit": "30",
        }
        # The user disables entities: the issue goes once the count settles.
        entries = er.async_entries_for_config_entry(registry, tums_entry.entry_id)
        for entity in [e for e in entries if e.disabled_by is None][: enabled - 20]:
            registry.async_update_entity(
                entity.entity_id, disabled_by=er.RegistryEntryDisabler.USER
            )
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=10))
        await hass.async_block_till_done()
        assert (
            ir.async_get(hass).async_get_issue(DOMAIN, f"entity_limit_{tums_entry.entry_id}")
            is None
        )
    await hass.config_entries.async_unload(tums_entry.entry_id)
