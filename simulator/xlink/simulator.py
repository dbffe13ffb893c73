"""The Xlink simulator: the core and the device endpoints, one application."""

from __future__ import annotations

from .devices import DevicesApi


class XlinkSimulator(DevicesApi):
    """The Xlink /v2 API, serving a scenario (see :class:`~simulator.xlink.core.XlinkCore`)."""
