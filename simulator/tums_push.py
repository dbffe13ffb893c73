"""Old import path of ``simulator.tums.messages`` (The TUMS simulator's push messages), kept for callers not yet moved."""

from __future__ import annotations

from .tums.messages import *  # noqa: F403
