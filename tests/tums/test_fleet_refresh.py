"""10,000 TUMS devices: an unchanged device-list refresh costs its pages and nothing else.

The device tier lists 100 entries a call (NVR channels are entries of their own)
and asks for the overview beside them: ceil(entries / 100) + 1 requests, whatever
the fleet's size. Data that did not change reaches no entity: no state is written.
"""

from __future__ import annotations

import logging
import math
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.tums.coordinator import TumsTierCoordinator
from custom_components.cniot.tums.models import Device
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums_state import generate_scenario

from .conftest import TUMS_ENTRY_ID, tums_data

LIST = "/tums/open/deviceManager/v1/getDeviceListInProjectApplication"
OVERVIEW = "/tums/open/deviceManager/v1/getApplicationOverview"
FLEET = 10_000
# Devices each per-device tier reads at setup: enough for their entities (which
# follow the device list too) to be there, few enough to keep the test short.
TIER_SAMPLE = 50


def sample(tier: TumsTierCoordinator[object], targets: list[Device]) -> list[Device]:
    """A tier's first few targets, once."""
    return [device for device in targets[:TIER_SAMPLE] if device.key not in tier._read_at]


@pytest.fixture
def tums_entities_enabled() -> None:
    """The integration's own defaults: disabled-by-default entities stay disabled."""


# Coverage tracing multiplies this setup's time; smaller tests cover its code.
@pytest.mark.no_cover
@pytest.mark.timeout(600)
async def test_unchanged_refresh_of_ten_thousand_devices(
    hass: HomeAssistant, frozen_loop: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Exactly ceil(entries / 100) + 1 requests; not one state written."""
    hass.loop.set_debug(False)  # a traceback per callback: slow at this scale
    caplog.set_level(logging.INFO)  # a debug line per request and entity: as slow
    sim = TumsSimulator(scenario=generate_scenario(FLEET))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN, entry_id=TUMS_ENTRY_ID, unique_id=DEMO_ACCESS_KEY, data=tums_data(url)
        )
        entry.add_to_hass(hass)
        # The clock stands still (frozen_loop): no timer fires, no request times out,
        # however loaded the machine. The per-device tiers' sweeps (tens of thousands
        # of calls) are test_fleet.py's subject: here each reads a sample. One entry of this size is past Home Assistant's limit (the
        # config flow offers a split): lifted, so every entity listens.
        with (
            patch.object(TumsTierCoordinator, "due", sample),
            patch(
                "homeassistant.helpers.entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", 10**6
            ),
        ):
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
        coordinator = entry.runtime_data.coordinator
        listed = len(sim.devices)
        assert listed == FLEET * 5 // 4  # NVRs list their two channels
        assert len(coordinator.data.devices) == listed
        registry = er.async_get(hass)
        enabled = registry.entities.get_enabled_count_for_config_entry_id(entry.entry_id)
        # Every listed device has its entities (online and status at least), all listening.
        assert enabled >= 2 * listed

        written: list[str] = []

        @callback
        def record(event: Event) -> None:
            written.append(event.data["entity_id"])

        @callback
        def every(data: object) -> bool:
            return True

        unsubs = [
            hass.bus.async_listen(EVENT_STATE_CHANGED, record),
            hass.bus.async_listen(EVENT_STATE_REPORTED, record, event_filter=every),
        ]
        for _ in range(2):
            sim.requests.clear()
            await coordinator.async_refresh()
            await hass.async_block_till_done()
            assert coordinator.last_update_success
            paths = [r.path for r in sim.requests]
            assert paths.count(OVERVIEW) == 1
            starts = sorted(r.body["start"] for r in sim.requests if r.path == LIST)
            assert starts == list(range(0, listed, 100))
            assert len(sim.requests) == math.ceil(listed / 100) + 1
            assert written == []
        for unsub in unsubs:
            unsub()
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
