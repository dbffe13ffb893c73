"""The registry of vendors this integration supports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .const import VENDOR_GATEWAY
from .gateway.vendor import GATEWAY_SPEC
from .vendor import VendorSpec

VENDORS: Final[Mapping[str, VendorSpec]] = {
    VENDOR_GATEWAY: GATEWAY_SPEC,
}
