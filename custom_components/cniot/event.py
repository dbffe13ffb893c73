"""The event platform: each entry's vendor provides the entities."""

from __future__ import annotations

from homeassistant.const import Platform

from .vendor import platform_setup_entry

# Push-driven: entities never poll on their own.
PARALLEL_UPDATES = 0

async_setup_entry = platform_setup_entry(Platform.EVENT)
