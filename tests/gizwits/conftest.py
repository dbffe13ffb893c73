"""Fixtures for the Gizwits vendor: the simulator and product entries."""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gizwits.const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    VENDOR_GIZWITS,
)
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
)

AC_ENTRY_ID = "01JGIZWITSAC000000000000000"
PLUG_ENTRY_ID = "01JGIZWITSPLUG0000000000000"


def gizwits_data(url: str, product_key: str, product_secret: str) -> dict[str, str]:
    """Config entry data for one product of the demo enterprise."""
    return {
        CONF_VENDOR: VENDOR_GIZWITS,
        CONF_URL: url,
        CONF_ENTERPRISE_ID: DEMO_ENTERPRISE_ID,
        CONF_ENTERPRISE_SECRET: DEMO_ENTERPRISE_SECRET,
        CONF_PRODUCT_KEY: product_key,
        CONF_PRODUCT_SECRET: product_secret,
    }


@pytest.fixture
async def gizwits_sim() -> AsyncIterator[GizwitsSimulator]:
    """The Gizwits simulator on loopback; its clock is the (freezable) wall clock."""
    sim = GizwitsSimulator()
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
def ac_entry(hass: HomeAssistant, gizwits_sim: GizwitsSimulator) -> MockConfigEntry:
    """An entry for the air-conditioner product."""
    assert gizwits_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=AC_ENTRY_ID,
        title="智能空调",
        unique_id=AC_PRODUCT_KEY,
        data=gizwits_data(gizwits_sim.url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def plug_entry(hass: HomeAssistant, gizwits_sim: GizwitsSimulator) -> MockConfigEntry:
    """An entry for the smart-plug product of the same enterprise."""
    assert gizwits_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=PLUG_ENTRY_ID,
        title="智能插座",
        unique_id=PLUG_PRODUCT_KEY,
        data=gizwits_data(gizwits_sim.url, PLUG_PRODUCT_KEY, PLUG_PRODUCT_SECRET),
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_ac(hass: HomeAssistant, ac_entry: MockConfigEntry) -> MockConfigEntry:
    """The air-conditioner entry, set up."""
    assert await hass.config_entries.async_setup(ac_entry.entry_id)
    await hass.async_block_till_done()
    return ac_entry
