"""The update platform: each entry's vendor provides the entities."""

from __future__ import annotations

from homeassistant.const import Platform

from .vendor import platform_setup_entry

# No limit: an install waits up to 30 minutes for its outcome, and a semaphore would
# queue every other device's install behind it. State comes from coordinators.
PARALLEL_UPDATES = 0

async_setup_entry = platform_setup_entry(Platform.UPDATE)
