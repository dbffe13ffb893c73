"""Config flow: choose a vendor, then give its settings."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorType,
)
import voluptuous as vol

from .const import CONF_DATAPOINTS, CONF_SCAN_INTERVAL, CONF_VENDOR, DOMAIN
from .datapoints import DatapointChoice, device_class_selector, unsuitable_unit
from .vendor import FlowValidationError, ValidatedInput, VendorSpec
from .vendors import VENDORS


class CniotConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for cniot."""

    VERSION = 1
    # 1.1: the first released layout. Every later change to stored data gets a migration
    # (a new major version where older code cannot read it) and a test that loads an entry
    # stored by the previous release (tests/test_stored_entries.py).
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick the vendor platform."""
        return self.async_show_menu(step_id="user", menu_options=list(VENDORS))

    def __getattr__(self, name: str) -> Any:
        """Each vendor's steps: ``<vendor>`` to create an entry, ``reconfigure_<vendor>``.

        Home Assistant finds a step as the flow's ``async_step_<id>`` attribute; the
        ids come from the vendor registry, so no vendor is named here.
        """
        step = name.removeprefix("async_step_")
        if step != name:
            if step in VENDORS:
                return partial(self._async_step_vendor, step)
            if step.removeprefix("reconfigure_") in VENDORS:
                return self._async_step_reconfigure
        raise AttributeError(name)

    async def _async_step_vendor(
        self, vendor: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        spec = VENDORS[vendor]
        errors: dict[str, str] = {}
        if user_input is not None:
            if (known := spec.flow.known_unique_id(user_input)) is not None:
                await self.async_set_unique_id(known)
                self._abort_if_unique_id_configured()
            if (account := spec.flow.known_account(user_input)) is not None:
                self._async_abort_entries_match({CONF_VENDOR: vendor, **account})
            result = await _async_validate(self, spec, user_input, errors)
            if result is not None:
                await self.async_set_unique_id(result.unique_id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=result.title, data={CONF_VENDOR: vendor, **result.data}
                )
        return self.async_show_form(
            step_id=vendor,
            data_schema=self.add_suggested_values_to_schema(spec.flow.user_schema(), user_input),
            errors=errors,
            description_placeholders=dict(spec.flow.form_placeholders),
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauthentication after the vendor refused the credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials."""
        entry = self._get_reauth_entry()
        spec = VENDORS[entry.data[CONF_VENDOR]]
        schema = spec.flow.reauth_schema(entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            result = await _async_validate(self, spec, {**entry.data, **user_input}, errors)
            if result is not None:
                await self.async_set_unique_id(result.unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data_updates=dict(result.data))
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={**spec.flow.form_placeholders, "name": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the settings of an existing entry, in the vendor's own words."""
        return await self._async_step_reconfigure(user_input)

    async def _async_step_reconfigure(self, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        vendor = entry.data[CONF_VENDOR]
        spec = VENDORS[vendor]
        schema = spec.flow.reconfigure_schema(entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _merged(entry.data, schema, user_input)
            result = await _async_validate(self, spec, data, errors)
            if result is not None:
                if not spec.flow.unique_id_follows_settings:
                    await self.async_set_unique_id(result.unique_id)
                    self._abort_if_unique_id_mismatch(reason="wrong_account")
                elif result.unique_id != entry.unique_id:
                    # Ignored entries count too: a clash would only log at the registry.
                    await self.async_set_unique_id(result.unique_id)
                    self._abort_if_unique_id_configured()
                # The title stays: the user may have renamed the entry.
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=result.unique_id,
                    data={**data, **result.data},
                )
        return self.async_show_form(
            step_id=f"reconfigure_{vendor}",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                # Stored secrets are never sent back to the browser.
                user_input
                or {key: value for key, value in entry.data.items() if key not in _secrets(schema)},
            ),
            errors=errors,
            description_placeholders=dict(spec.flow.form_placeholders),
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> CniotOptionsFlow:
        """Options: the polling interval and vendor extras."""
        return CniotOptionsFlow()


class CniotOptionsFlow(OptionsFlowWithReload):
    """Polling interval and vendor-specific options; saving reloads the entry.

    Vendors whose devices report datapoints (``VendorSpec.datapoint_choices``) also let
    the user give one a unit or device class, or hide it: ``datapoint`` picks it,
    ``datapoint_settings`` sets it.
    """

    def __init__(self) -> None:
        # The datapoint being customised, chosen in the ``datapoint`` step.
        self._datapoint: str | None = None

    @property
    def _spec(self) -> VendorSpec:
        return VENDORS[self.config_entry.data[CONF_VENDOR]]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A menu where the vendor has datapoints to customise; else the settings form."""
        if self._spec.datapoint_choices is not None:
            return self.async_show_menu(step_id="init", menu_options=["settings", "datapoint"])
        return await self.async_step_settings(user_input)

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the polling interval and the vendor's plain options."""
        spec = self._spec
        vendor_fields = spec.flow.options_schema(self.config_entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = spec.flow.validate_options(user_input)
            if not errors:
                return self.async_create_entry(
                    data=_merged(self.config_entry.options, vendor_fields, user_input)
                )
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SCAN_INTERVAL, default=spec.default_scan_interval
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=spec.min_scan_interval,
                        max=spec.max_scan_interval,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                **vendor_fields,
            }
        )
        return self.async_show_form(
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                user_input
                if user_input is not None
                else {
                    key: value
                    for key, value in self.config_entry.options.items()
                    if key not in _secrets(vendor_fields)
                },
            ),
            errors=errors,
            description_placeholders=dict(spec.flow.options_placeholders),
        )

    async def async_step_datapoint(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the datapoint to customise, from those the loaded entry reports."""
        if (choices := self._datapoint_choices()) is None:
            return self.async_abort(reason="not_loaded")
        if user_input is not None:
            self._datapoint = str(user_input["datapoint"])
            return await self.async_step_datapoint_settings()
        options = [
            SelectOptionDict(value=key, label=choice.label) for key, choice in choices.items()
        ]
        return self.async_show_form(
            step_id="datapoint",
            data_schema=vol.Schema(
                {
                    vol.Required("datapoint"): SelectSelector(
                        SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
                    )
                }
            ),
        )

    async def async_step_datapoint_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the chosen datapoint's unit and device class, or hide it; empty undoes it."""
        key = self._datapoint
        if (choices := self._datapoint_choices()) is None or key is None:
            return self.async_abort(reason="not_loaded")
        choice = choices.get(key)
        overrides: dict[str, Any] = dict(self.config_entry.options.get(CONF_DATAPOINTS, {}))
        errors: dict[str, str] = {}
        placeholders = {"datapoint": choice.name if choice else key, "units": ""}
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
            else:
                if any(setting.values()):
                    overrides[key] = setting
                else:
                    overrides.pop(key, None)
                return self.async_create_entry(
                    data={**self.config_entry.options, CONF_DATAPOINTS: overrides}
                )
        fields: dict[vol.Marker, Any] = {}
        if choice is not None and choice.numeric:
            fields[vol.Optional("unit")] = TextSelector()
            fields[vol.Optional("device_class")] = device_class_selector()
        fields[vol.Optional("hidden", default=False)] = BooleanSelector()
        return self.async_show_form(
            step_id="datapoint_settings",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input or overrides.get(key, {})
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _datapoint_choices(self) -> Mapping[str, DatapointChoice] | None:
        """The entry's datapoints by option key; None while it is not loaded."""
        choices = self._spec.datapoint_choices
        return None if choices is None else choices(self.config_entry)


async def _async_validate(
    flow: ConfigFlow,
    spec: VendorSpec,
    user_input: Mapping[str, Any],
    errors: dict[str, str],
) -> ValidatedInput | None:
    try:
        return await spec.flow.async_validate(flow.hass, user_input)
    except FlowValidationError as err:
        errors[err.field] = err.error
    return None


def _fields(schema: vol.Schema | Mapping[Any, Any]) -> Mapping[Any, Any]:
    return schema.schema if isinstance(schema, vol.Schema) else schema


def _secrets(schema: vol.Schema | Mapping[Any, Any]) -> set[str]:
    """The fields of a form that hold secrets (password selectors)."""
    return {
        str(marker)
        for marker, selector in _fields(schema).items()
        if isinstance(selector, TextSelector)
        and selector.config.get("type") == TextSelectorType.PASSWORD
    }


def _merged(
    stored: Mapping[str, Any], schema: vol.Schema | Mapping[Any, Any], user_input: Mapping[str, Any]
) -> dict[str, Any]:
    """Stored values updated by a form: an optional field left empty is removed.

    Secrets are not shown again, so an empty one keeps the stored value, as long
    as another optional field (a user name) is still set: clearing that clears it too.
    """
    fields = {str(marker) for marker in _fields(schema)}
    secrets = _secrets(schema)
    merged = {key: value for key, value in stored.items() if key not in fields}
    merged.update(user_input)
    optional = {str(marker) for marker in _fields(schema) if isinstance(marker, vol.Optional)}
    others = any(user_input.get(key) for key in optional - secrets)
    for key in secrets:
        if not user_input.get(key) and key in stored and others:
            merged[key] = stored[key]
    return merged
