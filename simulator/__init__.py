"""Loopback simulators of the vendor cloud and gateway APIs the cniot integration talks to.

Run ``python -m simulator --help``; see simulator/README.md.
"""

from __future__ import annotations

from .faults import Fault, FaultInjector
from .gateway import GatewaySimulator
from .gateway.scenario import Scenario, default_scenario, generate_scenario, load_scenario
from .gizwits import GizwitsSimulator
from .gizwits_state import GizwitsScenario, default_gizwits_scenario, generate_gizwits_scenario
from .tums import TumsSimulator
from .xlink import XlinkSimulator
from .xlink.state import XlinkScenario, default_xlink_scenario, generate_xlink_scenario

__all__ = [
    "Fault",
    "FaultInjector",
    "GatewaySimulator",
    "GizwitsScenario",
    "GizwitsSimulator",
    "Scenario",
    "TumsSimulator",
    "XlinkScenario",
    "XlinkSimulator",
    "default_gizwits_scenario",
    "default_scenario",
    "default_xlink_scenario",
    "generate_gizwits_scenario",
    "generate_scenario",
    "generate_xlink_scenario",
    "load_scenario",
]
