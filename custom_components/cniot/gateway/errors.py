"""How the gateway backend's errors read in the shared error mapping."""

from __future__ import annotations

from typing import Final

from ..errors import VendorErrors
from .const import TRANSLATED_CODES, VENDOR_GATEWAY

GATEWAY_ERRORS: Final = VendorErrors(vendor=VENDOR_GATEWAY, translated_codes=TRANSLATED_CODES)
