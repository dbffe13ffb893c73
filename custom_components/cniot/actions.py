"""Shared plumbing for actions: translated validation and target lookup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr

from .compat import entry_ids, main_device, vol
from .const import CONF_VENDOR, DOMAIN
from .vendor import CniotConfigEntry


class TranslatedInvalid(vol.Invalid):
    """A validation failure with its own translated message."""

    def __init__(self, translation_key: str, message: str | None = None) -> None:
        super().__init__(message or translation_key)
        # Not ``translation_key``: a read-only property of probatio's Invalid, which
        # current Home Assistant installs in place of voluptuous.
        self.error_key = translation_key


class ActionSchema(vol.Schema):
    """A schema whose failures surface as translated ``ServiceValidationError``s.

    Home Assistant re-raises a schema's ``vol.Invalid`` untranslated; raising our
    own error from the schema gives the user a message in their language.
    """

    def __call__(self, data: Any, **kwargs: Any) -> Any:
        """Validate, translating the first failure."""
        try:
            return super().__call__(data, **kwargs)
        except vol.MultipleInvalid as err:
            raise _translate(err.errors[0]) from err
        except vol.Invalid as err:
            raise _translate(err) from err


def _translate(err: vol.Invalid) -> ServiceValidationError:
    field = ".".join(str(part) for part in err.path) or "-"
    if isinstance(err, TranslatedInvalid):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=err.error_key,
            translation_placeholders={"field": field},
        )
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="invalid_action_input",
        translation_placeholders={"field": field, "error": err.error_message},
    )


def validator(translation_key: str, check: Any) -> Any:
    """Wrap a ``check(value) -> value`` raising ValueError into a translated validator."""

    def validate(value: Any) -> Any:
        if not isinstance(value, str):
            raise TranslatedInvalid(translation_key)
        try:
            return check(value)
        except ValueError as err:
            raise TranslatedInvalid(translation_key) from err

    return validate


def loaded_entry(hass: HomeAssistant, entry_id: str, vendor: str) -> CniotConfigEntry:
    """The loaded entry of the given vendor, or a translated validation error."""
    entry: CniotConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.data.get(CONF_VENDOR) != vendor:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="wrong_vendor",
            translation_placeholders={"name": entry.title, "vendor": vendor},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return entry


def device_and_entry(
    hass: HomeAssistant, device_id: str, vendor: str
) -> tuple[dr.DeviceEntry, CniotConfigEntry]:
    """A device of this integration and the loaded vendor entry that owns it."""
    device = main_device(dr.async_get(hass), device_id)
    if device is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="device_not_found",
            translation_placeholders={"device_id": device_id},
        )
    for entry_id in sorted(entry_ids(device)):  # deterministic where several own it
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is not None and entry.domain == DOMAIN:
            return device, loaded_entry(hass, entry_id, vendor)
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="device_not_found",
        translation_placeholders={"device_id": device_id},
    )


type ActionHandler = Callable[[HomeAssistant, ServiceCall], Awaitable[ServiceResponse | None]]


def async_register_actions(
    hass: HomeAssistant,
    actions: Mapping[str, tuple[vol.Schema, ActionHandler, SupportsResponse]],
) -> None:
    """Register a vendor's actions under the integration's domain."""
    for name, (schema, handler, supports_response) in actions.items():

        async def _call(call: ServiceCall, handler: ActionHandler = handler) -> ServiceResponse:
            return await handler(hass, call)

        hass.services.async_register(
            DOMAIN, name, _call, schema=schema, supports_response=supports_response
        )
