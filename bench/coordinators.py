"""Finding a runtime's coordinators, and the fewest requests each could do with.

Coordinators are found by walking the runtime, so tiers added later (firmware,
solar, passenger flow, settings) are measured without changes here; a tier
missing from ``MINIMUMS`` is reported with "n/a".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
import math
from typing import Any

from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from custom_components.cniot.gateway.coordinator import GatewayCoordinator
from custom_components.cniot.gizwits.coordinator import GizwitsCoordinator
from custom_components.cniot.tums.client_devices import MAX_PAGE_SIZE as TUMS_PAGE
from custom_components.cniot.tums.coordinator import TumsDeviceCoordinator
from custom_components.cniot.tums.tiers import TumsFirmwareCoordinator
from custom_components.cniot.xlink.coordinator import XlinkCoordinator

PACKAGE = "custom_components.cniot"
# The largest pages the simulators serve; the gateway and Gizwits documents name
# no maximum, the TUMS document says 100.
GATEWAY_MAX_PAGE = 1000
GIZWITS_MAX_PAGE = 1000
# The Xlink simulator's page and v_devices maxima (the documents name none).
XLINK_MAX_PAGE = 1000
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Found:
    """A coordinator and where it sits in the runtime (``coordinator``, ``tiers['solar']``)."""

    path: str
    coordinator: DataUpdateCoordinator[Any]

    @property
    def tier(self) -> str:
        """The coordinator's class name without the vendor prefix and suffix."""
        name = type(self.coordinator).__name__.removesuffix("Coordinator")
        for prefix in ("Tums", "Gizwits", "Gateway", "Xlink"):
            if name.startswith(prefix) and len(name) > len(prefix):
                return name.removeprefix(prefix)
        return name or "coordinator"


def find_coordinators(runtime: object) -> list[Found]:
    """Every DataUpdateCoordinator reachable from the runtime's attributes.

    Walks attributes, dicts, lists, tuples and sets, and objects of this
    integration's own classes, but nothing of Home Assistant's (``hass``, the entry).
    """
    found: list[Found] = []
    seen: set[int] = set()

    def walk(value: object, path: str, depth: int) -> Iterator[Found]:
        if id(value) in seen or depth > MAX_DEPTH:
            return
        seen.add(id(value))
        if isinstance(value, DataUpdateCoordinator):
            yield Found(path, value)
            return
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, f"{path}[{key!r}]", depth + 1)
        elif isinstance(value, list | tuple | set | frozenset):
            for index, item in enumerate(value):
                yield from walk(item, f"{path}[{index}]", depth + 1)
        elif type(value).__module__.startswith(PACKAGE) and hasattr(value, "__dict__"):
            for name, item in vars(value).items():
                yield from walk(item, f"{path}.{name}" if path else name, depth + 1)

    found.extend(walk(runtime, "", 0))
    return found


def _gateway(coordinator: DataUpdateCoordinator[Any]) -> int:
    return max(1, math.ceil(len(coordinator.data.gateways) / GATEWAY_MAX_PAGE))


def _gizwits(coordinator: DataUpdateCoordinator[Any]) -> int:
    data = coordinator.data
    listed = data.summary.total if data.summary and data.summary.total else len(data.devices)
    online = sum(1 for device in data.devices.values() if device.online)
    # One search page, then one data read per online device: the API has no batch read.
    return max(1, math.ceil(listed / GIZWITS_MAX_PAGE)) + online


def _xlink(coordinator: DataUpdateCoordinator[Any]) -> int:
    data = coordinator.data
    total = 0
    for pid in data.products:
        count = sum(1 for device in data.devices.values() if device.product_id == pid)
        # Device-list pages, then batched virtual-device reads.
        total += max(1, math.ceil(count / XLINK_MAX_PAGE)) + math.ceil(count / XLINK_MAX_PAGE)
    return max(1, total)


def _tums_devices(coordinator: DataUpdateCoordinator[Any]) -> int:
    return max(1, math.ceil(len(coordinator.data.devices) / TUMS_PAGE)) + 1


def _tums_firmware(coordinator: DataUpdateCoordinator[Any]) -> int:
    # Upgrade info takes 100 devices a call; the list has no versions to spare it.
    assert isinstance(coordinator, TumsFirmwareCoordinator)  # noqa: S101
    return max(1, math.ceil(len(coordinator.devices.data.devices) / TUMS_PAGE))


MINIMUMS: dict[type[Any], tuple[str, Callable[[DataUpdateCoordinator[Any]], int]]] = {
    GatewayCoordinator: ("ceil(gateways / 1000)", _gateway),
    GizwitsCoordinator: ("ceil(listed / 1000) + online devices", _gizwits),
    TumsDeviceCoordinator: ("ceil(listed / 100) + 1", _tums_devices),
    XlinkCoordinator: (
        "per product ceil(listed / 1000) pages + ceil(listed / 1000) batches",
        _xlink,
    ),
    TumsFirmwareCoordinator: ("ceil(listed / 100) upgrade-info pages", _tums_firmware),
}


def minimum(coordinator: DataUpdateCoordinator[Any]) -> tuple[int | None, str]:
    """The fewest requests the API permits for one refresh, and how it is counted."""
    for cls, (rule, count) in MINIMUMS.items():
        if isinstance(coordinator, cls):
            return count(coordinator), rule
    return None, "n/a"


def concurrency(coordinator: DataUpdateCoordinator[Any]) -> int:
    """Requests the coordinator's client keeps in flight at most (1 if unknown)."""
    limit = getattr(getattr(coordinator, "client", None), "max_concurrency", None)
    return limit if isinstance(limit, int) and limit > 0 else 1
