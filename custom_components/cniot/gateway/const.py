"""Constants of the gateway vendor."""

from __future__ import annotations

from typing import Final

# The vendor's key: its config-flow step, entry data and translation prefix.
VENDOR_GATEWAY: Final = "gateway"

CONF_SET_PATH: Final = "set_path"
DEFAULT_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 10

# Vendor codes with their own translated message; others use the generic one.
TRANSLATED_CODES: Final = frozenset(
    {7001, 7002, 7003, 7004, 7005, 7006, 7007, 7008, 7009, 7010, 7011}
)

ISSUE_SET_PATH = "gateway_set_path_not_found"
