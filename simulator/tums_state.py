"""Old import path of ``simulator.tums.state`` (State and scenarios of the TUMS simulator), kept for callers not yet moved."""

from __future__ import annotations

from .tums.state import *  # noqa: F403
