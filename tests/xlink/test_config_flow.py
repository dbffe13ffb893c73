"""The Xlink config, reauth, reconfigure and options flows."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import CONF_DATAPOINTS, CONF_PASSWORD, CONF_URL, DOMAIN
from custom_components.cniot.xlink.client import DEFAULT_BASE_URL
from custom_components.cniot.xlink.const import (
    CONF_CORP_ID,
    CONF_LOGIN,
    CONF_MODE,
    CONF_PRODUCTS,
    CONF_TOKENS,
    MODE_ACCESS_KEY,
    MODE_CORP,
    MODE_USER,
    VENDOR_XLINK,
)
from simulator.faults import Fault
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import (
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_ACCOUNT,
    DEMO_CORP_ID,
    DEMO_PASSWORD,
    DEMO_USER_ID,
    HEATER_PRODUCT_ID,
    PURIFIER_PRODUCT_ID,
)
from tests.flow_texts import form_fields, form_texts

from .conftest import xlink_data, xlink_unique_id


def _form(server: str, login_mode: str = MODE_CORP, **changes: str) -> dict[str, Any]:
    data = xlink_data(server, login_mode)
    form = {key: data[key] for key in (CONF_MODE, CONF_LOGIN, CONF_PASSWORD, CONF_URL)}
    if CONF_CORP_ID in data:
        form[CONF_CORP_ID] = data[CONF_CORP_ID]
    form.update(changes)
    return form


async def _open(hass: HomeAssistant) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert VENDOR_XLINK in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_XLINK}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == VENDOR_XLINK
    return result


async def _start(hass: HomeAssistant) -> str:
    return str((await _open(hass))["flow_id"])


@pytest.mark.parametrize("mode", [MODE_CORP, MODE_ACCESS_KEY, MODE_USER])
async def test_user_flow_each_mode(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, mode: str
) -> None:
    """Each login mode creates an entry, keyed by the enterprise (and the app user)."""
    assert xlink_sim.url is not None
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(xlink_sim.url, mode))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == xlink_unique_id(mode)
    assert entry.data[CONF_MODE] == mode
    # The flow's login serves the first setup: no second login.
    assert entry.data[CONF_TOKENS]["access_token"] in xlink_sim.tokens
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert [r.path for r in xlink_sim.requests].count(
        {"corp": "/v2/corp_auth", "accesskey": "/v2/accesskey_auth", "user": "/v2/user_auth"}[mode]
    ) == 1
    if mode == MODE_USER:
        assert entry.title == f"Xlink {DEMO_CORP_ID} user {DEMO_USER_ID}"
        assert set(entry.runtime_data.coordinator.data.devices) == {1658785277, 1094}
    else:
        assert entry.title == "示例智能家电有限公司"


async def test_server_default_and_duplicates(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, xlink_sim: XlinkSimulator
) -> None:
    assert xlink_sim.url is not None
    form = await _open(hass)
    flow_id = form["flow_id"]
    # The form offers Xlink's own server and the enterprise login first.
    defaults = {
        str(key): key.default() for key in form["data_schema"].schema if callable(key.default)
    }
    assert defaults[CONF_URL] == DEFAULT_BASE_URL
    assert defaults[CONF_MODE] == MODE_CORP
    result = await hass.config_entries.flow.async_configure(flow_id, _form(xlink_sim.url))
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("change", "fault", "error"),
    [
        ({CONF_PASSWORD: "wrong-password"}, None, {"base": "invalid_auth"}),
        ({CONF_URL: "ftp://example.com"}, None, {CONF_URL: "invalid_url"}),
        ({CONF_MODE: MODE_USER}, None, {CONF_CORP_ID: "corp_id_required"}),
        ({}, Fault(kind="vendor_code", value=4001061), {"base": "account_locked"}),
        (
            {},
            Fault(kind="vendor_code", value=4031004, path_prefix="/v2/corp"),
            {"base": "permission_denied"},
        ),
        ({}, Fault(kind="http_status", value=503), {"base": "xlink_cannot_connect"}),
        ({}, Fault(kind="html", path_prefix="/v2/corp"), {"base": "invalid_response"}),
        ({}, Fault(kind="vendor_code", value=4001080, path_prefix="/v2/corp"), {"base": "unknown"}),
    ],
)
async def test_user_flow_errors_recover(
    hass: HomeAssistant,
    xlink_sim: XlinkSimulator,
    change: dict[str, str],
    fault: Fault | None,
    error: dict[str, str],
) -> None:
    assert xlink_sim.url is not None
    flow_id = await _start(hass)
    if fault is not None:
        xlink_sim.faults.add(fault)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(xlink_sim.url, **change))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error
    xlink_sim.faults.clear()
    result = await hass.config_entries.flow.async_configure(flow_id, _form(xlink_sim.url))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_reauth_only_after_a_refused_fresh_login(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, xlink_sim: XlinkSimulator
) -> None:
    """The password changes at Xlink: the next token error's fresh login fails → reauth."""
    entry = setup_xlink
    coordinator = entry.runtime_data.coordinator
    # A replaced token alone is mended by logging in again: no reauth.
    xlink_sim.faults.add(Fault(kind="vendor_code", value=4031022, remaining=1))
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert not list(entry.async_get_active_flows(hass, {"reauth"}))
    xlink_sim.password = "new-password-1"
    xlink_sim.faults.add(Fault(kind="vendor_code", value=4031022, remaining=1))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    [flow] = entry.async_get_active_flows(hass, {"reauth"})
    assert flow["step_id"] == "reauth_confirm_xlink"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: "new-password-1"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_PASSWORD] == "new-password-1"


@pytest.mark.parametrize("mode", [MODE_CORP, MODE_USER])
async def test_reauth_asks_a_member_or_app_user_for_the_password(
    hass: HomeAssistant, xlink_sim: XlinkSimulator, mode: str
) -> None:
    """Enterprise members and app users renew their account's password, in their own step."""
    assert xlink_sim.url is not None
    data = xlink_data(xlink_sim.url, mode)
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=xlink_unique_id(mode), data={**data, CONF_PASSWORD: "stale"}
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    [flow] = entry.async_get_active_flows(hass, {"reauth"})
    assert flow["step_id"] == "reauth_confirm_xlink"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    [(label, help_text)] = form_fields(result).values()
    assert set(result["data_schema"].schema) == {CONF_PASSWORD}
    assert label == "Password"
    assert "enterprise member or app user" in help_text
    assert "access key" not in f"{label} {help_text}".lower()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: data[CONF_PASSWORD]}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_PASSWORD] == data[CONF_PASSWORD]


async def test_reauth_asks_an_access_key_for_its_secret(
    hass: HomeAssistant, xlink_sim: XlinkSimulator
) -> None:
    """R9: an access key is renewed with its secret, in a step that calls it that."""
    assert xlink_sim.url is not None
    data = xlink_data(xlink_sim.url, MODE_ACCESS_KEY)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=xlink_unique_id(MODE_ACCESS_KEY),
        data={**data, CONF_PASSWORD: "revoked-secret"},
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    [flow] = entry.async_get_active_flows(hass, {"reauth"})
    assert flow["step_id"] == "reauth_confirm_xlink_access_key"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    # The entry stores the secret where the other logins store their password.
    assert set(result["data_schema"].schema) == {CONF_PASSWORD}
    label, help_text = form_fields(result)[CONF_PASSWORD]
    assert label == "Access key secret"
    assert "access key" in help_text.lower()
    assert "secret" in help_text.lower()
    texts = f"{form_texts(result)}\n{label}\n{help_text}"
    assert "password" not in texts.lower()
    assert "password for that user name" not in texts.lower()

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: "still-revoked"}
    )
    assert result["step_id"] == "reauth_confirm_xlink_access_key"
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: DEMO_ACCESS_KEY_SECRET}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_PASSWORD] == DEMO_ACCESS_KEY_SECRET
    assert entry.data[CONF_LOGIN] == DEMO_ACCESS_KEY_ID
    assert entry.runtime_data.coordinator.data.devices


async def test_reauth_refuses_another_account(
    hass: HomeAssistant, xlink_sim: XlinkSimulator
) -> None:
    assert xlink_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="ffffffffffffffff", data=xlink_data(xlink_sim.url)
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD}
    )
    assert result["reason"] == "wrong_account"


async def test_reconfigure_server(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, xlink_sim: XlinkSimulator
) -> None:
    """A private deployment of the same enterprise: only the URL changes."""
    other = XlinkSimulator()
    other_url = await other.start(host="127.0.0.1", port=0)
    try:
        result = await setup_xlink.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure_xlink"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: other_url}
        )
        assert result["reason"] == "reconfigure_successful"
        assert setup_xlink.data[CONF_URL] == other_url
        assert setup_xlink.data[CONF_LOGIN] == DEMO_ACCOUNT
        # Tokens of the other server came with the check.
        assert setup_xlink.data[CONF_TOKENS]["access_token"] in other.tokens
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(setup_xlink.entry_id)
    finally:
        await other.stop()


async def test_options_products_polling_and_datapoints(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """Options: polling and product selection; a unit and device class; hiding."""
    entry = setup_xlink
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "datapoint", "appliance"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert CONF_PRODUCTS in {str(key) for key in result["data_schema"].schema}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 120, CONF_PRODUCTS: [HEATER_PRODUCT_ID]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator
    assert coordinator.update_interval.total_seconds() == 120
    assert set(coordinator.data.products) == {HEATER_PRODUCT_ID}
    assert all(d.product_id == HEATER_PRODUCT_ID for d in coordinator.data.devices.values())
    # The purifiers are gone from the registry after their misses... or at once on reload.
    assert not [
        e
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.unique_id.startswith(f"xlink_{entry.entry_id}_{PURIFIER_PRODUCT_ID}_")
        and hass.states.get(e.entity_id)
        and not hass.states.get(e.entity_id).attributes.get("restored")  # type: ignore[union-attr]
    ]

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": f"{HEATER_PRODUCT_ID}:6"}
    )
    assert result["step_id"] == "datapoint_settings"
    # The device classes are shown by their translated names, as for Gizwits.
    selector = result["data_schema"].schema["device_class"]
    assert selector.config["translation_key"] == "datapoint_device_class"
    # A unit the class does not allow is refused: the sensor would be invalid.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"unit": "W", "device_class": "energy", "hidden": False}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"unit": "unit_invalid"}
    assert "kWh" in result["description_placeholders"]["units"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"unit": "kWh", "device_class": "energy", "hidden": False}
    )
    await hass.async_block_till_done()
    energy = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"xlink_{entry.entry_id}_{HEATER_PRODUCT_ID}_1658785277_6"
    )
    assert energy is not None
    state = hass.states.get(energy)
    assert state is not None
    assert state.attributes["device_class"] == "energy"
    # Energy is a meter: a total, as the Energy dashboard needs (not a measurement).
    assert state.attributes["state_class"] == "total_increasing"

    # A string datapoint offers only hiding.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": f"{HEATER_PRODUCT_ID}:7"}
    )
    assert set(result["data_schema"].schema) == {"hidden"}
    await hass.config_entries.options.async_configure(result["flow_id"], {"hidden": True})
    await hass.async_block_till_done()
    assert (
        entity_registry.async_get_entity_id(
            "text", DOMAIN, f"xlink_{entry.entry_id}_{HEATER_PRODUCT_ID}_1658785277_7"
        )
        is None
    )
    # Clearing everything undoes a customisation.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": f"{HEATER_PRODUCT_ID}:6"}
    )
    await hass.config_entries.options.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert f"{HEATER_PRODUCT_ID}:6" not in entry.options[CONF_DATAPOINTS]


async def test_options_need_a_loaded_entry(
    hass: HomeAssistant, xlink_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(xlink_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert CONF_PRODUCTS not in {str(key) for key in result["data_schema"].schema}
    result = await hass.config_entries.options.async_init(xlink_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    assert result["reason"] == "not_loaded"


async def test_duplicate_login_refused_before_the_cloud(
    hass: HomeAssistant, setup_xlink: MockConfigEntry, xlink_sim: XlinkSimulator
) -> None:
    """D11(e): the stored login aborts a second flow without one request to Xlink."""
    assert xlink_sim.url is not None
    flow_id = await _start(hass)
    before = len(xlink_sim.requests)
    form = _form(xlink_sim.url)
    form[CONF_LOGIN] = f" {form[CONF_LOGIN]} "
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(xlink_sim.requests) == before
