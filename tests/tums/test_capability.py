"""TUMS camera actions gated on the capability set (getDeviceCapability, 1.4.3.16)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.tums.ids import device_identifier
from custom_components.cniot.tums.paths import (
    PATH_CAPABILITY,
    PATH_SET_ALARM_INPUT,
    PATH_TRIGGER_ALARM,
)
from custom_components.cniot.tums.tier_models import Capability
from simulator.tums import TumsSimulator
from simulator.tums.state import IPC_GATE, IPC_LOBBY


def _device(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, device_identifier(str(entry.unique_id), key)), entry.entry_id
    )
    assert device is not None, key
    return device.id


def _calls(sim: TumsSimulator, path: str) -> int:
    return sum(1 for r in sim.requests if r.path == path)


def test_capability_fields() -> None:
    """Table 1.4.3.2: "1" or a non-empty list is support; missing, "0" or [] is not."""
    capability = Capability.parse(
        {"capability": {"ptz": "1", "led": "0", "audio": [], "msg_alarm_list": ["sound"]}}
    )
    assert capability.supports("ptz")
    assert capability.supports("msg_alarm_list")
    assert not capability.supports("led")
    assert not capability.supports("audio")
    assert not capability.supports("alarm_out_enable")
    assert not Capability.parse({}).supports("ptz")


async def test_alarm_output_needs_the_capability(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """The lobby camera has no alarm output: refused before anything is sent."""
    assert not tums_sim.devices[IPC_LOBBY].alarm_out
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_trigger_alarm",
            {"device_id": _device(hass, setup_tums, IPC_LOBBY), "on": True},
            blocking=True,
        )
    assert err.value.translation_key == "tums_not_capable"
    assert err.value.translation_placeholders == {
        "devices": "Lobby Camera",
        "capability": "alarm_out_enable",
    }
    assert _calls(tums_sim, PATH_TRIGGER_ALARM) == 0

    await hass.services.async_call(
        DOMAIN,
        "tums_trigger_alarm",
        {"device_id": _device(hass, setup_tums, IPC_GATE), "on": True},
        blocking=True,
    )
    assert tums_sim.devices[IPC_GATE].alarm_output_active is True


async def test_alarm_input_needs_the_capability(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Alarm inputs are gated on alarm_in_enable, separately from outputs."""
    tums_sim.devices[IPC_GATE].alarm_in = False
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_set_alarm_io",
            {"device_id": [_device(hass, setup_tums, IPC_GATE)], "port": "input", "enabled": True},
            blocking=True,
        )
    assert err.value.translation_placeholders["capability"] == "alarm_in_enable"  # type: ignore[index]
    assert _calls(tums_sim, PATH_SET_ALARM_INPUT) == 0


async def test_capability_read_once_per_device(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """Capability sets change with firmware only: one read serves later actions."""
    gate = _device(hass, setup_tums, IPC_GATE)
    before = _calls(tums_sim, PATH_CAPABILITY)
    for on in (True, False):
        await hass.services.async_call(
            DOMAIN, "tums_trigger_alarm", {"device_id": gate, "on": on}, blocking=True
        )
    assert _calls(tums_sim, PATH_CAPABILITY) - before == 1


async def test_unreadable_capability_lets_the_cloud_decide(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """A key without getDeviceCapability still gets the cloud's own answer."""
    tums_sim.denied_paths = {PATH_CAPABILITY}
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_trigger_alarm",
            {"device_id": _device(hass, setup_tums, IPC_LOBBY), "on": True},
            blocking=True,
        )
    assert err.value.translation_key != "tums_not_capable"
    assert _calls(tums_sim, PATH_TRIGGER_ALARM) == 1
