"""Xlink setup, tokens in the entry, dynamic devices, diagnostics and polling cost."""

from __future__ import annotations

from datetime import timedelta
import math

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.xlink.client import BATCH_SIZE, PAGE_SIZE
from custom_components.cniot.xlink.const import (
    CONF_PRODUCTS,
    CONF_TOKENS,
    MODE_ACCESS_KEY,
    MODE_USER,
)
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import (
    DEMO_ACCOUNT,
    DEMO_PASSWORD,
    HEATER_PRODUCT_ID,
    PURIFIER_PRODUCT_ID,
    generate_xlink_scenario,
)

from .conftest import xlink_data, xlink_unique_id


async def _poll(hass: HomeAssistant, seconds: float = 61) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_setup_and_unload(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Both products and their five devices load; unloading stops polling."""
    entry = setup_xlink
    assert entry.state is ConfigEntryState.LOADED
    data = entry.runtime_data.coordinator.data
    assert len(data.products) == 2
    assert len(data.devices) == 5
    assert er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize("mode", [MODE_ACCESS_KEY, MODE_USER])
async def test_other_logins_set_up(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, mode: str
) -> None:
    """An access key sees the enterprise; an app user its two subscribed devices."""
    assert xlink_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=xlink_unique_id(mode), data=xlink_data(xlink_sim.url, mode)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    devices = entry.runtime_data.coordinator.data.devices
    assert len(devices) == (2 if mode == MODE_USER else 5)
    if mode == MODE_USER:
        # No enterprise calls with an app user's token.
        assert "/v2/products" not in {r.path for r in xlink_sim.requests}


async def test_rotated_tokens_are_kept_in_the_entry(
    hass: HomeAssistant,
    xlink_sim: XlinkSimulator,
    xlink_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The refresh rotates both tokens; the entry keeps the new pair, so a restart
    (reload) uses it instead of the spent one, and needs no login."""
    xlink_sim.token_ttl = 100
    assert await hass.config_entries.async_setup(xlink_entry.entry_id)
    await hass.async_block_till_done()
    first = dict(xlink_entry.data[CONF_TOKENS])
    assert first["access_token"] in xlink_sim.tokens
    freezer.tick(85)
    await _poll(hass, 0)
    second = dict(xlink_entry.data[CONF_TOKENS])
    assert second["refresh_token"] != first["refresh_token"]
    assert xlink_sim.tokens[first["access_token"]].replaced
    assert xlink_entry.runtime_data.client.refreshes == 1
    xlink_sim.requests.clear()
    assert await hass.config_entries.async_reload(xlink_entry.entry_id)
    await hass.async_block_till_done()
    paths = [r.path for r in xlink_sim.requests]
    assert "/v2/corp_auth" not in paths
    assert "/v2/corp/token/refresh" not in paths
    assert xlink_entry.runtime_data.coordinator.last_update_success


async def test_polling_cost_of_200_devices(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """One cycle costs ceil(devices / batch) + ceil(devices / page) requests, no more."""
    sim = XlinkSimulator(generate_xlink_scenario(200))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id="corp",
            data=xlink_data(url),
            options={CONF_PRODUCTS: [HEATER_PRODUCT_ID]},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert len(entry.runtime_data.coordinator.data.devices) == 200
        for _ in range(3):
            sim.requests.clear()
            freezer.tick(61)
            await _poll(hass, 0)
            budget = math.ceil(200 / BATCH_SIZE) + math.ceil(200 / PAGE_SIZE)
            assert len(sim.requests) <= budget, sim.request_counts()
            assert sim.request_counts() == {
                f"/v2/product/{HEATER_PRODUCT_ID}/devices": 2,
                f"/v2/product/{HEATER_PRODUCT_ID}/v_devices": 2,
            }
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_setup_failures(hass: HomeAssistant, xlink_sim: XlinkSimulator) -> None:
    """A refused login asks for reauth; a server error retries the setup."""
    from simulator.faults import Fault

    assert xlink_sim.url is not None
    data = {**xlink_data(xlink_sim.url), "password": "wrong-password"}
    entry = MockConfigEntry(domain=DOMAIN, unique_id="x", data=data)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert list(entry.async_get_active_flows(hass, {"reauth"}))
    other = MockConfigEntry(domain=DOMAIN, unique_id="y", data=xlink_data(xlink_sim.url))
    other.add_to_hass(hass)
    xlink_sim.faults.add(Fault(kind="http_status", value=503))
    assert not await hass.config_entries.async_setup(other.entry_id)
    assert other.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize(
    ("code", "issue"), [(4001061, "xlink_account_locked"), (4031005, "xlink_permission")]
)
async def test_repair_issues(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    code: int,
    issue: str,
) -> None:
    """A lock or a missing permission raises a repair issue, cleared by the next good poll."""
    from homeassistant.helpers import issue_registry as ir

    from simulator.faults import Fault

    coordinator = setup_xlink.runtime_data.coordinator
    xlink_sim.faults.add(Fault(kind="vendor_code", value=code))
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    registry = ir.async_get(hass)
    issue_id = f"{issue}_{setup_xlink.entry_id}"
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    assert not list(setup_xlink.async_get_active_flows(hass, {"reauth"}))
    xlink_sim.faults.clear()
    await coordinator.async_refresh()
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_deleted_product_drops_its_devices(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, xlink_sim: XlinkSimulator
) -> None:
    del xlink_sim.products[PURIFIER_PRODUCT_ID]
    await _poll(hass)
    data = setup_xlink.runtime_data.coordinator.data
    assert setup_xlink.runtime_data.coordinator.last_update_success
    assert all(d.product_id == HEATER_PRODUCT_ID for d in data.devices.values())


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    from custom_components.cniot.diagnostics import async_get_config_entry_diagnostics

    diagnostics = await async_get_config_entry_diagnostics(hass, setup_xlink)
    text = str(diagnostics)
    tokens = setup_xlink.data[CONF_TOKENS]
    for secret in (DEMO_PASSWORD, DEMO_ACCOUNT, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text
    assert diagnostics["vendor"]["mode"] == "corp"
    assert len(diagnostics["vendor"]["devices"]) == 5
    assert diagnostics == snapshot(
        exclude=props(
            "base_url", "url", "request_count", "token_expires_at", "last_update", "last_login"
        )
    )
