"""The fan platform: each entry's vendor provides the entities."""

from __future__ import annotations

from homeassistant.const import Platform

from .vendor import platform_setup_entry

# Writes go one at a time to spare the vendor APIs.
PARALLEL_UPDATES = 1

async_setup_entry = platform_setup_entry(Platform.FAN)
