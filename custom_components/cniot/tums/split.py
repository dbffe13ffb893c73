"""Splitting a project application too large for one entry into entries by region.

Home Assistant adds at most 10,000 enabled entities per config entry. The config
flow lists the application once, estimates the enabled entities its devices get,
and, past the budget (entity_limit.py), offers one entry per group of whole regions,
each listing only its own regions (the list's ``regionId`` filter, 1.2.2.2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .codes import ApplicationType
from .const import CONF_PART, CONF_REGIONS
from .models import Device

# Enabled entities a listed device gets with the defaults, rounded up: 2,000 generated
# devices (2,500 listed) have 8,643 (tests/tums/test_entity_limit.py), 3.5 each; a
# fleet of other device kinds may get more, and its entry's repair issue then says so.
ENABLED_PER_DEVICE: Final = 4


@dataclass(frozen=True, slots=True)
class Region:
    """One region of the application and how many list entries it has."""

    region_id: str
    name: str
    devices: int


@dataclass(frozen=True, slots=True)
class SplitPlan:
    """The application's parts: each a group of whole regions, in region order."""

    devices: int
    estimate: int
    parts: tuple[tuple[Region, ...], ...]

    def part_data(self, data: Mapping[str, Any], number: int) -> dict[str, Any]:
        """Entry data for part ``number`` (from 1)."""
        regions = self.parts[number - 1]
        return {**data, CONF_REGIONS: [r.region_id for r in regions], CONF_PART: number}

    def part_title(self, title: str, number: int) -> str:
        """The application's title and the part's regions."""
        regions = self.parts[number - 1]
        names = regions[0].name if len(regions) == 1 else f"{regions[0].name} - {regions[-1].name}"
        return f"{title} ({names})"


def part_unique_id(access_key: str, data: Mapping[str, Any]) -> str:
    """An entry's unique ID: the access key, and for parts after the first their first region.

    The first part keeps the bare key, so a second flow for the key aborts.
    """
    regions = data.get(CONF_REGIONS)
    if data.get(CONF_PART, 1) == 1 or not regions:
        return access_key
    return f"{access_key}:{regions[0]}"


def plan_split(
    app_type: ApplicationType | str, devices: Iterable[Device], budget: int
) -> SplitPlan | None:
    """The parts, when the estimate is over ``budget``; None when one entry holds it.

    Only project applications have regions. A region too large on its own is a
    part by itself (its entry's repair issue then says what else to do). A device
    in no region could be listed by no part: then no split is offered either.
    """
    listed = list(devices)
    estimate = len(listed) * ENABLED_PER_DEVICE
    if ApplicationType(app_type) is not ApplicationType.PROJECT or estimate <= budget:
        return None
    if any(not d.region_id for d in listed):
        return None  # a device in no region would be in no part
    counts = Counter(d.region_id for d in listed if d.region_id)
    names = {d.region_id: d.region_name or d.region_id for d in listed if d.region_id}
    if len(counts) < 2:
        return None
    capacity = max(1, budget // ENABLED_PER_DEVICE)
    parts: list[tuple[Region, ...]] = []
    current: list[Region] = []
    size = 0
    for region_id in sorted(counts):
        region = Region(region_id, names[region_id], counts[region_id])
        if current and size + region.devices > capacity:
            parts.append(tuple(current))
            current, size = [], 0
        current.append(region)
        size += region.devices
    parts.append(tuple(current))
    if len(parts) < 2:
        return None
    return SplitPlan(devices=len(listed), estimate=estimate, parts=tuple(parts))
