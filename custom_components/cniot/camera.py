"""The camera platform: each entry's vendor provides the entities."""

from __future__ import annotations

from homeassistant.const import Platform

from .vendor import platform_setup_entry

# Entity updates and service calls go one at a time. This does not cover
# stream_source(), which Home Assistant calls outside the platform semaphore.
PARALLEL_UPDATES = 1

async_setup_entry = platform_setup_entry(Platform.CAMERA)
