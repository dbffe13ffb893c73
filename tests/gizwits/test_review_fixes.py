"""Regressions for the Gizwits findings of the 2026-12 review (D1, D2, ...)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import time
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorEntityDescription, SensorStateClass
from homeassistant.components.text import TextEntityDescription
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import EVENT_STATE_REPORTED, MAX_LENGTH_STATE_STATE, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.entity_component import DATA_INSTANCES
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.cniot.const import CONF_URL, DOMAIN
from custom_components.cniot.datapoints.describe import DatapointDescription, describe as shared
from custom_components.cniot.gizwits.const import (
    ERROR_REMOTE_CONTROL,
    ERROR_WHITELIST,
    ISSUE_REMOTE_CONTROL,
    ISSUE_WHITELIST,
    VENDOR_GIZWITS,
)
from custom_components.cniot.gizwits.coordinator import GizwitsCoordinator
from custom_components.cniot.gizwits.descriptions import point_of
from custom_components.cniot.gizwits.models import Datapoint, DatapointKind, DataType
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.scenario import ac_attrs
from simulator.gizwits.state import AC_PRODUCT_KEY

LIVING_ROOM = "kYkSE2xspYjocBhaUHdM5k"


async def test_d1_failure_after_pause_restores_the_cadence(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """A poll failing straight after a pause waits the normal interval, not the wake-up."""
    coordinator: GizwitsCoordinator = setup_ac.runtime_data.coordinator
    normal = coordinator.update_interval
    assert normal is not None
    assert normal >= timedelta(seconds=60)
    coordinator.budget.pause(time.time() + 3)
    await coordinator.async_refresh()
    assert coordinator.update_interval is not None
    assert coordinator.update_interval <= timedelta(seconds=4)
    coordinator.budget.paused_until = None
    gizwits_sim.faults.add(Fault(kind="http_status", value=502))
    with pytest.raises(UpdateFailed):
        await coordinator._async_update_data()
    assert coordinator.update_interval == normal


async def test_d2_control_neither_postpones_the_poll_nor_claims_success(
    hass: HomeAssistant, setup_ac: MockConfigEntry
) -> None:
    """A datapoint write publishes its value without re-arming the product's poll timer."""
    coordinator: GizwitsCoordinator = setup_ac.runtime_data.coordinator
    timer = coordinator._unsub_refresh
    assert timer is not None
    coordinator.last_update_success = False
    await setup_ac.runtime_data.async_control(LIVING_ROOM, {"switch": False})
    assert coordinator._unsub_refresh is timer
    assert coordinator.last_update_success is False
    assert coordinator.data.states[LIVING_ROOM].attrs["switch"] is False


async def test_d10_gizwits_issues_go_with_the_entry(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """Whitelist and remote-control repairs do not outlive their entry."""
    runtime = setup_ac.runtime_data
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=ERROR_REMOTE_CONTROL))
    with pytest.raises(HomeAssistantError):
        await runtime.async_control(LIVING_ROOM, {"switch": False})
    gizwits_sim.faults.clear()
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=ERROR_WHITELIST))
    await runtime.coordinator.async_refresh()
    gizwits_sim.faults.clear()
    issues = ir.async_get(hass)
    ids = [f"{ISSUE_WHITELIST}_{setup_ac.entry_id}", f"{ISSUE_REMOTE_CONTROL}_{setup_ac.entry_id}"]
    assert [issue_id for issue_id in ids if issues.async_get_issue(DOMAIN, issue_id) is None] == []
    assert await hass.config_entries.async_unload(setup_ac.entry_id)
    assert all(issues.async_get_issue(DOMAIN, issue_id) is None for issue_id in ids)


async def test_d14_removed_devices_are_forgotten(
    hass: HomeAssistant, setup_ac: MockConfigEntry, gizwits_sim: GizwitsSimulator
) -> None:
    """A device gone from the list leaves no read time behind to steer the wake-up."""
    coordinator: GizwitsCoordinator = setup_ac.runtime_data.coordinator
    assert LIVING_ROOM in coordinator._fetched_at
    gizwits_sim.devices[AC_PRODUCT_KEY][LIVING_ROOM].is_disabled = True
    await coordinator.async_refresh()
    assert LIVING_ROOM not in coordinator._fetched_at


async def test_d16_secrets_go_over_https_by_default(hass: HomeAssistant) -> None:
    """The form proposes the HTTPS server."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_GIZWITS}
    )
    schema = result["data_schema"]
    assert schema is not None
    defaults = {
        str(key): key.default() for key in schema.schema if key.default is not vol.UNDEFINED
    }
    assert defaults[CONF_URL] == "https://enterpriseapi.gizwits.com"


def describe(
    datapoint: Datapoint, override: dict[str, str] | None = None
) -> tuple[Platform, DatapointDescription] | None:
    """What the shared stack makes of a Gizwits datapoint."""
    point = point_of(datapoint)
    return None if point is None else shared(point, override)


def _binary(length: int | None) -> Datapoint:
    return Datapoint(
        name="blob",
        display_name="Blob",
        kind=DatapointKind.WRITABLE,
        data_type=DataType.BINARY,
        length=length,
    )


def test_d7_binary_datapoints_fit_the_text_platform() -> None:
    """Unknown length: the platform's own limit; longer than a state holds: no entity."""
    described = describe(_binary(None))
    assert described is not None
    platform, description = described
    assert platform is Platform.TEXT
    assert isinstance(description, TextEntityDescription)
    assert description.native_max == MAX_LENGTH_STATE_STATE
    known = describe(_binary(16))
    assert known is not None
    assert isinstance(known[1], TextEntityDescription)
    assert known[1].native_max == 32
    assert describe(_binary(200)) is None
    readonly = replace(_binary(200), kind=DatapointKind.READONLY)
    assert describe(readonly) is None


@pytest.mark.parametrize("reported", ["not hex", "ab" * 200, 12])
async def test_d7_bad_binary_value_is_unknown_not_an_error(
    hass: HomeAssistant, setup_ac: MockConfigEntry, reported: object
) -> None:
    """A value the text entity cannot show makes it unknown instead of raising."""
    component = hass.data[DATA_INSTANCES]["text"]
    entity = next(iter(component.entities))
    with patch.object(type(entity), "raw_value", new_callable=PropertyMock) as raw:
        raw.return_value = reported
        assert entity.state is None


def _number(**changes: object) -> Datapoint:
    return replace(
        Datapoint(
            name="meter",
            display_name="Meter",
            kind=DatapointKind.READONLY,
            data_type=DataType.UINT32,
            minimum=0,
            maximum=100000,
            step=1,
        ),
        **changes,
    )


@pytest.mark.parametrize(
    ("device_class", "unit", "state_class"),
    [
        ("energy", "kWh", SensorStateClass.TOTAL_INCREASING),
        ("water", "L", SensorStateClass.TOTAL_INCREASING),
        ("monetary", "CNY", SensorStateClass.TOTAL),
        ("temperature", "°C", SensorStateClass.MEASUREMENT),
        ("", "", SensorStateClass.MEASUREMENT),
    ],
)
def test_d6_state_class_follows_the_device_class(
    device_class: str, unit: str, state_class: SensorStateClass
) -> None:
    """A chosen device class gets a state class Home Assistant allows for it."""
    described = describe(_number(), {"device_class": device_class, "unit": unit})
    assert described is not None
    description = described[1]
    assert isinstance(description, SensorEntityDescription)
    assert description.state_class is state_class


async def test_d6_unit_must_suit_the_device_class(
    hass: HomeAssistant, setup_ac: MockConfigEntry
) -> None:
    """The options form refuses a unit the chosen device class cannot have."""
    result = await hass.config_entries.options.async_init(setup_ac.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "datapoint"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"datapoint": "room_temp"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"unit": "kWh", "device_class": "temperature", "hidden": False}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"unit": "unit_invalid"}
    assert "°C" in result["description_placeholders"]["units"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"unit": "°C", "device_class": "temperature", "hidden": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_d18_new_reading_of_an_equal_value_is_reported(
    hass: HomeAssistant,
    setup_ac: MockConfigEntry,
    gizwits_sim: GizwitsSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device sending the same temperature again fires state_reported for it."""
    coordinator: GizwitsCoordinator = setup_ac.runtime_data.coordinator
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{AC_PRODUCT_KEY}_{LIVING_ROOM}_room_temp"
    )
    assert entity_id is not None
    gizwits_sim.report(LIVING_ROOM, ac_attrs())
    await coordinator.async_refresh()
    reported: list[str] = []

    @callback
    def _any(_data: Any) -> bool:
        return True

    hass.bus.async_listen(
        EVENT_STATE_REPORTED, lambda e: reported.append(e.data["entity_id"]), event_filter=_any
    )
    await coordinator.async_refresh()  # no new reading: nothing to report
    await hass.async_block_till_done()
    assert entity_id not in reported
    freezer.tick(5)
    gizwits_sim.report(LIVING_ROOM, ac_attrs())  # the same values, read anew
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert entity_id in reported
