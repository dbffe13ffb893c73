"""Old import path of ``simulator.gateway.scenario`` (the gateway simulator's scenarios), kept for callers not yet moved."""

from __future__ import annotations

from .gateway.scenario import *  # noqa: F403
