"""Constants of the Xlink vendor."""

from __future__ import annotations

from typing import Final

# The vendor's key: its config-flow step, entry data and translation prefix.
VENDOR_XLINK: Final = "xlink"

CONF_MODE: Final = "mode"
CONF_LOGIN: Final = "login"
CONF_CORP_ID: Final = "corp_id"
CONF_TOKENS: Final = "tokens"
CONF_PRODUCTS: Final = "products"

MODE_CORP: Final = "corp"
MODE_ACCESS_KEY: Final = "accesskey"
MODE_USER: Final = "user"
MODES: Final = (MODE_CORP, MODE_ACCESS_KEY, MODE_USER)

# No rate limit is documented: poll conservatively.
DEFAULT_SCAN_INTERVAL: Final = 60
MIN_SCAN_INTERVAL: Final = 15

ISSUE_LOCKED: Final = "xlink_account_locked"
ISSUE_PERMISSION: Final = "xlink_permission"

# Vendor codes with their own translated message.
# (Offline and missing devices share the integration's device_offline message.)
TRANSLATED_CODES: Final = frozenset({4031006})
