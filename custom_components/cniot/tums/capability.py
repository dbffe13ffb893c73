"""Camera actions offered only to devices whose capability set (1.4.3.16) supports them."""

from __future__ import annotations

from collections.abc import Sequence
import time
from typing import Final

from homeassistant.exceptions import ServiceValidationError

from ..client.errors import CniotError
from ..const import DOMAIN, LOGGER
from .client import TumsClient
from .codes import DeviceCategory
from .models import Device
from .tier_models import Capability

# Capability sets change with firmware only: a day keeps the cost at one call per device.
CAPABILITY_TTL: Final = 86400.0


class CapabilityCache:
    """Capability sets by device key, read when an action first needs them."""

    def __init__(self, client: TumsClient) -> None:
        self._client = client
        self._sets: dict[str, tuple[float, Capability]] = {}

    async def async_get(self, device: Device) -> Capability | None:
        """The device's set; None when it cannot be read (the action is then tried)."""
        now = time.monotonic()
        cached = self._sets.get(device.key)
        if cached is not None and now - cached[0] < CAPABILITY_TTL:
            return cached[1]
        try:
            capability = await self._client.async_get_capability(device)
        except CniotError as err:
            # Unknown is not unsupported: the cloud's own answer then decides.
            LOGGER.debug("capability set of %s not read: %s", device.key, err)
            return None
        self._sets[device.key] = (now, capability)
        return capability

    async def async_require(self, devices: Sequence[Device], name: str) -> None:
        """Refuse, before anything is sent, the devices whose set lacks ``name``."""
        lacking = []
        for device in devices:
            if name == "local_storage" and device.category is DeviceCategory.NVR:
                continue  # the NVR table has no such field: its disks answer for it
            capability = await self.async_get(device)
            if capability is not None and not capability.supports(name):
                lacking.append(device)
        if lacking:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="tums_not_capable",
                translation_placeholders={
                    "devices": ", ".join(d.name or d.key for d in lacking),
                    "capability": name,
                },
            )
