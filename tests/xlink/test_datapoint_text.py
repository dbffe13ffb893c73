"""A text datapoint the text platform cannot show: unknown, said once, nothing else held up."""

from __future__ import annotations

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import HEATER_PRODUCT_ID

from .conftest import XLINK_ENTRY_ID

# Two water heaters, listed in this order, and two of their datapoints.
HEATER, HEATER_ON = 1658785277, 1658785278
POWER, NICKNAME = 0, 7


async def test_overlong_text_is_unknown_logged_once_and_spares_the_rest(
    hass: HomeAssistant,
    setup_xlink: MockConfigEntry,
    xlink_sim: XlinkSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 300-character nickname: its text entity is unknown, said once; other devices update.

    Review R2: ``TextEntity.state`` raises on it, and the raise used to end the update of
    every device listed after this one.
    """
    registry = er.async_get(hass)
    nickname = _entity_id(registry, "text", HEATER, NICKNAME)
    other_switch = _entity_id(registry, "switch", HEATER_ON, POWER)
    assert hass.states.get(other_switch).state == STATE_ON  # type: ignore[union-attr]
    coordinator = setup_xlink.runtime_data.coordinator
    caplog.clear()
    # The cloud reports it as the device sent it; the simulator's own checks are bypassed.
    xlink_sim.devices[HEATER].values[NICKNAME] = "长" * 300
    xlink_sim.devices[HEATER_ON].values[POWER] = False
    for _ in range(3):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert hass.states.get(nickname).state == STATE_UNKNOWN  # type: ignore[union-attr]
    assert hass.states.get(other_switch).state == STATE_OFF  # type: ignore[union-attr]
    said = [record for record in caplog.records if nickname in record.getMessage()]
    assert len(said) == 1, [record.getMessage() for record in said]
    assert "Unexpected error" not in caplog.text
    # A value it can show again is shown.
    xlink_sim.devices[HEATER].values[NICKNAME] = "客卫热水"
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(nickname).state == "客卫热水"  # type: ignore[union-attr]


def _entity_id(registry: er.EntityRegistry, platform: str, device: int, index: int) -> str:
    entity_id = registry.async_get_entity_id(
        platform, DOMAIN, f"xlink_{XLINK_ENTRY_ID}_{HEATER_PRODUCT_ID}_{device}_{index}"
    )
    assert entity_id is not None, (platform, device, index)
    return entity_id
