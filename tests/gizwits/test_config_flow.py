"""The Gizwits config, reauth, reconfigure and options flows."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.cniot.const import CONF_DATAPOINTS, CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gizwits.const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    VENDOR_GIZWITS,
)
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
)
from tests.flow_texts import form_fields, form_texts

from .conftest import gizwits_data


def _form(server: str, **changes: str) -> dict[str, Any]:
    return {
        CONF_ENTERPRISE_ID: DEMO_ENTERPRISE_ID,
        CONF_ENTERPRISE_SECRET: DEMO_ENTERPRISE_SECRET,
        CONF_PRODUCT_KEY: AC_PRODUCT_KEY,
        CONF_PRODUCT_SECRET: AC_PRODUCT_SECRET,
        CONF_URL: server,
        **changes,
    }


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_GIZWITS}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == VENDOR_GIZWITS
    return result["flow_id"]


async def test_user_flow(hass: HomeAssistant, gizwits_sim: GizwitsSimulator) -> None:
    """Valid credentials: one entry per product, named after it."""
    assert gizwits_sim.url is not None
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(gizwits_sim.url))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "智能空调"
    assert result["result"].unique_id == AC_PRODUCT_KEY
    assert result["data"] == {CONF_VENDOR: VENDOR_GIZWITS, **_form(gizwits_sim.url)}
    await hass.async_block_till_done()

    # D11(e): the product key is the unique ID, so a duplicate costs no call to the cloud.
    flow_id = await _start(hass)
    sent = len(gizwits_sim.requests)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(gizwits_sim.url))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(gizwits_sim.requests) == sent


@pytest.mark.parametrize(
    ("changes", "setup", "error"),
    [
        ({CONF_PRODUCT_SECRET: "wrong"}, None, {"base": "invalid_auth"}),
        ({CONF_ENTERPRISE_SECRET: "wrong"}, None, {"base": "invalid_auth"}),
        ({CONF_URL: "ftp://x"}, None, {CONF_URL: "invalid_url"}),
        ({}, "whitelist", {"base": "ip_not_whitelisted"}),
        ({}, "quota", {"base": "rate_limited"}),
        ({}, "html", {"base": "invalid_response"}),
        ({}, "down", {"base": "gizwits_cannot_connect"}),
        ({}, "code", {"base": "unknown"}),
    ],
)
async def test_user_flow_errors_recover(
    hass: HomeAssistant,
    gizwits_sim: GizwitsSimulator,
    changes: dict[str, str],
    setup: str | None,
    error: dict[str, str],
) -> None:
    """Each problem shows its error, and the form succeeds once it is gone."""
    assert gizwits_sim.url is not None
    if setup == "whitelist":
        gizwits_sim.ip_whitelist_ok = False
    elif setup == "quota":
        gizwits_sim.quota = 0
    elif setup == "html":
        gizwits_sim.faults.add(Fault(kind="html"))
    elif setup == "down":
        gizwits_sim.faults.add(Fault(kind="http_status", value=503))
    elif setup == "code":
        gizwits_sim.faults.add(Fault(kind="vendor_code", value=5024))
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(gizwits_sim.url, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error
    gizwits_sim.ip_whitelist_ok = True
    gizwits_sim.quota = 3600
    gizwits_sim.faults.clear()
    gizwits_sim.enterprises[DEMO_ENTERPRISE_ID].calls = 0
    result = await hass.config_entries.flow.async_configure(flow_id, _form(gizwits_sim.url))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_reauth(hass: HomeAssistant, gizwits_sim: GizwitsSimulator) -> None:
    """A refused secret starts reauth; the right one reloads the entry."""
    assert gizwits_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=AC_PRODUCT_KEY,
        data=gizwits_data(gizwits_sim.url, AC_PRODUCT_KEY, "old-secret"),
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    # Gizwits' own step: both secrets (either may be the refused one), not the IDs.
    assert flow["step_id"] == "reauth_confirm_gizwits"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert form_fields(result) == {
        CONF_ENTERPRISE_SECRET: ("Enterprise secret", "The secret of the enterprise ID."),
        CONF_PRODUCT_SECRET: ("Product secret", "The product's secret."),
    }
    assert "Gizwits" in form_texts(result)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {CONF_ENTERPRISE_SECRET: DEMO_ENTERPRISE_SECRET, CONF_PRODUCT_SECRET: "still-wrong"},
    )
    assert result["step_id"] == "reauth_confirm_gizwits"
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {CONF_ENTERPRISE_SECRET: DEMO_ENTERPRISE_SECRET, CONF_PRODUCT_SECRET: AC_PRODUCT_SECRET},
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_PRODUCT_SECRET] == AC_PRODUCT_SECRET


async def test_reconfigure_server(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """Only the server URL changes on reconfigure; the product stays."""
    assert gizwits_sim.url is not None
    other = GizwitsSimulator()
    other_url = await other.start(host="127.0.0.1", port=0)
    try:
        result = await setup_ac.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure_gizwits"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: other_url}
        )
        assert result["reason"] == "reconfigure_successful"
        assert setup_ac.data[CONF_URL] == other_url
        assert setup_ac.unique_id == AC_PRODUCT_KEY
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(setup_ac.entry_id)
    finally:
        await other.stop()


async def test_options_polling_and_datapoints(
    hass: HomeAssistant, setup_ac: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Options: polling; a unit and device class for a datapoint; hiding one."""
    result = await hass.config_entries.options.async_init(setup_ac.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "datapoint", "appliance"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 120}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert setup_ac.runtime_data.coordinator.configured_interval == 120

    result = await hass.config_entries.options.async_init(setup_ac.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    assert result["step_id"] == "datapoint"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": "room_temp"}
    )
    assert result["step_id"] == "datapoint_settings"
    # The dropdown shows translated device-class names, not the raw keys.
    selector = result["data_schema"].schema["device_class"]
    assert selector.config["translation_key"] == "datapoint_device_class"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"unit": "°C", "device_class": "temperature", "hidden": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert setup_ac.options[CONF_SCAN_INTERVAL] == 120
    assert setup_ac.options[CONF_DATAPOINTS]["room_temp"]["unit"] == "°C"
    room = [
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, setup_ac.entry_id)
        if e.unique_id.endswith("_room_temp")
    ]
    state = hass.states.get(room[0])
    assert state is not None
    assert state.attributes["device_class"] == "temperature"
    assert state.attributes["unit_of_measurement"] == "°C"

    # Hide a non-numeric datapoint: its form has only the hide switch.
    result = await hass.config_entries.options.async_init(setup_ac.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": "fan_swing"}
    )
    assert set(result["data_schema"].schema) == {"hidden"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"hidden": True})
    await hass.async_block_till_done()
    swing = [
        e
        for e in er.async_entries_for_config_entry(entity_registry, setup_ac.entry_id)
        if e.unique_id.endswith("_fan_swing")
    ]
    # No live entity either (the test harness keeps restored placeholders around).
    live = [
        s.entity_id
        for s in hass.states.async_all("switch")
        if s.entity_id.endswith("sao_feng") and not s.attributes.get("restored")
    ]
    assert not live
    # Hidden means gone: no entity, no registry entry.
    assert not swing

    # Clearing everything undoes the customisation.
    result = await hass.config_entries.options.async_init(setup_ac.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": "room_temp"}
    )
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert "room_temp" not in setup_ac.options[CONF_DATAPOINTS]


async def test_datapoint_options_need_a_loaded_entry(
    hass: HomeAssistant, ac_entry: MockConfigEntry
) -> None:
    """The datapoint list comes from the product, so the entry must be loaded."""
    result = await hass.config_entries.options.async_init(ac_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_datapoint_settings_need_the_entry_still_loaded(
    hass: HomeAssistant, setup_ac: MockConfigEntry
) -> None:
    """Unloaded between picking a datapoint and saving it: nothing is stored."""
    result = await hass.config_entries.options.async_init(setup_ac.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": "room_temp"}
    )
    assert result["step_id"] == "datapoint_settings"
    assert result["description_placeholders"] == {"datapoint": "室内温度", "units": ""}
    assert await hass.config_entries.async_unload(setup_ac.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"unit": "°C", "device_class": "temperature", "hidden": False}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"
    assert CONF_DATAPOINTS not in setup_ac.options


async def test_secrets_go_over_https_by_default(hass: HomeAssistant) -> None:
    """The form proposes the HTTPS server.

    Guards D16 of the 2026-12 review: the proposed server was plain HTTP, so the
    enterprise secret and tokens crossed the internet in clear.
    """
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_GIZWITS}
    )
    schema = result["data_schema"]
    assert schema is not None
    defaults = {
        str(key): key.default() for key in schema.schema if key.default is not vol.UNDEFINED
    }
    assert defaults[CONF_URL] == "https://enterpriseapi.gizwits.com"


async def test_datapoint_unit_must_suit_the_device_class(
    hass: HomeAssistant, setup_ac: MockConfigEntry
) -> None:
    """The options form refuses a unit the chosen device class cannot have.

    Guards D6 of the 2026-12 review: the unit was free text, unchecked against the
    device class, so the options could make impossible sensors.
    """
    result = await hass.config_entries.options.async_init(setup_ac.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": "room_temp"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"unit": "kWh", "device_class": "temperature", "hidden": False}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"unit": "unit_invalid"}
    assert "°C" in result["description_placeholders"]["units"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"unit": "°C", "device_class": "temperature", "hidden": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
