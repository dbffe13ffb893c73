"""An Xlink enterprise too large for one entry: the config flow offers one entry per group of products.

Home Assistant's limit (10,000 enabled entities per entry) is lowered here, in Home
Assistant and in the integration alike, so the demo enterprise (3 water heaters,
2 air purifiers) is past it: the smallest account that shows the split.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.entity_limit import WARN_SHARE
from custom_components.cniot.split import CONF_PART
from custom_components.cniot.xlink.const import CONF_PRODUCTS, CONF_TOKENS, VENDOR_XLINK
from custom_components.cniot.xlink.entity import PRODUCT_SENSORS
from custom_components.cniot.xlink.vendor import FIXED_PER_DEVICE, async_plan_split
from simulator.xlink import XlinkSimulator
from simulator.xlink_state import (
    DEMO_CORP_ID,
    DEMO_PASSWORD,
    HEATER_PRODUCT_ID,
    PURIFIER_PRODUCT_ID,
)
from tests.flow_texts import form_fields, form_texts

from .conftest import xlink_data

# Heaters: 3 x (8 datapoints + online + probe) + product counters; purifiers 2 x 13 + counters.
LIMIT = 40


@pytest.fixture
def low_limit() -> Iterator[None]:
    """Home Assistant's limit, and the integration's reading of it, lowered."""
    with (
        patch("homeassistant.helpers.entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", LIMIT),
        patch("custom_components.cniot.entity_limit.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", LIMIT),
    ):
        yield


async def _offer(hass: HomeAssistant, url: str) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_XLINK}
    )
    form = xlink_data(url)
    del form["vendor"]
    return await hass.config_entries.flow.async_configure(result["flow_id"], form)


@pytest.mark.usefixtures("low_limit")
async def test_large_enterprise_is_offered_the_split(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Each part reads its own products only; together they have every device, none refused."""
    sim = XlinkSimulator()
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        result = await _offer(hass, url)
        assert result["type"] is FlowResultType.FORM, result
        assert result["step_id"] == "xlink_split"
        assert set(form_fields(result)) == {"split"}
        assert "{parts}" in form_texts(result)
        placeholders = result["description_placeholders"]
        assert placeholders["devices"] == "5"
        assert placeholders["parts"] == "2"
        assert placeholders["limit"] == str(LIMIT)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"split": "parts"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done(wait_background_tasks=True)

        entries = sorted(hass.config_entries.async_entries(DOMAIN), key=lambda e: e.data[CONF_PART])
        assert [e.data[CONF_PRODUCTS] for e in entries] == [
            [HEATER_PRODUCT_ID],
            [PURIFIER_PRODUCT_ID],
        ]
        assert all(e.state is ConfigEntryState.LOADED for e in entries)
        assert entries[0].unique_id == DEMO_CORP_ID  # adding the enterprise again aborts
        assert entries[1].unique_id == f"{DEMO_CORP_ID}:{PURIFIER_PRODUCT_ID}"
        # The flow's login serves the first part; the other logs in on its own.
        assert CONF_TOKENS not in entries[1].data or (
            entries[1].data[CONF_TOKENS] != entries[0].data[CONF_TOKENS]
        )
        registry = er.async_get(hass)
        devices = 0
        for entry in entries:
            data = entry.runtime_data.coordinator.data  # type: ignore[attr-defined]
            # Only its own product, read in full.
            assert set(data.products) == set(entry.data[CONF_PRODUCTS])
            assert data.devices
            assert {d.product_id for d in data.devices.values()} == set(entry.data[CONF_PRODUCTS])
            devices += len(data.devices)
            enabled = registry.entities.get_enabled_count_for_config_entry_id(entry.entry_id)
            assert 0 < enabled < LIMIT * WARN_SHARE
            # The flow's estimate is an upper bound of what the devices really get.
            (product,) = data.products.values()
            per_device = FIXED_PER_DEVICE + len(product.datapoints)
            assert enabled <= len(data.devices) * per_device + len(PRODUCT_SENSORS)
        assert devices == 5
        assert "Reached the maximum" not in caplog.text
        # A further part's password is renewed as its own entry.
        flow = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_REAUTH, "entry_id": entries[1].entry_id},
            data=entries[1].data,
        )
        flow = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD}
        )
        assert flow["reason"] == "reauth_successful"
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entries[1].state is ConfigEntryState.LOADED
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@pytest.mark.usefixtures("low_limit")
async def test_one_entry_anyway_is_past_the_limit(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Declined, the enterprise is one entry, and Home Assistant refuses entities past it."""
    sim = XlinkSimulator()
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        result = await _offer(hass, url)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"split": "none"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done(wait_background_tasks=True)
        (entry,) = hass.config_entries.async_entries(DOMAIN)
        assert CONF_PRODUCTS not in entry.data
        assert "Reached the maximum" in caplog.text
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_no_split_when_the_listing_fails(hass: HomeAssistant) -> None:
    """The flow's product lists fail (the server went away): no split is offered."""
    sim = XlinkSimulator()
    url = await sim.start(host="127.0.0.1", port=0)
    await sim.stop()
    assert await async_plan_split(hass, xlink_data(url)) is None
