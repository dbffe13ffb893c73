"""A binary datapoint the text platform cannot show: unknown, said once, nothing else held up."""

from __future__ import annotations

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.scenario import AC_GUEST, AC_LIVING
from simulator.gizwits.state import AC_PRODUCT_KEY


async def test_overlong_hex_is_unknown_logged_once_and_spares_the_rest(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """300 hex digits for an 8-byte datapoint: unknown, said once; other devices update."""
    registry = er.async_get(hass)
    ir_code = _entity_id(registry, "text", AC_LIVING, "ir_code")
    other_switch = _entity_id(registry, "switch", AC_GUEST, "switch")
    assert hass.states.get(other_switch).state == STATE_ON  # type: ignore[union-attr]
    coordinator = setup_ac.runtime_data.coordinator
    caplog.clear()
    living = gizwits_sim.find_device(AC_LIVING)
    assert living is not None
    # The cloud reports it as the device sent it; the simulator's own checks are bypassed.
    gizwits_sim._record(living, {"ir_code": "ab" * 150})
    gizwits_sim.report(AC_GUEST, {"switch": False})
    for _ in range(3):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert hass.states.get(ir_code).state == STATE_UNKNOWN  # type: ignore[union-attr]
    assert hass.states.get(other_switch).state == STATE_OFF  # type: ignore[union-attr]
    said = [record for record in caplog.records if ir_code in record.getMessage()]
    assert len(said) == 1, [record.getMessage() for record in said]
    assert "Unexpected error" not in caplog.text


def _entity_id(registry: er.EntityRegistry, platform: str, did: str, name: str) -> str:
    entity_id = registry.async_get_entity_id(platform, DOMAIN, f"{AC_PRODUCT_KEY}_{did}_{name}")
    assert entity_id is not None, (platform, did, name)
    return entity_id
