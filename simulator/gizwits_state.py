"""Old import path of ``simulator.gizwits.state`` and ``.scenario``, kept for callers not yet moved."""

from __future__ import annotations

from .gizwits.scenario import *  # noqa: F403
from .gizwits.state import *  # noqa: F403
