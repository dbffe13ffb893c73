"""Setting up and unloading gateway entries."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.cniot.const import (
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario


async def test_setup_and_unload(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """The entry loads, forwards its platforms and unloads cleanly."""
    assert setup_gateway.state is ConfigEntryState.LOADED
    assert hass.states.async_entity_ids("sensor")
    assert await hass.config_entries.async_unload(setup_gateway.entry_id)
    await hass.async_block_till_done()
    assert setup_gateway.state is ConfigEntryState.NOT_LOADED
    # Actions stay registered: they belong to the integration, not the entry.
    assert hass.services.has_service(DOMAIN, "gateway_list_port_mappings")


async def test_first_refresh_pages_every_field_group(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """Setup lists devices with every field group, one request per page."""
    lists = [r for r in gateway_sim.requests if r.path == "/api/v1/devices/list"]
    assert len(lists) == 1
    args = lists[0].body["args"]
    assert set(args) == {"base", "network", "channel", "parameters"}
    assert args["channel"] == []
    assert {"sn", "alias", "gps", "record", "mapping"} <= set(args["base"])
    assert lists[0].body["page"] == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="http_status", value=500),
        Fault(kind="truncated"),
        Fault(kind="vendor_code", value=7010),
    ],
)
async def test_setup_retries_when_backend_fails(
    hass: HomeAssistant,
    gateway_entry: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    fault: Fault,
) -> None:
    """A failing backend makes the entry retry later instead of failing for good."""
    gateway_sim.faults.add(fault)
    assert not await hass.config_entries.async_setup(gateway_entry.entry_id)
    assert gateway_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_auth_failure_starts_reauth(hass: HomeAssistant) -> None:
    """HTTP 401 from the backend puts the entry in reauth."""
    sim = GatewaySimulator(
        scenario=default_scenario(), drift=False, username="admin", password="right-pass"
    )
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=url,
            data={
                CONF_VENDOR: VENDOR_GATEWAY,
                CONF_URL: url,
                CONF_USERNAME: "admin",
                CONF_PASSWORD: "wrong-pass",
            },
        )
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_ERROR
        assert any(entry.async_get_active_flows(hass, {"reauth"}))
    finally:
        await sim.stop()


async def test_paging_across_many_gateways(hass: HomeAssistant) -> None:
    """With more gateways than a page holds, each page is asked for exactly once."""
    from simulator.gateway.scenario import generate_scenario

    sim = GatewaySimulator(scenario=generate_scenario(250), drift=False)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN, unique_id=url, data={CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: url}
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        pages = [r.body["page"] for r in sim.requests if r.path == "/api/v1/devices/list"]
        assert pages == [1, 2, 3]
        assert len(entry.runtime_data.coordinator.data.gateways) == 250
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def _ws_remove_device(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entry_id: str, device_id: str
) -> dict[str, Any]:
    """Delete a device as the device page's button does; the websocket's answer."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    # 2026.10 renamed the command; the old name stays as a deprecated alias there.
    message = {"type": "config/device_registry/remove", "device_id": device_id}
    if message["type"] not in hass.data["websocket_api"]:
        message = {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry_id,
            "device_id": device_id,
        }
    await client.send_json_auto_id(message)
    response: dict[str, Any] = await client.receive_json()
    return response


@pytest.mark.parametrize("backend_down", [False, True])
async def test_device_removal_refused_while_entry_not_loaded(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    hass_ws_client: WebSocketGenerator,
    backend_down: bool,
) -> None:
    """Unloaded, or retrying setup with its backend down: a clean refusal, not an error.

    Which devices the backend still lists is unknown then; the device stays.
    """
    registry = dr.async_get(hass)
    ghost = registry.async_get_or_create(
        config_entry_id=setup_gateway.entry_id,
        identifiers={(DOMAIN, f"gateway:{setup_gateway.entry_id}:GHOST")},
    )
    assert await hass.config_entries.async_unload(setup_gateway.entry_id)
    if backend_down:
        gateway_sim.faults.add(Fault(kind="http_status", value=502))
        await hass.config_entries.async_setup(setup_gateway.entry_id)
        await hass.async_block_till_done()
        assert setup_gateway.state is ConfigEntryState.SETUP_RETRY
    else:
        assert setup_gateway.state is ConfigEntryState.NOT_LOADED

    response = await _ws_remove_device(hass, hass_ws_client, setup_gateway.entry_id, ghost.id)
    assert not response["success"]
    assert response["error"]["code"] == "home_assistant_error"
    assert "rejected by integration" in response["error"]["message"]
    assert registry.async_get(ghost.id) is not None


async def test_deleted_gateways_are_forgotten(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """The registry-sync memory drops gateways the backend no longer lists.

    Guards D14 of the 2026-12 review: the memory of device details written to the
    registry grew with every gateway ever seen. That is memory only, with nothing a
    user or Home Assistant could see, so this test reads the runtime's memory.
    """
    runtime = setup_gateway.runtime_data
    await runtime.client.async_register("NEWGW0001", "New gateway")
    await runtime.coordinator.async_refresh()
    assert "NEWGW0001" in runtime._device_info_seen
    await runtime.client.async_delete("NEWGW0001")
    await runtime.coordinator.async_refresh()
    assert "NEWGW0001" not in runtime._device_info_seen
