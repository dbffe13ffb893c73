"""Simulator of the TP-LINK commercial cloud (TUMS, 商用云) OpenAPI.

Semantics follow the vendor document (tums-openapi.txt): AK/SK request signing (1.2.2),
the ``error_code``/``msg``/``result``/``failList`` envelope (1.3.3), validation, the error
codes of 1.5 and state changes. Device lifecycles (reboot, firmware upgrade) advance with
the simulator clock, evaluated whenever a request looks at a device. HTTP-FLV URLs (a newer
revision of the document) point back at this simulator and serve a small real H.264 stream.

Split as the integration's client is: ``core`` (state, signing, envelope, lookup),
``devices``, ``settings`` (configuration, storage, alarms), ``solar``, ``media`` (streams,
HTTP-FLV; ``flv`` encodes them), ``flow`` (passenger flow) and ``push`` (``messages``
builds them); ``codes`` holds the constants and parameter readers, ``state`` the scenario.
"""

from __future__ import annotations

from .codes import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, SIGNATURE_EXPIRED, SIGNATURE_WINDOW
from .core import FlvSession
from .simulator import TumsSimulator

__all__ = [
    "DEMO_ACCESS_KEY",
    "DEMO_SECRET_KEY",
    "SIGNATURE_EXPIRED",
    "SIGNATURE_WINDOW",
    "FlvSession",
    "TumsSimulator",
]
