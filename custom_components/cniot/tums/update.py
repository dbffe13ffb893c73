"""Firmware of a TUMS device as an update entity."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.components.update import (
    UpdateDeviceClass,
    UpdateEntity,
    UpdateEntityFeature,
)
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError

from ..const import DOMAIN
from .codes import UpgradeStatus
from .const import UPGRADE_TIMEOUT
from .entity import TumsTierEntity
from .interface import TumsEntityRuntime
from .tier_models import UpgradeInfo
from .tiers import upgrade_running

# The state attribute holds at most 255 characters.
MAX_SUMMARY = 255


class TumsFirmwareUpdate(TumsTierEntity[UpgradeInfo], UpdateEntity):
    """Installed and newest firmware; install runs upgradeDeviceOnline to the end."""

    _attr_device_class = UpdateDeviceClass.FIRMWARE
    _attr_entity_category = EntityCategory.CONFIG
    _attr_supported_features = (
        UpdateEntityFeature.INSTALL
        | UpdateEntityFeature.PROGRESS
        | UpdateEntityFeature.RELEASE_NOTES
    )

    def __init__(self, runtime: TumsEntityRuntime, key: str, *, unique_id: str) -> None:
        super().__init__(runtime, runtime.firmware, key, unique_id)
        self._waiter: asyncio.Future[UpgradeInfo] | None = None

    @property
    def available(self) -> bool:
        """Offline devices still show their versions; only missing data is unavailable."""
        return (
            self.runtime.coordinator.last_update_success
            and self.coordinator.last_update_success
            and self._feature_available
            and self.device is not None
            and self.item is not None
        )

    @property
    def installed_version(self) -> str | None:
        """The running firmware."""
        item = self.item
        return item.current_version if item is not None else None

    @property
    def latest_version(self) -> str | None:
        """The newest firmware the cloud knows of, else the running one."""
        item = self.item
        if item is not None and item.update_available and item.new_firmware:
            return item.new_firmware.version
        return self.installed_version

    @property
    def release_summary(self) -> str | None:
        """The start of the release notes."""
        log = self._release_log()
        return log[:MAX_SUMMARY] if log else None

    @property
    def release_url(self) -> str | None:
        """Where the vendor publishes the notes."""
        item = self.item
        if item is not None and item.update_available and item.new_firmware:
            return item.new_firmware.release_log_url
        return None

    def _release_log(self) -> str | None:
        item = self.item
        if item is not None and item.update_available and item.new_firmware:
            return item.new_firmware.release_log
        return None

    async def async_release_notes(self) -> str | None:
        """The whole release notes."""
        return self._release_log()

    @property
    def in_progress(self) -> bool:
        """Downloading, importing, installing or waiting to install."""
        return upgrade_running(self.item)

    @property
    def update_percentage(self) -> int | None:
        """The download as the first half, the installation as the second."""
        item = self.item
        if not upgrade_running(item) or item is None:
            return None
        if item.status is UpgradeStatus.DOWNLOADING:
            return (item.download_progress or 0) // 2
        return 50 + (item.upgrade_progress or 0) // 2

    @callback
    def _handle_coordinator_update(self) -> None:
        """Settle a waiting install once the device reports an outcome."""
        waiter = self._waiter
        item = self.item
        if waiter is not None and not waiter.done() and item is not None:
            status = item.status
            if status is not None and (status.failed or status is UpgradeStatus.SUCCEEDED):
                waiter.set_result(item)
        super()._handle_coordinator_update()

    async def async_install(self, version: str | None, backup: bool, **kwargs: Any) -> None:
        """Start the upgrade and wait for its outcome, polling every 15 s meanwhile."""
        device = self.device
        if device is None:
            return
        self._waiter = self.hass.loop.create_future()
        try:
            await self.runtime.operations.async_upgrade([device])
            try:
                async with asyncio.timeout(UPGRADE_TIMEOUT.total_seconds()):
                    outcome = await self._waiter
            except TimeoutError as err:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="tums_upgrade_timeout",
                    translation_placeholders={"name": device.name or device.key},
                ) from err
        finally:
            self._waiter = None
        status = outcome.status
        if status is not None and status.failed:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=f"tums_upgrade_failed_{-status.value}",
                translation_placeholders={"name": device.name or device.key},
            )
        # The list shows the new version (and the reboot) at its next poll.
        await self.runtime.coordinator.async_request_refresh()
