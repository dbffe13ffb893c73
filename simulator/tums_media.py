"""Old import path of ``simulator.tums.flv`` (The TUMS simulator's HTTP-FLV encoding), kept for callers not yet moved."""

from __future__ import annotations

from .tums.flv import *  # noqa: F403
