"""Home Assistant independent building blocks shared by the vendor API clients."""

from __future__ import annotations

from .errors import (
    CniotAuthenticationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotRequestRefusedError,
    CniotTimeoutError,
    CniotVendorError,
)

__all__ = [
    "CniotAuthenticationError",
    "CniotConnectionError",
    "CniotDeviceOfflineError",
    "CniotError",
    "CniotInvalidResponseError",
    "CniotRateLimitedError",
    "CniotRequestRefusedError",
    "CniotTimeoutError",
    "CniotVendorError",
]
