"""Loopback simulators of the vendor cloud and gateway APIs the cniot integration talks to.

Run ``python -m simulator --help``; see simulator/README.md.
"""

from __future__ import annotations

from .faults import Fault, FaultInjector
from .gateway import GatewaySimulator
from .scenario import Scenario, default_scenario, generate_scenario, load_scenario

__all__ = [
    "Fault",
    "FaultInjector",
    "GatewaySimulator",
    "Scenario",
    "default_scenario",
    "generate_scenario",
    "load_scenario",
]
