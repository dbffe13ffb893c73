"""The TUMS simulator: the core and every feature's endpoints, one application."""

from __future__ import annotations

from .devices import DevicesApi
from .flow import FlowApi
from .media import MediaApi
from .push import PushApi
from .settings import SettingsApi
from .solar import SolarApi


class TumsSimulator(DevicesApi, SettingsApi, SolarApi, MediaApi, FlowApi, PushApi):
    """The TUMS OpenAPI on loopback (see :class:`~simulator.tums.core.TumsCore`)."""
