"""How long each device has been missing from the vendor's list, counted in the data.

The count lives in each refresh's data, computed from the previous data alone:
the fetch stays free of side effects, the data changes exactly when a count
changes (so listeners hear it even though they only hear changes), and the
device registry is pruned from a listener (devices.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Protocol

# Successful polls in a row a device must be missing from before it is removed.
MISSES_TO_REMOVE = 2


class Counted(Protocol):
    """A refresh's data that carries the counts."""

    @property
    def absent(self) -> Mapping[str, int]:
        """Identifier -> successful polls in a row without it, for those missing now."""


class AbsenceCounter[D: Counted]:
    """Per device identifier, the successful polls in a row that lacked it."""

    def __init__(self, identifiers: Callable[[D], Collection[str]]) -> None:
        self._identifiers = identifiers
        self._initial: frozenset[str] = frozenset()

    def track(self, identifiers: Iterable[str]) -> None:
        """Identifiers to watch from the first poll on (the registry's, at startup)."""
        self._initial = frozenset(identifiers)

    def count(self, previous: D | None, data: D, *, complete: bool = True) -> Mapping[str, int]:
        """The counts after ``data``; the previous mapping itself when nothing changed.

        An identifier is watched while it was listed last time or its count is below
        the threshold; at the threshold its device is removed and it is forgotten.
        A list that is not ``complete`` (it had entries it could not read) counts no
        miss: a device missing from it may be one of those entries.
        """
        previous_absent = previous.absent if previous is not None else {}
        present = self._identifiers(data)
        watched = set(self._initial if previous is None else self._identifiers(previous))
        watched.update(ident for ident, n in previous_absent.items() if n < MISSES_TO_REMOVE)
        # Not complete: the missing stay watched (a count of 0 at least) but miss nothing.
        miss = 1 if complete else 0
        absent = {
            ident: previous_absent.get(ident, 0) + miss for ident in watched if ident not in present
        }
        return previous_absent if absent == previous_absent else absent
