"""TUMS OpenAPI calls on alarms, video streams and message push."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import re
from typing import Any, Final

from ..client.errors import CniotInvalidResponseError
from ..client.parse import as_mapping, as_str
from .client_core import (
    TumsClientCore,
    _ref,
)
from .codes import (
    AlarmType,
    StreamResolution,
    StreamType,
)
from .models import Device, DeviceRef, FailItem
from .paths import (
    PATH_FLV_CLOSE_REASON,
    PATH_FLV_URL,
    PATH_GET_PUSH_CONFIG,
    PATH_GET_PUSH_SK,
    PATH_SET_ALARM_INPUT,
    PATH_SET_ALARM_OUTPUT,
    PATH_SET_DETECTION,
    PATH_SET_PUSH_CONFIG,
    PATH_SET_PUSH_SK,
    PATH_STREAM_URL,
    PATH_TRIGGER_ALARM,
)
from .tier_models import PushConfig

_PUSH_SK_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
_FLV_RESOLUTIONS: Final = frozenset({"HD", "VGA"})
_FLV_STREAM_TYPES: Final = frozenset({"video", "sdvod"})
_FLV_VIDEO_CODES: Final = frozenset({"H264", "H265"})
MAX_ALARM_TYPES: Final = 10  # alarmTypeList holds 1 to 10 types


class TumsMediaApi(TumsClientCore):
    """Alarms and detections, live streams, and the message-push subscription."""

    # Alarms

    async def async_trigger_alarm(self, device: DeviceRef | Device, on: bool) -> None:
        """Start or stop the alarm output by hand."""
        # The document types action as a string: "1" starts, "0" stops.
        await self.async_call(
            PATH_TRIGGER_ALARM, {**_ref(device).to_payload(), "action": "1" if on else "0"}
        )

    async def async_set_detection(
        self,
        devices: Iterable[DeviceRef | Device],
        alarm_types: Iterable[AlarmType | int],
        enabled: bool,
    ) -> list[FailItem]:
        """Turn event detections on or off; failures name the device and type."""
        types = [int(alarm_type) for alarm_type in alarm_types]
        if not 1 <= len(types) <= MAX_ALARM_TYPES:
            raise ValueError("give 1 to 10 alarm types")
        return await self._batch_failures(
            PATH_SET_DETECTION,
            devices,
            list_key="devInfoList",
            extra={"alarmTypeList": types, "enable": int(enabled)},
        )

    async def async_set_alarm_input(
        self, devices: Iterable[DeviceRef | Device], enabled: bool
    ) -> list[FailItem]:
        """Enable or disable the alarm inputs; returns the failures."""
        return await self._batch_failures(
            PATH_SET_ALARM_INPUT,
            devices,
            list_key="devInfoList",
            extra={"enable": "on" if enabled else "off"},
        )

    async def async_set_alarm_output(
        self, devices: Iterable[DeviceRef | Device], enabled: bool
    ) -> list[FailItem]:
        """Enable or disable the alarm outputs; returns the failures."""
        return await self._batch_failures(
            PATH_SET_ALARM_OUTPUT,
            devices,
            list_key="devInfoList",
            extra={"enable": "on" if enabled else "off"},
        )

    # Video

    async def async_request_stream_url(
        self,
        device: DeviceRef | Device,
        channel_id: int,
        *,
        client_type: str = "HomeAssistant",
        stream_type: StreamType | str = StreamType.VIDEO,
        resolution: StreamResolution | int | None = None,
    ) -> str:
        """The SDK stream URL (TP-LINK private protocol) of 1.4.5.2."""
        payload: dict[str, Any] = {
            **_ref(device).identity(),
            "channelId": channel_id,
            "clientType": client_type,
            "streamType": str(StreamType(stream_type)),
        }
        if resolution is not None:
            payload["resolution"] = int(StreamResolution(resolution))
        result = await self._mapping_result(PATH_STREAM_URL, payload)
        url = as_str(result.get("sdkStreamUrl"))
        if url is None:
            raise CniotInvalidResponseError(f"reply from {PATH_STREAM_URL} has no URL")
        return url

    async def async_get_flv_url(
        self,
        device: DeviceRef | Device,
        channel_id: int,
        *,
        stream_type: str = "video",
        resolution: str = "HD",
        video_code: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> str:
        """An HTTP-FLV URL of a live (``video``) or playback (``sdvod``) stream.

        The URL is valid for two hours. ``resolution`` (HD or VGA) applies to
        live streams; playback takes the start and end in milliseconds.
        """
        if stream_type not in _FLV_STREAM_TYPES:
            raise ValueError("stream_type must be video or sdvod")
        if resolution not in _FLV_RESOLUTIONS:
            raise ValueError("resolution must be HD or VGA")
        if video_code is not None and video_code not in _FLV_VIDEO_CODES:
            raise ValueError("video_code must be H264 or H265")
        payload: dict[str, Any] = {
            **_ref(device).identity(),
            "channelId": channel_id,
            "type": stream_type,
        }
        if stream_type == "video":
            payload["resolution"] = resolution
        if video_code is not None:
            payload["videoCode"] = video_code
        if start_ms is not None:
            payload["playbackStartTime"] = start_ms
        if end_ms is not None:
            payload["playbackEndTime"] = end_ms
        result = await self._mapping_result(PATH_FLV_URL, payload)
        url = as_str(result.get("url"))
        if url is None:
            raise CniotInvalidResponseError(f"reply from {PATH_FLV_URL} has no URL")
        return url

    async def async_get_flv_close_reason(self, url: str) -> str | None:
        """Why the cloud closed an HTTP-FLV stream, if it says.

        The result's shape is not documented: a string, or an object with a
        ``closeReason``/``reason`` field, is returned as text.
        """
        result = await self._result(PATH_FLV_CLOSE_REASON, {"url": url})
        if isinstance(result, Mapping):
            for key in ("closeReason", "reason", "msg"):
                if (text := as_str(result.get(key))) is not None:
                    return text
            return None
        return as_str(result)

    # Message push (webhook)

    async def async_set_push_config(
        self, server_url: str, enabled: bool, msg_types: Iterable[str] = ()
    ) -> None:
        """Where the cloud pushes device messages; no types means every type."""
        if not server_url.strip():
            raise ValueError("the server URL must not be empty")
        await self.async_call(
            PATH_SET_PUSH_CONFIG,
            {
                "serverUrl": server_url,
                "openMsgTransport": 1 if enabled else 0,
                "msgContentType": list(msg_types),
            },
        )

    async def async_get_push_config(self) -> PushConfig:
        """The application's message push configuration."""
        return PushConfig.parse(as_mapping(await self._result(PATH_GET_PUSH_CONFIG)))

    async def async_set_push_sk(self, sk: str) -> None:
        """The key the cloud signs pushed messages with: 1-32 letters or digits."""
        if not _PUSH_SK_RE.match(sk):
            raise ValueError("the push key must be 1-32 letters or digits")
        await self.async_call(PATH_SET_PUSH_SK, {"sk": sk})

    async def async_get_push_sk(self) -> str | None:
        """The current push key, if one is set."""
        result = await self._result(PATH_GET_PUSH_SK)
        if isinstance(result, Mapping):
            return as_str(result.get("sk"))
        return as_str(result)
