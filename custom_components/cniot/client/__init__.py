"""Home Assistant independent building blocks shared by the vendor API clients."""

from __future__ import annotations

from .errors import (
    CniotAuthenticationError,
    CniotConfigurationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotInvalidValueError,
    CniotRateLimitedError,
    CniotRequestRefusedError,
    CniotTimeoutError,
    CniotVendorError,
)

__all__ = [
    "CniotAuthenticationError",
    "CniotConfigurationError",
    "CniotConnectionError",
    "CniotDeviceOfflineError",
    "CniotError",
    "CniotInvalidResponseError",
    "CniotInvalidValueError",
    "CniotRateLimitedError",
    "CniotRequestRefusedError",
    "CniotTimeoutError",
    "CniotVendorError",
]
