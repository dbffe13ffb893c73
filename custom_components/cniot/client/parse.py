"""Tolerant conversions shared by the vendor models.

Numbers and flags differ per vendor (units glued to numbers, "true"/"false"
strings), so each vendor keeps its own ``as_float``/``as_bool``; these are the
ones every vendor reads the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
