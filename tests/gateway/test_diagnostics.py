"""Diagnostics of a gateway entry."""

from __future__ import annotations

import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.cniot.const import (
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.cniot.diagnostics import async_get_config_entry_diagnostics
from simulator.gateway import GatewaySimulator
from simulator.scenario import default_scenario


async def test_diagnostics_redacts_secrets(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, snapshot: SnapshotAssertion
) -> None:
    """Passwords, Wi-Fi keys, coordinates and ICCIDs never leave in diagnostics."""
    freezer.move_to("2026-09-21 08:00:00+00:00")
    sim = GatewaySimulator(
        scenario=default_scenario(),
        drift=False,
        clock=lambda: 1_790_000_000.0,
        username="admin",
        password="proxy-secret-1",
    )
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id="01JDIAGNOSTICS0000000000000",
            title="Gateway diagnostics",
            unique_id=url,
            data={
                CONF_VENDOR: "gateway",
                CONF_URL: url,
                CONF_USERNAME: "admin",
                CONF_PASSWORD: "proxy-secret-1",
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        result = await async_get_config_entry_diagnostics(hass, entry)
        text = json.dumps(result, default=str, ensure_ascii=False)
        assert "proxy-secret-1" not in text
        for gateway in sim.devices.values():
            if gateway.hotspot.passwd:
                assert gateway.hotspot.passwd not in text
            if (gateway.lat, gateway.lon) != (0.0, 0.0):
                assert str(gateway.lat) not in text
                assert str(gateway.lon) not in text
        assert result == snapshot(exclude=props("base_url", "url", "unique_id"))
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
