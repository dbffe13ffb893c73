"""Turning client errors into translated Home Assistant errors."""

from __future__ import annotations

from collections.abc import Collection

from homeassistant.exceptions import HomeAssistantError

from .client.errors import (
    CniotAuthenticationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotVendorError,
)
from .const import DOMAIN


def translation_for(
    err: CniotError, vendor: str, translated_codes: Collection[int] = ()
) -> tuple[str, dict[str, str]]:
    """The translation key and placeholders that describe a client error."""
    if isinstance(err, CniotAuthenticationError):
        return "auth_failed", {}
    if isinstance(err, CniotRateLimitedError):
        return "rate_limited", {}
    if isinstance(err, CniotDeviceOfflineError):
        return "device_offline", {}
    if isinstance(err, CniotVendorError):
        if err.code in translated_codes:
            return f"{vendor}_error_{err.code}", {}
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
