"""Config flow: choose a vendor, then give its settings.

Each vendor's steps are methods of the flow: ``<vendor>`` creates an entry,
``reconfigure_<vendor>`` changes its settings and ``reauth_confirm_<vendor>`` asks
for the credentials it refused (Xlink access keys have their own step, as they
have a secret, not a password). Each is a few lines: the fields and the connection
test are the vendor's (``VendorFlow``), what the steps share is below them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_IMPORT,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
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
from .datapoints.appliance_flow import ApplianceOptionsFlow
from .datapoints.runtime import DatapointRuntime, datapoint_choices
from .entity_limit import entity_limit
from .gateway.const import VENDOR_GATEWAY
from .gateway.vendor import GATEWAY_SPEC
from .gizwits.const import VENDOR_GIZWITS
from .gizwits.vendor import GIZWITS_SPEC
from .split import SplitPlan, part_unique_id
from .tums.const import VENDOR_TUMS
from .tums.vendor import TUMS_SPEC, async_plan_split as tums_plan_split
from .vendor import FlowValidationError, ValidatedInput, VendorSpec
from .vendors import VENDORS
from .xlink.const import CONF_MODE, MODE_ACCESS_KEY, VENDOR_XLINK
from .xlink.vendor import XLINK_SPEC, async_plan_split as xlink_plan_split

type _Step = Callable[[], Coroutine[Any, Any, ConfigFlowResult]]

# The split step's choice, and the import data of a further part.
CONF_SPLIT = "split"
SPLIT_PARTS = "parts"
SPLIT_NONE = "none"
CONF_SPLIT_PART = "split_part"


class CniotConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for cniot."""

    VERSION = 1
    # An account too large for one entry: its vendor, settings and parts (tums_split).
    _split: tuple[str, ValidatedInput, SplitPlan] | None = None
    # 1.1: the first released layout. Every later change to stored data gets a migration
    # (a new major version where older code cannot read it) and a test that loads an entry
    # stored by the previous release (tests/test_stored_entries.py).
    # 1.2: appliance proposals; entries from 1.1 keep their entities until the user
    # accepts one (``async_migrate_entry``).
    MINOR_VERSION = 2

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick the vendor platform."""
        return self.async_show_menu(step_id="user", menu_options=list(VENDORS))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the settings of an existing entry, in its vendor's own step."""
        steps: dict[str, _Step] = {
            VENDOR_GATEWAY: self.async_step_reconfigure_gateway,
            VENDOR_GIZWITS: self.async_step_reconfigure_gizwits,
            VENDOR_TUMS: self.async_step_reconfigure_tums,
            VENDOR_XLINK: self.async_step_reconfigure_xlink,
        }
        return await steps[self._get_reconfigure_entry().data[CONF_VENDOR]]()

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The vendor refused the stored credentials: ask in its own step."""
        steps: dict[str, _Step] = {
            VENDOR_GATEWAY: self.async_step_reauth_confirm_gateway,
            VENDOR_GIZWITS: self.async_step_reauth_confirm_gizwits,
            VENDOR_TUMS: self.async_step_reauth_confirm_tums,
            VENDOR_XLINK: (
                self.async_step_reauth_confirm_xlink_access_key
                if entry_data.get(CONF_MODE) == MODE_ACCESS_KEY
                else self.async_step_reauth_confirm_xlink
            ),
        }
        return await steps[entry_data[CONF_VENDOR]]()

    # --- the smart cellular gateway backend ---------------------------------------------------

    async def async_step_gateway(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A gateway backend: its URL, and the credentials of a proxy in front of it."""
        return await self._async_create(GATEWAY_SPEC, user_input)

    async def async_step_reconfigure_gateway(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to another URL, or change the proxy credentials."""
        return await self._async_reconfigure(GATEWAY_SPEC, "reconfigure_gateway", user_input)

    async def async_step_reauth_confirm_gateway(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """New user name and password for the backend's proxy."""
        return await self._async_reauth(GATEWAY_SPEC, "reauth_confirm_gateway", user_input)

    # --- Gizwits ------------------------------------------------------------------------------

    async def async_step_gizwits(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A Gizwits product: enterprise and product credentials, and the API server."""
        return await self._async_create(GIZWITS_SPEC, user_input)

    async def async_step_reconfigure_gizwits(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Another API server for the same product."""
        return await self._async_reconfigure(GIZWITS_SPEC, "reconfigure_gizwits", user_input)

    async def async_step_reauth_confirm_gizwits(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The enterprise secret and the product secret again."""
        return await self._async_reauth(GIZWITS_SPEC, "reauth_confirm_gizwits", user_input)

    # --- TP-LINK TUMS -------------------------------------------------------------------------

    async def async_step_tums(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A TUMS application: its access key, secret key and the API server."""
        return await self._async_create(TUMS_SPEC, user_input, then=self._async_offer_tums_split)

    async def _async_offer_tums_split(self, result: ValidatedInput) -> ConfigFlowResult | None:
        """Past the entity budget, the split step; else None (one entry)."""
        if (plan := await tums_plan_split(self.hass, result.data)) is None:
            return None
        self._split = (VENDOR_TUMS, result, plan)
        return await self.async_step_tums_split()

    async def async_step_tums_split(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Too many devices for one entry: one entry per group of regions, or one anyway."""
        return await self._async_split("tums_split", VENDOR_TUMS, user_input)

    async def _async_split(
        self, step_id: str, vendor: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Offer the split; chosen, the first part is this flow's entry, each other its own."""
        if self._split is None or self._split[0] != vendor:
            return self.async_abort(reason="no_split")
        _, result, plan = self._split
        if user_input is not None:
            data = {CONF_VENDOR: vendor, **result.data}
            if user_input[CONF_SPLIT] != SPLIT_PARTS:
                return self.async_create_entry(title=result.title, data=data)
            for number in range(2, len(plan.parts) + 1):
                part = plan.part_data(data, number)
                # Each further part is an entry of its own, made by its own flow.
                await self.hass.config_entries.flow.async_init(
                    DOMAIN,
                    context={"source": SOURCE_IMPORT},
                    data={
                        CONF_SPLIT_PART: {
                            "title": plan.part_title(result.title, number),
                            "unique_id": part_unique_id(result.unique_id, part, plan.key),
                            "data": part,
                        }
                    },
                )
            return self.async_create_entry(
                title=plan.part_title(result.title, 1), data=plan.part_data(data, 1)
            )
        return self.async_show_form(
            step_id=step_id,
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SPLIT, default=SPLIT_PARTS): SelectSelector(
                        SelectSelectorConfig(
                            options=[SPLIT_PARTS, SPLIT_NONE],
                            translation_key=step_id,
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
            description_placeholders={
                "devices": str(plan.devices),
                "estimate": str(plan.estimate),
                "limit": str(entity_limit()),
                "parts": str(len(plan.parts)),
                "groups": str(sum(len(part) for part in plan.parts)),
            },
        )

    async def async_step_import(self, import_data: dict[str, Any]) -> ConfigFlowResult:
        """A further part of a split application (started by ``tums_split``), created as is."""
        part = import_data.get(CONF_SPLIT_PART)
        if not isinstance(part, dict):
            return self.async_abort(reason="no_split")
        await self.async_set_unique_id(str(part["unique_id"]))
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=str(part["title"]), data=dict(part["data"]))

    async def async_step_reconfigure_tums(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Another API server for the same access key."""
        return await self._async_reconfigure(TUMS_SPEC, "reconfigure_tums", user_input)

    async def async_step_reauth_confirm_tums(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new secret key for the entry's access key."""
        return await self._async_reauth(TUMS_SPEC, "reauth_confirm_tums", user_input)

    # --- Xlink --------------------------------------------------------------------------------

    async def async_step_xlink(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """An Xlink account: login mode, credentials and the API server."""
        return await self._async_create(XLINK_SPEC, user_input, then=self._async_offer_xlink_split)

    async def _async_offer_xlink_split(self, result: ValidatedInput) -> ConfigFlowResult | None:
        """Past the entity budget, the split step; else None (one entry)."""
        if (plan := await xlink_plan_split(self.hass, result.data)) is None:
            return None
        self._split = (VENDOR_XLINK, result, plan)
        return await self.async_step_xlink_split()

    async def async_step_xlink_split(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Too many devices for one entry: one entry per group of products, or one anyway."""
        return await self._async_split("xlink_split", VENDOR_XLINK, user_input)

    async def async_step_reconfigure_xlink(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Another API server for the same account."""
        return await self._async_reconfigure(XLINK_SPEC, "reconfigure_xlink", user_input)

    async def async_step_reauth_confirm_xlink(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The current password of an enterprise member or an app user."""
        return await self._async_reauth(XLINK_SPEC, "reauth_confirm_xlink", user_input)

    async def async_step_reauth_confirm_xlink_access_key(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The current secret of an access key."""
        return await self._async_reauth(XLINK_SPEC, "reauth_confirm_xlink_access_key", user_input)

    # --- what the vendors' steps share --------------------------------------------------------

    async def _async_create(
        self,
        spec: VendorSpec,
        user_input: dict[str, Any] | None,
        then: Callable[[ValidatedInput], Awaitable[ConfigFlowResult | None]] | None = None,
    ) -> ConfigFlowResult:
        """Ask for the vendor's settings, test them, and create the entry.

        ``then`` may lead elsewhere once they are valid (a split), or None for the entry.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            if (known := spec.flow.known_unique_id(user_input)) is not None:
                await self.async_set_unique_id(known)
                self._abort_if_unique_id_configured()
                self._abort_if_stored_as(spec, known)
            if (account := spec.flow.known_account(user_input)) is not None:
                self._async_abort_entries_match({CONF_VENDOR: spec.key, **account})
            result = await self._async_validate(spec, user_input, errors)
            if result is not None:
                await self.async_set_unique_id(result.unique_id)
                self._abort_if_unique_id_configured()
                if then is not None and (step := await then(result)) is not None:
                    return step
                return self.async_create_entry(
                    title=result.title, data={CONF_VENDOR: spec.key, **result.data}
                )
        return self.async_show_form(
            step_id=spec.key,
            data_schema=self.add_suggested_values_to_schema(spec.flow.user_schema(), user_input),
            errors=errors,
            description_placeholders=dict(spec.flow.form_placeholders),
        )

    async def _async_reauth(
        self, spec: VendorSpec, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Ask for new credentials; the same account's are stored and the entry reloads."""
        entry = self._get_reauth_entry()
        schema = spec.flow.reauth_schema(entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            result = await self._async_validate(spec, {**entry.data, **user_input}, errors)
            if result is not None:
                await self.async_set_unique_id(result.unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data_updates=dict(result.data))
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={**spec.flow.form_placeholders, "name": entry.title},
        )

    async def _async_reconfigure(
        self, spec: VendorSpec, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Change the vendor's settings of the entry, tested like new ones."""
        entry = self._get_reconfigure_entry()
        schema = spec.flow.reconfigure_schema(entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _merged(entry.data, schema, user_input)
            result = await self._async_validate(spec, data, errors)
            if result is not None:
                if not spec.flow.unique_id_follows_settings:
                    await self.async_set_unique_id(result.unique_id)
                    self._abort_if_unique_id_mismatch(reason="wrong_account")
                elif result.unique_id != entry.unique_id:
                    # Ignored entries count too: a clash would only log at the registry.
                    await self.async_set_unique_id(result.unique_id)
                    self._abort_if_unique_id_configured()
                    self._abort_if_stored_as(spec, result.unique_id, entry.entry_id)
                # The title stays: the user may have renamed the entry.
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=result.unique_id,
                    data={**data, **result.data},
                )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema,
                # Stored secrets are never sent back to the browser.
                user_input
                or {key: value for key, value in entry.data.items() if key not in _secrets(schema)},
            ),
            errors=errors,
            description_placeholders=dict(spec.flow.form_placeholders),
        )

    def _abort_if_stored_as(
        self, spec: VendorSpec, unique_id: str, except_entry_id: str | None = None
    ) -> None:
        """Abort if another entry's stored settings give the same unique ID.

        An entry stored before its vendor's unique ID was made canonical (a gateway URL
        spelled another way) keeps its old unique ID; its data still names the account.
        """
        for entry in self._async_current_entries(include_ignore=False):
            if (
                entry.entry_id != except_entry_id
                and entry.data.get(CONF_VENDOR) == spec.key
                and spec.flow.known_unique_id(entry.data) == unique_id
            ):
                raise AbortFlow("already_configured")

    async def _async_validate(
        self, spec: VendorSpec, user_input: Mapping[str, Any], errors: dict[str, str]
    ) -> ValidatedInput | None:
        """The vendor's connection test; a problem goes into ``errors`` under its field."""
        try:
            return await spec.flow.async_validate(self.hass, user_input)
        except FlowValidationError as err:
            errors[err.field] = err.error
        return None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> CniotOptionsFlow:
        """Options: the polling interval and vendor extras."""
        return CniotOptionsFlow()


class CniotOptionsFlow(ApplianceOptionsFlow):
    """Polling interval and vendor-specific options; saving reloads the entry.

    Vendors whose devices report datapoints (a ``DatapointRuntime``) also let the user
    give one a unit or device class, or hide it: ``datapoint`` picks it,
    ``datapoint_settings`` sets it; ``appliance`` and the steps after it (inherited)
    make a product's datapoints one climate entity.
    """

    def __init__(self) -> None:
        # The datapoint being customised, chosen in the ``datapoint`` step.
        self._datapoint: str | None = None

    @property
    def _spec(self) -> VendorSpec:
        return VENDORS[self.config_entry.data[CONF_VENDOR]]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A menu where the vendor has datapoints to customise; else the settings form."""
        if issubclass(self._spec.runtime_factory, DatapointRuntime):
            return self.async_show_menu(
                step_id="init", menu_options=["settings", "datapoint", "appliance"]
            )
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
        return datapoint_choices(self.config_entry)


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
