"""Constants of the cniot integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "cniot"
LOGGER = logging.getLogger(__package__)

CONF_VENDOR: Final = "vendor"
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_URL: Final = "url"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"  # noqa: S105
# Options of the datapoint vendors: {datapoint key: {"unit", "device_class", "hidden"}}.
CONF_DATAPOINTS: Final = "datapoints"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DEVICE_ID: Final = "device_id"

# Fired on the bus for each real-time device event a vendor pushes.
EVENT_CNIOT: Final = "cniot_event"
