"""Placeholder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class QuotaRun:
    """One simulated run."""

    devices: int
    hours: int
    entities: bool


async def run_quota(run: QuotaRun, log: Callable[[str], None]) -> dict[str, Any]:
    """Placeholder."""
    return {}
