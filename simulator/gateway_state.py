"""Old import path of ``simulator.gateway.state`` (the gateway simulator's state), kept for callers not yet moved."""

from __future__ import annotations

from .gateway.state import *  # noqa: F403
