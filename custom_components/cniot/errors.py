"""One mapping of client errors to what Home Assistant shows, for every vendor.

The client exception hierarchy (``client/errors.py``) decides the kind of error;
a vendor's ``VendorErrors`` adds only its data: which codes have their own text,
which codes mean something the user fixes in the form, and which refused logins
need new credentials. The config flow, the coordinators and the actions all map
through here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed

from .client.errors import (
    CniotAuthenticationError,
    CniotCertificateError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotRequestRefusedError,
    CniotSslError,
    CniotVendorError,
)
from .const import DOMAIN


def _always(_err: CniotAuthenticationError) -> bool:
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorErrors:
    """What one vendor adds to the shared error mapping."""

    # Prefix of the translation keys of its codes: ``{vendor}_error_{code}``.
    vendor: str
    # Vendor codes with a translated message of their own.
    translated_codes: Collection[int] = frozenset()
    # Config-flow error keys of vendor codes the user fixes outside the form.
    flow_codes: Mapping[int, str] = field(default_factory=dict)
    # Config-flow error key of any other vendor refusal.
    flow_vendor_error: str = "unknown"
    # Config-flow error key of an unreachable server, in the vendor's own words.
    flow_cannot_connect: str = "cannot_connect"
    # Whether a refused login needs new credentials (not a bad clock, say).
    needs_reauth: Callable[[CniotAuthenticationError], bool] = _always

    def translation(self, err: CniotError) -> tuple[str, dict[str, str]]:
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
            if err.code in self.translated_codes:
                # Translation keys take no minus sign; some vendors' codes are negative.
                return f"{self.vendor}_error_{abs(err.code)}", {}
            return "vendor_error", {"code": str(err.code), "message": err.vendor_message}
        if isinstance(err, CniotCertificateError):
            return "certificate_error", {"reason": err.reason}
        if isinstance(err, CniotSslError):
            return "ssl_error", {"error": str(err)}
        if isinstance(err, CniotConnectionError):
            return "communication_error", {"error": str(err)}
        if isinstance(err, CniotInvalidResponseError):
            return "invalid_response", {"error": str(err)}
        return "unknown_error", {"error": str(err)}

    def flow_error(self, err: CniotError) -> str:
        """The config-flow error key (``config.error``) of a failed validation call."""
        if isinstance(err, CniotAuthenticationError):
            return "invalid_auth"
        if isinstance(err, CniotRateLimitedError):
            return "rate_limited"
        if isinstance(err, CniotVendorError):
            return self.flow_codes.get(err.code, self.flow_vendor_error)
        if isinstance(err, CniotCertificateError):
            return "certificate_error"
        if isinstance(err, CniotSslError):
            return "ssl_error"
        if isinstance(err, CniotConnectionError):
            return self.flow_cannot_connect
        if isinstance(err, CniotInvalidResponseError):
            return "invalid_response"
        return "unknown"

    def update_error(self, err: CniotError) -> UpdateFailed | ConfigEntryAuthFailed:
        """What a coordinator raises for a failed fetch: reauth, or a translated failure."""
        if isinstance(err, CniotAuthenticationError) and self.needs_reauth(err):
            return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="auth_failed")
        key, placeholders = self.translation(err)
        retry_after = err.retry_after if isinstance(err, CniotRateLimitedError) else None
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
            retry_after=retry_after,
        )

    def action_error(self, err: CniotError) -> HomeAssistantError:
        """A translated HomeAssistantError for a failed action or control."""
        key, placeholders = self.translation(err)
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
        )

    def action_failure(
        self, hass: HomeAssistant, entry: ConfigEntry, err: CniotError
    ) -> HomeAssistantError:
        """``action_error``, after starting reauthentication where the login was refused."""
        if isinstance(err, CniotAuthenticationError) and self.needs_reauth(err):
            entry.async_start_reauth(hass)
        return self.action_error(err)

    async def async_guard[T](
        self, hass: HomeAssistant, entry: ConfigEntry, call: Awaitable[T]
    ) -> T:
        """Await one client call for an action, mapping its failure (``action_failure``)."""
        try:
            return await call
        except CniotError as err:
            raise self.action_failure(hass, entry, err) from err


def raise_entry_issue(
    hass: HomeAssistant,
    entry: ConfigEntry,
    issue: str,
    *,
    warning: bool = False,
    placeholders: Mapping[str, str] | None = None,
) -> None:
    """A repair issue of one entry, which the user fixes at the vendor (not fixable here)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{issue}_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING if warning else ir.IssueSeverity.ERROR,
        translation_key=issue,
        translation_placeholders={"name": entry.title, **(placeholders or {})},
    )


def clear_entry_issues(hass: HomeAssistant, entry: ConfigEntry, *issues: str) -> None:
    """Delete an entry's repair issues, once what they reported works again."""
    for issue in issues:
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry.entry_id}")
