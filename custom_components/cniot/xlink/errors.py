"""How the Xlink cloud's errors read in the shared error mapping."""

from __future__ import annotations

from typing import Final

from ..errors import VendorErrors
from .client import LOCKED_CODES, PERMISSION_CODES
from .const import TRANSLATED_CODES, VENDOR_XLINK

XLINK_ERRORS: Final = VendorErrors(
    vendor=VENDOR_XLINK,
    translated_codes=TRANSLATED_CODES,
    flow_codes={
        **dict.fromkeys(PERMISSION_CODES, "permission_denied"),
        **dict.fromkeys(LOCKED_CODES, "account_locked"),
    },
    flow_cannot_connect="xlink_cannot_connect",
)
