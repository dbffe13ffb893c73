"""A vendor's world is found from its spec: flow steps, errors, triggers, redactions.

The layout rules (shared modules name no vendor, entities stay off the runtime, …) are
checked by scripts/policy.py, a lint step of scripts/test.
"""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot import device_trigger
from custom_components.cniot.actions import loaded_runtime
from custom_components.cniot.client.errors import (
    CniotAuthenticationError,
    CniotConnectionError,
    CniotError,
    CniotRateLimitedError,
    CniotRequestRefusedError,
    CniotVendorError,
)
from custom_components.cniot.config_flow import CniotConfigFlow, CniotOptionsFlow
from custom_components.cniot.const import DOMAIN
from custom_components.cniot.datapoints.runtime import DatapointRuntime
from custom_components.cniot.gateway.errors import GATEWAY_ERRORS
from custom_components.cniot.gateway.runtime import GatewayRuntime
from custom_components.cniot.gizwits.errors import GIZWITS_ERRORS
from custom_components.cniot.gizwits.runtime import GizwitsRuntime
from custom_components.cniot.tums.errors import TUMS_ERRORS
from custom_components.cniot.tums.push import EVENT_TYPES
from custom_components.cniot.vendors import VENDORS
from custom_components.cniot.xlink.errors import XLINK_ERRORS

PACKAGE = Path(__file__).parent.parent / "custom_components" / "cniot"


def _steps(flow_class: type) -> set[str]:
    """The step ids a flow class defines (or inherits from ours) as ``async_step_<id>``."""
    return {
        name.removeprefix("async_step_")
        for klass in flow_class.__mro__
        if klass.__module__.startswith("custom_components.")
        for name in vars(klass)
        if name.startswith("async_step_")
    }


def test_every_vendor_has_its_own_flow_steps() -> None:
    """Create, reconfigure and reauth: one method of the flow each per vendor, no other."""
    per_vendor = {
        f"{prefix}{vendor}"
        for vendor in VENDORS
        for prefix in ("", "reconfigure_", "reauth_confirm_")
    }
    # Xlink access keys are renewed with their secret, not a password: a step of their own.
    expected = {"user", "reconfigure", "reauth", "reauth_confirm_xlink_access_key", *per_vendor}
    # Accounts too large for one entry are offered a split (#28), in the vendor's own
    # words; each further part is created by an import flow of its own.
    expected |= {"tums_split", "xlink_split", "import"}
    assert _steps(CniotConfigFlow) == expected
    assert _steps(CniotOptionsFlow) == {
        *("init", "settings", "datapoint", "datapoint_settings"),
        *("appliance", "appliance_kind", "climate", "climate_manual", "fan", "fan_manual"),
    }


def test_every_form_step_is_translated() -> None:
    """Each step that shows a form or menu has its texts, and no texts lack a step."""
    en = json.loads((PACKAGE / "translations" / "en.json").read_text(encoding="utf-8"))
    # reconfigure and reauth only route to the entry's vendor's step; import shows nothing.
    shown = _steps(CniotConfigFlow) - {"reconfigure", "reauth", "import"}
    assert set(en["config"]["step"]) == shown
    assert set(en["options"]["step"]) == _steps(CniotOptionsFlow)
    for kind in ("config", "options"):
        for step, texts in en[kind]["step"].items():
            assert texts.get("title"), f"{kind}.step.{step}"


async def test_datapoint_options_where_the_vendor_has_datapoints(hass: HomeAssistant) -> None:
    """The options menu offers datapoints for vendors that report them; others go to settings."""
    with_datapoints = {
        key for key, spec in VENDORS.items() if issubclass(spec.runtime_factory, DatapointRuntime)
    }
    assert with_datapoints == {"gizwits", "xlink"}
    for vendor, spec in VENDORS.items():
        entry = MockConfigEntry(domain=DOMAIN, data={"vendor": vendor})
        entry.add_to_hass(hass)
        result = await hass.config_entries.options.async_init(entry.entry_id)
        if not issubclass(spec.runtime_factory, DatapointRuntime):
            assert result["type"] is FlowResultType.FORM
            assert result["step_id"] == "settings"
            continue
        assert result["type"] is FlowResultType.MENU
        assert result["menu_options"] == ["settings", "datapoint", "appliance"]
        # The datapoints come from the loaded entry.
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "datapoint"}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "not_loaded"


def test_trigger_types_come_from_the_specs() -> None:
    """Device triggers accept the push event types the TUMS spec declares, no other."""
    assert frozenset(EVENT_TYPES) == device_trigger.TRIGGER_TYPES
    assert VENDORS["tums"].trigger_types == frozenset(EVENT_TYPES)
    assert all(not spec.trigger_types for key, spec in VENDORS.items() if key != "tums")


def test_vendor_redactions_kept() -> None:
    """The gateway's Wi-Fi keys moved into its spec and stay redacted."""
    assert {"passwd", "wifiKey", "iccid"} <= VENDORS["gateway"].redact


@pytest.mark.parametrize(
    ("vendor", "err", "key"),
    [
        ("gateway", CniotConnectionError("down"), "cannot_connect"),
        ("gizwits", CniotConnectionError("down"), "gizwits_cannot_connect"),
        ("tums", CniotConnectionError("down"), "tums_cannot_connect"),
        ("xlink", CniotConnectionError("down"), "xlink_cannot_connect"),
        ("gizwits", CniotVendorError(5012, "ip"), "ip_not_whitelisted"),
        ("gizwits", CniotVendorError(9999, "?"), "unknown"),
        ("tums", CniotVendorError(-10305, "denied"), "api_not_permitted"),
        ("tums", CniotVendorError(-1, "?"), "invalid_response"),
        ("xlink", CniotVendorError(4001061, "locked"), "account_locked"),
        ("xlink", CniotVendorError(4031001, "role"), "permission_denied"),
        ("xlink", CniotRateLimitedError("slow"), "rate_limited"),
        ("gateway", CniotAuthenticationError("no"), "invalid_auth"),
    ],
)
def test_flow_error_mapping(vendor: str, err: CniotError, key: str) -> None:
    """One mapping, driven by the exception class and the vendor's codes."""
    errors = {
        "gateway": GATEWAY_ERRORS,
        "gizwits": GIZWITS_ERRORS,
        "tums": TUMS_ERRORS,
        "xlink": XLINK_ERRORS,
    }
    assert errors[vendor].flow_error(err) == key


def test_update_error_reauth_only_where_the_vendor_says() -> None:
    """A TUMS bad signature fails the refresh; a revoked key and an Xlink login reauth."""
    from homeassistant.exceptions import ConfigEntryAuthFailed
    from homeassistant.helpers.update_coordinator import UpdateFailed

    refused = TUMS_ERRORS.update_error(CniotRequestRefusedError("clock", code=-10302))
    assert isinstance(refused, UpdateFailed)
    assert refused.translation_key == "request_refused"
    revoked = TUMS_ERRORS.update_error(CniotAuthenticationError("key", code=-10304))
    assert isinstance(revoked, ConfigEntryAuthFailed)
    assert isinstance(
        XLINK_ERRORS.update_error(CniotAuthenticationError("pw")), ConfigEntryAuthFailed
    )
    limited = XLINK_ERRORS.update_error(CniotRateLimitedError("slow", retry_after=42))
    assert isinstance(limited, UpdateFailed)
    assert limited.retry_after == 42


async def test_typed_runtime_lookup(hass: HomeAssistant, setup_gateway: MockConfigEntry) -> None:
    """The lookup hands back the vendor's runtime class, or a translated refusal."""
    assert setup_gateway.state is ConfigEntryState.LOADED
    runtime = loaded_runtime(hass, setup_gateway.entry_id, GatewayRuntime)
    assert isinstance(runtime, GatewayRuntime)
    with pytest.raises(ServiceValidationError) as err:
        loaded_runtime(hass, setup_gateway.entry_id, GizwitsRuntime)
    assert err.value.translation_key == "wrong_vendor"
