"""Old import path of ``simulator.xlink.state``, kept for callers not yet moved."""

from __future__ import annotations

from .xlink.state import *  # noqa: F403
