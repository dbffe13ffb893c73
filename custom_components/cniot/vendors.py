"""The registry of vendors this integration supports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .const import VENDOR_GATEWAY, VENDOR_GIZWITS, VENDOR_TUMS, VENDOR_XLINK
from .gateway.vendor import GATEWAY_SPEC
from .gizwits.vendor import GIZWITS_SPEC
from .tums.vendor import TUMS_SPEC
from .vendor import VendorSpec
from .xlink.vendor import XLINK_SPEC

VENDORS: Final[Mapping[str, VendorSpec]] = {
    VENDOR_GATEWAY: GATEWAY_SPEC,
    VENDOR_GIZWITS: GIZWITS_SPEC,
    VENDOR_TUMS: TUMS_SPEC,
    VENDOR_XLINK: XLINK_SPEC,
}
