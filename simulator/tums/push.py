"""Message push: the subscription endpoints, and pushing to the subscribed URL."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

from aiohttp import web

from ..base import json_reply
from ..common import fail
from ..tls import Certificate
from .codes import (
    APP_ID,
    PARAMETER,
    SK_RE,
    STATUS_OFFLINE,
    Body,
    req_int,
    req_str,
)
from .core import TumsCore
from .messages import (
    TYPE_FAMILY,
    SentPush,
    build_message,
    random_type,
    run_generator,
    status_type,
)


class PushApi(TumsCore):
    """Message push: the subscription endpoints, and pushing to the subscribed URL."""

    def _add_routes(self) -> None:
        super()._add_routes()
        self._add_api(
            {
                "/tums/open/msgTranspond/v1/setAppMsgPushConfig": self._set_push,
                "/tums/open/msgTranspond/v1/getAppMsgPushConfig": self._get_push,
                "/tums/open/msgTranspond/v1/setAppMsgPushSk": self._set_push_sk,
                "/tums/open/msgTranspond/v1/getAppMsgPushSk": self._get_push_sk,
            }
        )
        self.app.router.add_post("/_sim/tums/push", self._admin_push)

    def set_online(self, device_id: str, online: bool) -> None:
        """Take a device off or on line; KeyError when unknown.

        With a push subscription, the change is also pushed, as the cloud does.
        """
        device = self.devices[device_id]
        changed = device.online != online
        device.online = online
        kind = status_type(device, online)
        if changed and kind is not None and self.url is not None and self.push_url(kind[1]):
            self._spawn(self.emit_push(device_id, kind[1]))

    # -- message push ---------------------------------------------------------------

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, tls: Certificate | bool = False
    ) -> str:
        """Serve; with a push rate, also start the random alarm generator."""
        url = await super().start(host, port, tls=tls)
        if self.push_rate > 0:
            self._spawn(run_generator(self.push_rate, random.Random(self.seed), self._emit_random))
        return url

    async def stop(self) -> None:
        """Stop pushing and serving."""
        tasks, self._push_tasks = self._push_tasks, set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.push_sender.close()
        await super().stop()

    def _spawn(self, job: Any) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._push_tasks.add(task)
        task.add_done_callback(self._push_tasks.discard)

    def push_url(self, kind: str) -> str | None:
        """Where a message of this msgContentType goes now, if anywhere."""
        config = self.push_config
        if config is None or config["openMsgTransport"] != 1:
            return None
        kinds = config["msgContentType"]
        if kinds and kind not in kinds:
            return None
        return str(config["serverUrl"])

    async def emit_push(
        self,
        device_id: str,
        kind: str,
        *,
        msg_id: str | None = None,
        at: float | None = None,
        signed: bool = True,
    ) -> SentPush | None:
        """Push one message about a device; None when nothing is subscribed for it.

        KeyError for an unknown device or msgContentType.
        """
        device = self.devices[device_id]
        family = TYPE_FAMILY[kind]
        url = self.push_url(kind)
        if url is None:
            return None
        parent = self.devices.get(device.parent) if device.parent else None
        now = self.now() if at is None else at
        body = build_message(device, parent, family, kind, now, msg_id)
        return await self.push_sender.send(url, body, self.push_sk if signed else None)

    async def _emit_random(self) -> None:
        now = self.now()
        online = [d for d in self.devices.values() if self.status(d, now) != STATUS_OFFLINE]
        if not online:
            return
        device = self._rng.choice(online)
        chosen = random_type(device, self._rng)
        if chosen is not None:
            await self.emit_push(device.device_id, chosen[1])

    async def _admin_push(self, request: web.Request) -> web.Response:
        """Push a message now.

        Body: ``{"device": id, "type": msgContentType, "msgType"?, "msgId"?, "time"?,
        "signed"?}``; 409 without a subscription for the type, 502 if the URL fails.
        """
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return json_reply({"error": "body must be a JSON object"}, 400)
        kind = data.get("type")
        family = TYPE_FAMILY.get(kind) if isinstance(kind, str) else None
        at = data.get("time")
        msg_id = data.get("msgId")
        signed = data.get("signed", True)
        if (
            family is None
            or data.get("msgType", family) != family
            or not isinstance(signed, bool)
            or (msg_id is not None and not isinstance(msg_id, str))
            or (at is not None and (isinstance(at, bool) or not isinstance(at, int | float)))
        ):
            return json_reply(
                {
                    "error": 'body must be {"device": id, "type": msgContentType of 1.4.6.5, '
                    '"msgType"?: its family, "msgId"?: str, "time"?: seconds, "signed"?: bool}'
                },
                400,
            )
        device_id = str(data.get("device"))
        if device_id not in self.devices:
            return json_reply({"error": f"unknown device {device_id}"}, 404)
        if self.push_url(str(kind)) is None:
            return json_reply({"error": "no push subscription for this type"}, 409)
        sent = await self.emit_push(device_id, str(kind), msg_id=msg_id, at=at, signed=signed)
        if sent is None:  # pragma: no cover - push_url was checked just above
            return json_reply({"error": "no push subscription for this type"}, 409)
        return json_reply(sent.as_json(), 200 if sent.status is not None else 502)

    # -- push -----------------------------------------------------------------------

    def _set_push(self, body: Body) -> Any:
        url = req_str(body, "serverUrl")
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            fail(PARAMETER, "serverUrl must be an http(s) URL")
        switch = req_int(body, "openMsgTransport", 0, 1)
        kinds = body.get("msgContentType")
        if not isinstance(kinds, list) or not all(isinstance(k, str) and k for k in kinds):
            fail(PARAMETER, "msgContentType must be an array of strings")
        self.push_config = {"serverUrl": url, "openMsgTransport": switch, "msgContentType": kinds}
        return None

    def _get_push(self, body: Body) -> Any:
        config = self.push_config or {"serverUrl": "", "openMsgTransport": 0, "msgContentType": []}
        return {"appId": APP_ID, **config}

    def _set_push_sk(self, body: Body) -> Any:
        value = body.get("sk")
        if not isinstance(value, str) or not SK_RE.fullmatch(value):
            fail(PARAMETER, "sk must be 1-32 letters or digits")
        self.push_sk = value
        return None

    def _get_push_sk(self, body: Body) -> Any:
        return {"sk": self.push_sk or ""}
