"""Tolerant conversions shared by the vendor models.

``as_float`` reads the leading number of a string (``"58640 Kbps"``), as the
gateway and TUMS replies need; Gizwits, whose numbers must be whole numbers
or nothing, keeps a stricter one of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
import math
import re
from typing import Any

_NUMBER_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")
_MIN_TIMESTAMP = 946684800  # 2000-01-01
_MAX_TIMESTAMP = 4102444800  # 2100-01-01


def as_str(value: Any) -> str | None:
    """A non-empty string (numbers are turned into text), or None."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A mapping, or an empty one."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    """A list, or an empty one."""
    return value if isinstance(value, list) else []


def finite(value: float) -> float | None:
    """The value as a finite float, or None.

    JSON allows integers of any size and Python's decoder reads ``Infinity`` and
    ``NaN``; neither fits a sensor, and ``float()`` of a huge integer overflows.
    """
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def as_float(value: Any) -> float | None:
    """A finite number, also the leading number of a string such as ``"58640 Kbps"``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return finite(value)
    if isinstance(value, str):
        match = _NUMBER_RE.match(value)
        if match:
            return finite(float(match.group(1)))
    return None


def as_int(value: Any) -> int | None:
    """An integer (fractions truncated), or None."""
    number = as_float(value)
    return int(number) if number is not None else None


def epoch_to_datetime(number: float | None) -> datetime | None:
    """Seconds or milliseconds since the epoch, if plausible (2000-2100)."""
    if number is None:
        return None
    if number >= 1e12:
        number /= 1000
    if not _MIN_TIMESTAMP <= number <= _MAX_TIMESTAMP:
        return None
    return datetime.fromtimestamp(number, tz=UTC)
