"""The Gizwits simulator: the core and every endpoint, one application."""

from __future__ import annotations

from .admin import AdminApi
from .devices import DevicesApi
from .reports import ReportsApi


class GizwitsSimulator(DevicesApi, ReportsApi, AdminApi):
    """The Gizwits enterprise API, serving a scenario (see :class:`~simulator.gizwits.core.GizwitsCore`)."""
