"""Diagnostics of a gateway entry."""

from __future__ import annotations

import json
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
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
from simulator.gateway.scenario import default_scenario


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


async def test_debug_logs_carry_no_secrets(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole session at DEBUG: no credential, Wi-Fi key or exact position is logged."""
    caplog.set_level(logging.DEBUG, logger="custom_components.cniot")
    sim = GatewaySimulator(
        scenario=default_scenario(), drift=True, username="admin", password="proxy-secret-2"
    )
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=url,
            data={
                CONF_VENDOR: "gateway",
                CONF_URL: url,
                CONF_USERNAME: "admin",
                CONF_PASSWORD: "proxy-secret-2",
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        sn = next(sn for sn, gw in sim.devices.items() if gw.online)
        await hass.services.async_call(
            DOMAIN,
            "gateway_list_port_mappings",
            {"config_entry_id": entry.entry_id},
            blocking=True,
            return_response=True,
        )
        await entry.runtime_data.async_write(sn, {"parameters": {"top": 1}})
        await entry.runtime_data.coordinator.async_refresh()
        ours = [r for r in caplog.records if r.name.startswith("custom_components.cniot")]
        assert any("devices/list" in r.getMessage() for r in ours)
        text = "\n".join(r.getMessage() for r in ours)
        secrets = {"proxy-secret-2"}
        for gateway in sim.devices.values():
            secrets.add(gateway.hotspot.passwd)
            for channel in gateway.channels.values():
                if channel is not None and getattr(channel, "wifi_key", ""):
                    secrets.add(channel.wifi_key)  # type: ignore[union-attr]
            if (gateway.lat, gateway.lon) != (0.0, 0.0):
                secrets.update({str(gateway.lat), str(gateway.lon)})
        assert not [secret for secret in secrets if secret and secret in text]
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_device_diagnostics_hold_one_device(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """A device's diagnostics list that device's entities and states, positions redacted."""
    sim = GatewaySimulator(scenario=default_scenario(), drift=False)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Gateway diagnostics",
            unique_id=url,
            data={CONF_VENDOR: "gateway", CONF_URL: url},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        entities = er.async_get(hass)
        tracker = next(
            item
            for item in er.async_entries_for_config_entry(entities, entry.entry_id)
            if item.domain == "device_tracker"
            and "latitude" in getattr(hass.states.get(item.entity_id), "attributes", {})
        )
        assert tracker.device_id is not None
        device = dr.async_get(hass).async_get(tracker.device_id)
        assert isinstance(device, dr.DeviceEntry)
        result = await get_diagnostics_for_device(hass, hass_client, entry, device)
        mine = {
            item.unique_id
            for item in er.async_entries_for_device(
                entities, device.id, include_disabled_entities=True
            )
        }
        listed = {item["unique_id"] for item in result["entities"]}
        assert listed == mine
        assert len(mine) < len(er.async_entries_for_config_entry(entities, entry.entry_id))
        assert result["device"]["name"] == device.name
        tracked = next(
            item for item in result["entities"] if item["unique_id"] == tracker.unique_id
        )
        assert tracked["state"]["attributes"]["latitude"] == "**REDACTED**"
        state = hass.states.get(tracker.entity_id)
        assert state is not None
        assert str(state.attributes["latitude"]) not in json.dumps(result, default=str)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
