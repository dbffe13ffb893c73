"""TUMS config and options flows: the duplicate check and the RTSP password."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import CONF_URL, DOMAIN
from custom_components.cniot.tums.const import (
    CONF_ACCESS_KEY,
    CONF_RTSP_PASSWORD,
    CONF_RTSP_TEMPLATE,
    CONF_RTSP_USERNAME,
    CONF_SECRET_KEY,
    VENDOR_TUMS,
)
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator


async def test_options_never_send_the_rtsp_password_back(
    hass: HomeAssistant, setup_tums: MockConfigEntry
) -> None:
    """The stored RTSP password is not a suggested value; left empty, it is kept.

    Guards D11 (d) of the 2026-12 review: the options form sent the stored RTSP
    password back to the browser.
    """
    template = "rtsp://{username}:{password}@{ip}:554/stream{channel}"
    hass.config_entries.async_update_entry(
        setup_tums,
        options={
            CONF_RTSP_TEMPLATE: template,
            CONF_RTSP_USERNAME: "admin",
            CONF_RTSP_PASSWORD: "p@ss:word",
        },
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await hass.config_entries.options.async_init(setup_tums.entry_id)
    suggested = {
        str(key): (key.description or {}).get("suggested_value")
        for key in result["data_schema"].schema
    }
    assert suggested[CONF_RTSP_USERNAME] == "admin"
    assert suggested[CONF_RTSP_PASSWORD] is None
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SCAN_INTERVAL: 60, CONF_RTSP_TEMPLATE: template, CONF_RTSP_USERNAME: "admin"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert setup_tums.options[CONF_RTSP_PASSWORD] == "p@ss:word"


async def test_duplicate_application_costs_no_cloud_call(
    hass: HomeAssistant, tums_entry: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """An access key already configured is refused before the cloud is asked.

    Guards D11 (e) of the 2026-12 review: a duplicate was validated against the cloud
    first and refused afterwards.
    """
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_TUMS}
    )
    before = len(tums_sim.requests)
    assert tums_sim.url is not None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: tums_sim.url,
            CONF_ACCESS_KEY: DEMO_ACCESS_KEY,
            CONF_SECRET_KEY: DEMO_SECRET_KEY,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(tums_sim.requests) == before
