"""Options steps for appliance entities: accept, decline or hand-map a product's climate.

``appliance`` picks the product (skipped when the entry has one), ``climate`` shows
the proposal and what is in effect and takes the decision, ``climate_manual`` maps
each role to one of the product's datapoints that fits it. Saving reloads the entry;
its setup removes the entities the decision made redundant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from .appliances import (
    CLIMATE_ROLES,
    KEEP,
    ClimateSetting,
    climate_problem,
    climate_setting,
    fits,
    propose_climate,
    stored_climate,
    with_climate,
)
from .describe import Point
from .runtime import DatapointRuntime

CHOICE_PROPOSAL: Final = "proposal"
CHOICE_MANUAL: Final = "manual"
CHOICE_NONE: Final = "none"
CHOICE_SELECTOR: Final = "climate_choice"  # translations: selector.climate_choice.options


def _runtime(entry: Any) -> DatapointRuntime | None:
    runtime = getattr(entry, "runtime_data", None)
    if entry.state is not ConfigEntryState.LOADED or not isinstance(runtime, DatapointRuntime):
        return None
    return runtime


def _describe(setting: Mapping[str, Any] | None, points: Sequence[Point]) -> str:
    """A mapping as lines of ``role: datapoint`` for a form's description."""
    if not setting:
        return "-"
    labels = {point.option: point.label for point in points}
    lines = [
        f"- {role}: {labels.get(setting[role], setting[role])}"
        for role in CLIMATE_ROLES
        if setting.get(role)
    ]
    return "\n".join(lines) or "-"


class ApplianceOptionsFlow(OptionsFlowWithReload):
    """The appliance steps of the options flow (a separate class: the flow inherits it)."""

    _product: str | None = None

    def _products(self) -> dict[str, tuple[str, Sequence[Point]]] | None:
        """The loaded entry's products: name and datapoints; None while not loaded."""
        if (runtime := _runtime(self.config_entry)) is None:
            return None
        return {
            product: (runtime.product_name(product), points)
            for product, points in runtime.points().items()
        }

    async def async_step_appliance(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the product whose climate to decide on (one product: straight to it)."""
        if (products := self._products()) is None:
            return self.async_abort(reason="not_loaded")
        if user_input is not None or len(products) == 1:
            chosen = str(user_input["product"]) if user_input else next(iter(products))
            self._product = chosen
            return await self.async_step_climate()
        options = [
            SelectOptionDict(value=product, label=name)
            for product, (name, _points) in sorted(products.items(), key=lambda i: i[1][0])
        ]
        return self.async_show_form(
            step_id="appliance",
            data_schema=vol.Schema(
                {
                    vol.Required("product"): SelectSelector(
                        SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
                    )
                }
            ),
        )

    async def async_step_climate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Accept the proposal, decline a climate, or go on to map it by hand."""
        products = self._products()
        if products is None or self._product not in products:
            return self.async_abort(reason="not_loaded")
        product = self._product
        name, points = products[product]
        options = self.config_entry.options
        proposal = propose_climate(points)
        in_effect = climate_setting(options, product, points)
        choices = [CHOICE_MANUAL, CHOICE_NONE]
        if proposal is not None:
            choices.insert(0, CHOICE_PROPOSAL)
        if user_input is not None:
            choice = user_input["climate"]
            keep = bool(user_input.get(KEEP))
            if choice == CHOICE_MANUAL:
                return await self.async_step_climate_manual()
            setting: ClimateSetting | None = None
            if choice == CHOICE_PROPOSAL and proposal is not None:
                setting = ClimateSetting(**proposal, keep=keep)
            return self.async_create_entry(data=with_climate(options, product, setting))
        decided, _stored = stored_climate(options, product)
        if not in_effect:
            current = CHOICE_NONE
        elif decided and _without_keep(in_effect) != proposal:
            current = CHOICE_MANUAL
        else:
            current = CHOICE_PROPOSAL
        schema = vol.Schema(
            {
                vol.Required("climate"): SelectSelector(
                    SelectSelectorConfig(
                        options=choices,
                        mode=SelectSelectorMode.LIST,
                        translation_key=CHOICE_SELECTOR,
                    )
                ),
                vol.Optional(KEEP, default=False): BooleanSelector(),
            }
        )
        return self.async_show_form(
            step_id="climate",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                {"climate": current, KEEP: bool(in_effect and in_effect.get(KEEP))},
            ),
            description_placeholders={
                "product": name,
                "proposal": _describe(proposal, points),
                "current": _describe(in_effect, points),
            },
        )

    async def async_step_climate_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Map each role to a datapoint that fits it; empty roles are left out."""
        products = self._products()
        if products is None or self._product not in products:
            return self.async_abort(reason="not_loaded")
        product = self._product
        name, points = products[product]
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            setting = ClimateSetting()
            for role in CLIMATE_ROLES:
                if value := user_input.get(role):
                    setting[role] = str(value)
            if (problem := climate_problem(setting, points)) is not None:
                errors["base"] = problem
            else:
                setting[KEEP] = bool(user_input.get(KEEP))
                return self.async_create_entry(data=with_climate(options, product, setting))
        fields: dict[vol.Marker, Any] = {}
        for role in CLIMATE_ROLES:
            fitting = [
                SelectOptionDict(value=point.option, label=point.label)
                for point in points
                if fits(role, point)
            ]
            if fitting:
                fields[vol.Optional(role)] = SelectSelector(
                    SelectSelectorConfig(options=fitting, mode=SelectSelectorMode.DROPDOWN)
                )
        fields[vol.Optional(KEEP, default=False)] = BooleanSelector()
        suggested = (
            user_input
            if user_input is not None and errors
            else dict(climate_setting(options, product, points) or propose_climate(points) or {})
        )
        return self.async_show_form(
            step_id="climate_manual",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), suggested),
            errors=errors,
            description_placeholders={"product": name},
        )


def _without_keep(setting: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in setting.items() if key != KEEP}
