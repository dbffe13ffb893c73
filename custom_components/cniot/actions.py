"""Shared plumbing for actions: translated validation, typed target lookup, registration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_register_admin_service
from homeassistant.helpers.translation import async_get_translations
import voluptuous as vol

from .const import CONF_VENDOR, DOMAIN
from .vendor import CniotConfigEntry, VendorRuntime, entry_runtime


class TranslatedInvalid(vol.Invalid):
    """A validation failure with its own translated message."""

    def __init__(self, translation_key: str, message: str | None = None) -> None:
        super().__init__(message or translation_key)
        # Not ``translation_key``: a read-only property of probatio's Invalid, which
        # current Home Assistant installs in place of voluptuous.
        self.error_key = translation_key


def validate(schema: vol.Schema, data: Any, labels: Mapping[str, str] | None = None) -> Any:
    """Validate an action's data; the first failure as a translated error.

    Home Assistant would re-raise a registered schema's ``vol.Invalid`` untranslated,
    so actions register without one and validate here, in the handler. ``labels``
    name the fields as the action's form does.
    """
    try:
        return schema(data)
    except vol.MultipleInvalid as err:
        raise _translate(err.errors[0], labels or {}) from err
    except vol.Invalid as err:
        raise _translate(err, labels or {}) from err


async def async_field_labels(hass: HomeAssistant, action: str) -> dict[str, str]:
    """The translated names of an action's fields, in Home Assistant's language."""
    strings = await async_get_translations(hass, hass.config.language, "services", {DOMAIN})
    prefix = f"component.{DOMAIN}.services.{action}.fields."
    return {
        key.removeprefix(prefix).removesuffix(".name"): text
        for key, text in strings.items()
        if key.startswith(prefix) and key.endswith(".name")
    }


def _translate(err: vol.Invalid, labels: Mapping[str, str]) -> ServiceValidationError:
    parts = [str(part) for part in err.path]
    field = "-"
    if parts:
        # Named as the form shows it; an item of a list keeps its position.
        field = " ".join([labels.get(parts[0], parts[0]), *parts[1:]])
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

    def check_text(value: Any) -> Any:
        if not isinstance(value, str):
            raise TranslatedInvalid(translation_key)
        try:
            return check(value)
        except ValueError as err:
            raise TranslatedInvalid(translation_key) from err

    return check_text


def _entry(hass: HomeAssistant, entry_id: str, vendor: str) -> CniotConfigEntry:
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


def loaded_runtime[R: VendorRuntime](hass: HomeAssistant, entry_id: str, runtime_cls: type[R]) -> R:
    """The runtime of a loaded entry of the runtime's vendor."""
    entry = _entry(hass, entry_id, runtime_cls.vendor)
    runtime = entry_runtime(entry, runtime_cls)
    if runtime is None:  # set up, but not (yet) with this vendor's runtime
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return runtime


def device_and_runtime[R: VendorRuntime](
    hass: HomeAssistant, device_id: str, runtime_cls: type[R]
) -> tuple[dr.DeviceEntry, R]:
    """A device of this integration and the runtime of the loaded entry that owns it."""
    device = dr.async_get(hass).async_get(device_id)
    if not isinstance(device, dr.DeviceEntry):  # unknown, or a child device (2026.10 on)
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="device_not_found",
            translation_placeholders={"device_id": device_id},
        )
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is not None and entry.domain == DOMAIN:
        return device, loaded_runtime(hass, entry.entry_id, runtime_cls)
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="device_not_found",
        translation_placeholders={"device_id": device_id},
    )


def device_target[R: VendorRuntime, K](
    hass: HomeAssistant,
    device_id: str,
    runtime_cls: type[R],
    key_of: Callable[[R, dr.DeviceEntry], K | None],
) -> tuple[R, K]:
    """The runtime owning a device and the vendor's key for it (serial, did, …).

    A device of the entry that the vendor no longer lists is refused like an unknown one.
    """
    device, runtime = device_and_runtime(hass, device_id, runtime_cls)
    key = key_of(runtime, device)
    if key is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="device_not_found",
            translation_placeholders={"device_id": device_id},
        )
    return runtime, key


type ActionHandler = Callable[[HomeAssistant, ServiceCall], Awaitable[ServiceResponse | None]]


# What admin actions register with Home Assistant: the handler validates.
_UNCHECKED = vol.Schema({}, extra=vol.ALLOW_EXTRA)


def async_register_actions(
    hass: HomeAssistant,
    actions: Mapping[str, tuple[vol.Schema, ActionHandler, SupportsResponse]],
    read_only: Collection[str] = (),
) -> None:
    """Register a vendor's actions under the integration's domain.

    Every action is for administrators only (Home Assistant refuses other users before
    the data is looked at), except those named in ``read_only``: actions that change
    nothing in the cloud, the backend or a device and hand out no credential or stream.
    """
    for name, (schema, handler, supports_response) in actions.items():

        async def _call(
            call: ServiceCall, schema: vol.Schema = schema, handler: ActionHandler = handler
        ) -> ServiceResponse:
            try:
                data = schema(dict(call.data))
            except vol.Invalid as err:
                first = err.errors[0] if isinstance(err, vol.MultipleInvalid) else err
                labels = await async_field_labels(hass, call.service)
                raise _translate(first, labels) from err
            checked = ServiceCall(
                hass, call.domain, call.service, data, call.context, call.return_response
            )
            return await handler(hass, checked)

        if name not in read_only:
            async_register_admin_service(
                hass, DOMAIN, name, _call, schema=_UNCHECKED, supports_response=supports_response
            )
        else:
            hass.services.async_register(DOMAIN, name, _call, supports_response=supports_response)
