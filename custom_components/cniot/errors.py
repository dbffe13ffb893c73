"""Turning client errors into translated Home Assistant errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .client.errors import (
    CniotAuthenticationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotRequestRefusedError,
    CniotVendorError,
)
from .const import DOMAIN


def translation_for(
    err: CniotError, vendor: str, translated_codes: Collection[int] = ()
) -> tuple[str, dict[str, str]]:
    """The translation key and placeholders that describe a client error."""
    if isinstance(err, CniotRequestRefusedError):
        return "request_refused", {"error": str(err)}
    if isinstance(err, CniotAuthenticationError):
        return "auth_failed", {}
    if isinstance(err, CniotRateLimitedError):
        return "rate_limited", {}
    if isinstance(err, CniotDeviceOfflineError):
        return "device_offline", {}
    if isinstance(err, CniotVendorError):
        if err.code in translated_codes:
            # TUMS codes are negative; translation keys take no minus sign.
            return f"{vendor}_error_{abs(err.code)}", {}
        return "vendor_error", {"code": str(err.code), "message": err.vendor_message}
    if isinstance(err, CniotConnectionError):
        return "communication_error", {"error": str(err)}
    if isinstance(err, CniotInvalidResponseError):
        return "invalid_response", {"error": str(err)}
    return "unknown_error", {"error": str(err)}


def to_ha_error(
    err: CniotError, vendor: str, translated_codes: Collection[int] = ()
) -> HomeAssistantError:
    """A translated HomeAssistantError for a failed call."""
    key, placeholders = translation_for(err, vendor, translated_codes)
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def async_translated[T](
    hass: HomeAssistant,
    entry: ConfigEntry,
    call: Awaitable[T],
    vendor: str,
    translated_codes: Collection[int] = (),
    reauth: Callable[[CniotAuthenticationError], bool] = lambda _: True,
) -> T:
    """Await one client call; its errors become translated ones, refused logins reauth."""
    try:
        return await call
    except CniotAuthenticationError as err:
        if reauth(err):
            entry.async_start_reauth(hass)
        raise to_ha_error(err, vendor) from err
    except CniotError as err:
        raise to_ha_error(err, vendor, translated_codes) from err
