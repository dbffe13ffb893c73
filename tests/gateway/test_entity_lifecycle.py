"""Gateway entities: reloads leak nothing; one entity failing to write spares the rest."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.gateway import GatewaySimulator
from tests.lifecycle import (
    assert_one_failing_entity_spares_the_rest,
    assert_reloads_leave_nothing_behind,
    first_written,
)


async def test_reloads_leave_nothing_behind(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    await assert_reloads_leave_nothing_behind(hass, setup_gateway)


async def test_one_failing_entity_spares_the_rest(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    def flip_every_gateway() -> None:
        for sn, online in gateway_sim.online_states().items():
            gateway_sim.set_online(sn, not online)

    await assert_one_failing_entity_spares_the_rest(
        hass,
        setup_gateway,
        first_written(hass, setup_gateway, lambda entity: hasattr(entity, "sn")),
        flip_every_gateway,
        setup_gateway.runtime_data.coordinator,
    )
