"""Fixtures for the TUMS vendor: the simulator and an application entry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.tums.const import (
    CONF_ACCESS_KEY,
    CONF_APP_TYPE,
    CONF_SECRET_KEY,
    CONF_TERMINAL_ID,
    VENDOR_TUMS,
)
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator

TUMS_ENTRY_ID = "01JTUMSENTRY000000000000000"


@pytest.fixture
async def tums_sim() -> AsyncIterator[TumsSimulator]:
    """The TUMS simulator (project-type application) on loopback."""
    sim = TumsSimulator()
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()


def tums_data(
    url: str, *, app_type: str = "project", secret: str = DEMO_SECRET_KEY
) -> dict[str, str]:
    """Config entry data for the demo application."""
    return {
        CONF_VENDOR: VENDOR_TUMS,
        CONF_URL: url,
        CONF_ACCESS_KEY: DEMO_ACCESS_KEY,
        CONF_SECRET_KEY: secret,
        CONF_TERMINAL_ID: "0123456789abcdef0123456789abcdef",
        CONF_APP_TYPE: app_type,
    }


@pytest.fixture
def tums_entry(hass: HomeAssistant, tums_sim: TumsSimulator) -> MockConfigEntry:
    """An entry for the demo application."""
    assert tums_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=TUMS_ENTRY_ID,
        title="TUMS demo",
        unique_id=DEMO_ACCESS_KEY,
        data=tums_data(tums_sim.url),
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_tums(hass: HomeAssistant, tums_entry: MockConfigEntry) -> MockConfigEntry:
    """The TUMS entry, set up."""
    assert await hass.config_entries.async_setup(tums_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return tums_entry


@pytest.fixture(autouse=True)
def tums_entities_enabled(entity_registry_enabled_by_default: None) -> None:
    """Entities disabled by default are created enabled: these tests read them.

    test_entity_limit.py overrides this to see the defaults themselves.
    """


def tums_entity_id(registry: er.EntityRegistry, platform: str, key: str, name: str) -> str:
    """The entity ID of the demo application's device ``key``, entity ``name``."""
    entity_id = registry.async_get_entity_id(
        platform, DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{key}_{name}"
    )
    assert entity_id is not None, (platform, key, name)
    return entity_id


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """The entity's state, which must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the frozen clock and let the timers it made due run."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
