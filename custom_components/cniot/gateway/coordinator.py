"""Polling of the gateway backend."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from ..absence import AbsenceCounter
from ..client.errors import CniotError
from ..const import CONF_SCAN_INTERVAL, DOMAIN, LOGGER
from .client import GatewayClient
from .const import DEFAULT_SCAN_INTERVAL
from .errors import GATEWAY_ERRORS
from .models import Gateway

if TYPE_CHECKING:
    from ..vendor import CniotConfigEntry

# The backend reports uptime in whole seconds and our poll lands at varying
# moments, so a boot time computed from it wobbles; keep the old one within this.
BOOT_TIME_TOLERANCE = timedelta(seconds=90)
# Longer uptimes are nonsense, and far larger ones would overflow the date arithmetic.
MAX_UPTIME = 50 * 365 * 86400


@dataclass(frozen=True, slots=True)
class GatewayData:
    """One refresh of the backend."""

    gateways: dict[str, Gateway]
    boot_times: dict[str, datetime] = field(default_factory=dict)
    # Device identifier -> successful polls in a row without it (absence.py).
    absent: Mapping[str, int] = field(default_factory=dict)


class GatewayCoordinator(DataUpdateCoordinator[GatewayData]):
    """Pages through ``devices/list`` with every field group."""

    config_entry: CniotConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: GatewayClient,
        identifiers: Callable[[GatewayData], Collection[str]],
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} gateway {entry.title}",
            update_interval=timedelta(
                seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
            ),
            always_update=False,
        )
        self.client = client
        self.absence = AbsenceCounter(identifiers)

    async def _async_update_data(self) -> GatewayData:
        try:
            gateways = await self.client.async_get_devices()
        except CniotError as err:
            raise GATEWAY_ERRORS.update_error(err) from err
        data = GatewayData(gateways=gateways, boot_times=self._boot_times(gateways))
        # A gateway missing from a list with unreadable entries may be one of them.
        complete = not self.client.malformed.count
        return replace(data, absent=self.absence.count(self.data, data, complete=complete))

    def _boot_times(self, gateways: dict[str, Gateway]) -> dict[str, datetime]:
        now = dt_util.utcnow()
        previous = self.data.boot_times if self.data else {}
        result: dict[str, datetime] = {}
        for sn, gateway in gateways.items():
            uptime = gateway.uptime
            if uptime is None or not 0 <= uptime <= MAX_UPTIME or not gateway.online:
                continue
            boot = (now - timedelta(seconds=uptime)).replace(microsecond=0)
            old = previous.get(sn)
            if old is not None and abs(boot - old) <= BOOT_TIME_TOLERANCE:
                boot = old
            result[sn] = boot
        return result
