"""Appliance proposals from datapoint names, types and ranges: pure functions (issue #27)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import HVACMode
import pytest

from custom_components.cniot.datapoints.appliances import (
    CONF_APPLIANCES,
    CONF_PROPOSALS,
    climate_problem,
    climate_setting,
    fan_problem,
    hvac_of,
    mode_map,
    propose_climate,
    propose_fan,
    resolve_climate,
    resolve_fan,
    with_climate,
)
from custom_components.cniot.datapoints.describe import Point, Shape
from custom_components.cniot.gizwits.descriptions import point_of
from custom_components.cniot.gizwits.models import ProductSchema
from simulator.gizwits_state import air_conditioner_datapoints, plug_datapoints


def _point(key: str, name: str, shape: Shape, writable: bool = True, **more: Any) -> Point:
    return Point(
        ref=key, key=key, option=key, label=name, name=name, shape=shape, writable=writable, **more
    )


def _gizwits(defs: Any) -> list[Point]:
    """The simulator's product schema, parsed as the integration parses it."""
    schema = ProductSchema.parse({"name": "p"}, [d.to_json(i) for i, d in enumerate(defs)])
    return [p for dp in schema.datapoints if (p := point_of(dp)) is not None]


def test_the_demo_air_conditioner_is_proposed_in_full() -> None:
    """Every role found from the Gizwits demo product's names and types."""
    assert propose_climate(_gizwits(air_conditioner_datapoints())) == {
        "power": "switch",
        "mode": "mode",
        "target": "set_temp",
        "current": "room_temp",
        "fan": "fan_speed",
        "swing": "fan_swing",
    }


def test_a_product_without_temperature_gets_no_proposal() -> None:
    """The demo plug: a switch, power and energy, but no temperature."""
    assert propose_climate(_gizwits(plug_datapoints())) is None


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        # A read-only temperature alone is a thermometer, not a climate.
        ([_point("t", "温度", Shape.NUMBER, writable=False)], None),
        # With a power switch it is.
        (
            [_point("t", "温度", Shape.NUMBER, writable=False), _point("p", "电源", Shape.FLAG)],
            {"current": "t", "power": "p"},
        ),
        # A writable set point is enough; English names too.
        ([_point("target_temperature", "Target", Shape.NUMBER)], {"target": "target_temperature"}),
        # Colour temperature, a timer switch and a child lock are not climate parts.
        (
            [
                _point("ct", "色温", Shape.NUMBER),
                _point("timer", "定时开关", Shape.FLAG),
                _point("lock", "童锁", Shape.FLAG),
            ],
            None,
        ),
        # A target is preferred over another writable temperature; the room over the outlet.
        (
            [
                _point("limit", "温度上限", Shape.NUMBER),
                _point("sp", "设定温度", Shape.NUMBER),
                _point("out", "出水温度", Shape.NUMBER, writable=False),
                _point("room", "室温", Shape.NUMBER, writable=False),
                _point("fan", "风速", Shape.OPTION, options=("1", "2")),
                _point("fm", "风速模式", Shape.OPTION, options=("a", "b")),
            ],
            {"target": "sp", "current": "room", "fan": "fan"},
        ),
    ],
)
def test_proposals(points: list[Point], expected: dict[str, str] | None) -> None:
    """Roles from names, types and writability."""
    assert propose_climate(points) == expected


@pytest.mark.parametrize(
    ("label", "mode"),
    [
        ("制冷", HVACMode.COOL),
        ("制热模式", HVACMode.HEAT),
        ("除湿", HVACMode.DRY),
        ("送风", HVACMode.FAN_ONLY),
        ("自动", HVACMode.AUTO),
        ("Cool", HVACMode.COOL),
        (" heat mode ", HVACMode.HEAT),
        ("睡眠", None),
        ("ECO", None),
    ],
)
def test_hvac_of(label: str, mode: HVACMode | None) -> None:
    """Only labels that say plainly what they do are HVAC modes."""
    assert hvac_of(label) is mode


def test_mode_map_keeps_other_labels_as_presets() -> None:
    """Unplain labels (and a second label for one mode) are presets; auto fills in."""
    modes = mode_map(["制冷", "睡眠", "制热", "强力制冷"])
    assert dict(modes.hvac) == {"制冷": HVACMode.COOL, "制热": HVACMode.HEAT}
    assert modes.presets == ("睡眠", "强力制冷")
    assert modes.modes == [HVACMode.COOL, HVACMode.HEAT, HVACMode.AUTO]
    assert modes.label_of(HVACMode.AUTO) is None
    # Nothing plain: what the names say the appliance does.
    assert mode_map([], ["电源", "加热中"]).modes == [HVACMode.HEAT]
    assert mode_map(["1", "2"], ["制冷量"]).modes == [HVACMode.COOL]
    assert mode_map(["制冷", "制热"]).modes == [HVACMode.COOL, HVACMode.HEAT]


def test_hand_mapping_problems() -> None:
    """Same datapoint twice, a wrong type, no temperature."""
    points = _gizwits(air_conditioner_datapoints())
    assert climate_problem({"mode": "mode", "fan": "mode", "target": "set_temp"}, points) == (
        "appliance_same_datapoint"
    )
    assert (
        climate_problem({"power": "mode", "target": "set_temp"}, points) == "appliance_unsuitable"
    )
    assert climate_problem({"power": "switch"}, points) == "climate_needs_temperature"
    assert climate_problem({"current": "room_temp"}, points) is None


def test_resolving_against_a_changed_schema() -> None:
    """A role whose datapoint is gone or changed type is dropped; no temperature, no climate."""
    points = _gizwits(air_conditioner_datapoints())
    resolved = resolve_climate({"power": "switch", "target": "set_temp", "fan": "gone"}, points)
    assert resolved is not None
    assert resolved.power is not None
    assert resolved.power.key == "switch"
    assert resolved.fan is None
    assert [p.key for p in resolved.mapped] == ["switch", "set_temp"]
    assert resolve_climate({"power": "switch", "target": "gone"}, points) is None
    assert resolve_climate({"target": "switch"}, points) is None  # a flag is no set point
    assert resolve_climate(None, points) is None
    assert resolve_climate("garbage", points) is None  # type: ignore[arg-type]


def test_the_setting_in_effect() -> None:
    """The user's decision wins; undecided products get the proposal unless migrated."""
    points = _gizwits(air_conditioner_datapoints())
    proposal = propose_climate(points)
    assert climate_setting({}, "pk", points) == proposal
    assert climate_setting({CONF_PROPOSALS: False}, "pk", points) is None
    declined = with_climate({}, "pk", None)
    assert declined == {CONF_APPLIANCES: {"pk": {"climate": None}}}
    assert climate_setting(declined, "pk", points) is None
    mapped = with_climate({CONF_PROPOSALS: False}, "pk", {"target": "set_temp"})
    assert climate_setting(mapped, "pk", points) == {"target": "set_temp"}
    assert climate_setting(mapped, "other", points) is None
    # Garbage stored by hand is no decision.
    assert climate_setting({CONF_APPLIANCES: {"pk": "x"}}, "pk", points) == proposal


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        # Power and a numeric speed 1..5 (the Xlink purifier's shape).
        (
            [
                _point("0", "电源", Shape.FLAG),
                _point("2", "风速", Shape.NUMBER, minimum=1, maximum=5),
                _point("4", "童锁", Shape.FLAG),
            ],
            {"power": "0", "speed": "2"},
        ),
        # Option speed and an oscillation flag, English names.
        (
            [
                _point("power", "Power", Shape.FLAG),
                _point("speed", "Fan speed", Shape.OPTION, options=("low", "high")),
                _point("osc", "Oscillate", Shape.FLAG),
            ],
            {"power": "power", "speed": "speed", "oscillate": "osc"},
        ),
        # A speed too fine to be steps (0..1000) or a fractional one is no fan speed.
        (
            [
                _point("p", "电源", Shape.FLAG),
                _point("s", "风速", Shape.NUMBER, minimum=0, maximum=1000),
            ],
            None,
        ),
        ([_point("p", "电源", Shape.FLAG), _point("s", "风速", Shape.NUMBER, step=0.5)], None),
        # No power: no fan.
        ([_point("s", "风速", Shape.OPTION, options=("1", "2"))], None),
    ],
)
def test_fan_proposals(points: list[Point], expected: dict[str, str] | None) -> None:
    """Power and a speed; the speed an option or a small whole-number range."""
    assert propose_fan(points) == expected


def test_a_climate_is_proposed_no_fan() -> None:
    """The air conditioner has power and a fan speed, but it is a climate."""
    assert propose_fan(_gizwits(air_conditioner_datapoints())) is None


def test_fan_mapping_checks() -> None:
    """A hand-mapped fan needs power; a resolved one drops what no longer fits."""
    points = [
        _point("p", "电源", Shape.FLAG),
        _point("s", "风速", Shape.OPTION, options=("a", "b")),
    ]
    assert fan_problem({"speed": "s"}, points) == "fan_needs_power"
    assert fan_problem({"power": "s"}, points) == "appliance_unsuitable"
    assert fan_problem({"power": "p", "oscillate": "p"}, points) == "appliance_same_datapoint"
    assert fan_problem({"power": "p"}, points) is None
    resolved = resolve_fan({"power": "p", "speed": "gone", "keep": True}, points)
    assert resolved is not None
    assert (resolved.power.key, resolved.speed, resolved.keep) == ("p", None, True)
    assert resolve_fan({"speed": "s"}, points) is None
    assert resolve_fan(None, points) is None
