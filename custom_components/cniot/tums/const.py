"""Constants of the TUMS vendor."""

from __future__ import annotations

from typing import Final

CONF_ACCESS_KEY: Final = "access_key"
CONF_SECRET_KEY: Final = "secret_key"  # noqa: S105
CONF_TERMINAL_ID: Final = "terminal_id"
CONF_APP_TYPE: Final = "app_type"

DEFAULT_SCAN_INTERVAL: Final = 60
MIN_SCAN_INTERVAL: Final = 30

ISSUE_RESTRICTED: Final = "tums_restricted"
MANUFACTURER: Final = "TP-LINK"
