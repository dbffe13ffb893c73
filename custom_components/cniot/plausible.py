"""Plausible values only: the bounds a vendor's value must keep to become a state.

Shared by every vendor (issue 23). A vendor's reply may carry anything JSON allows:
1e40 for a data rate, -1 for a counter, ``true`` for a number, NUL or a right-to-left
override in a name, a 3 kB string, the year 9999. The functions here say what is
plausible; :class:`BoundsGuard` turns what is not into unknown for one entity, with one
log line until the value returns within its bounds.

For other vendor code (the datapoint stack) the calls are:

- ``sensor_bounds(device_class, unit, state_class)`` and ``number_bounds(low, high)``: the
  bounds of a numeric state (a datapoint's declared min/max go through the latter);
- ``BoundsGuard().check(name, value, bounds)``: the value, or None (logged once a spell);
- ``within(value, bounds)``: the same without logging, for parsers;
- ``plausible_bool(value)``: True/False, 0/1 and their strings only;
- ``plausible_id(value)`` and ``plausible_channel(value)``: an identity, or None before it
  can make a device;
- ``clean_name(value)`` and ``clean_text(value)``: text without control, direction or
  zero-width characters, at most 255 characters (cut with an ellipsis);
- ``plausible_time(value)``: a datetime (or epoch seconds/ms, or ISO text) in 2000-2100;
- ``PlausibleSensorEntity`` (plausible_sensor.py): a sensor base whose ``plausible(value)`` applies all of the above
  to a state by the sensor's device class, unit and state class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import logging
import math
import re
from typing import Any, Final, cast
import unicodedata

_LOGGER = logging.getLogger(__package__)

# Home Assistant's device and state classes and units, by value: the clients import
# this module, and they run without Home Assistant.
PERCENTAGE: Final = "%"
SIGNAL_STRENGTH_DECIBELS_MILLIWATT: Final = "dBm"
TOTAL_INCREASING: Final = "total_increasing"

# Home Assistant refuses longer states (and logs an error on every write).
MAX_STATE_LENGTH: Final = 255
ELLIPSIS: Final = "…"
# Beyond this, a magnitude is a bug or an attack, whatever the quantity (1 EB in bytes).
MAX_MAGNITUDE: Final = 1e15
# Identifiers: what a device's identity may look like before it makes a device.
MAX_ID_LENGTH: Final = 128
MAX_CHANNEL: Final = 1024
_MIN_TIME: Final = datetime(2000, 1, 1, tzinfo=UTC)
_MAX_TIME: Final = datetime(2100, 1, 1, tzinfo=UTC)
_MIN_EPOCH: Final = _MIN_TIME.timestamp()
_MAX_EPOCH: Final = _MAX_TIME.timestamp()
# Only integers a float holds exactly (JSON numbers beyond are someone's mistake).
_INT_LIMIT: Final = 2**53
_SPACES_RE: Final = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Bounds:
    """An inclusive range a number must keep."""

    low: float
    high: float

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` is a finite number within the range (never a bool)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        try:
            return math.isfinite(value) and self.low <= value <= self.high
        except OverflowError:  # an int too large for a float
            return False


ANY: Final = Bounds(-MAX_MAGNITUDE, MAX_MAGNITUDE)
NON_NEGATIVE: Final = Bounds(0, MAX_MAGNITUDE)
PERCENT: Final = Bounds(0, 100)
# Received power in dBm: below -140 no receiver decodes anything, above 0 is a transmitter.
SIGNAL_DBM: Final = Bounds(-140, 0)
# Ratios in dB (RSRQ about -34..3, SINR about -20..40).
SIGNAL_DB: Final = Bounds(-50, 60)
# Degrees Celsius any device reports about itself or its surroundings.
TEMPERATURE_C: Final = Bounds(-90, 150)

# Quantities that cannot be negative, whatever their unit.
_NON_NEGATIVE_CLASSES: Final = frozenset(
    {
        *("data_rate", "data_size", "duration", "energy_storage", "frequency", "distance"),
        *("speed", "volume", "volume_storage", "water", "gas", "weight", "precipitation"),
        *("illuminance", "pm25", "pm10", "carbon_dioxide"),
    }
)


def number_bounds(low: float | None, high: float | None) -> Bounds:
    """Declared bounds (a datapoint's min and max), within the magnitude cap."""
    return Bounds(
        max(low, -MAX_MAGNITUDE) if low is not None else -MAX_MAGNITUDE,
        min(high, MAX_MAGNITUDE) if high is not None else MAX_MAGNITUDE,
    )


def sensor_bounds(
    device_class: str | None, unit: str | None, state_class: str | None = None
) -> Bounds:
    """The physical bounds of a numeric sensor, from what it measures."""
    if device_class == "signal_strength":
        return SIGNAL_DBM if unit == SIGNAL_STRENGTH_DECIBELS_MILLIWATT else SIGNAL_DB
    if unit == PERCENTAGE or device_class in ("battery", "humidity", "moisture"):
        return PERCENT
    if device_class == "temperature" and unit == "°C":
        return TEMPERATURE_C
    if device_class in _NON_NEGATIVE_CLASSES:
        return NON_NEGATIVE
    if state_class == TOTAL_INCREASING:
        return NON_NEGATIVE  # a counter
    return ANY


def within(value: Any, bounds: Bounds = ANY) -> float | int | None:
    """The number if it is within the bounds, else None (bools are no numbers)."""
    return value if value in bounds else None


class BoundsGuard:
    """One entity's numbers against its bounds: outside, unknown; logged once a spell."""

    __slots__ = ("_out",)

    def __init__(self) -> None:
        """Start within bounds."""
        self._out = False

    def check(self, name: str, value: Any, bounds: Bounds) -> Any:
        """``value`` if it is no number or a number within ``bounds``; None otherwise.

        ``name`` (an entity ID) is what the log line names; nothing else is logged.
        """
        if value is None or isinstance(value, str | datetime):
            return value
        if value in bounds:
            if self._out:
                self._out = False
                _LOGGER.info("%s: its value is plausible again", name)
            return value
        if not self._out:
            self._out = True
            _LOGGER.warning(
                "%s: implausible value %.6g (outside %g..%g), shown as unknown until it returns",
                name,
                _loggable(value),
                bounds.low,
                bounds.high,
            )
        return None


def _loggable(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def plausible_bool(value: Any) -> bool | None:
    """A flag: true/false, 0/1, or their strings; anything else is unknown.

    Some APIs send 0/1 where a boolean is meant; 2, 1e40 or an object mean nothing.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true"):
            return True
        if text in ("0", "false"):
            return False
    return None


def _invisible(char: str) -> bool:
    # Cc: control (NUL, ESC, DEL, C1); Cf: format (RLO and other direction marks,
    # zero-width space and joiners, BOM); Cs/Co/Cn: surrogates, private use, unassigned.
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn")


def clean_text(value: Any, limit: int = MAX_STATE_LENGTH) -> str | None:
    """Text fit for a state: no control/direction/zero-width characters, at most ``limit``.

    Whitespace runs (tabs and newlines included) become one space; a longer text is
    cut, ending in an ellipsis. Empty after cleaning: None. Numbers are no text here.
    """
    if not isinstance(value, str):
        return None
    text = "".join(" " if char.isspace() else char for char in value if not _invisible(char))
    text = _SPACES_RE.sub(" ", text).strip()
    if not text:
        return None
    if len(text) > limit:
        text = text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return text


def clean_name(value: Any) -> str | None:
    """A device or entity name: :func:`clean_text`, numbers taken as their text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return clean_text(value)


def plausible_id(value: Any) -> str | None:
    """An identifier (serial, qrCode, device ID) fit to make a device, else None.

    A string of printable characters without spaces at either end, at most 128 long,
    or a non-negative integer a float holds exactly; never a float (1e40 would become
    "1e+40", a device nobody has), a bool or a container.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if 0 <= value < _INT_LIMIT else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_ID_LENGTH or any(_invisible(c) for c in text):
        return None
    return text


def plausible_channel(value: Any) -> int | None:
    """A channel number (1..1024): an integer, or a string of one; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer() and abs(value) < _INT_LIMIT:
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_CHANNEL:
        return value
    return None


def plausible_time(value: Any) -> datetime | None:
    """A moment in 2000-2100, from a datetime, epoch seconds or ms, or ISO 8601 text.

    Naive datetimes are taken as UTC. Anything else, or outside those years: None.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
        if not math.isfinite(number):
            return None
        if number >= 1e12:
            number /= 1000
        if not _MIN_EPOCH <= number < _MAX_EPOCH:
            return None
        return datetime.fromtimestamp(number, tz=UTC)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment if _MIN_TIME <= moment < _MAX_TIME else None


def sensor_state[V](
    value: V,
    bounds: Bounds,
    guard: BoundsGuard | None = None,
    name: str = "",
) -> V | None:
    """A sensor's value made plausible: text cleaned, moments and numbers bounded.

    Without a guard, nothing is logged (parsers, tests).
    """
    if isinstance(value, str):
        return cast("V | None", clean_text(value))
    if isinstance(value, datetime):
        return cast("V | None", plausible_time(value))
    if value is None:
        return None
    if guard is None:
        return value if value in bounds else None
    return cast("V | None", guard.check(name, value, bounds))
