"""What Xlink entities use of the runtime.

Entities get this narrow view, not the runtime: they import no runtime module, and
the runtime (which builds them) is the only one importing both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .coordinator import XlinkCoordinator


class XlinkEntityRuntime(Protocol):
    """The account's data, datapoint writes and probes."""

    @property
    def scope(self) -> str:
        """The entry's ID: it scopes identifiers and unique IDs."""

    @property
    def coordinator(self) -> XlinkCoordinator:
        """The account's products, devices and their values."""

    async def async_control(self, device_id: int, values: Mapping[int, Any]) -> None:
        """Write datapoints of one device."""

    async def async_probe(self, device_id: int) -> None:
        """Ask one device for its current values."""
