"""Sharing one enterprise's hourly call quota among its products' entries.

Kept free of Home Assistant so the arithmetic can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
from typing import Final

HOUR = 3600.0
# The Enterprise API's documented default quota, until headers say otherwise.
DEFAULT_QUOTA: Final = 3600
# Share of the quota the integration allows itself; the rest is left for the
# vendor's own apps and for control commands.
QUOTA_SHARE: Final = 0.8


@dataclass(slots=True)
class Consumer:
    """What one entry spends."""

    per_cycle: int = 1
    per_hour_fixed: float = 0.0


@dataclass(slots=True)
class QuotaBudget:
    """The quota of one enterprise and the entries that draw on it."""

    limit: int = DEFAULT_QUOTA
    remaining: int | None = None
    reset_at: float | None = None
    paused_until: float | None = None
    consumers: dict[str, Consumer] = field(default_factory=dict)
    # Calls observed per window, keyed by the window's reset time.
    used_in_window: int = 0

    def observe(self, limit: int, remaining: int, reset_at: float) -> None:
        """Take in what the latest response headers said."""
        if limit > 0:
            self.limit = limit
        self.remaining = max(0, remaining)
        self.reset_at = reset_at
        self.used_in_window = max(0, self.limit - self.remaining)

    def register(self, key: str) -> Consumer:
        """Add an entry (or return its existing share)."""
        return self.consumers.setdefault(key, Consumer())

    def unregister(self, key: str) -> None:
        """Remove an entry."""
        self.consumers.pop(key, None)

    @property
    def allowed_per_hour(self) -> float:
        """The calls per hour this integration allows itself."""
        return self.limit * QUOTA_SHARE

    def min_interval(self, now: float | None = None) -> float:
        """The shortest cycle interval that keeps all entries within the share.

        Every entry polls on the same interval, so per hour the entries spend
        ``3600 / T * sum(per_cycle) + sum(per_hour_fixed)``. Where the headers tell
        what is left of the current window, the rest of the window is paced too, so
        a setup burst or calls made elsewhere do not push the window over the share.
        """
        per_cycle = sum(c.per_cycle for c in self.consumers.values())
        fixed = sum(c.per_hour_fixed for c in self.consumers.values())
        spare = self.allowed_per_hour - fixed
        if per_cycle <= 0:
            return 0.0
        if spare <= 0:
            return HOUR
        steady = math.ceil(HOUR * per_cycle / spare)
        if now is None or self.remaining is None or self.reset_at is None:
            return steady
        left = self.reset_at - now
        if left <= 0:
            return steady
        spendable = self._spendable(left, fixed)
        if spendable < per_cycle:
            return max(steady, math.ceil(left))
        return max(steady, math.ceil(left * per_cycle / spendable))

    def _spendable(self, left: float, fixed: float) -> float:
        # What the share leaves of this window, the report calls still due set aside.
        remaining = self.remaining or 0
        return remaining - self.limit * (1 - QUOTA_SHARE) - fixed * left / HOUR

    def window_allowance(self, now: float, seconds: float) -> float | None:
        """Calls all entries may make in the next ``seconds``, the rest of the window spread evenly.

        None while no headers told what is left of the current window.
        """
        if self.remaining is None or self.reset_at is None or self.reset_at <= now:
            return None
        left = self.reset_at - now
        fixed = sum(c.per_hour_fixed for c in self.consumers.values())
        return max(0.0, self._spendable(left, fixed)) * min(1.0, seconds / left)

    def effective_interval(self, configured: float, now: float | None = None) -> float:
        """The configured interval, or slower if the quota needs it."""
        return max(configured, self.min_interval(now))

    def pause(self, until: float) -> bool:
        """Stop polling until ``until``; True if this starts a new pause."""
        new = self.paused_until is None
        self.paused_until = max(until, self.paused_until or until)
        return new

    def paused(self, now: float) -> bool:
        """Whether polling is paused at ``now`` (a pause ends by itself)."""
        if self.paused_until is not None and now >= self.paused_until:
            self.paused_until = None
        return self.paused_until is not None

    def can_afford(self, calls: int) -> bool:
        """Whether the window still has room for ``calls`` more calls."""
        return self.remaining is None or self.remaining >= calls
