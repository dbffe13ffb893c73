"""Fixtures for the Xlink vendor: the simulator and account entries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import CONF_PASSWORD, CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.xlink.const import (
    CONF_CORP_ID,
    CONF_LOGIN,
    CONF_MODE,
    MODE_ACCESS_KEY,
    MODE_CORP,
    MODE_USER,
    VENDOR_XLINK,
)
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_ACCOUNT,
    DEMO_CORP_ID,
    DEMO_PASSWORD,
    DEMO_USER_EMAIL,
    DEMO_USER_ID,
    DEMO_USER_PASSWORD,
)

XLINK_ENTRY_ID = "01JXLINKCORP000000000000000"


def xlink_data(url: str, mode: str = MODE_CORP) -> dict[str, Any]:
    """Config entry data for one of the demo logins."""
    data: dict[str, Any] = {CONF_VENDOR: VENDOR_XLINK, CONF_URL: url, CONF_MODE: mode}
    if mode == MODE_CORP:
        data.update({CONF_LOGIN: DEMO_ACCOUNT, CONF_PASSWORD: DEMO_PASSWORD})
    elif mode == MODE_ACCESS_KEY:
        data.update({CONF_LOGIN: DEMO_ACCESS_KEY_ID, CONF_PASSWORD: DEMO_ACCESS_KEY_SECRET})
    else:
        data.update(
            {
                CONF_LOGIN: DEMO_USER_EMAIL,
                CONF_PASSWORD: DEMO_USER_PASSWORD,
                CONF_CORP_ID: DEMO_CORP_ID,
            }
        )
    return data


def xlink_unique_id(mode: str = MODE_CORP) -> str:
    """The unique ID the flow gives an entry of this login."""
    return f"{DEMO_CORP_ID}:{DEMO_USER_ID}" if mode == MODE_USER else DEMO_CORP_ID


@pytest.fixture
async def xlink_sim() -> AsyncIterator[XlinkSimulator]:
    """The Xlink simulator on loopback; its clock is the (freezable) wall clock."""
    sim = XlinkSimulator()
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
def xlink_entry(hass: HomeAssistant, xlink_sim: XlinkSimulator) -> MockConfigEntry:
    """An enterprise-member entry."""
    assert xlink_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=XLINK_ENTRY_ID,
        title="示例智能家电有限公司",
        unique_id=DEMO_CORP_ID,
        data=xlink_data(xlink_sim.url),
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def setup_xlink(hass: HomeAssistant, xlink_entry: MockConfigEntry) -> MockConfigEntry:
    """The enterprise-member entry, set up."""
    assert await hass.config_entries.async_setup(xlink_entry.entry_id)
    await hass.async_block_till_done()
    return xlink_entry


def add_entry(hass: HomeAssistant, sim: XlinkSimulator, minor_version: int = 2) -> MockConfigEntry:
    """The demo enterprise's entry, added (not set up), at the given entry minor version."""
    assert sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=XLINK_ENTRY_ID,
        title="示例智能家电有限公司",
        unique_id=DEMO_CORP_ID,
        data=xlink_data(sim.url),
        minor_version=minor_version,
    )
    entry.add_to_hass(hass)
    return entry
