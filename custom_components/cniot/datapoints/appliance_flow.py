"""Options steps for appliance entities: accept, decline or hand-map a product's climate or fan.

``appliance`` picks the product (skipped when the entry has one), ``appliance_kind`` the
kind of entity; ``climate``/``fan`` show the proposal and what is in effect and take the
decision, ``climate_manual``/``fan_manual`` map each role to one of the product's
datapoints that fits it. Saving reloads the entry; its setup removes the entities the
decision made redundant.
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
    KEEP,
    KIND_CLIMATE,
    KIND_FAN,
    ROLES,
    fits,
    problem,
    propose,
    setting_in_effect,
    stored_setting,
    with_setting,
)
from .describe import Point
from .runtime import DatapointRuntime

CHOICE_PROPOSAL: Final = "proposal"
CHOICE_MANUAL: Final = "manual"
CHOICE_NONE: Final = "none"
CHOICE_SELECTOR: Final = "appliance_choice"  # translations: selector.appliance_choice.options


def _runtime(entry: Any) -> DatapointRuntime | None:
    runtime = getattr(entry, "runtime_data", None)
    if entry.state is not ConfigEntryState.LOADED or not isinstance(runtime, DatapointRuntime):
        return None
    return runtime


def _describe(kind: str, setting: Mapping[str, Any] | None, points: Sequence[Point]) -> str:
    """A mapping as lines of ``role: datapoint`` for a form's description."""
    if not setting:
        return "-"
    labels = {point.option: point.label for point in points}
    lines = [
        f"- {role}: {labels.get(setting[role], setting[role])}"
        for role in ROLES[kind]
        if setting.get(role)
    ]
    return "\n".join(lines) or "-"


class ApplianceOptionsFlow(OptionsFlowWithReload):
    """The appliance steps of the options flow (a separate class: the flow inherits it)."""

    _product: str | None = None
    _kind: str = KIND_CLIMATE

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
        """Pick the product (one product: straight on), then the kind of entity."""
        if (products := self._products()) is None:
            return self.async_abort(reason="not_loaded")
        if user_input is not None or len(products) == 1:
            chosen = str(user_input["product"]) if user_input else next(iter(products))
            self._product = chosen
            return await self.async_step_appliance_kind()
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

    async def async_step_appliance_kind(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Climate or fan, for the chosen product."""
        products = self._products()
        if products is None or self._product not in products:
            return self.async_abort(reason="not_loaded")
        return self.async_show_menu(
            step_id="appliance_kind",
            menu_options=[KIND_CLIMATE, KIND_FAN],
            description_placeholders={"product": products[self._product][0]},
        )

    async def async_step_climate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Accept the climate proposal, decline it, or go on to map it by hand."""
        self._kind = KIND_CLIMATE
        return await self._async_decide(user_input)

    async def async_step_fan(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Accept the fan proposal, decline it, or go on to map it by hand."""
        self._kind = KIND_FAN
        return await self._async_decide(user_input)

    async def async_step_climate_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Map each part of the climate to a datapoint."""
        return await self._async_map(user_input)

    async def async_step_fan_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Map each part of the fan to a datapoint."""
        return await self._async_map(user_input)

    async def _async_decide(self, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        """The proposal, what is in effect, and the choice between them."""
        products = self._products()
        if products is None or self._product not in products:
            return self.async_abort(reason="not_loaded")
        product, kind = self._product, self._kind
        name, points = products[product]
        options = self.config_entry.options
        proposal = propose(kind, points)
        in_effect = setting_in_effect(kind, options, product, points)
        choices = [CHOICE_MANUAL, CHOICE_NONE]
        if proposal is not None:
            choices.insert(0, CHOICE_PROPOSAL)
        if user_input is not None:
            choice = user_input["choice"]
            if choice == CHOICE_MANUAL:
                return await self._async_map(None)
            setting: dict[str, Any] | None = None
            if choice == CHOICE_PROPOSAL and proposal is not None:
                setting = {**proposal, KEEP: bool(user_input.get(KEEP))}
            return self.async_create_entry(data=with_setting(options, product, kind, setting))
        decided, _stored = stored_setting(options, product, kind)
        if not in_effect:
            current = CHOICE_NONE
        elif decided and _without_keep(in_effect) != proposal:
            current = CHOICE_MANUAL
        else:
            current = CHOICE_PROPOSAL
        schema = vol.Schema(
            {
                vol.Required("choice"): SelectSelector(
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
            step_id=kind,
            data_schema=self.add_suggested_values_to_schema(
                schema,
                {"choice": current, KEEP: bool(in_effect and in_effect.get(KEEP))},
            ),
            description_placeholders={
                "product": name,
                "proposal": _describe(kind, proposal, points),
                "current": _describe(kind, in_effect, points),
            },
        )

    async def _async_map(self, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        """Each role to a datapoint that fits it; empty roles are left out."""
        products = self._products()
        if products is None or self._product not in products:
            return self.async_abort(reason="not_loaded")
        product, kind = self._product, self._kind
        name, points = products[product]
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            setting: dict[str, Any] = {
                role: str(user_input[role]) for role in ROLES[kind] if user_input.get(role)
            }
            if (found := problem(kind, setting, points)) is not None:
                errors["base"] = found
            else:
                setting[KEEP] = bool(user_input.get(KEEP))
                return self.async_create_entry(data=with_setting(options, product, kind, setting))
        fields: dict[vol.Marker, Any] = {}
        for role in ROLES[kind]:
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
            else dict(
                setting_in_effect(kind, options, product, points) or propose(kind, points) or {}
            )
        )
        return self.async_show_form(
            step_id=f"{kind}_manual",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), suggested),
            errors=errors,
            description_placeholders={"product": name},
        )


def _without_keep(setting: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in setting.items() if key != KEEP}
