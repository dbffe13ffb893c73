"""Simulator of the Gizwits (机智云) enterprise API, ``/v1/products/{product_key}/...``.

Semantics follow the vendor documents (gizwits-enterprise-api.md and its newer web
version): tokens, the per-enterprise hourly quota with ``X-RateLimit-*`` headers, the
IP whitelist, datapoint validation and the error table's codes and HTTP statuses.
Handlers are synchronous between reading the body and replying, so every change is
atomic with respect to other requests.

``core`` holds the state and the request pipeline; ``devices``, ``reports`` and ``admin``
the endpoints; ``codes`` the error table and parameter readers; ``state`` and
``scenario`` the data model and the demo and generated scenarios.
"""

from __future__ import annotations

from .codes import ERRORS, HISTORY_MAX
from .scenario import default_gizwits_scenario, generate_gizwits_scenario
from .simulator import GizwitsSimulator
from .state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
    GizwitsScenario,
)

__all__ = [
    "AC_PRODUCT_KEY",
    "AC_PRODUCT_SECRET",
    "DEMO_ENTERPRISE_ID",
    "DEMO_ENTERPRISE_SECRET",
    "ERRORS",
    "HISTORY_MAX",
    "PLUG_PRODUCT_KEY",
    "PLUG_PRODUCT_SECRET",
    "GizwitsScenario",
    "GizwitsSimulator",
    "default_gizwits_scenario",
    "generate_gizwits_scenario",
]
