"""Old import path of ``simulator.tums.signing`` (TUMS request signing), kept for callers not yet moved."""

from __future__ import annotations

from .tums.signing import *  # noqa: F403
