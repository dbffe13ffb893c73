"""Erasing a card is an admin action, refused by Home Assistant's own admin check."""

from __future__ import annotations

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized, UnknownUser
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import IPC_LOBBY
from tests.registry import lookup_device


async def test_format_refused_before_validation(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """An unknown user is refused as ``async_register_admin_service`` refuses, before any check.

    Even data that would fail validation is not looked at: the admin check comes first.
    """
    device = lookup_device(dr.async_get(hass), {(DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{IPC_LOBBY}")})
    assert device is not None
    card = tums_sim.devices[IPC_LOBBY].sd_cards[0]
    for data in ({"device_id": device.id, "confirm": True}, {"confirm": "nonsense"}):
        with pytest.raises(UnknownUser):
            await hass.services.async_call(
                DOMAIN,
                "tums_format_storage",
                data,
                blocking=True,
                context=Context(user_id="no-such-user"),
            )
    assert card.status == "unformatted"


async def test_format_refused_for_non_admin_with_bad_data(
    hass: HomeAssistant, setup_tums: MockConfigEntry, hass_read_only_user: User
) -> None:
    """A non-admin learns nothing about the data: Unauthorized, not a validation error."""
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "tums_format_storage",
            {"confirm": "nonsense"},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
