"""Appliance entities made of several datapoints: proposals, the stored mapping, modes.

A product's datapoints may together be an appliance: a climate (a power flag, a mode
option, a target and a current temperature, a fan-speed option, a swing flag) or a fan
(power, speed, oscillation). ``propose_climate`` and ``propose_fan`` read that from the
datapoints' names, types and ranges; the user accepts, declines or edits it in the
options, stored per product as ``options["appliances"][product][kind]`` (option keys
by role, or None when declined). Everything here is pure: the runtime resolves it
against the live schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypedDict

from homeassistant.components.climate import HVACMode

from .describe import Point, Shape

# Options: per product, per appliance kind, the mapping (None: the user declined it).
CONF_APPLIANCES: Final = "appliances"
# Options: whether a product the user has not decided on gets its proposal. Absent means
# yes (entries made since proposals exist); entries from before are migrated to False.
CONF_PROPOSALS: Final = "appliance_proposals"
KIND_CLIMATE: Final = "climate"
KIND_FAN: Final = "fan"

ROLE_POWER: Final = "power"
ROLE_MODE: Final = "mode"
ROLE_TARGET: Final = "target"
ROLE_CURRENT: Final = "current"
ROLE_FAN: Final = "fan"
ROLE_SWING: Final = "swing"
ROLE_SPEED: Final = "speed"
ROLE_OSCILLATE: Final = "oscillate"
CLIMATE_ROLES: Final = (ROLE_POWER, ROLE_MODE, ROLE_TARGET, ROLE_CURRENT, ROLE_FAN, ROLE_SWING)
FAN_ROLES: Final = (ROLE_POWER, ROLE_SPEED, ROLE_OSCILLATE)
ROLES: Final[Mapping[str, tuple[str, ...]]] = {KIND_CLIMATE: CLIMATE_ROLES, KIND_FAN: FAN_ROLES}
# The most speeds a numeric speed datapoint may have (a fan's speed count).
MAX_SPEEDS: Final = 100
KEEP: Final = "keep"  # the mapped datapoints keep their own entities too


class ClimateSetting(TypedDict, total=False):
    """A product's climate mapping as stored: option keys by role."""

    power: str
    mode: str
    target: str
    current: str
    fan: str
    swing: str
    keep: bool


class FanSetting(TypedDict, total=False):
    """A product's fan mapping as stored: option keys by role."""

    power: str
    speed: str
    oscillate: str
    keep: bool


@dataclass(frozen=True, slots=True)
class FanPoints:
    """A product's fan mapping, resolved to its datapoints."""

    power: Point
    speed: Point | None = None
    oscillate: Point | None = None
    keep: bool = False

    @property
    def mapped(self) -> tuple[Point, ...]:
        """The datapoints the fan entity shows."""
        roles = (self.power, self.speed, self.oscillate)
        return tuple(point for point in roles if point is not None)


@dataclass(frozen=True, slots=True)
class ClimatePoints:  # pylint: disable=too-many-instance-attributes
    """A product's climate mapping, resolved to its datapoints."""

    power: Point | None = None
    mode: Point | None = None
    target: Point | None = None
    current: Point | None = None
    fan: Point | None = None
    swing: Point | None = None
    keep: bool = False

    @property
    def mapped(self) -> tuple[Point, ...]:
        """The datapoints the climate entity shows."""
        roles = (self.power, self.mode, self.target, self.current, self.fan, self.swing)
        return tuple(point for point in roles if point is not None)


# -- fitting a datapoint to a role ---------------------------------------------------


def _text(point: Point) -> str:
    """What a datapoint's name says, with its key (some vendors key them by English words)."""
    return f"{point.name} {point.key}".lower()


def _says(point: Point, words: Iterable[str], unless: Iterable[str] = ()) -> bool:
    text = _text(point)
    return any(word in text for word in words) and not any(word in text for word in unless)


_POWER_WORDS: Final = ("开关", "电源", "power", "switch", "on_off", "onoff")
_NOT_POWER: Final = ("定时", "锁", "灯", "摆", "扫", "timer", "lock", "led", "light", "swing")
_MODE_WORDS: Final = ("模式", "mode")
_NOT_MODE: Final = ("风", "fan", "灯", "light")
_TEMPERATURE_WORDS: Final = ("温度", "室温", "temp")
_TARGET_WORDS: Final = ("设定", "目标", "设置", "set", "target")
_CURRENT_PREFERRED: Final = ("室温", "室内", "当前", "room", "current", "indoor")
_FAN_WORDS: Final = ("风速", "风量", "风档", "fan")
_NOT_FAN: Final = ("摆", "扫", "swing")
_SWING_WORDS: Final = ("摆风", "扫风", "摆动", "摆头", "swing", "oscillat")
_SPEED_WORDS: Final = ("风速", "风量", "风档", "档位", "fan", "speed")
_NOT_SPEED: Final = ("摆", "扫", "swing", "模式", "mode", "定时", "timer")
_NOT_TEMPERATURE: Final = ("色温", "colo", "报警", "故障", "alarm", "fault")


def fits(role: str, point: Point) -> bool:
    """Whether a datapoint can take a role at all (its type; for a hand mapping)."""
    if role in (ROLE_POWER, ROLE_SWING, ROLE_OSCILLATE):
        return point.shape is Shape.FLAG and point.writable
    if role == ROLE_SPEED:
        return point.writable and (
            (point.shape is Shape.OPTION and len(point.options) > 1)
            or (
                point.shape is Shape.NUMBER
                and point.step == 1
                and float(point.minimum).is_integer()
                and 1 <= point.maximum - point.minimum < MAX_SPEEDS
            )
        )
    if role in (ROLE_MODE, ROLE_FAN):
        return point.shape is Shape.OPTION and point.writable and bool(point.options)
    if role == ROLE_TARGET:
        return point.shape is Shape.NUMBER and point.writable
    if role == ROLE_CURRENT:
        return point.shape is Shape.NUMBER
    return False


def _is_temperature(point: Point) -> bool:
    return _says(point, _TEMPERATURE_WORDS, _NOT_TEMPERATURE) or point.unit in ("°C", "°F")


def _first(points: Sequence[Point], role: str, test: Any) -> Point | None:
    return next((point for point in points if fits(role, point) and test(point)), None)


def propose_climate(points: Sequence[Point]) -> ClimateSetting | None:
    """A climate mapping from a product's datapoints; None without a temperature to show.

    A target temperature is enough; a read-only temperature alone needs something to
    control beside it (power or a mode), or every thermometer would be a climate.
    """
    target = _first(
        points, ROLE_TARGET, lambda p: _is_temperature(p) and _says(p, _TARGET_WORDS)
    ) or _first(points, ROLE_TARGET, _is_temperature)
    readings = [p for p in points if not p.writable and fits(ROLE_CURRENT, p)]
    current = _first(
        readings, ROLE_CURRENT, lambda p: _is_temperature(p) and _says(p, _CURRENT_PREFERRED)
    ) or _first(readings, ROLE_CURRENT, _is_temperature)
    power = _first(points, ROLE_POWER, lambda p: _says(p, _POWER_WORDS, _NOT_POWER))
    mode = _first(points, ROLE_MODE, lambda p: _says(p, _MODE_WORDS, _NOT_MODE))
    if target is None and (current is None or (power is None and mode is None)):
        return None
    fan = _first(points, ROLE_FAN, lambda p: p is not mode and _says(p, _FAN_WORDS, _NOT_FAN))
    swing = _first(points, ROLE_SWING, lambda p: p is not power and _says(p, _SWING_WORDS))
    found = {
        ROLE_POWER: power,
        ROLE_MODE: mode,
        ROLE_TARGET: target,
        ROLE_CURRENT: current,
        ROLE_FAN: fan,
        ROLE_SWING: swing,
    }
    setting = ClimateSetting()
    for role, point in found.items():
        if point is not None:
            setting[role] = point.option  # type: ignore[literal-required]
    return setting


def climate_problem(setting: Mapping[str, Any], points: Sequence[Point]) -> str | None:
    """Why a hand mapping cannot be a climate (an options-flow error key), or None."""
    if (problem := _role_problem(CLIMATE_ROLES, setting, points)) is not None:
        return problem
    if not setting.get(ROLE_TARGET) and not setting.get(ROLE_CURRENT):
        return "climate_needs_temperature"
    return None


def propose_fan(points: Sequence[Point]) -> FanSetting | None:
    """A fan mapping: a power switch and a speed; None where a climate fits better."""
    if propose_climate(points) is not None:
        return None
    power = _first(points, ROLE_POWER, lambda p: _says(p, _POWER_WORDS, _NOT_POWER))
    speed = _first(points, ROLE_SPEED, lambda p: _says(p, _SPEED_WORDS, _NOT_SPEED))
    if power is None or speed is None:
        return None
    setting = FanSetting(power=power.option, speed=speed.option)
    oscillate = _first(points, ROLE_OSCILLATE, lambda p: p is not power and _says(p, _SWING_WORDS))
    if oscillate is not None:
        setting["oscillate"] = oscillate.option
    return setting


def fan_problem(setting: Mapping[str, Any], points: Sequence[Point]) -> str | None:
    """Why a hand mapping cannot be a fan (an options-flow error key), or None."""
    if (problem := _role_problem(FAN_ROLES, setting, points)) is not None:
        return problem
    return None if setting.get(ROLE_POWER) else "fan_needs_power"


def _role_problem(
    roles: Sequence[str], setting: Mapping[str, Any], points: Sequence[Point]
) -> str | None:
    by_option = {point.option: point for point in points}
    chosen = [setting[role] for role in roles if setting.get(role)]
    if len(chosen) != len(set(chosen)):
        return "appliance_same_datapoint"
    for role in roles:
        option = setting.get(role)
        if option and ((point := by_option.get(option)) is None or not fits(role, point)):
            return "appliance_unsuitable"
    return None


def _resolved(
    roles: Sequence[str], setting: Mapping[str, Any], points: Sequence[Point]
) -> dict[str, Point]:
    """The roles whose datapoint is still there and still fits, each datapoint once."""
    by_option = {point.option: point for point in points}
    found: dict[str, Point] = {}
    for role in roles:
        option = setting.get(role)
        point = by_option.get(option) if isinstance(option, str) else None
        if point is not None and fits(role, point) and point not in found.values():
            found[role] = point
    return found


def resolve_fan(setting: Mapping[str, Any] | None, points: Sequence[Point]) -> FanPoints | None:
    """A stored fan mapping against the product's datapoints; no power left, no fan."""
    if not isinstance(setting, Mapping):
        return None
    found = _resolved(FAN_ROLES, setting, points)
    power = found.pop(ROLE_POWER, None)
    if power is None:
        return None
    return FanPoints(power=power, keep=bool(setting.get(KEEP)), **found)


def propose(kind: str, points: Sequence[Point]) -> Mapping[str, Any] | None:
    """The proposal of one kind of appliance."""
    return propose_climate(points) if kind == KIND_CLIMATE else propose_fan(points)


def problem(kind: str, setting: Mapping[str, Any], points: Sequence[Point]) -> str | None:
    """Why a hand mapping of one kind cannot be, or None."""
    return (
        climate_problem(setting, points) if kind == KIND_CLIMATE else fan_problem(setting, points)
    )


def resolve_climate(
    setting: Mapping[str, Any] | None, points: Sequence[Point]
) -> ClimatePoints | None:
    """A stored mapping against the product's datapoints as they are now.

    A role whose datapoint is gone, or no longer fits, is dropped; without a
    temperature left there is no climate (its datapoints get their entities back).
    """
    if not isinstance(setting, Mapping):
        return None
    found = _resolved(CLIMATE_ROLES, setting, points)
    if ROLE_TARGET not in found and ROLE_CURRENT not in found:
        return None
    return ClimatePoints(keep=bool(setting.get(KEEP)), **found)


def stored_setting(options: Mapping[str, Any], product: str, kind: str) -> tuple[bool, Any]:
    """Whether the user decided on the product's appliance, and what (None: declined)."""
    appliances = options.get(CONF_APPLIANCES)
    product_setting = appliances.get(product) if isinstance(appliances, Mapping) else None
    if isinstance(product_setting, Mapping) and kind in product_setting:
        return True, product_setting[kind]
    return False, None


def setting_in_effect(
    kind: str, options: Mapping[str, Any], product: str, points: Sequence[Point]
) -> Mapping[str, Any] | None:
    """The product's mapping in effect: the user's, else the proposal where allowed."""
    decided, setting = stored_setting(options, product, kind)
    if decided:
        return setting if isinstance(setting, Mapping) else None
    if options.get(CONF_PROPOSALS, True) is False:
        return None
    return propose(kind, points)


def with_setting(
    options: Mapping[str, Any], product: str, kind: str, setting: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The options with one product's decision on one kind of appliance stored."""
    appliances = options.get(CONF_APPLIANCES)
    stored = dict(appliances) if isinstance(appliances, Mapping) else {}
    product_setting = stored.get(product)
    stored[product] = {
        **(product_setting if isinstance(product_setting, Mapping) else {}),
        kind: dict(setting) if setting is not None else None,
    }
    return {**options, CONF_APPLIANCES: stored}


def climate_setting(
    options: Mapping[str, Any], product: str, points: Sequence[Point]
) -> Mapping[str, Any] | None:
    """The product's climate mapping in effect."""
    return setting_in_effect(KIND_CLIMATE, options, product, points)


def with_climate(
    options: Mapping[str, Any], product: str, setting: ClimateSetting | None
) -> dict[str, Any]:
    """The options with one product's climate decision stored."""
    return with_setting(options, product, KIND_CLIMATE, setting)


# -- HVAC modes from a mode datapoint's labels ------------------------------------------

_HVAC_LABELS: Final[Mapping[str, HVACMode]] = {
    **dict.fromkeys(("制冷", "冷气", "cool", "cooling", "cold"), HVACMode.COOL),
    **dict.fromkeys(("制热", "暖气", "加热", "heat", "heating", "warm"), HVACMode.HEAT),
    **dict.fromkeys(("除湿", "抽湿", "干燥", "dry", "dehumidify"), HVACMode.DRY),
    **dict.fromkeys(("送风", "通风", "fan", "fan_only", "fan only", "wind"), HVACMode.FAN_ONLY),
    **dict.fromkeys(("自动", "智能", "auto", "automatic"), HVACMode.AUTO),
    **dict.fromkeys(("冷暖", "heat_cool"), HVACMode.HEAT_COOL),
}
_LABEL_SUFFIXES: Final = ("模式", " mode", "_mode")


def hvac_of(label: str) -> HVACMode | None:
    """The HVAC mode a mode label makes plain (制冷, cool, 制冷模式...), or None."""
    text = label.strip().lower()
    for suffix in _LABEL_SUFFIXES:
        text = text.removesuffix(suffix)
    return _HVAC_LABELS.get(text.strip())


@dataclass(frozen=True, slots=True)
class ModeMap:
    """A mode datapoint's labels as HVAC modes and presets."""

    hvac: Mapping[str, HVACMode]  # label -> mode (one label per mode)
    presets: tuple[str, ...]  # the labels that are no HVAC mode
    fallback: HVACMode  # the mode shown while on with no plain label (or no mode at all)

    @property
    def modes(self) -> list[HVACMode]:
        """The modes while on, the fallback included where a state needs it."""
        modes = list(dict.fromkeys(self.hvac.values()))
        if (not modes or self.presets) and self.fallback not in modes:
            modes.append(self.fallback)
        return modes

    def label_of(self, mode: HVACMode) -> str | None:
        """The label to write for a mode; None when it is only the fallback."""
        return next((label for label, hvac in self.hvac.items() if hvac is mode), None)


_HEAT_WORDS: Final = ("热", "暖", "heat", "warm")
_COOL_WORDS: Final = ("冷", "cool")


def mode_map(labels: Sequence[str], names: Iterable[str] = ()) -> ModeMap:
    """Map labels to HVAC modes; the rest are presets.

    The fallback is what the datapoints' names say the appliance does (a heater heats),
    else auto: the device decides.
    """
    hvac: dict[str, HVACMode] = {}
    presets: list[str] = []
    for label in labels:
        mode = hvac_of(label)
        if mode is None or mode in hvac.values():
            presets.append(label)
        else:
            hvac[label] = mode
    text = " ".join(names).lower()
    fallback = HVACMode.AUTO
    if any(word in text for word in _HEAT_WORDS):
        fallback = HVACMode.HEAT
    elif any(word in text for word in _COOL_WORDS):
        fallback = HVACMode.COOL
    return ModeMap(hvac, tuple(presets), fallback)
