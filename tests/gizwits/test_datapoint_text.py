"""A binary datapoint the text platform cannot show: unknown, said once, nothing else held up."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import PropertyMock, patch

from homeassistant.components.text import TextEntityDescription
from homeassistant.const import MAX_LENGTH_STATE_STATE, STATE_OFF, STATE_ON, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_component import DATA_INSTANCES
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.datapoints.describe import DatapointDescription, describe as shared
from custom_components.cniot.gizwits.descriptions import point_of
from custom_components.cniot.gizwits.models import Datapoint, DatapointKind, DataType
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


def _describe(datapoint: Datapoint) -> tuple[Platform, DatapointDescription] | None:
    """What the shared stack makes of a Gizwits datapoint."""
    point = point_of(datapoint)
    return None if point is None else shared(point)


def _binary(length: int | None) -> Datapoint:
    return Datapoint(
        name="blob",
        display_name="Blob",
        kind=DatapointKind.WRITABLE,
        data_type=DataType.BINARY,
        length=length,
    )


def test_binary_datapoints_fit_the_text_platform() -> None:
    """Unknown length: the platform's own limit; longer than a state holds: no entity.

    Guards D7 of the 2026-12 review: an unknown length gave a maximum of 1 character,
    and blobs over 127 bytes exceeded the state's 255 characters, so the text entity
    raised on every update.
    """
    described = _describe(_binary(None))
    assert described is not None
    platform, description = described
    assert platform is Platform.TEXT
    assert isinstance(description, TextEntityDescription)
    assert description.native_max == MAX_LENGTH_STATE_STATE
    known = _describe(_binary(16))
    assert known is not None
    assert isinstance(known[1], TextEntityDescription)
    assert known[1].native_max == 32
    assert _describe(_binary(200)) is None
    readonly = replace(_binary(200), kind=DatapointKind.READONLY)
    assert _describe(readonly) is None


@pytest.mark.parametrize("reported", ["not hex", "ab" * 200, 12])
async def test_bad_binary_value_is_unknown_not_an_error(
    hass: HomeAssistant, setup_ac: MockConfigEntry, reported: object
) -> None:
    """A value the text entity cannot show makes it unknown instead of raising.

    Guards D7 of the 2026-12 review: a non-hex or too long report made the text
    entity's state raise inside the coordinator's listener.
    """
    component = hass.data[DATA_INSTANCES]["text"]
    entity = next(iter(component.entities))
    with patch.object(type(entity), "raw_value", new_callable=PropertyMock) as raw:
        raw.return_value = reported
        assert entity.state is None
