"""Splitting a project application too large for one entry into entries by region.

The config flow lists the application once and estimates the enabled entities its
devices get; past the budget it offers one entry per run of whole regions, each
listing only its own regions (the list's ``regionId`` filter, 1.2.2.2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Final

from ..split import Group, SplitPlan, plan_parts
from .codes import ApplicationType
from .const import CONF_REGIONS
from .models import Device

# Enabled entities a listed device gets with the defaults, rounded up: 2,000 generated
# devices (2,500 listed) have 8,643 (tests/tums/test_entity_limit.py), 3.5 each; a
# fleet of other device kinds may get more, and its entry's repair issue then says so.
ENABLED_PER_DEVICE: Final = 4


def plan_split(
    app_type: ApplicationType | str, devices: Iterable[Device], budget: int
) -> SplitPlan | None:
    """The parts, when the estimate is over ``budget``; None when one entry holds it.

    Only project applications have regions. A device in no region could be listed
    by no part: then no split is offered either.
    """
    listed = list(devices)
    if ApplicationType(app_type) is not ApplicationType.PROJECT:
        return None
    if any(not d.region_id for d in listed):
        return None
    counts = Counter(d.region_id for d in listed if d.region_id)
    names = {d.region_id: d.region_name or d.region_id for d in listed if d.region_id}
    groups = [
        Group(region, names[region], counts[region], counts[region] * ENABLED_PER_DEVICE)
        for region in sorted(counts)
    ]
    return plan_parts(groups, budget, CONF_REGIONS)
