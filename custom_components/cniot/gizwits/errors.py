"""How the Gizwits cloud's errors read in the shared error mapping."""

from __future__ import annotations

from typing import Final

from ..errors import VendorErrors
from .const import ERROR_API_SERVICE, ERROR_WHITELIST, TRANSLATED_CODES, VENDOR_GIZWITS

GIZWITS_ERRORS: Final = VendorErrors(
    vendor=VENDOR_GIZWITS,
    translated_codes=TRANSLATED_CODES,
    # Refusals the user fixes in the Gizwits console, not by typing other secrets.
    flow_codes={
        ERROR_WHITELIST: "ip_not_whitelisted",
        ERROR_API_SERVICE: "api_service_not_enabled",
    },
    flow_cannot_connect="gizwits_cannot_connect",
)
