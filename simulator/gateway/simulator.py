"""The gateway backend simulator: the core and every endpoint, one application."""

from __future__ import annotations

from .devices import DevicesApi
from .mapping import MappingApi


class GatewaySimulator(DevicesApi, MappingApi):
    """The gateway backend, serving a scenario (see :class:`~simulator.gateway.core.GatewayCore`)."""
