"""Shared fixtures: Home Assistant with the custom integration, and the simulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Generator
import logging
import os
import time
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from hypothesis import settings
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario

# Property tests draw the same examples on every run, so scripts/test (and CI) cannot
# fail on a new random draw; HYPOTHESIS_PROFILE=explore searches afresh, for longer.
settings.register_profile("repeatable", derandomize=True, max_examples=200)
settings.register_profile("explore", derandomize=False, max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# The simulator's clock is frozen so uptimes and timestamps are reproducible.
SIM_EPOCH = 1_790_000_000.0
GATEWAY_ENTRY_ID = "01JGATEWAYENTRY000000000000"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format, in ``snapshots/`` beside each test file.

    With syrupy 6 the plugin's own override of this fixture loses to syrupy's, so
    it is repeated here, where it wins on every supported release.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


_DEPRECATION_WORDS = ("deprecated", "will stop working")


def deprecations(records: list[logging.LogRecord]) -> list[str]:
    """Log lines that report a deprecated use by this integration."""
    found = []
    for record in records:
        message = record.getMessage()
        if ("cniot" in message or record.name.startswith("custom_components.cniot")) and any(
            word in message.lower() for word in _DEPRECATION_WORDS
        ):
            found.append(message)
    return found


@pytest.fixture(autouse=True)
def no_deprecation_reports(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail a test during which Home Assistant reports a deprecated use by cniot.

    Its frame helper logs such uses (they stop working in a later release); Python
    warnings raised from the integration's own modules fail through pyproject's
    ``filterwarnings`` instead.
    """
    yield
    records = [
        record for when in ("setup", "call", "teardown") for record in caplog.get_records(when)
    ]
    if found := deprecations(records):
        pytest.fail("deprecated use reported:\n" + "\n".join(found), pytrace=False)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/cniot in every test."""


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """The simulator serves on 127.0.0.1; connections elsewhere stay blocked."""


@pytest.fixture(autouse=True)
def no_retry_delay() -> Generator[None]:
    """Clients retry a failed read once after a pause; tests need not wait for it."""
    with patch("custom_components.cniot.client.http.RETRY_DELAY", 0):
        yield


@pytest.fixture
async def gateway_sim() -> AsyncIterator[GatewaySimulator]:
    """A gateway backend simulator on loopback, with deterministic values."""
    sim = GatewaySimulator(scenario=default_scenario(), drift=False, clock=lambda: SIM_EPOCH)
    await sim.start(host="127.0.0.1", port=0)
    assert sim.url is not None
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
def gateway_url(gateway_sim: GatewaySimulator) -> str:
    """The simulator's base URL."""
    assert gateway_sim.url is not None
    return gateway_sim.url


@pytest.fixture
def gateway_entry(hass: HomeAssistant, gateway_url: str) -> MockConfigEntry:
    """A gateway config entry pointing at the simulator."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=GATEWAY_ENTRY_ID,
        title="Gateway test backend",
        unique_id=gateway_url,
        data={CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: gateway_url},
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def gateway_platforms() -> tuple[Platform, ...] | None:
    """Override to load only some platforms (snapshot tests load one)."""
    return None


@pytest.fixture
def _limit_platforms(
    gateway_platforms: tuple[Platform, ...] | None,
) -> Generator[None]:
    if gateway_platforms is None:
        yield
        return
    with patch(
        "custom_components.cniot.gateway.runtime.GatewayRuntime.platforms", gateway_platforms
    ):
        yield


@pytest.fixture
async def setup_gateway(
    hass: HomeAssistant, gateway_entry: MockConfigEntry, _limit_platforms: None
) -> MockConfigEntry:
    """The gateway entry, set up against the simulator."""
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    return gateway_entry


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default as enabled, for snapshots."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
async def frozen_loop(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> AsyncIterator[FrozenDateTimeFactory]:
    """Make the event loop's clock follow the frozen wall clock, so hours pass in steps.

    pytest-freezer alone leaves the loop's monotonic clock running, so timers
    scheduled by coordinators would never come due when the frozen time moves.
    """
    freezer.move_to("2026-09-21 00:00:00+00:00")
    with patch.object(hass.loop, "time", time.time):
        yield freezer


@pytest.fixture
def state_writes() -> Generator[Counter[str]]:
    """Every state write by entity ID, those that change nothing included."""
    writes: Counter[str] = Counter()
    original = Entity._async_write_ha_state

    def counting(entity: Entity) -> None:
        writes[entity.entity_id] += 1
        original(entity)

    with patch.object(Entity, "_async_write_ha_state", counting):
        yield writes
