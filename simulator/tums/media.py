"""Stream URLs and HTTP-FLV sessions, served by this simulator."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any
from urllib.parse import quote
import zlib

from aiohttp import web

from ..common import fail, is_int as _is_int
from .codes import (
    PARAMETER,
    STATUS_ONLINE,
    STREAM_MISSING,
    URL_NOT_READY,
    Body,
    millis,
    req_str,
)
from .core import FlvSession, TumsCore
from .flv import FLV_HEADER, flv_stream


class MediaApi(TumsCore):
    """Stream URLs and HTTP-FLV sessions, served by this simulator."""

    def _add_routes(self) -> None:
        super()._add_routes()
        self._add_api(
            {
                "/vms/open/webServer/v1/requestStreamUrl": self._stream_url,
                "/vms/open/httpFlvService/v1/getHttpFlvUrl": self._flv_url,
                "/vms/open/httpFlvService/v1/getHttpFlvCloseReason": self._flv_close_reason,
            }
        )
        self.app.router.add_get("/_sim/tums/flv/{token}.flv", self._serve_flv, allow_head=False)

    # -- streams --------------------------------------------------------------------

    def _base_url(self) -> str:
        return self.stream_base or self.url or "http://127.0.0.1"

    def _stream_url(self, body: Body) -> Any:
        client = req_str(body, "clientType")
        stream = req_str(body, "streamType", "video", "sdvod", "dtspk")
        resolution = body.get("resolution", 0)
        if not _is_int(resolution) or resolution not in (0, 1, 2, 3):
            fail(PARAMETER, "resolution must be 0..3")
        device = self.video(body, channel_required=True)
        token = f"{self._rng.randrange(100000):05d}-{secrets.token_hex(12)}-{secrets.token_hex(16)}"
        client_uuid = (
            body.get("clientUUID")
            if isinstance(body.get("clientUUID"), str)
            else secrets.token_hex(16)
        )
        url = (
            f"{self._base_url()}/vms/open/webServer/v1/requestRelayUrl?token={token}"
            f"&devInfoId={zlib.crc32(device.device_id.encode())}&clientUUID={client_uuid}"
            f"&clientType={quote(client.replace(' ', ''))}&streamType={stream}"
        )
        if stream == "video":
            url += f"&resolution={resolution}"
        self.stream_urls.append({"device": device.device_id, "streamType": stream, "url": url})
        return {"sdkStreamUrl": url}

    def _flv_url(self, body: Body) -> Any:
        kind = req_str(body, "type", "video", "sdvod")
        if kind == "video" or body.get("resolution") is not None:
            req_str(body, "resolution", "HD", "VGA")
        if body.get("videoCode") is not None:
            req_str(body, "videoCode", "H264", "H265")
        if kind == "sdvod":
            begin, end = millis(body, "playbackStartTime"), millis(body, "playbackEndTime")
            if end <= begin or begin > self.now() * 1000:
                fail(PARAMETER, "playback range must be in the past and end after it starts")
        device = self.video(body, channel_required=True)
        token = secrets.token_hex(16)
        url = f"{self._base_url()}/_sim/tums/flv/{token}.flv"
        self.flv[token] = FlvSession(token, device.device_id, kind, self.now(), url)
        return {"url": url}

    def _flv_close_reason(self, body: Body) -> Any:
        url = req_str(body, "url")
        match = re.search(r"/_sim/tums/flv/([0-9a-f]+)\.flv$", url)
        session = self.flv.get(match.group(1)) if match else None
        if session is None:
            fail(STREAM_MISSING)
        reason = session.close_reason
        if reason is None and self.now() > session.expires:
            reason = "url expired"
        if reason is None:
            fail(URL_NOT_READY, "the stream has not been closed")
        return {"url": url, "reason": reason}

    async def _serve_flv(self, request: web.Request) -> web.StreamResponse:
        session = self.flv.get(request.match_info["token"])
        if session is None:
            return web.Response(status=404, text="unknown stream\n")
        if self.now() > session.expires:
            session.close_reason = "url expired"
            return web.Response(status=403, text="url expired\n")
        device = self.devices.get(session.device_id)
        if device is None or self.status(device) != STATUS_ONLINE:
            session.close_reason = "device offline"
            return web.Response(status=404, text="device offline\n")
        if session.pulling:
            session.refused += 1
            session.close_reason = "concurrent pull refused: one pull per URL"
            return web.Response(status=409, text="stream already being pulled\n")
        session.pulling = True
        session.pulls += 1
        response = web.StreamResponse(headers={"Content-Type": "video/x-flv"})
        try:
            await response.prepare(request)
            await response.write(FLV_HEADER)
            interval = self.flv_frame_interval
            width, height = self.flv_size
            tags = flv_stream(
                1.0 / interval if interval > 0 else 25.0,
                frames=self.flv_frames,
                live=session.kind == "video",
                width=width,
                height=height,
            )
            loop = asyncio.get_running_loop()
            start = loop.time()
            reason = "stream ended"
            for sent, tag in enumerate(tags):
                if (cut := self._flv_cut(session)) is not None:
                    reason = cut
                    break
                await response.write(tag)
                if interval > 0 and sent >= 2:
                    # Paced against the start, so slow writes do not stretch the stream.
                    await asyncio.sleep(max(0.0, start + (sent - 1) * interval - loop.time()))
            await response.write_eof()
            session.close_reason = reason
        except ConnectionError:
            # The viewer left mid-write: the normal end of a live pull, not a server error.
            session.close_reason = "client closed the connection"
        except asyncio.CancelledError:
            session.close_reason = "client closed the connection"
            raise
        finally:
            session.pulling = False
        return response

    def _flv_cut(self, session: FlvSession) -> str | None:
        """Why the cloud ends a running pull now, if it does: expiry or the device going away."""
        if self.now() > session.expires:
            return "url expired"
        device = self.devices.get(session.device_id)
        if device is None or self.status(device) != STATUS_ONLINE:
            return "device offline"
        return None
