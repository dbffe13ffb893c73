"""What TUMS entities, their descriptions and the camera use of the runtime.

Entities get this narrow view, not the runtime: they import no runtime module, and
the runtime (which builds them) is the only one importing both.
"""

from __future__ import annotations

from typing import Protocol

from ..features import FeatureTracker
from ..vendor import CniotConfigEntry
from .coordinator import TumsDeviceCoordinator
from .operations import TumsOperations
from .tiers import TumsFirmwareCoordinator, TumsSettingsCoordinator, TumsSolarCoordinator


class TumsPushState(Protocol):
    """Real-time events as the event entities see them."""

    @property
    def enabled(self) -> bool:
        """Whether the entry receives pushed events."""

    @property
    def reset_seconds(self) -> float:
        """How long a pushed detection shows as detected."""


class TumsEntityRuntime(Protocol):
    """The application's data, tiers, operations and streams, for its entities."""

    @property
    def access_key(self) -> str:
        """The application's AK: it scopes identifiers and unique IDs."""

    @property
    def entry(self) -> CniotConfigEntry:
        """The config entry."""

    @property
    def coordinator(self) -> TumsDeviceCoordinator:
        """The device list."""

    @property
    def firmware(self) -> TumsFirmwareCoordinator:
        """The firmware tier."""

    @property
    def solar(self) -> TumsSolarCoordinator:
        """The solar tier."""

    @property
    def settings(self) -> TumsSettingsCoordinator:
        """The settings tier."""

    @property
    def features(self) -> FeatureTracker:
        """The optional features, and which are unavailable."""

    @property
    def push(self) -> TumsPushState:
        """Real-time events."""

    @property
    def operations(self) -> TumsOperations:
        """The device operations (buttons, switches, selects, times, updates)."""
