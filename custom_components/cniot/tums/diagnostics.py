"""What an application's diagnostics show: devices, overview and every tier as parsed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from ..features import FeatureTracker
from .client import TumsClient
from .coordinator import TumsCoordinator, TumsDeviceCoordinator
from .webhook import TumsPush


def tums_diagnostics(
    client: TumsClient,
    coordinator: TumsDeviceCoordinator,
    features: FeatureTracker,
    push: TumsPush,
    tiers: Mapping[str, TumsCoordinator[Any]],
) -> dict[str, Any]:
    """No key or secret: the client's base URL and counters, and parsed data only."""
    data = coordinator.data
    return {
        "base_url": client.base_url,
        "request_count": client.request_count,
        "clock_offset": client.clock_offset,
        "app_type": str(coordinator.app_type),
        "push": push.diagnostics(),
        "last_update_success": coordinator.last_update_success,
        "overview": asdict(data.overview),
        "unavailable_features": features.diagnostics(),
        "devices": [asdict(device) for device in data.devices.values()],
        "malformed_entries": client.malformed.diagnostics(),
        "tiers": {
            name: {
                "last_update_success": tier.last_update_success,
                "interval": str(tier.update_interval),
                # Per-device tiers wake at the interval and read each device once a sweep.
                "sweep": str(getattr(tier, "sweep", tier.update_interval)),
                "data": {key: asdict(item) for key, item in (tier.data or {}).items()},
            }
            for name, tier in tiers.items()
        },
    }
