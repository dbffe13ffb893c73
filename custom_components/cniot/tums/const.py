"""Constants of the TUMS vendor."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

# The vendor's key: its config-flow step, entry data and translation prefix.
VENDOR_TUMS: Final = "tums"

CONF_ACCESS_KEY: Final = "access_key"
CONF_SECRET_KEY: Final = "secret_key"  # noqa: S105
CONF_TERMINAL_ID: Final = "terminal_id"
CONF_APP_TYPE: Final = "app_type"
# An entry that is one part of a project application split by region (config flow):
# the region IDs it lists (its number is split.CONF_PART; 1 shows the overview).
CONF_REGIONS: Final = "regions"

DEFAULT_SCAN_INTERVAL: Final = 60
MIN_SCAN_INTERVAL: Final = 30

ISSUE_RESTRICTED: Final = "tums_restricted"
RESTRICTED_NAMES_SHOWN: Final = 5  # device names listed in the one restricted issue
ISSUE_API_DENIED: Final = "tums_api_denied"
ISSUE_PLAN_EXCEEDED: Final = "tums_plan_exceeded"
MANUFACTURER: Final = "TP-LINK"

# Polling tiers (issue: firmware every 6 h, 15 s while upgrading; solar 5 min; passenger flow 15 min).
FIRMWARE_CHECK_INTERVAL: Final = timedelta(hours=6)
FIRMWARE_FAST_INTERVAL: Final = timedelta(seconds=15)
SOLAR_INTERVAL: Final = timedelta(minutes=5)
PASSENGER_FLOW_INTERVAL: Final = timedelta(minutes=15)
# Storage and configuration change rarely, and cost several calls per camera.
SETTINGS_INTERVAL: Final = timedelta(minutes=30)
# Per-device tiers wake this often and read only the devices due, at most this
# share of a sweep (and at least SLICE_MIN_DEVICES): load spread, not bursts.
SLICE_TICK: Final = timedelta(seconds=30)
SLICE_MIN_DEVICES: Final = 10
# A wake-up reads this many devices at once when the client names no limit, and
# stops after a tick; a sweep with devices left over wakes again this soon.
SLICE_WIDTH: Final = 4
SLICE_BACKLOG: Final = timedelta(seconds=1)
# An HTTP-FLV URL lives 2 hours; renew it this long before.
FLV_LIFETIME: Final = timedelta(hours=2)
FLV_RENEW_MARGIN: Final = timedelta(minutes=10)

CONF_RTSP_TEMPLATE: Final = "rtsp_template"
CONF_RTSP_USERNAME: Final = "rtsp_username"
CONF_RTSP_PASSWORD: Final = "rtsp_password"  # noqa: S105
UPGRADE_TIMEOUT: Final = timedelta(minutes=30)
DEFAULT_NTP_SERVER: Final = "pool.ntp.org"
DEFAULT_REBOOT_TIME: Final = "03:00:00"
# TUMS regions become Home Assistant areas only when the user asks.
CONF_REGION_AREAS: Final = "region_areas"

# Real-time events (message push, 1.4.6).
CONF_PUSH: Final = "push"
CONF_DETECTION_RESET: Final = "detection_reset"
DEFAULT_DETECTION_RESET: Final = 30
# Kept in the entry's data: the webhook, the push-signing key, the URL subscribed.
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_PUSH_KEY: Final = "push_key"
CONF_PUSH_URL: Final = "push_url"
# A Home Assistant Cloud webhook URL created for the entry (users with a subscription).
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
ISSUE_PUSH_NO_URL: Final = "tums_push_no_url"
