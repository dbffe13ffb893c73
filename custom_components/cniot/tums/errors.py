"""How the TUMS cloud's errors read in the shared error mapping."""

from __future__ import annotations

from typing import Final

from ..client.errors import CniotAuthenticationError
from ..errors import VendorErrors
from .client_core import ERROR_ACCESS_DENIED, REAUTH_ERRORS, TRANSLATED_CODES
from .const import VENDOR_TUMS


def _needs_reauth(err: CniotAuthenticationError) -> bool:
    # Only an unknown or revoked key (not a bad signature or clock) needs new credentials.
    return err.code in REAUTH_ERRORS


TUMS_ERRORS: Final = VendorErrors(
    vendor=VENDOR_TUMS,
    translated_codes=TRANSLATED_CODES,
    flow_codes={ERROR_ACCESS_DENIED: "api_not_permitted"},
    # Any other refusal of the validation call means the server is not the TUMS cloud.
    flow_vendor_error="invalid_response",
    flow_cannot_connect="tums_cannot_connect",
    needs_reauth=_needs_reauth,
)
