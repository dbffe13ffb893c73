"""Simulator of the smart cellular bonding gateway backend (IG200-class), ``/api/v1``.

Semantics follow the vendor document (gateway-api.md): validation, error codes 7001-7011
and state changes. Request handlers are synchronous between reading the body and
replying, so every write is atomic with respect to other requests.

``core`` holds the state, drift, charts and the reply envelope; ``devices`` and
``mapping`` the endpoints; ``codes`` the paths, codes and writable fields; ``state``,
``network`` and ``scenario`` the data model and its loading.
"""

from __future__ import annotations

from .codes import BASE_FIELDS, DEFAULT_MAX_DEVICES, DEFAULT_SET_PATH
from .simulator import GatewaySimulator

__all__ = ["BASE_FIELDS", "DEFAULT_MAX_DEVICES", "DEFAULT_SET_PATH", "GatewaySimulator"]
