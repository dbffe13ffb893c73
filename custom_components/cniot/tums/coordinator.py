"""The TUMS device tier: the device list and the application overview."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..client.errors import CniotAuthenticationError, CniotError, CniotRateLimitedError
from ..client.paging import gather_or_raise
from ..const import CONF_SCAN_INTERVAL, DOMAIN, LOGGER, VENDOR_TUMS
from ..errors import translation_for
from .client import REAUTH_ERRORS, TumsClient
from .const import CONF_APP_TYPE, DEFAULT_SCAN_INTERVAL
from .models import ApplicationType, Device, Overview

if TYPE_CHECKING:
    from ..vendor import CniotConfigEntry


@dataclass(frozen=True, slots=True)
class TumsData:
    """Every device of the application (NVR channels and sub-devices flattened in)."""

    devices: dict[str, Device]
    overview: Overview


def flatten(devices: Iterable[Device]) -> dict[str, Device]:
    """Devices and their children, by key; children keep their own entries."""
    result: dict[str, Device] = {}
    stack = list(devices)
    while stack:
        device = stack.pop(0)
        if device.key:
            result.setdefault(device.key, device)
        stack.extend(device.children)
    return result


class TumsDeviceCoordinator(DataUpdateCoordinator[TumsData]):
    """One paged device list (100 per call, children included) and one overview call."""

    config_entry: CniotConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: TumsClient,
        on_refresh: Callable[[TumsData], None] | None = None,
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} tums {entry.title}",
            update_interval=timedelta(
                seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
            ),
            always_update=False,
        )
        self.client = client
        self.app_type = ApplicationType(entry.data[CONF_APP_TYPE])
        self._on_refresh = on_refresh

    async def _async_update_data(self) -> TumsData:
        try:
            # Independent calls: the overview goes out beside the device pages.
            devices, overview = await gather_or_raise(
                self.client.async_get_devices(self.app_type), self.client.async_get_overview()
            )
        except CniotAuthenticationError as err:
            if err.code in REAUTH_ERRORS:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="auth_failed"
                ) from err
            raise _update_failed(err) from err
        except CniotRateLimitedError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=err.retry_after,
            ) from err
        except CniotError as err:
            raise _update_failed(err) from err
        data = TumsData(devices=flatten(devices), overview=overview)
        if self._on_refresh is not None:
            self._on_refresh(data)
        return data


def _update_failed(err: CniotError) -> UpdateFailed:
    key, placeholders = translation_for(err, VENDOR_TUMS)
    return UpdateFailed(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )
