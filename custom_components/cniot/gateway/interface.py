"""What gateway entities use of the runtime.

Entities get this narrow view, not the runtime: they import no runtime module, and
the runtime (which builds them) is the only one importing both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .client import GatewayClient
from .coordinator import GatewayCoordinator


class GatewayEntityRuntime(Protocol):
    """The backend's data, scope and client, and the settings write."""

    @property
    def coordinator(self) -> GatewayCoordinator:
        """The device list."""

    @property
    def scope(self) -> str:
        """The entry's ID: it scopes identifiers and unique IDs."""

    @property
    def client(self) -> GatewayClient:
        """The backend's client (its URL names the devices' configuration page)."""

    async def async_write(self, sn: str, changes: Mapping[str, Any]) -> None:
        """Write settings to one gateway, then refresh."""
