"""Gateway fields already fetched and now shown (issue 16): network mode, SIM slot, frequency, remark."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.gateway.descriptions import NET_MODES, SIM_SLOTS, _coded
from simulator.gateway import GatewaySimulator
from simulator.gateway.state import SimChannel


async def _refresh(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)


def _state(hass: HomeAssistant, registry: er.EntityRegistry, unique_id: str) -> str:
    entity_id = registry.async_get_entity_id("sensor", DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        ("SA", NET_MODES, "sa"),
        (" NSA ", NET_MODES, "nsa"),
        ("auto", NET_MODES, "auto"),
        ("0", NET_MODES, "auto"),
        ("2", NET_MODES, "nsa"),
        ("3", NET_MODES, None),
        ("LTE", NET_MODES, None),
        (1, SIM_SLOTS, "main"),
        (2, SIM_SLOTS, "secondary"),
        (7, SIM_SLOTS, None),
        (None, SIM_SLOTS, None),
    ],
)
def test_coded_values(value: str | int | None, options: list[str], expected: str | None) -> None:
    """The document writes net as 'SA / NSA / auto' and as 'auto 0 SA 1 NSA 2'."""
    assert _coded(value, options) == expected


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_channel_settings_and_remark_follow_the_backend(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """What the backend reports for net, slot, frequency and remark is what is shown."""
    sn, gateway = next((sn, gw) for sn, gw in gateway_sim.devices.items() if gw.online)
    key, channel = next((k, ch) for k, ch in gateway.channels.items() if isinstance(ch, SimChannel))
    channel.net, channel.slot, channel.frequency = "NSA", 2, 1850
    gateway.remark = "机房二层"
    await _refresh(hass)
    assert (
        _state(hass, entity_registry, f"gateway_{setup_gateway.entry_id}_{sn}_{key}_net_mode")
        == "nsa"
    )
    assert (
        _state(hass, entity_registry, f"gateway_{setup_gateway.entry_id}_{sn}_{key}_sim_slot")
        == "secondary"
    )
    assert (
        _state(hass, entity_registry, f"gateway_{setup_gateway.entry_id}_{sn}_{key}_frequency")
        == "1850"
    )
    assert (
        _state(hass, entity_registry, f"gateway_{setup_gateway.entry_id}_{sn}_remark") == "机房二层"
    )
