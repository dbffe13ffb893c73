"""Regressions for the gateway findings of the 2026-12 review (D10, ...)."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_USER
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario

from ..conftest import GATEWAY_ENTRY_ID

TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / "cniot" / "translations"


async def test_d10_set_path_issue_goes_with_the_entry(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The missing-settings-path repair does not outlive its entry."""
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    entity_id = entity_registry.async_get_entity_id(
        "switch", DOMAIN, f"gateway_{GATEWAY_ENTRY_ID}_{sn}_top"
    )
    assert entity_id is not None
    gateway_sim.faults.add(Fault(kind="http_status", value=404, path_prefix="/api/v1/devices/set"))
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call("switch", "turn_on", {"entity_id": entity_id}, blocking=True)
    issue_id = f"gateway_set_path_not_found_{setup_gateway.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_unload(setup_gateway.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_d14_deleted_gateways_are_forgotten(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """The registry-sync memory drops gateways the backend no longer lists."""
    runtime = setup_gateway.runtime_data
    await runtime.client.async_register("NEWGW0001", "New gateway")
    await runtime.coordinator.async_refresh()
    assert "NEWGW0001" in runtime._device_info_seen
    await runtime.client.async_delete("NEWGW0001")
    await runtime.coordinator.async_refresh()
    assert "NEWGW0001" not in runtime._device_info_seen


async def test_d5_reconfigure_speaks_for_the_vendor(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """Each vendor has its own reconfigure step; shared errors name no vendor."""
    result = await setup_gateway.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_gateway"
    for lang in ("en", "zh-Hans"):
        strings = json.loads((TRANSLATIONS / f"{lang}.json").read_text(encoding="utf-8"))
        steps = strings["config"]["step"]
        assert "reconfigure" not in steps
        for vendor in ("gizwits", "tums", "xlink"):
            assert "8501" not in json.dumps(steps[f"reconfigure_{vendor}"], ensure_ascii=False)
        # R9: reauth too; the gateway proxy's user name is nobody else's.
        assert "reauth_confirm" not in steps
        for step in ("gizwits", "tums", "xlink", "xlink_access_key"):
            text = json.dumps(steps[f"reauth_confirm_{step}"], ensure_ascii=False).lower()
            assert "user name" not in text
            assert "用户名" not in text
        errors = strings["config"]["error"]
        assert "gateway" not in errors["invalid_response"].lower()
        assert "网关" not in errors["invalid_response"]
        assert "gizwits" not in errors["rate_limited"].lower()
        assert "机智云" not in errors["rate_limited"]


async def test_d11_reconfigure_keeps_title_and_clears_credentials(
    hass: HomeAssistant, gateway_url: str
) -> None:
    """A renamed entry keeps its title; an emptied user name removes the credentials."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Office backend",
        unique_id=gateway_url,
        data={
            CONF_VENDOR: VENDOR_GATEWAY,
            CONF_URL: gateway_url,
            CONF_USERNAME: "proxy",
            CONF_PASSWORD: "s3cret",
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_gateway"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: gateway_url + "/"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Office backend"
    assert CONF_USERNAME not in entry.data
    assert CONF_PASSWORD not in entry.data
    await hass.async_block_till_done()


async def test_d11_empty_password_keeps_the_stored_one(
    hass: HomeAssistant, gateway_url: str
) -> None:
    """The password is never shown; leaving it empty with the user name kept keeps it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=gateway_url,
        data={
            CONF_VENDOR: VENDOR_GATEWAY,
            CONF_URL: gateway_url,
            CONF_USERNAME: "proxy",
            CONF_PASSWORD: "s3cret",
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    suggested = {
        str(key): (key.description or {}).get("suggested_value")
        for key in result["data_schema"].schema
    }
    assert suggested[CONF_PASSWORD] is None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: gateway_url, CONF_USERNAME: "proxy"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PASSWORD] == "s3cret"
    await hass.async_block_till_done()


async def test_d11_reconfigure_onto_an_ignored_backend_aborts(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """An ignored entry's URL counts as configured."""
    other = GatewaySimulator(scenario=default_scenario(), drift=False)
    url = await other.start(host="127.0.0.1", port=0)
    try:
        MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=url, data={}).add_to_hass(
            hass
        )
        result = await setup_gateway.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_URL: url})
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"
    finally:
        await other.stop()


async def test_d11_no_localhost_default(hass: HomeAssistant) -> None:
    """The gateway form proposes no URL: 127.0.0.1 fits only the simulator."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_GATEWAY}
    )
    url = next(key for key in result["data_schema"].schema if str(key) == CONF_URL)
    assert url.default is vol.UNDEFINED
