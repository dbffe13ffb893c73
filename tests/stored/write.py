"""Write this release's stored entries: ``tests/stored/<CNIOT_WRITE_STORED>.json``.

Run by hand when a release changes what it stores, never in the suite:
``CNIOT_WRITE_STORED=<version> .venv/bin/python -m pytest -p no:cacheprovider tests/stored/write.py``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from tests.stored.entries import ENTRIES
from tests.test_stored_entries import STORED, registered, stored_entry, urls

__all__ = ["urls"]  # the simulators' fixture, used by name

SAMPLE = 6  # unique IDs and identifiers kept per vendor, spread over the sorted list


def _spread(values: list[str]) -> list[str]:
    """Up to SAMPLE values spread over the sorted list (first and last included)."""
    ordered = sorted(values)
    if len(ordered) <= SAMPLE:
        return ordered
    step = (len(ordered) - 1) / (SAMPLE - 1)
    return [ordered[round(i * step)] for i in range(SAMPLE)]


async def test_write_stored_file(hass: HomeAssistant, urls: dict[str, str]) -> None:
    """Write ``tests/stored/<CNIOT_WRITE_STORED>.json`` from the entries in ``ENTRIES``."""
    out: dict[str, Any] = {}
    for vendor, stored in ENTRIES.items():
        entry = stored_entry(stored, urls[vendor])
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.state is ConfigEntryState.LOADED
        unique_ids, identifiers = registered(hass, entry.entry_id)
        out[vendor] = {
            "entry": stored,
            "unique_ids": _spread(list(unique_ids)),
            "identifiers": _spread(list(identifiers)),
        }
    path = STORED / f"{os.environ['CNIOT_WRITE_STORED']}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
