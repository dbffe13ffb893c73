"""A camera per IPC and per NVR channel, streamed over the cloud's HTTP-FLV.

An HTTP-FLV URL is valid for two hours and serves one pull at a time. The
URL is cached; while a stream runs it is renewed shortly before it expires
and handed to the running stream. When the stream fails, the cloud is asked
why it closed the pull, the reason is logged, and a fresh URL is fetched.

Stills: the TUMS OpenAPI has no snapshot call, so a still is a keyframe of Home
Assistant's own stream worker, the one pull that also feeds HLS. A still from a running
stream costs nothing; without one, the last still serves for ``STILL_MAX_AGE`` before a
new pull is started, so cards that poll every 10 s do not keep pulling. WebRTC providers
(go2rtc) would open a pull of their own next to the worker's, which the cloud refuses, so
they are not offered the cloud URL; a local RTSP source has no such limit and keeps them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from .codes import DeviceCategory
from .const import FLV_LIFETIME, FLV_RENEW_MARGIN
from .entity import TumsDeviceEntity
from .interface import TumsEntityRuntime
from .models import Device
from .rtsp import rtsp_url

if TYPE_CHECKING:
    from homeassistant.components.stream import Stream

# After a stream failure, fetch a new URL (or try a still) at most this often.
RETRY_AFTER_FAILURE = timedelta(seconds=60)
# Without a running stream, the last still is served this long before a new pull.
STILL_MAX_AGE = timedelta(minutes=5)
# Waiting for a keyframe stays within Home Assistant's 10 s for camera_proxy.
STILL_TIMEOUT = 8.0


def has_camera(device: Device) -> bool:
    """IPCs (listed with channel 1) and NVR channels stream video."""
    if device.channel_id is None:
        return False
    return device.is_child or device.category is DeviceCategory.IPC


class TumsCamera(TumsDeviceEntity, Camera):
    """Live video of one IPC or NVR channel."""

    _attr_name = None
    _attr_supported_features = CameraEntityFeature.STREAM
    # use_stream_for_stills stays False: Home Assistant's path would ask the WebRTC
    # provider for the still first, and return nothing until the worker has a keyframe.

    def __init__(self, runtime: TumsEntityRuntime, key: str, *, unique_id: str) -> None:
        TumsDeviceEntity.__init__(self, runtime, key, unique_id)
        Camera.__init__(self)
        self._url: str | None = None
        self._expires: datetime | None = None
        self._lock = asyncio.Lock()
        self._cancel_renewal: Callable[[], None] | None = None
        self._last_failure: datetime | None = None
        self._still: bytes | None = None
        self._still_at: datetime | None = None
        self._still_lock = asyncio.Lock()

    @property
    def available(self) -> bool:
        """Online, and the running stream (if any) is healthy."""
        device = self.device
        if self.stream is not None and not self.stream.available:
            return False
        return super().available and device is not None and device.online

    async def async_will_remove_from_hass(self) -> None:
        """Stop renewing."""
        self._cancel()
        await super().async_will_remove_from_hass()

    def _cancel(self) -> None:
        if self._cancel_renewal is not None:
            self._cancel_renewal()
            self._cancel_renewal = None

    async def stream_source(self) -> str | None:
        """The local RTSP URL if configured, else the cloud's HTTP-FLV URL."""
        device = self.device
        if device is None or not device.online:
            return None
        if (rtsp := self._rtsp_url(device)) is not None:
            return rtsp
        return await self._async_flv_url(device)

    def _rtsp_url(self, device: Device) -> str | None:
        """The local RTSP URL from the options' template, if the user set one."""
        return rtsp_url(self.runtime.entry.options, self.coordinator.data.devices, device)

    def _cloud_source(self) -> bool:
        device = self.device
        return device is None or self._rtsp_url(device) is None

    async def async_refresh_providers(self, *, write_state: bool = True) -> None:
        """Offer WebRTC providers (go2rtc) only a local RTSP source, which allows many pulls."""
        if self._cloud_source():
            return
        await super().async_refresh_providers(write_state=write_state)

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """A keyframe of the stream as JPEG; None when none can be made (offline, no decoder).

        Home Assistant scales the full-size still to ``width`` x ``height`` itself.
        """
        if not self.available:
            return None
        async with self._still_lock:
            stream = self.stream
            running = stream is not None and bool(stream.outputs())
            now = dt_util.utcnow()
            if not running and self._still_at is not None:
                age = now - self._still_at
                if self._still is not None and age < STILL_MAX_AGE:
                    return self._still
                if self._still is None and age < RETRY_AFTER_FAILURE:
                    return None  # no still could be made just now: no new pull yet
            image = await self._async_stream_still(running)
            self._still, self._still_at = image or None, now
            return image or None

    async def _async_stream_still(self, running: bool) -> bytes | None:
        try:
            async with asyncio.timeout(STILL_TIMEOUT):
                stream = self.stream or await self.async_create_stream()
                if stream is None:
                    return None
                # A stream that is just starting has no keyframe yet, and one that was
                # stopped still holds an old picture: both wait for the next keyframe.
                image = await stream.async_get_image() if running else None
                return image or await stream.async_get_image(wait_for_next_keyframe=True)
        except (TimeoutError, HomeAssistantError) as err:
            LOGGER.debug("No still from the stream of %s: %r", self.entity_id, err)
            return None

    async def _async_flv_url(self, device: Device, *, renew: bool = False) -> str:
        async with self._lock:
            now = dt_util.utcnow()
            if (
                not renew
                and self._url is not None
                and self._expires is not None
                and now < self._expires - FLV_RENEW_MARGIN
            ):
                return self._url
            url = await self.runtime.operations.async_flv_url(device)
            self._url, self._expires = url, now + FLV_LIFETIME
            self._cancel()
            self._cancel_renewal = async_call_later(
                self.hass, FLV_LIFETIME - FLV_RENEW_MARGIN, self._async_renew
            )
            return url

    async def _async_renew(self, _now: datetime) -> None:
        """Hand a running stream a fresh URL; without a stream, just forget the old one."""
        self._cancel_renewal = None
        device = self.device
        if self.stream is None or device is None or not device.online:
            self._url = self._expires = None
            return
        await self._async_replace_source(device)

    async def _async_replace_source(self, device: Device) -> None:
        try:
            url = await self._async_flv_url(device, renew=True)
        except HomeAssistantError as err:
            LOGGER.debug("Could not renew the stream URL of %s: %s", self.entity_id, err)
            return
        if self.stream is not None and self._rtsp_url(device) is None:
            self.stream.update_source(url)

    async def async_create_stream(self) -> Stream | None:
        """The stream, watched so that a failed pull is explained and renewed."""
        stream = await super().async_create_stream()
        if stream is not None:
            stream.set_update_callback(self._async_stream_changed)
        return stream

    @callback
    def _async_stream_changed(self) -> None:
        self.async_write_ha_state()
        stream = self.stream
        if stream is None or stream.available or self._url is None:
            return
        now = dt_util.utcnow()
        if self._last_failure is not None and now - self._last_failure < RETRY_AFTER_FAILURE:
            return
        self._last_failure = now
        # Tied to the entry: an unload cancels it instead of leaving it running.
        self.runtime.entry.async_create_background_task(
            self.hass,
            self._async_stream_failed(self._url),
            f"cniot camera {self.entity_id} failure",
        )

    async def _async_stream_failed(self, url: str) -> None:
        """Log why the cloud closed the pull, then try a new URL."""
        reason = await self.runtime.operations.async_flv_close_reason(url)
        LOGGER.warning(
            "The stream of %s stopped; the cloud says: %s",
            self.entity_id,
            reason or "no reason given",
        )
        device = self.device
        if device is not None and device.online and self._rtsp_url(device) is None:
            await self._async_replace_source(device)
