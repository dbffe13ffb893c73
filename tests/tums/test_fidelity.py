"""TUMS error codes as the document gives them (issue 16: M4 -10305, M5 offline/plan/restricted)."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.tums.codes import ApplicationType
from custom_components.cniot.tums.ids import device_identifier
from custom_components.cniot.tums.paths import (
    PATH_DEVICE_LIST,
    PATH_GET_RECORD_LOOP,
    PATH_REBOOT,
    PATH_SOLAR_POWER,
)
from custom_components.cniot.tums.runtime import TumsRuntime
from simulator.faults import Fault
from simulator.tums import TumsSimulator
from simulator.tums.state import IPC_GATE

from .conftest import TUMS_ENTRY_ID


@pytest.fixture(autouse=True)
def _frozen(frozen_loop: FrozenDateTimeFactory) -> None:
    """Time moves in steps, the loop's timers and the simulator with it."""


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done(wait_background_tasks=True)


def _runtime(entry: MockConfigEntry) -> TumsRuntime:
    runtime = entry.runtime_data
    assert isinstance(runtime, TumsRuntime)
    return runtime


def _reauths(hass: HomeAssistant) -> list[str]:
    return [
        flow["context"]["source"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ]


def _issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


def _device_id(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, device_identifier(str(entry.unique_id), key)), entry.entry_id
    )
    assert device is not None, key
    return device.id


async def test_unlicensed_api_raises_repair_not_reauth(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """M4: -10305 for one background API (section 1.5: no permission for *this* API)."""
    runtime = _runtime(setup_tums)
    tums_sim.denied_paths = {PATH_SOLAR_POWER}
    await _tick(hass, freezer, 301)
    assert _reauths(hass) == []
    issue = _issue(hass, f"tums_api_denied_{TUMS_ENTRY_ID}_solar")
    assert issue is not None
    assert issue.translation_placeholders == {"entry": setup_tums.title, "tier": "solar"}
    assert runtime.coordinator.last_update_success is True

    tums_sim.denied_paths = set()
    await _tick(hass, freezer, 301)
    assert _issue(hass, f"tums_api_denied_{TUMS_ENTRY_ID}_solar") is None


async def test_unlicensed_setting_is_skipped(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A denied settings API is not asked again; the tier's other settings still come."""
    settings = _runtime(setup_tums).tiers["settings"]
    tums_sim.denied_paths = {PATH_GET_RECORD_LOOP}
    await settings.async_read_soon(IPC_GATE)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _issue(hass, f"tums_api_denied_{TUMS_ENTRY_ID}_settings") is not None
    assert settings.last_update_success is True
    gate = settings.data[IPC_GATE]
    assert gate.record_loop is None
    assert gate.timing_reboot is not None
    asked = sum(1 for r in tums_sim.requests if r.path == PATH_GET_RECORD_LOOP)
    await _tick(hass, freezer, 31 * 60)
    assert sum(1 for r in tums_sim.requests if r.path == PATH_GET_RECORD_LOOP) == asked
    assert _reauths(hass) == []


async def test_denied_device_list_still_reauths(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without the device list the key is useless (or disabled, 1.2.2.4): new keys help."""
    tums_sim.denied_paths = {PATH_DEVICE_LIST[ApplicationType.PROJECT]}
    await _tick(hass, freezer, 61)
    assert _reauths(hass) == ["reauth"]


async def test_denied_action_is_explained(
    hass: HomeAssistant, setup_tums: MockConfigEntry, tums_sim: TumsSimulator
) -> None:
    """An action whose API the key may not call says so, and starts no reauth."""
    tums_sim.denied_paths = {PATH_REBOOT}
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_reboot",
            {"device_id": _device_id(hass, setup_tums, IPC_GATE)},
            blocking=True,
        )
    assert err.value.translation_key == "tums_error_10305"
    await hass.async_block_till_done()
    assert _reauths(hass) == []


@pytest.mark.parametrize(
    ("code", "translation_key"),
    [
        (-80327, "device_offline"),
        (-80379, "device_offline"),
        (-88315, "tums_error_88315"),
    ],
)
async def test_device_codes_are_explained(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    code: int,
    translation_key: str,
) -> None:
    """M5: the document's other offline codes, and a restricted device, have messages."""
    tums_sim.faults.add(Fault(kind="vendor_code", value=code, path_prefix=PATH_REBOOT))
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "tums_reboot",
            {"device_id": _device_id(hass, setup_tums, IPC_GATE)},
            blocking=True,
        )
    assert err.value.translation_key == translation_key


async def test_plan_quota_backs_off_with_repair(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """M5: -88303 (developer plan used up) stops polling for an hour and says why."""
    runtime = _runtime(setup_tums)
    tums_sim.plan_calls_left = 0
    await _tick(hass, freezer, 61)
    assert runtime.coordinator.last_update_success is False
    assert _issue(hass, f"tums_plan_exceeded_{TUMS_ENTRY_ID}") is not None
    assert _reauths(hass) == []
    # Backed off: a further minute, and ten, bring no call to the device list.
    lists = len(tums_sim.requests)
    await _tick(hass, freezer, 61)
    await _tick(hass, freezer, 600)
    list_path = PATH_DEVICE_LIST[ApplicationType.PROJECT]
    assert not any(r.path == list_path for r in tums_sim.requests[lists:])

    tums_sim.plan_calls_left = None
    await _tick(hass, freezer, 3000)
    assert runtime.coordinator.last_update_success is True
    assert _issue(hass, f"tums_plan_exceeded_{TUMS_ENTRY_ID}") is None


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("长" * 10, True),
        ("A" * 32, True),
        ("24栋的第五台NVR", True),
        ("长" * 11, False),
        ("A" * 33, False),
        # 32 bytes of UTF-8, but more than 10 Chinese characters' worth.
        ("长" * 10 + "AB", False),
        ("长" * 9 + "A" * 4, False),
        ("长" * 9 + "A" * 3, True),
    ],
)
async def test_rename_limit_follows_document(
    hass: HomeAssistant,
    setup_tums: MockConfigEntry,
    tums_sim: TumsSimulator,
    name: str,
    accepted: bool,
) -> None:
    """1.4.3.20: '10个中文字符、32个英文字符', the action and the simulator alike."""
    device_id = _device_id(hass, setup_tums, IPC_GATE)
    call = hass.services.async_call(
        DOMAIN, "tums_rename_device", {"device_id": device_id, "name": name}, blocking=True
    )
    if accepted:
        await call
        assert tums_sim.devices[IPC_GATE].name == name
        return
    with pytest.raises(ServiceValidationError):
        await call
    assert tums_sim.devices[IPC_GATE].name != name
