"""What Gizwits entities use of the runtime.

Entities get this narrow view, not the runtime: they import no runtime module, and
the runtime (which builds them) is the only one importing both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .coordinator import GizwitsCoordinator


class GizwitsEntityRuntime(Protocol):
    """The product's data, and datapoint writes."""

    @property
    def coordinator(self) -> GizwitsCoordinator:
        """The product's devices and their values."""

    async def async_control(self, did: str, attrs: Mapping[str, Any]) -> None:
        """Write datapoints of one device."""
