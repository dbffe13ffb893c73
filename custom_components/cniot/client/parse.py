"""Tolerant conversions shared by the vendor models.

``as_float`` reads the leading number of a string (``"58640 Kbps"``), as some
replies need; ``as_number`` is the strict one, for models whose numbers must be
numbers or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
import logging
import math
import re
from typing import Any

from .errors import CniotInvalidResponseError

_NUMBER_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")
_MIN_TIMESTAMP = 946684800  # 2000-01-01
_MAX_TIMESTAMP = 4102444800  # 2100-01-01


def as_str(value: Any) -> str | None:
    """A non-empty string (numbers are turned into text), or None."""
    # Exact type checks first: these run for every field of every device, every refresh.
    if type(value) is str:
        return value if value and not value.isspace() else None
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


_INT_LIMIT = 2**53


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


def as_number(value: Any) -> float | None:
    """A finite number, also from a string that is wholly numeric; never a bool.

    Stricter than ``as_float``: for datapoint values, where ``"12 abc"`` is no number.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return finite(value)
    if isinstance(value, str):
        try:
            return finite(float(value.strip()))
        except ValueError:
            return None
    return None


def as_int(value: Any) -> int | None:
    """An integer (fractions truncated), or None."""
    # The common case, fast; integers too large for a float are refused like floats.
    if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT:
        return value
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


class ParseMemo[T]:
    """Parses list entries, reusing the result for an entry that arrives unchanged.

    At fleet scale most entries of a list are the same as last time: they then
    cost a hash instead of a parse, and yield the very object parsed before, so
    comparing the new data with the old is mostly identity checks. Entries not
    seen in the previous round (see :meth:`rotate`) are forgotten.
    """

    def __init__(self, parse: Callable[[Mapping[str, Any]], T]) -> None:
        self._parse = parse
        self._current: dict[Hashable, T] = {}
        self._previous: dict[Hashable, T] = {}

    def rotate(self) -> None:
        """Start a new round (a new full listing)."""
        self._previous, self._current = self._current, {}

    def __call__(self, item: Any) -> T:
        """The parsed entry; the same object as before when the entry is unchanged."""
        mapping = as_mapping(item)
        # The value types are part of the key: 1, 1.0 and True are equal, yet parse apart.
        key = (tuple(mapping.items()), tuple(map(type, mapping.values())))
        try:
            parsed = self._current.get(key)
            if parsed is None:
                parsed = self._previous.get(key)
        except TypeError:  # nested lists or objects: not hashable, parse every time
            return self._parse(mapping)
        if parsed is None:
            parsed = self._parse(mapping)
        self._current[key] = parsed
        return parsed


HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def as_flag(value: Any) -> bool | None:
    """A boolean written to a datapoint: a bool, or 0/1; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def as_bytes(value: Any, *, pad_odd: bool = False) -> bytes | None:
    """Bytes from hex text (spaces ignored), bytes or byte values (0-255); else None.

    Hex text of an odd digit count is refused, or with ``pad_odd`` completed with a
    trailing zero nibble.
    """
    if isinstance(value, str):
        text = "".join(value.split())
        if (len(text) % 2 and not pad_odd) or not all(char in HEX_DIGITS for char in text):
            return None
        return bytes.fromhex(text + "0" * (len(text) % 2))
    if isinstance(value, bytes | bytearray) or (
        isinstance(value, list | tuple)
        and all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= 255 for i in value)
    ):
        return bytes(value)
    return None


def texts(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """``as_str`` of each key, by key: the plain text fields of a reply's item."""
    return {key: as_str(data.get(key)) for key in keys}


class MalformedEntries:
    """Entries of a listing that could not be read: skipped and counted, logged once a spell.

    One bad entry costs only itself; the rest of the listing is read. While a listing
    has any, a device missing from it may be one of them, so nothing may count as
    deleted (absence.py): ``count`` says so.
    """

    def __init__(self, what: str, logger: logging.Logger) -> None:
        """Count the malformed entries of ``what`` (a listing's name, for the log)."""
        self._what = what
        self._logger = logger
        self._pending = 0
        self.count = 0  # in the last complete listing
        self.total = 0  # in every listing since the client was made
        self._spell = False

    def start(self) -> None:
        """A new listing (or a new attempt at one) begins."""
        self._pending = 0

    def add(self, skipped: int = 1) -> None:
        """Entries of the listing that were skipped."""
        self._pending += skipped

    def finish(self, entries: int) -> None:
        """The listing of ``entries`` is complete: log the change, if any, and keep its count.

        A listing none of whose entries can be read is no listing: refused, as a
        broken reply is (the coordinator's failure path logs it).
        """
        count = self._pending
        if entries and count >= entries:
            raise CniotInvalidResponseError(f"{self._what}: no entry has a usable identity")
        self.count = count
        self.total += count
        if count and not self._spell:
            self._logger.warning(
                "%s: skipped %d malformed entr%s (no usable identity); the others are read, "
                "and no device is taken for deleted until the list is whole again",
                self._what,
                count,
                "y" if count == 1 else "ies",
            )
        elif count:
            self._logger.debug("%s: %d malformed entries skipped", self._what, count)
        elif self._spell:
            self._logger.info("%s: every entry is readable again", self._what)
        self._spell = bool(count)

    def diagnostics(self) -> dict[str, int]:
        """The counts, for diagnostics."""
        return {"last_listing": self.count, "total": self.total}
