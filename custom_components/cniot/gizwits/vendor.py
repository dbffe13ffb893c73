"""The Gizwits vendor as the integration sees it: flow, runtime and actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..client.errors import CniotError
from ..client.http import normalize_base_url
from ..const import CONF_URL
from ..datapoints import device_class_selector, unsuitable_unit
from ..vendor import FlowValidationError, ValidatedInput, VendorFlow, VendorSpec, entry_runtime
from .client import DEFAULT_BASE_URL, GizwitsClient
from .const import (
    CONF_DATAPOINTS,
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    DEFAULT_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    VENDOR_GIZWITS,
)
from .errors import GIZWITS_ERRORS
from .models import DataType
from .runtime import GizwitsRuntime
from .services import async_setup_services

NUMERIC_TYPES = (DataType.UINT8, DataType.UINT16, DataType.UINT32)

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector()
_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


class GizwitsFlow(VendorFlow):
    """Enterprise credentials and one product; one entry per product."""

    options_steps = ("datapoint", "datapoint_settings")
    form_placeholders = {"default_url": DEFAULT_BASE_URL}

    def user_schema(self) -> vol.Schema:
        """Enterprise and product credentials, and the API server."""
        return vol.Schema(
            {
                vol.Required(CONF_ENTERPRISE_ID): _TEXT,
                vol.Required(CONF_ENTERPRISE_SECRET): _PASSWORD,
                vol.Required(CONF_PRODUCT_KEY): _TEXT,
                vol.Required(CONF_PRODUCT_SECRET): _PASSWORD,
                vol.Required(CONF_URL, default=DEFAULT_BASE_URL): _URL,
            }
        )

    def known_unique_id(self, user_input: Mapping[str, Any]) -> str | None:
        """The product key: a duplicate is refused before any quota is spent."""
        return str(user_input.get(CONF_PRODUCT_KEY, "")).strip() or None

    def reconfigure_schema(self, entry: ConfigEntry) -> vol.Schema:
        """The server URL; the product is the entry's identity."""
        return vol.Schema({vol.Required(CONF_URL): _URL})

    def reauth_schema(self, entry: ConfigEntry) -> vol.Schema:
        """New secrets."""
        return vol.Schema(
            {
                vol.Required(CONF_ENTERPRISE_SECRET): _PASSWORD,
                vol.Required(CONF_PRODUCT_SECRET): _PASSWORD,
            }
        )

    def options_menu(self, entry: ConfigEntry) -> list[str]:
        """Datapoint units, device classes and hiding."""
        return ["datapoint"]

    async def async_options_step(
        self,
        flow: OptionsFlow,
        step_id: str,
        user_input: dict[str, Any] | None,
        state: dict[str, Any],
    ) -> ConfigFlowResult:
        """Pick a datapoint, then set its unit, device class or hide it."""
        entry = flow.config_entry
        if (runtime := entry_runtime(entry, GizwitsRuntime)) is None:
            return flow.async_abort(reason="not_loaded")
        schema = runtime.coordinator.data.schema
        overrides: dict[str, Any] = dict(entry.options.get(CONF_DATAPOINTS, {}))
        if step_id == "datapoint":
            if user_input is not None:
                state["datapoint"] = user_input["datapoint"]
                return await self.async_options_step(flow, "datapoint_settings", None, state)
            options = [
                SelectOptionDict(value=dp.name, label=f"{dp.display_name or dp.name} ({dp.name})")
                for dp in schema.datapoints
            ]
            return flow.async_show_form(
                step_id="datapoint",
                data_schema=vol.Schema(
                    {
                        vol.Required("datapoint"): SelectSelector(
                            SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
                        )
                    }
                ),
            )
        name = state["datapoint"]
        errors: dict[str, str] = {}
        placeholders = {"datapoint": name, "units": ""}
        if user_input is not None:
            unit = str(user_input.get("unit") or "").strip()
            device_class = str(user_input.get("device_class") or "")
            setting = {
                "unit": unit,
                "device_class": device_class,
                "hidden": bool(user_input.get("hidden")),
            }
            if (units := unsuitable_unit(device_class, unit)) is not None:
                # A unit the class cannot have makes the sensor invalid for statistics.
                errors["unit"] = "unit_invalid"
                placeholders["units"] = units
        if user_input is not None and not errors:
            if any(setting.values()):
                overrides[name] = setting
            else:
                overrides.pop(name, None)
            return flow.async_create_entry(data={**entry.options, CONF_DATAPOINTS: overrides})
        datapoint = schema.get(name)
        numeric = datapoint is not None and datapoint.data_type in NUMERIC_TYPES
        fields: dict[vol.Marker, Any] = {}
        if numeric:
            fields[vol.Optional("unit")] = TextSelector()
            fields[vol.Optional("device_class")] = device_class_selector()
        fields[vol.Optional("hidden", default=False)] = BooleanSelector()
        return flow.async_show_form(
            step_id="datapoint_settings",
            data_schema=flow.add_suggested_values_to_schema(
                vol.Schema(fields), user_input or overrides.get(name, {})
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_validate(
        self, hass: HomeAssistant, user_input: Mapping[str, Any]
    ) -> ValidatedInput:
        """Get a token and the product's datapoints."""
        try:
            url = normalize_base_url(str(user_input[CONF_URL]))
        except ValueError as err:
            raise FlowValidationError("invalid_url", CONF_URL) from err
        fields = {
            key: str(user_input[key]).strip()
            for key in (
                CONF_ENTERPRISE_ID,
                CONF_ENTERPRISE_SECRET,
                CONF_PRODUCT_KEY,
                CONF_PRODUCT_SECRET,
            )
        }
        client = GizwitsClient(
            async_get_clientsession(hass),
            url,
            enterprise_id=fields[CONF_ENTERPRISE_ID],
            enterprise_secret=fields[CONF_ENTERPRISE_SECRET],
            product_key=fields[CONF_PRODUCT_KEY],
            product_secret=fields[CONF_PRODUCT_SECRET],
        )
        try:
            await client.async_authenticate()
            schema = await client.async_get_schema()
        except CniotError as err:
            raise FlowValidationError(GIZWITS_ERRORS.flow_error(err)) from err
        return ValidatedInput(
            unique_id=fields[CONF_PRODUCT_KEY],
            title=schema.name or fields[CONF_PRODUCT_KEY],
            data={**fields, CONF_URL: url},
        )


GIZWITS_SPEC = VendorSpec(
    key=VENDOR_GIZWITS,
    runtime_factory=GizwitsRuntime,
    flow=GizwitsFlow(),
    errors=GIZWITS_ERRORS,
    default_scan_interval=DEFAULT_SCAN_INTERVAL,
    min_scan_interval=MIN_SCAN_INTERVAL,
    setup_services=async_setup_services,
    redact=frozenset(
        {
            CONF_ENTERPRISE_SECRET,
            CONF_PRODUCT_SECRET,
            "token",
            "latitude",
            "longitude",
            "country",
            "region",
            "city",
        }
    ),
)
