"""Entries as a released version stored them still load, with the registry IDs they had.

``tests/stored/<version>.json`` holds, per vendor, a config entry exactly as that release
wrote it to ``core.config_entries`` (the server's URL as ``{url}``), and a sample of the
entity unique IDs and device identifiers it registered. A change to stored data or to an
ID scheme without a migration fails here. Each release adds its own file and keeps the
older ones: ``CNIOT_WRITE_STORED=<version> .venv/bin/python -m pytest tests/stored/write.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.config_flow import CniotConfigFlow
from custom_components.cniot.const import DOMAIN
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario
from simulator.gizwits import GizwitsSimulator
from simulator.tums import TumsSimulator
from simulator.xlink import XlinkSimulator
from tests.conftest import SIM_EPOCH

STORED = Path(__file__).parent / "stored"
RELEASES = sorted(path.stem for path in STORED.glob("*.json"))

SIMULATORS: dict[str, Callable[[], Any]] = {
    "gateway": lambda: GatewaySimulator(
        scenario=default_scenario(), drift=False, clock=lambda: SIM_EPOCH
    ),
    "gizwits": GizwitsSimulator,
    "tums": TumsSimulator,
    "xlink": XlinkSimulator,
}


@pytest.fixture
async def urls() -> AsyncIterator[dict[str, str]]:
    """Every vendor's simulator on loopback, by vendor."""
    async with AsyncExitStack() as stack:
        found: dict[str, str] = {}
        for vendor, make in SIMULATORS.items():
            sim = make()
            await sim.start(host="127.0.0.1", port=0)
            stack.push_async_callback(sim.stop)
            assert sim.url is not None
            found[vendor] = sim.url
        yield found


def registered(hass: HomeAssistant, entry_id: str) -> tuple[set[str], set[str]]:
    """The unique IDs of the entry's entities and the identifiers of its devices."""
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    identifiers = {ident for device in devices for domain, ident in device.identifiers}
    return {entity.unique_id for entity in entities}, identifiers


def stored_entry(stored: dict[str, Any], url: str) -> MockConfigEntry:
    """A stored entry row as Home Assistant would load it, for a server at ``url``."""
    data = {key: (url if value == "{url}" else value) for key, value in stored["data"].items()}
    unique_id = url if stored["unique_id"] == "{url}" else stored["unique_id"]
    return MockConfigEntry(
        domain=stored["domain"],
        entry_id=stored["entry_id"],
        version=stored["version"],
        minor_version=stored["minor_version"],
        title=stored["title"],
        unique_id=unique_id,
        data=data,
        options=stored["options"],
    )


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("vendor", sorted(SIMULATORS))
async def test_entry_of_a_release_loads_with_its_ids(
    hass: HomeAssistant, urls: dict[str, str], release: str, vendor: str
) -> None:
    """The release's entry sets up unchanged, and registers the IDs it registered then."""
    stored = json.loads((STORED / f"{release}.json").read_text())[vendor]
    entry = stored_entry(stored["entry"], urls[vendor])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    # Loaded entries are at the current version, migrated where they were older.
    current = (CniotConfigFlow.VERSION, CniotConfigFlow.MINOR_VERSION)
    assert (entry.version, entry.minor_version) == current
    if (stored["entry"]["version"], stored["entry"]["minor_version"]) == current:
        # Nothing to migrate: what was stored is kept as it was (a vendor may add to it,
        # as Xlink adds its tokens).
        expected = stored_entry(stored["entry"], urls[vendor])
        assert {key: entry.data.get(key) for key in expected.data} == dict(expected.data)
        assert dict(entry.options) == dict(expected.options)
    unique_ids, identifiers = registered(hass, entry.entry_id)
    assert set(stored["unique_ids"]) <= unique_ids
    assert set(stored["identifiers"]) <= identifiers
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_entry_of_a_newer_major_version_is_refused(
    hass: HomeAssistant, urls: dict[str, str]
) -> None:
    """An entry written by a later, incompatible release is not set up (a downgrade)."""
    stored = json.loads((STORED / f"{RELEASES[-1]}.json").read_text())["gateway"]
    newer = {**stored["entry"], "version": CniotConfigFlow.VERSION + 1}
    entry = stored_entry(newer, urls["gateway"])
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert registered(hass, entry.entry_id) == (set(), set())


def test_the_current_release_has_a_stored_file() -> None:
    """The newest stored file is this code's entry version (a release writes its own)."""
    newest = json.loads((STORED / f"{RELEASES[-1]}.json").read_text())
    for vendor in SIMULATORS:
        entry = newest[vendor]["entry"]
        assert entry["domain"] == DOMAIN
        assert (entry["version"], entry["minor_version"]) == (
            CniotConfigFlow.VERSION,
            CniotConfigFlow.MINOR_VERSION,
        )
