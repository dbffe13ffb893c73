"""Async client of the TP-LINK commercial cloud (TUMS) OpenAPI.

One class made of its API areas (devices, settings, alarms/video/push) on the
signed-call core in client_core.py. It knows nothing of Home Assistant.
"""

from __future__ import annotations

from .client_devices import TumsDeviceApi
from .client_media import TumsMediaApi
from .client_settings import TumsSettingsApi


class TumsClient(TumsDeviceApi, TumsSettingsApi, TumsMediaApi):
    """Talks to the TUMS OpenAPI with one application's AK/SK.

    The terminal id identifies this client to the cloud; the integration
    generates it once per config entry.
    """
