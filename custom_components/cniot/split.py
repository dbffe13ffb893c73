"""Accounts too large for one entry: parts of whole groups (regions, products).

Home Assistant adds at most 10,000 enabled entities per config entry. A vendor's
config flow estimates the enabled entities of each group of its account; past the
budget (entity_limit.py), the flow offers one entry per run of whole groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

# Entry data of a part: its number (1 keeps the account's own unique ID and
# whatever the account shows once).
CONF_PART: Final = "part"


@dataclass(frozen=True, slots=True)
class Group:
    """A group of the account's devices that stays whole, and its estimated entities."""

    group_id: str
    name: str
    devices: int
    entities: int


@dataclass(frozen=True, slots=True)
class SplitPlan:
    """The account's parts: runs of whole groups, in the order given."""

    devices: int
    estimate: int
    parts: tuple[tuple[Group, ...], ...]
    # The entry data key holding a part's group IDs.
    key: str
    # Entry data the first part alone keeps (a login's tokens: the others log in anew,
    # rather than share a pair that the first refresh replaces).
    first_only: frozenset[str] = frozenset()

    def part_data(self, data: Mapping[str, Any], number: int) -> dict[str, Any]:
        """Entry data for part ``number`` (from 1)."""
        groups = self.parts[number - 1]
        kept = {k: v for k, v in data.items() if number == 1 or k not in self.first_only}
        return {**kept, self.key: [g.group_id for g in groups], CONF_PART: number}

    def part_title(self, title: str, number: int) -> str:
        """The account's title and the part's groups."""
        groups = self.parts[number - 1]
        names = groups[0].name if len(groups) == 1 else f"{groups[0].name} - {groups[-1].name}"
        return f"{title} ({names})"


def part_unique_id(unique_id: str, data: Mapping[str, Any], key: str) -> str:
    """An entry's unique ID: the account's, and for parts after the first their first group.

    The first part keeps the account's, so a second flow for the account aborts.
    """
    groups = data.get(key)
    if data.get(CONF_PART, 1) == 1 or not groups:
        return unique_id
    return f"{unique_id}:{groups[0]}"


def plan_parts(
    groups: Iterable[Group], budget: int, key: str, first_only: frozenset[str] = frozenset()
) -> SplitPlan | None:
    """Runs of whole groups within ``budget`` entities; None when one entry holds them all.

    A group over the budget on its own is a part by itself (its entry's repair issue
    then says what else to do); one group alone cannot be split.
    """
    listed = list(groups)
    estimate = sum(g.entities for g in listed)
    if estimate <= budget or len(listed) < 2:
        return None
    parts: list[tuple[Group, ...]] = []
    current: list[Group] = []
    size = 0
    for group in listed:
        # A group with no entities (a product without devices yet) joins the run it is in.
        if current and group.entities and size + group.entities > budget:
            parts.append(tuple(current))
            current, size = [], 0
        current.append(group)
        size += group.entities
    parts.append(tuple(current))
    if len(parts) < 2:
        return None
    return SplitPlan(
        devices=sum(g.devices for g in listed),
        estimate=estimate,
        parts=tuple(parts),
        key=key,
        first_only=first_only,
    )
