"""The registry of vendors this integration supports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .gateway.vendor import GATEWAY_SPEC
from .gizwits.vendor import GIZWITS_SPEC
from .tums.vendor import TUMS_SPEC
from .vendor import VendorSpec
from .xlink.vendor import XLINK_SPEC

VENDORS: Final[Mapping[str, VendorSpec]] = {
    spec.key: spec for spec in (GATEWAY_SPEC, GIZWITS_SPEC, TUMS_SPEC, XLINK_SPEC)
}
