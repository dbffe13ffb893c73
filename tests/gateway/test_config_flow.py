"""The config, reauth, reconfigure and options flows, against the simulator."""

from __future__ import annotations

from contextlib import suppress
import json
from pathlib import Path
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.cniot.const import (
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_USERNAME,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.cniot.gateway.const import CONF_SET_PATH, VENDOR_GATEWAY
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario
from tests.flow_texts import form_fields

from ..conftest import GATEWAY_ENTRY_ID

TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / "cniot" / "translations"


async def _start_gateway_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert VENDOR_GATEWAY in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_GATEWAY}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == VENDOR_GATEWAY
    return result["flow_id"]


async def test_user_flow_creates_entry(hass: HomeAssistant, gateway_sim: GatewaySimulator) -> None:
    """A reachable backend becomes an entry, with a normalised URL as unique ID."""
    flow_id = await _start_gateway_form(hass)
    # No scheme and a trailing slash: both normalised away.
    host_port = gateway_sim.url.removeprefix("http://")
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: f"{host_port}/"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Gateway {host_port}"
    assert result["data"] == {CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: gateway_sim.url}
    assert result["result"].unique_id == gateway_sim.url
    # The connection test asked for one device only.
    assert gateway_sim.requests[0].path == "/api/v1/devices/list"
    assert gateway_sim.requests[0].body["limit"] == 1


@pytest.mark.parametrize(
    ("url", "fault", "error"),
    [
        ("ftp://127.0.0.1:8501", None, {CONF_URL: "invalid_url"}),
        ("http://", None, {CONF_URL: "invalid_url"}),
        (None, Fault(kind="html"), {"base": "invalid_response"}),
        (None, Fault(kind="vendor_code", value=7010), {"base": "unknown"}),
        (None, Fault(kind="http_status", value=503), {"base": "cannot_connect"}),
    ],
)
async def test_user_flow_errors_recover(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    url: str | None,
    fault: Fault | None,
    error: dict[str, str],
) -> None:
    """Each failure shows its error, and the form still succeeds afterwards."""
    flow_id = await _start_gateway_form(hass)
    if fault is not None:
        gateway_sim.faults.add(fault)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: url or gateway_sim.url}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error
    gateway_sim.faults.clear()
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: gateway_sim.url})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_cannot_connect(hass: HomeAssistant, unused_tcp_port: int) -> None:
    """Nothing listening: cannot_connect."""
    flow_id = await _start_gateway_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: f"http://127.0.0.1:{unused_tcp_port}"}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_flow_with_credentials(hass: HomeAssistant) -> None:
    """A backend behind HTTP auth: wrong credentials, then right ones."""
    sim = GatewaySimulator(
        scenario=default_scenario(), drift=False, username="admin", password="s3cret-pass"
    )
    await sim.start(host="127.0.0.1", port=0)
    try:
        flow_id = await _start_gateway_form(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_URL: sim.url, CONF_USERNAME: "admin", CONF_PASSWORD: "wrong"}
        )
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_URL: sim.url, CONF_USERNAME: " admin ", CONF_PASSWORD: "s3cret-pass"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_USERNAME] == "admin"
        assert result["data"][CONF_PASSWORD] == "s3cret-pass"
    finally:
        await sim.stop()


async def test_user_flow_already_configured(
    hass: HomeAssistant, gateway_entry: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """The same backend twice is refused."""
    flow_id = await _start_gateway_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: gateway_sim.url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def _spellings(url: str) -> list[str]:
    """The simulator's URL as a person might write it again."""
    port = url.rsplit(":", 1)[1]
    return [
        f"http://localhost:{port}/",
        f"HTTP://LocalHost:{port}//",
        f"http://[::1]:{port}",
        f"http://127.0.0.1:{port}/.",
        f"127.0.0.1:{port}/",
    ]


@pytest.mark.parametrize("spelling", range(5))
async def test_same_backend_under_another_url_is_refused(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, spelling: int
) -> None:
    """One backend, one entry: the second spelling aborts before any request.

    The backend's API gives it no identity of its own, so its URL stands for it.
    """
    flow_id = await _start_gateway_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: gateway_sim.url})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    gateway_sim.requests.clear()

    flow_id = await _start_gateway_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: _spellings(gateway_sim.url)[spelling]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert gateway_sim.requests == []
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("http://gw.example:8501", "http://GW.example./"),
        ("https://gw.example", "https://gw.example:443/"),
        ("http://gw.example:8501/proxy/a", "http://gw.example/proxy//a/"),
    ],
)
async def test_stored_url_of_another_spelling_is_refused(
    hass: HomeAssistant, stored: str, typed: str
) -> None:
    """An entry stored under its URL as first normalised (its unique ID) still counts."""
    MockConfigEntry(
        domain=DOMAIN, unique_id=stored, data={CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: stored}
    ).add_to_hass(hass)
    flow_id = await _start_gateway_form(hass)
    # gw.example is not resolved: nothing is sent.
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_URL: typed})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_another_path_or_port_is_another_backend(
    hass: HomeAssistant, gateway_entry: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """A proxy may serve several backends under one host: a path or port tells them apart."""
    flow_id = await _start_gateway_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: f"{gateway_sim.url}/other"}
    )
    # Tried (the simulator serves no such path), not refused as configured.
    assert result["type"] is FlowResultType.FORM
    assert result["errors"]
    assert gateway_sim.requests


async def test_reauth_flow(hass: HomeAssistant) -> None:
    """A refused login starts reauth; new credentials are stored and the entry reloads."""
    sim = GatewaySimulator(
        scenario=default_scenario(), drift=False, username="admin", password="new-password"
    )
    await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=sim.url,
            data={
                CONF_VENDOR: VENDOR_GATEWAY,
                CONF_URL: sim.url,
                CONF_USERNAME: "admin",
                CONF_PASSWORD: "old-password",
            },
        )
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert len(flows) == 1
        flow = flows[0]
        assert flow["context"]["source"] == "reauth"
        # The gateway's own step: the proxy's user name and password.
        assert flow["step_id"] == "reauth_confirm_gateway"
        result = await hass.config_entries.flow.async_configure(flow["flow_id"])
        assert form_fields(result) == {
            CONF_USERNAME: ("User name", "The user name the backend or its proxy accepts."),
            CONF_PASSWORD: ("Password", "The password for that user name."),
        }
        assert result["description_placeholders"] is not None
        assert result["description_placeholders"]["name"] == entry.title

        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "still-wrong"}
        )
        assert result["step_id"] == "reauth_confirm_gateway"
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "new-password"}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_successful"
        assert entry.data[CONF_PASSWORD] == "new-password"
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_reconfigure_moves_backend(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """Reconfigure to another URL: unique ID and title follow, errors recover."""
    other = GatewaySimulator(scenario=default_scenario(), drift=False)
    await other.start(host="127.0.0.1", port=0)
    try:
        result = await setup_gateway.start_reconfigure_flow(hass)
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "reconfigure_gateway"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: "mailto:someone"}
        )
        assert result["errors"] == {CONF_URL: "invalid_url"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: other.url}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert setup_gateway.unique_id == other.url
        assert setup_gateway.data[CONF_URL] == other.url
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(setup_gateway.entry_id)
    finally:
        await other.stop()


async def test_reconfigure_to_configured_backend_aborts(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """Reconfiguring onto a URL another entry already uses is refused."""
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id="http://127.0.0.1:1",
        data={CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: "http://127.0.0.1:1"},
    )
    other.add_to_hass(hass)
    sim_url = setup_gateway.data[CONF_URL]
    with patch(
        "custom_components.cniot.gateway.vendor.GatewayFlow.async_validate",
        autospec=True,
    ) as validate:
        from custom_components.cniot.vendor import ValidatedInput

        validate.return_value = ValidatedInput(
            unique_id="http://127.0.0.1:1", title="x", data={CONF_URL: "http://127.0.0.1:1"}
        )
        result = await setup_gateway.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: "http://127.0.0.1:1"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert setup_gateway.data[CONF_URL] == sim_url


async def test_reconfigure_identity_bound_vendor(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """For vendors whose unique ID is an account, another account is refused."""
    with patch(
        "custom_components.cniot.gateway.vendor.GatewayFlow.unique_id_follows_settings", False
    ):
        result = await setup_gateway.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: gateway_sim.url}
        )
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()

        other = GatewaySimulator(scenario=default_scenario(), drift=False)
        await other.start(host="127.0.0.1", port=0)
        try:
            result = await setup_gateway.start_reconfigure_flow(hass)
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_URL: other.url}
            )
            assert result["type"] is FlowResultType.ABORT
            assert result["reason"] == "wrong_account"
        finally:
            await other.stop()
    assert setup_gateway.data[CONF_URL] == gateway_sim.url
    await hass.config_entries.async_unload(setup_gateway.entry_id)


async def test_options_flow_reloads_with_new_interval(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Saving options reloads the entry; the coordinator uses the new interval."""
    result = await hass.config_entries.options.async_init(setup_gateway.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 45, CONF_SET_PATH: "/api/v1/devices/setting"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    runtime = setup_gateway.runtime_data
    assert runtime.coordinator.update_interval is not None
    assert runtime.coordinator.update_interval.total_seconds() == 45
    # A switch now writes to the new settings path.
    sn = next(sn for sn, gw in gateway_sim.devices.items() if gw.online)
    entity_id = entity_registry.async_get_entity_id(
        "switch", DOMAIN, f"gateway_{GATEWAY_ENTRY_ID}_{sn}_top"
    )
    assert entity_id is not None
    with suppress(HomeAssistantError):  # the simulator serves the documented path only
        await hass.services.async_call("switch", "turn_on", {"entity_id": entity_id}, blocking=True)
    assert [r.path for r in gateway_sim.requests if r.path.startswith("/api/v1/devices/set")] == [
        "/api/v1/devices/setting"
    ]
    await hass.config_entries.async_unload(setup_gateway.entry_id)


async def test_reconfigure_and_reauth_speak_for_their_vendor(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """Each vendor has its own reconfigure and reauth steps; shared errors name no vendor.

    Guards D5 of the 2026-12 review (one shared reconfigure step showed gateway text to
    every vendor) and R9 of the 2026-12-07 review (the same for reauth).
    """
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


async def test_reconfigure_keeps_title_and_clears_credentials(
    hass: HomeAssistant, gateway_url: str
) -> None:
    """A renamed entry keeps its title; an emptied user name removes the credentials.

    Guards D11 (a) and (b) of the 2026-12 review: reconfigure overwrote the user's
    title, and merged input over the stored data so credentials could not be cleared.
    """
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


async def test_reconfigure_empty_password_keeps_the_stored_one(
    hass: HomeAssistant, gateway_url: str
) -> None:
    """The password is never shown; leaving it empty with the user name kept keeps it.

    Guards D11 (d) of the 2026-12 review: a stored secret must not be sent back to
    the browser as a suggested value.
    """
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


async def test_reconfigure_onto_an_ignored_backend_aborts(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """An ignored entry's URL counts as configured.

    Guards D11 (c) of the 2026-12 review: the hand-rolled duplicate check skipped
    ignored entries.
    """
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


async def test_user_form_has_no_localhost_default(hass: HomeAssistant) -> None:
    """The gateway form proposes no URL: 127.0.0.1 fits only the simulator.

    Guards D11 (f) of the 2026-12 review.
    """
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_GATEWAY}
    )
    url = next(key for key in result["data_schema"].schema if str(key) == CONF_URL)
    assert url.default is vol.UNDEFINED
