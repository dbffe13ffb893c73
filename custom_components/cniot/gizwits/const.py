"""Constants of the Gizwits vendor."""

from __future__ import annotations

from typing import Final

# The vendor's key: its config-flow step, entry data and translation prefix.
VENDOR_GIZWITS: Final = "gizwits"

CONF_ENTERPRISE_ID: Final = "enterprise_id"
CONF_ENTERPRISE_SECRET: Final = "enterprise_secret"  # noqa: S105
CONF_PRODUCT_KEY: Final = "product_key"
CONF_PRODUCT_SECRET: Final = "product_secret"  # noqa: S105

DEFAULT_SCAN_INTERVAL: Final = 60
MIN_SCAN_INTERVAL: Final = 10
REPORT_INTERVAL: Final = 300

ISSUE_WHITELIST: Final = "gizwits_ip_whitelist"
ISSUE_REMOTE_CONTROL: Final = "gizwits_remote_control"
ISSUE_API_SERVICE: Final = "gizwits_api_service"
# The whitelist issue sends the user here to see the public IP address to add.
IP_LOOKUP_URL: Final = "https://ifconfig.me"
ERROR_WHITELIST: Final = 5012
ERROR_REMOTE_CONTROL: Final = 5404
ERROR_API_SERVICE: Final = 5007

TRANSLATED_CODES: Final = frozenset({5007, 5012, 5301, 5304, 5401, 5402, 5403, 5404, 5408})
