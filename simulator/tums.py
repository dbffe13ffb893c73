"""Simulator of the TP-LINK commercial cloud (TUMS, 商用云) OpenAPI.

Semantics follow the vendor document (tums-openapi.txt): AK/SK request signing (1.2.2),
the ``error_code``/``msg``/``result``/``failList`` envelope (1.3.3), validation, the error
codes of 1.5 and state changes. Device lifecycles (reboot, firmware upgrade) advance with
the simulator clock, evaluated whenever a request looks at a device. HTTP-FLV URLs (a newer
revision of the document) point back at this simulator and serve a small real H.264 stream.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from email.utils import formatdate
import hmac
import ipaddress
import json
import math
import random
import re
import secrets
from typing import Any, Final, Literal, NoReturn, TypeGuard, cast
from urllib.parse import quote
import zlib

from aiohttp import web

from .base import VendorSimulator, json_reply, wall_clock
from .faults import FaultInjector
from .tls import Certificate
from .tums_media import FLV_HEADER, STREAM_HEIGHT, STREAM_WIDTH, flv_stream
from .tums_push import (
    TYPE_FAMILY,
    PushSender,
    SentPush,
    build_message,
    random_type,
    run_generator,
    status_type,
)
from .tums_signing import AUTH_HEADER, parse_authorization, signature
from .tums_state import (
    DEVICE_TYPES,
    IPC,
    NVR,
    SOLAR,
    Region,
    SupplyTime,
    TumsDevice,
    TumsScenario,
    Upgrade,
    default_scenario,
)

type AppType = Literal["device", "project"]
type Body = dict[str, Any]

DEMO_ACCESS_KEY: Final = "ZDkxZmIyNTc2NTg4NTg2ODcxNDE3NTI3YzMyNWU0"
DEMO_SECRET_KEY: Final = "5f2b8c0e9a4d47c1b3e6f8a0d2c4e6f8"  # noqa: S105  (demo only)
APP_ID: Final = "2583"

SIGNATURE_WINDOW: Final = 300.0  # seconds of allowed skew, and of nonce memory
REBOOT_SECONDS: Final = 8.0
DOWNLOAD_SECONDS: Final = 10.0
INSTALL_SECONDS: Final = 20.0
UPGRADE_RESULT_SECONDS: Final = 600.0
FLV_VALID_SECONDS: Final = 7200.0
MAX_BATCH: Final = 100
MAX_PAGE: Final = 100
# "10个中文字符、32个英文字符": a Chinese character is a tenth of the limit, a Latin one
# a thirty-second (16 and 5 of 160).
NAME_BUDGET: Final = 160
SK_RE: Final = re.compile(r"^[A-Za-z0-9]{1,32}$")
TIME_RE: Final = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$")
ALARM_TYPES: Final = frozenset({2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18, 20, 22, 23, 29, 40})
SOLAR_METRICS: Final = ("batteryEnergyPercentage", "inputPowerInWatt", "outputPowerInWatt")
FLOW_ACCURACY: Final = ("day", "week", "month", "year")

# -- error codes (1.2.2.4 and 1.5) --------------------------------------------------------
OK: Final = 0
GENERAL: Final = -10000
JSON_FORMAT: Final = -10100
SIGNATURE_MISMATCH: Final = -10301
SIGNATURE_EXPIRED: Final = -10302
SIGNATURE_PARAMS: Final = -10303
INVALID_AK: Final = -10304
ACCESS_DENIED: Final = -10305
DEVICE_OFFLINE: Final = -20571
REGION_NOT_FOUND: Final = -80205
DEVICE_UPGRADING: Final = -80324
BAD_START: Final = -80328
BAD_LIMIT: Final = -80329
NAME_TOO_LONG: Final = -80331
UNSUPPORTED: Final = -80391
BAD_NAME: Final = -80398
NO_STORAGE: Final = -80420
INVALID_DEVICE: Final = -80414
NO_FLOW: Final = -80550
BAD_QUERY_TIME: Final = -80551
URL_NOT_READY: Final = -80703
PREVIEW_LIMIT: Final = -80732
NO_CHANNEL: Final = -81100
STREAM_MISSING: Final = -81126
PARAMETER: Final = -82400
OUT_OF_RANGE: Final = -82420
NOT_DEVICE_APP: Final = -88311
NOT_PROJECT_APP: Final = -88312
PLAN_EXCEEDED: Final = -88303
RESTRICTED: Final = -88315
NOT_IN_APP: Final = -88316

ERROR_TEXT: Final = {
    GENERAL: "通用错误",
    JSON_FORMAT: "JSON 消息体格式错误",
    SIGNATURE_MISMATCH: "签名不匹配",
    SIGNATURE_EXPIRED: "签名请求已超时",
    SIGNATURE_PARAMS: "签名参数错误",
    INVALID_AK: "Access Key非法",
    ACCESS_DENIED: "访问被拒绝（通常是该Access key无访问该API的权限）",  # noqa: RUF001
    PLAN_EXCEEDED: "开发者套餐用量超限",
    DEVICE_OFFLINE: "设备离线",
    REGION_NOT_FOUND: "分组不存在",
    DEVICE_UPGRADING: "设备升级中",
    BAD_START: "START参数是否合法",
    BAD_LIMIT: "limit参数是否合法",
    NAME_TOO_LONG: "设备名称过长",
    UNSUPPORTED: "设备不支持该操作",
    BAD_NAME: "设备名称无效，请重新输入",  # noqa: RUF001
    NO_STORAGE: "未找到存储设备",
    INVALID_DEVICE: "无效的设备",
    NO_FLOW: "设备不支持客流统计",
    BAD_QUERY_TIME: "查询时间错误",
    URL_NOT_READY: "URL没准备好",
    PREVIEW_LIMIT: "预览并发路数达到上限",
    NO_CHANNEL: "目标通道不存在",
    STREAM_MISSING: "视频流不存在",
    PARAMETER: "参数错误",
    OUT_OF_RANGE: "该方法内参数值超出范围",
    NOT_DEVICE_APP: "接口目标不是设备型应用",
    NOT_PROJECT_APP: "接口目标不是项目型应用",
    RESTRICTED: "设备受限关闭（非试用或付费使用中状态）",  # noqa: RUF001
    NOT_IN_APP: "设备不存在于应用中",
}

# Upgrade status (table 1.4.3.24-1) and device status (table 1.4.3.1-2).
UPGRADE_NONE: Final = 0
UPGRADE_RUNNING: Final = 1
UPGRADE_DONE: Final = 4
UPGRADE_DOWNLOADING: Final = 5
STATUS_OFFLINE: Final = 0
STATUS_ONLINE: Final = 1
STATUS_REBOOTING: Final = 2
STATUS_UPGRADING: Final = 3


class ApiError(Exception):
    """A TUMS error reply."""

    def __init__(self, code: int, detail: str | None = None) -> None:
        """Error ``code``; the message is the document's text plus an optional detail."""
        text = ERROR_TEXT[code]
        super().__init__(f"{text}: {detail}" if detail else text)
        self.code = code


def fail(code: int, detail: str | None = None) -> NoReturn:
    """Reply with a TUMS error."""
    raise ApiError(code, detail)


class Batch:
    """A batch reply: ``result`` (optional) and per-device failures."""

    def __init__(
        self, fail_list: list[dict[str, Any]], *, all_failed: bool, result: Any = None
    ) -> None:
        """Failures as failList objects; a result object when the call returns one.

        When every device failed the reply's error_code is -80414, as in the document's
        examples; partial failures keep error_code 0.
        """
        self.fail_list = fail_list
        self.all_failed = all_failed
        self.result = result


# -- parameters --------------------------------------------------------------------------


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def req_int(
    body: Mapping[str, Any], key: str, low: int | None = None, high: int | None = None
) -> int:
    """A required integer (optionally in low..high), else -82400."""
    value = body.get(key)
    if not _is_int(value):
        fail(PARAMETER, f"{key} is required and must be an integer")
    if (low is not None and value < low) or (high is not None and value > high):
        fail(PARAMETER, f"{key} must be {low}..{high}")
    return int(value)


def req_str(body: Mapping[str, Any], key: str, *choices: str) -> str:
    """A required non-empty string (optionally one of ``choices``), else -82400."""
    value = body.get(key)
    if not isinstance(value, str) or not value:
        fail(PARAMETER, f"{key} is required and must be a non-empty string")
    if choices and value not in choices:
        fail(PARAMETER, f"{key} must be one of {', '.join(choices)}")
    return value


def req_bool(body: Mapping[str, Any], key: str) -> bool:
    """A required boolean, else -82400."""
    value = body.get(key)
    if not isinstance(value, bool):
        fail(PARAMETER, f"{key} is required and must be a boolean")
    return value


def opt_int(body: Mapping[str, Any], key: str) -> int | None:
    """An optional integer, else -82400."""
    if body.get(key) is None:
        return None
    return req_int(body, key)


def millis(body: Mapping[str, Any], key: str) -> int:
    """A required timestamp sent as a number or a string of digits."""
    value = body.get(key)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return req_int(body, key, 0)


def dev_list(body: Mapping[str, Any], key: str = "devList") -> list[dict[str, Any]]:
    """A batch device list: 1..100 objects, else -82400 / -82420."""
    items = body.get(key)
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        fail(PARAMETER, f"{key} must be a non-empty array of objects")
    if len(items) > MAX_BATCH:
        fail(OUT_OF_RANGE, f"{key} holds at most {MAX_BATCH} devices")
    return items


def _ip_key(ip: str) -> int:
    try:
        return int(ipaddress.IPv4Address(ip))
    except ValueError:
        return 0


def _ipv4(body: Mapping[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        fail(PARAMETER, f"{key} must be an IPv4 address")
    try:
        return int(ipaddress.IPv4Address(value))
    except ValueError:
        fail(PARAMETER, f"{key} must be an IPv4 address")


# -- the simulator ----------------------------------------------------------------------


class FlvSession:
    """One HTTP-FLV URL handed out by getHttpFlvUrl."""

    def __init__(self, token: str, device_id: str, kind: str, created: float, url: str) -> None:
        """A URL valid for two hours from ``created`` (sim clock)."""
        self.token = token
        self.device_id = device_id
        self.kind = kind
        self.created = created
        self.expires = created + FLV_VALID_SECONDS
        self.url = url
        self.pulling = False
        self.pulls = 0
        self.refused = 0
        self.close_reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """State dump form."""
        return {
            "token": self.token,
            "device": self.device_id,
            "type": self.kind,
            "created": self.created,
            "expires": self.expires,
            "url": self.url,
            "pulling": self.pulling,
            "pulls": self.pulls,
            "refused": self.refused,
            "closeReason": self.close_reason,
        }


class _Index:
    """Lookups over one state of the device set (the first device wins a shared key)."""

    def __init__(self, fingerprint: tuple[int, int], devices: Iterable[TumsDevice]) -> None:
        self.fingerprint = fingerprint
        self.by_qr: dict[str, TumsDevice] = {}
        self.by_mac: dict[str, TumsDevice] = {}
        self.children: dict[str, list[TumsDevice]] = {}
        for device in devices:
            if device.qr_code is not None:
                self.by_qr.setdefault(device.qr_code, device)
            self.by_mac.setdefault(device.mac, device)
            if device.parent is not None:
                self.children.setdefault(device.parent, []).append(device)
        for channels in self.children.values():
            channels.sort(key=lambda d: d.channel_id or 0)


class TumsSimulator(VendorSimulator):
    """The TUMS OpenAPI on loopback."""

    vendor = "tums"
    # The integration's optional features (custom_components/cniot/tums/features.py).
    FEATURE_PATHS = {
        "overview": "/tums/open/deviceManager/v1/getApplicationOverview",
        "firmware_check": "/tums/open/deviceManager/v1/checkDeviceNewestFwVer",
        "firmware": "/tums/open/deviceManager/v1/getDeviceUpgradeInfo",
        "solar": "/evcs/open/chargingDeviceManager/v1/querySolarPower",
        "solar_energy": "/evcs/open/chargingDeviceManager/v1/getMetricValue",
        "solar_loads": "/evcs/open/chargingDeviceManager/v1/querySolarSupplyTime",
        "flow": "/tums/open/passengerFlow/v1/(getFlowDeviceInRegion|queryDeviceSingleFlow)",
        "storage": "/vms/open/deviceConfig/v1/getDeviceSdCardInfo",
        "record_loop": "/vms/open/deviceConfig/v1/getDeviceRecordLoopInfo",
        "time_sync": "/vms/open/deviceConfig/v1/getDeviceTimingInfo",
        "timing_reboot": "/vms/open/deviceConfig/v1/getDeviceTimingReboot",
        "ptz_reset": "/vms/open/deviceConfig/v1/getPtzDeviceResetSupport",
    }
    permission_code = -20001  # insufficient permission

    def __init__(
        self,
        *,
        scenario: TumsScenario | None = None,
        clock: Callable[[], float] = wall_clock,
        drift: bool = False,
        latency: float = 0.0,
        seed: int = 0,
        app_type: AppType = "project",
        access_key: str = DEMO_ACCESS_KEY,
        secret_key: str = DEMO_SECRET_KEY,
        stream_base: str | None = None,
        flv_frames: int | None = 50,
        flv_frame_interval: float = 0.04,
        flv_size: tuple[int, int] = (STREAM_WIDTH, STREAM_HEIGHT),
        push_rate: float = 0.0,
    ) -> None:
        """Serve ``scenario`` (default: :func:`default_scenario`) to one AK/SK pair.

        With ``push_rate`` > 0, random alarms are pushed to the subscribed URL at that
        many a minute on average. An HTTP-FLV pull serves ``flv_frames`` frames of
        ``flv_size`` pixels, one each ``flv_frame_interval`` seconds (0: as fast as the
        client reads); ``flv_frames=None`` streams until the client leaves, the URL expires
        or the device goes offline.
        """
        super().__init__(latency=latency)
        # Injected vendor codes come in this API's envelope.
        self.faults = FaultInjector(
            lambda code: json_reply({"error_code": code, "msg": "injected fault"})
        )
        if app_type not in ("device", "project"):
            raise ValueError("app_type must be 'device' or 'project'")
        self.scenario = scenario if scenario is not None else default_scenario()
        self._clock = clock
        self.clock_skew = 0.0
        self.drift = drift
        self.seed = seed
        self.app_type: AppType = app_type
        self.credentials = {access_key: secret_key}
        self.stream_base = stream_base
        self.flv_frames = flv_frames
        self.flv_frame_interval = flv_frame_interval
        self.flv_size = flv_size
        self._rng = random.Random(seed)
        self.devices: dict[str, TumsDevice] = {}
        self.regions: dict[str, Region] = {}
        self.push_config: dict[str, Any] | None = None
        self.push_sk: str | None = None
        self.nonces: dict[str, float] = {}
        # Error replies by code (signature, permission and handler refusals).
        self.refusals: Counter[int] = Counter()
        self.flv: dict[str, FlvSession] = {}
        self.stream_urls: list[dict[str, Any]] = []
        if push_rate < 0:
            raise ValueError("push_rate must be >= 0")
        self.push_rate = push_rate
        self.push_sender = PushSender()
        self._push_tasks: set[asyncio.Task[Any]] = set()
        self.reset_state()
        self.app.on_response_prepare.append(self._date_header)
        self._add_routes()

    # -- time and state -------------------------------------------------------------

    def now(self) -> float:
        """The simulator clock: the injected clock plus the admin skew."""
        return self._clock() + self.clock_skew

    def reset_state(self) -> None:
        """Back to the scenario."""
        state = self.scenario.copy()
        self.devices = {device.device_id: device for device in state.devices}
        self._indexed: _Index | None = None
        self.regions = {region.region_id: region for region in state.regions}
        self.push_config = None
        self.push_sk = None
        self.push_sender.sent = []
        self.nonces = {}
        self.flv = {}
        self.stream_urls = []
        self.clock_skew = 0.0
        self.counts_held_at: float | None = None
        # Permissions are granted per API (1.3.1): paths this key may not call (-10305).
        self.denied_paths: set[str] = set()
        # Calls left in the developer plan; None is unlimited, 0 answers -88303.
        self.plan_calls_left: int | None = None
        self._rng = random.Random(self.seed)

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

    def online_states(self) -> dict[str, bool]:
        """Every device's id (NVR channels included) and whether it is online."""
        return {device_id: device.online for device_id, device in self.devices.items()}

    def _index(self) -> _Index:
        """Devices by QR code, MAC and parent, rebuilt when the device set changes.

        Fleet-scale batches address hundreds of devices a request; linear scans
        would make the simulator, not the latency, the bottleneck.
        """
        fingerprint = (id(self.devices), len(self.devices))
        index = self._indexed
        if index is None or index.fingerprint != fingerprint:
            index = self._indexed = _Index(fingerprint, self.devices.values())
        return index

    def children(self, device: TumsDevice) -> list[TumsDevice]:
        """NVR channels, by channel number."""
        return list(self._index().children.get(device.device_id, ()))

    def settle(self, device: TumsDevice, now: float) -> None:
        """Finish whatever reboot or upgrade has run its time."""
        upgrade = device.upgrade
        if upgrade is not None and upgrade.finished is None:
            if upgrade.failure is not None:
                # A failed upgrade ends after the download, on the old firmware.
                if now >= upgrade.started + DOWNLOAD_SECONDS:
                    upgrade.finished = upgrade.started + DOWNLOAD_SECONDS
                return
            end = upgrade.started + DOWNLOAD_SECONDS + INSTALL_SECONDS
            if now >= end:
                upgrade.finished = end
                device.firmware = upgrade.target
                device.newest = None
                device.reboot_until = end + REBOOT_SECONDS
        if device.reboot_until is not None and now >= device.reboot_until:
            device.reboot_until = None

    def status(self, device: TumsDevice, now: float | None = None) -> int:
        """Device status of table 1.4.3.1-2."""
        now = self.now() if now is None else now
        self.settle(device, now)
        parent = self.devices.get(device.parent) if device.parent else None
        if not device.online or (parent is not None and not parent.online):
            return STATUS_OFFLINE
        if device.upgrade is not None and device.upgrade.finished is None:
            return STATUS_UPGRADING
        if device.reboot_until is not None:
            return STATUS_REBOOTING
        return STATUS_ONLINE

    def state_dump(self) -> dict[str, Any]:
        """Everything the simulator holds."""
        now = self.now()
        devices = []
        for device in self.devices.values():
            item = asdict(device)
            item["status"] = self.status(device, now)
            devices.append(item)
        return {
            "tums": {
                "app_type": self.app_type,
                "now": now,
                "clock_skew": self.clock_skew,
                "access_keys": sorted(self.credentials),
                "regions": [asdict(region) for region in self.regions.values()],
                "devices": devices,
                "push_config": self.push_config,
                "push_sk": self.push_sk,
                "pushes": [push.as_json() for push in self.push_sender.sent],
                "nonces": len(self.nonces),
                "flv": [session.as_json() for session in self.flv.values()],
                "stream_urls": self.stream_urls,
            }
        }

    # -- routes ---------------------------------------------------------------------

    def _add_routes(self) -> None:
        routes: dict[str, Callable[[Body], Any]] = {
            "/tums/open/deviceManager/v1/getDeviceListInDeviceApplication": self._list_device_app,
            "/tums/open/deviceManager/v1/getDeviceListInProjectApplication": self._list_project_app,
            "/tums/open/deviceManager/v1/getApplicationOverview": self._overview,
            "/tums/open/deviceManager/v1/getChannelDeviceList": self._channel_list,
            "/tums/open/deviceManager/v1/getSolarPowerDeviceExtendInfo": self._solar_extend,
            "/vms/open/deviceManager/v1/getDeviceCapability": self._capability,
            "/tums/open/deviceManager/v1/modifyDeviceName": self._rename,
            "/tums/open/deviceManager/v1/rebootDeviceList": self._reboot,
            "/tums/open/deviceManager/v1/checkDeviceNewestFwVer": self._check_firmware,
            "/tums/open/deviceManager/v1/upgradeDeviceOnline": self._upgrade,
            "/tums/open/deviceManager/v1/getDeviceUpgradeInfo": self._upgrade_info,
            "/vms/open/deviceConfig/v1/manualTiming": self._manual_timing,
            "/vms/open/deviceConfig/v1/getDeviceTimingReboot": self._get_timing_reboot,
            "/vms/open/deviceConfig/v1/modifyDeviceTimingReboot": self._set_timing_reboot,
            "/vms/open/deviceConfig/v1/getDeviceSdCardInfo": self._sd_info,
            "/vms/open/deviceConfig/v1/formatDeviceSdCard": self._sd_format,
            "/vms/open/deviceConfig/v1/getDeviceRecordLoopInfo": self._get_loop,
            "/vms/open/deviceConfig/v1/modifyDeviceRecordLoopInfo": self._set_loop,
            "/vms/open/deviceConfig/v1/getDeviceTimingInfo": self._get_timing_mode,
            "/vms/open/deviceConfig/v1/modifyDeviceTimingInfo": self._set_timing_mode,
            "/vms/open/deviceConfig/v1/getPtzDeviceResetSupport": self._ptz_support,
            "/vms/open/deviceConfig/v1/resetPtzDevicePosition": self._ptz_reset,
            "/evcs/open/chargingDeviceManager/v1/querySolarPower": self._solar_power,
            "/evcs/open/chargingDeviceManager/v1/querySolarSupplyTime": self._solar_supply,
            "/evcs/open/chargingDeviceManager/v1/setSolarSupplyTime": self._set_solar_supply,
            "/evcs/open/chargingDeviceManager/v1/solarLoadReset": self._solar_reset,
            "/evcs/open/chargingDeviceManager/v1/getMetricValue": self._solar_metrics,
            "/vms/open/webServer/v1/requestStreamUrl": self._stream_url,
            "/vms/open/httpFlvService/v1/getHttpFlvUrl": self._flv_url,
            "/vms/open/httpFlvService/v1/getHttpFlvCloseReason": self._flv_close_reason,
            "/tums/open/msgTranspond/v1/setAppMsgPushConfig": self._set_push,
            "/tums/open/msgTranspond/v1/getAppMsgPushConfig": self._get_push,
            "/tums/open/msgTranspond/v1/setAppMsgPushSk": self._set_push_sk,
            "/tums/open/msgTranspond/v1/getAppMsgPushSk": self._get_push_sk,
            "/tums/open/passengerFlow/v1/getFlowDeviceInRegion": self._flow_devices,
            "/tums/open/passengerFlow/v1/queryDeviceSingleFlow": self._device_flow,
            "/tums/open/alarm/v1/triggerManualAlarm": self._manual_alarm,
            "/tums/open/alarm/v1/setEnableByAlarmType": self._detection_enable,
            "/tums/open/alarm/v1/setAlarmInputEnable": self._alarm_input,
            "/tums/open/alarm/v1/setAlarmOutputEnable": self._alarm_output,
        }
        for path, handler in routes.items():
            self.app.router.add_post(path, self._endpoint(handler))
        router = self.app.router
        router.add_post("/_sim/tums/clock_skew", self._admin_clock_skew)
        router.add_post("/_sim/tums/app_type", self._admin_app_type)
        router.add_post("/_sim/tums/hold_counts", self._admin_hold_counts)
        router.add_post("/_sim/tums/upgrade_failure", self._admin_upgrade_failure)
        router.add_post("/_sim/tums/push", self._admin_push)
        router.add_get("/_sim/tums/flv/{token}.flv", self._serve_flv, allow_head=False)

    async def _date_header(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers["Date"] = formatdate(self.now(), usegmt=True)

    def _endpoint(self, handler: Callable[[Body], Any]) -> Callable[[web.Request], Any]:
        async def view(request: web.Request) -> web.StreamResponse:
            raw = await request.read()
            reply: dict[str, Any] = {"error_code": OK}
            try:
                self._verify(request, raw)
                self._entitled(request.path)
                body = self._parse(raw)
                outcome = handler(body)
            except ApiError as err:
                self.refusals[err.code] += 1
                return json_reply({"error_code": err.code, "msg": str(err)})
            if isinstance(outcome, Batch):
                if outcome.result is not None:
                    reply["result"] = outcome.result
                reply["failList"] = outcome.fail_list
                if outcome.all_failed:
                    reply["error_code"] = INVALID_DEVICE
                    reply["msg"] = ERROR_TEXT[INVALID_DEVICE]
            elif outcome is not None:
                reply["result"] = outcome
            return json_reply(reply)

        return view

    @staticmethod
    def _parse(raw: bytes) -> Body:
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            fail(JSON_FORMAT)
        if not isinstance(body, dict):
            fail(JSON_FORMAT, "the body must be a JSON object")
        return body

    def _entitled(self, path: str) -> None:
        """The key's per-API permission, then the developer plan's usage."""
        if path in self.denied_paths:
            fail(ACCESS_DENIED)
        if self.plan_calls_left is not None:
            if self.plan_calls_left <= 0:
                fail(PLAN_EXCEEDED)
            self.plan_calls_left -= 1

    def _verify(self, request: web.Request, raw: bytes) -> None:
        """Check ``X-Authorization`` as 1.2.2.2 describes; raises the 1.2.2.4 codes."""
        header = request.headers.get(AUTH_HEADER)
        auth = parse_authorization(header) if header is not None else None
        if auth is None:
            fail(SIGNATURE_PARAMS, "X-Authorization missing or malformed")
        secret = self.credentials.get(auth.access_key)
        if secret is None:
            fail(INVALID_AK)
        now = self.now()
        if abs(now - int(auth.timestamp)) > SIGNATURE_WINDOW:
            fail(SIGNATURE_EXPIRED)
        expected = signature(secret, auth.timestamp, request.method, request.path, raw)
        if not hmac.compare_digest(expected, auth.signature):
            fail(SIGNATURE_MISMATCH)
        # Remembered in the order seen: the expired ones are at the front.
        while self.nonces:
            oldest, seen = next(iter(self.nonces.items()))
            if now - seen <= SIGNATURE_WINDOW:
                break
            del self.nonces[oldest]
        if auth.nonce in self.nonces:
            fail(SIGNATURE_PARAMS, "nonce reused within 5 minutes")
        self.nonces[auth.nonce] = now

    # -- admin ----------------------------------------------------------------------

    async def _admin_clock_skew(self, request: web.Request) -> web.Response:
        try:
            data = await request.json()
        except ValueError:
            data = None
        seconds = data.get("seconds") if isinstance(data, dict) else None
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
        ):
            return json_reply({"error": 'body must be {"seconds": number}'}, status=400)
        self.clock_skew = float(seconds)
        return json_reply({"seconds": self.clock_skew, "now": self.now()})

    async def _admin_hold_counts(self, request: web.Request) -> web.Response:
        """``{"hold": true}`` stops the people counters where they are; false lets them run.

        Counts grow with the clock, so without a hold no two queries are alike
        (a benchmark of unchanged refreshes needs them alike).
        """
        try:
            data = await request.json()
        except ValueError:
            data = None
        hold = data.get("hold") if isinstance(data, dict) else None
        if not isinstance(hold, bool):
            return json_reply({"error": 'body must be {"hold": true|false}'}, status=400)
        self.counts_held_at = self.now() if hold else None
        return json_reply({"held_at": self.counts_held_at})

    async def _admin_app_type(self, request: web.Request) -> web.Response:
        try:
            data = await request.json()
        except ValueError:
            data = None
        app_type = data.get("app_type") if isinstance(data, dict) else None
        if app_type not in ("device", "project"):
            return json_reply({"error": 'body must be {"app_type": "device"|"project"}'}, 400)
        self.app_type = cast("AppType", app_type)
        return json_reply({"app_type": self.app_type})

    async def _admin_upgrade_failure(self, request: web.Request) -> web.Response:
        """Make a device's next upgrade fail: {"device": id, "status": -1..-11}."""
        try:
            data = await request.json()
        except ValueError:
            data = None
        device = self.devices.get(str(data.get("device"))) if isinstance(data, dict) else None
        status = data.get("status") if isinstance(data, dict) else None
        if device is None or not _is_int(status) or not -11 <= status <= -1:
            return json_reply({"error": 'body must be {"device": id, "status": -11..-1}'}, 400)
        device.upgrade_failure = status
        return json_reply({"device": device.device_id, "status": status})

    # -- device lookup --------------------------------------------------------------

    def _find(self, qr_code: Any, mac: Any) -> TumsDevice:
        if qr_code is None and mac is None:
            fail(PARAMETER, "qrCode or mac is required")
        if qr_code is not None:
            if not isinstance(qr_code, str):
                fail(PARAMETER, "qrCode must be a string")
            found = self._index().by_qr.get(qr_code)
        elif not isinstance(mac, str):
            fail(PARAMETER, "mac must be a string")
        else:
            found = self._index().by_mac.get(mac.upper())
        if found is None or self.devices.get(found.device_id) is not found:
            fail(NOT_IN_APP)
        return found

    def target(self, body: Mapping[str, Any], *, channel_required: bool = False) -> TumsDevice:
        """The device a request addresses: qrCode/mac, then channelId or childMac.

        With ``channelId`` the qrCode/mac name the parent (an NVR), or a directly bound
        IPC with channel 1. Restricted devices are -88315.
        """
        device = self._find(body.get("qrCode"), body.get("mac"))
        channel = body.get("channelId")
        if channel is None and channel_required:
            fail(PARAMETER, "channelId is required")
        if channel is not None:
            if not _is_int(channel) or channel < 1:
                fail(PARAMETER, "channelId must be a positive integer")
            if device.device_type == NVR:
                found = [c for c in self.children(device) if c.channel_id == channel]
                if not found:
                    fail(NO_CHANNEL)
                device = found[0]
            elif device.device_type != IPC or device.parent is not None or channel != 1:
                fail(NO_CHANNEL)
        child_mac = body.get("childMac")
        if child_mac is not None:
            if not isinstance(child_mac, str):
                fail(PARAMETER, "childMac must be a string")
            found = [c for c in self.children(device) if c.mac == child_mac.upper()]
            if not found:
                fail(NOT_IN_APP)
            device = found[0]
        if device.open_status == 0:
            fail(RESTRICTED)
        return device

    def reachable(self, device: TumsDevice) -> TumsDevice:
        """The device must be online and idle to take a command."""
        status = self.status(device)
        if status == STATUS_UPGRADING:
            fail(DEVICE_UPGRADING)
        if status != STATUS_ONLINE:
            fail(DEVICE_OFFLINE)
        return device

    def video(self, body: Mapping[str, Any], *, channel_required: bool = False) -> TumsDevice:
        """An online IPC/NVR (or NVR channel) target of a /vms/ configuration call."""
        device = self.target(body, channel_required=channel_required)
        if device.device_type not in (IPC, NVR):
            fail(UNSUPPORTED)
        return self.reachable(device)

    def storage_owner(self, device: TumsDevice) -> TumsDevice:
        """NVR channels use their NVR's disks and recording settings."""
        if device.parent is not None:
            return self.devices[device.parent]
        return device

    def _batch(
        self,
        items: list[dict[str, Any]],
        action: Callable[[dict[str, Any]], Any],
        keys: tuple[str, ...] = ("qrCode", "mac", "channelId", "childMac"),
    ) -> tuple[list[Any], list[dict[str, Any]]]:
        done: list[Any] = []
        failed: list[dict[str, Any]] = []
        for item in items:
            try:
                done.append(action(item))
            except ApiError as err:
                entry = {key: item[key] for key in keys if key in item}
                entry["error_code"] = err.code
                failed.append(entry)
        return done, failed

    # -- device lists ---------------------------------------------------------------

    def _entry(self, device: TumsDevice, now: float, *, project: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        if device.qr_code is not None:
            entry["qrCode"] = device.qr_code
        entry.update(
            deviceName=device.name,
            deviceType=device.device_type,
            deviceStatus=self.status(device, now),
            openType=1 if device.is_video else 0,
            openStatus=device.open_status,
            deviceModel=device.model,
            ip=device.ip,
            mac=device.mac,
        )
        if project:
            region = self.regions.get(device.region_id)
            entry["regionName"] = region.name if region else ""
            entry["regionId"] = device.region_id
        if device.device_type == IPC:
            entry["channelId"] = device.channel_id or 1
        if device.parent is not None:
            parent = self.devices[device.parent]
            entry["parentMac"] = parent.mac
            if parent.qr_code is not None:
                entry["parentQrCode"] = parent.qr_code
        return entry

    def _ordered(self, with_children: bool) -> list[TumsDevice]:
        # Children indexed once: a lookup per parent made large lists quadratic.
        children: dict[str, list[TumsDevice]] = {}
        if with_children:
            for device in self.devices.values():
                if device.parent is not None:
                    children.setdefault(device.parent, []).append(device)
        ordered: list[TumsDevice] = []
        for device in self.devices.values():
            if device.parent is None:
                ordered.append(device)
                ordered.extend(
                    sorted(children.get(device.device_id, ()), key=lambda d: d.channel_id or 0)
                )
        return ordered

    @staticmethod
    def _paging(body: Body) -> tuple[int, int]:
        start, limit = body.get("start"), body.get("limit")
        if not _is_int(start) or start < 0:
            fail(BAD_START)
        if not _is_int(limit) or not 1 <= limit <= MAX_PAGE:
            fail(BAD_LIMIT)
        return int(start), int(limit)

    @staticmethod
    def _filters(body: Body, key: str) -> dict[str, Any]:
        value = body.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            fail(PARAMETER, f"{key} must be an object")
        return value

    @staticmethod
    def _type_filter(filters: Mapping[str, Any]) -> set[str] | None:
        kinds = filters.get("deviceTypeList")
        if kinds is None:
            return None
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            fail(PARAMETER, "deviceTypeList must be an array of strings")
        wanted: set[str] = set()
        for kind in kinds:
            matches = {t for t, (name, _) in DEVICE_TYPES.items() if kind in (t, name)}
            if not matches:
                fail(PARAMETER, f"unknown device type {kind}")
            wanted |= matches
        return wanted

    @staticmethod
    def _has_child(filters: Mapping[str, Any]) -> bool:
        value = filters.get("hasChild", 0)
        if not _is_int(value) or value not in (0, 1):
            fail(PARAMETER, "hasChild must be 0 or 1")
        return bool(value == 1)

    def _page(
        self, devices: list[TumsDevice], start: int, limit: int, now: float, *, project: bool
    ) -> dict[str, Any]:
        page = devices[start : start + limit]
        return {
            "total": len(devices),
            "list": [self._entry(device, now, project=project) for device in page],
        }

    def _list_device_app(self, body: Body) -> Any:
        if self.app_type != "device":
            fail(NOT_DEVICE_APP)
        start, limit = self._paging(body)
        filters = self._filters(body, "filterAnd")
        types = self._type_filter(filters)
        devices = self._ordered(self._has_child(filters))
        if types is not None:
            devices = [d for d in devices if d.device_type in types]
        return self._page(devices, start, limit, self.now(), project=False)

    def _list_project_app(self, body: Body) -> Any:
        if self.app_type != "project":
            fail(NOT_PROJECT_APP)
        start, limit = self._paging(body)
        now = self.now()
        both = self._filters(body, "filterAnd")
        either = self._filters(body, "filterOr")
        types = self._type_filter(both)
        region = both.get("regionId")
        if region is not None and not isinstance(region, str):
            fail(PARAMETER, "regionId must be a string")
        status = opt_int(both, "deviceStatus")
        floor, ceiling = _ipv4(both, "ipFloor"), _ipv4(both, "ipCeilling")
        likes: dict[str, Callable[[TumsDevice], str]] = {
            "deviceNameLike": lambda d: d.name,
            "deviceModelLike": lambda d: d.model,
            "ipLike": lambda d: d.ip,
            "macLike": lambda d: d.mac,
            "regionNameLike": lambda d: (
                self.regions[d.region_id].name if d.region_id in self.regions else ""
            ),
        }
        patterns = {key: either[key] for key in likes if key in either}
        if not all(isinstance(v, str) for v in patterns.values()):
            fail(PARAMETER, "filterOr values must be strings")

        def keep(device: TumsDevice) -> bool:
            if types is not None and device.device_type not in types:
                return False
            if region is not None and device.region_id != region:
                return False
            if status is not None and self.status(device, now) != status:
                return False
            if floor is not None or ceiling is not None:
                address = _ip_key(device.ip)
                if (floor is not None and address < floor) or (
                    ceiling is not None and address > ceiling
                ):
                    return False
            if patterns:
                return any(
                    str(pattern).lower() in likes[key](device).lower()
                    for key, pattern in patterns.items()
                )
            return True

        devices = [d for d in self._ordered(self._has_child(both)) if keep(d)]
        devices = self._sorted(devices, body.get("sort"), now)
        return self._page(devices, start, limit, now, project=True)

    def _sorted(self, devices: list[TumsDevice], sort: Any, now: float) -> list[TumsDevice]:
        if sort is None:
            return devices
        keys: dict[str, Callable[[TumsDevice], Any]] = {
            "deviceType": lambda d: d.device_type,
            "deviceStatus": lambda d: self.status(d, now),
            "ip": lambda d: _ip_key(d.ip),
            "mac": lambda d: d.mac,
            "deviceName": lambda d: d.name,
        }
        if not isinstance(sort, list) or not all(isinstance(s, dict) and len(s) == 1 for s in sort):
            fail(PARAMETER, "sort must be an array of single-key objects")
        order: list[tuple[str, str]] = [next(iter(s.items())) for s in sort]
        for field_name, direction in order:
            if field_name not in keys or direction not in ("asc", "desc"):
                fail(PARAMETER, f"cannot sort by {field_name} {direction}")
        for field_name, direction in reversed(order):
            devices = sorted(devices, key=keys[field_name], reverse=direction == "desc")
        return devices

    def _overview(self, body: Body) -> Any:
        now = self.now()
        counts: dict[str, list[int]] = {}
        for device in self.devices.values():
            key = DEVICE_TYPES[device.device_type][1]
            if key is None:
                continue
            bucket = counts.setdefault(key, [0, 0, 0])
            status = self.status(device, now)
            bucket[0] += 1
            bucket[1] += status != STATUS_OFFLINE
            bucket[2] += status != STATUS_OFFLINE and device.abnormal
        result: dict[str, int] = {}
        for key, (total, online, error) in counts.items():
            result[f"all{key}Num"] = total
            result[f"online{key}Num"] = online
            result[f"error{key}Num"] = error
        return result

    def _channel_list(self, body: Body) -> Any:
        device = self.target(body)
        if device.device_type != NVR:
            fail(UNSUPPORTED)
        now = self.now()
        channels = self.children(device)
        listing = []
        for channel in channels:
            entry = {
                "deviceName": channel.name,
                "deviceType": channel.device_type,
                "deviceStatus": self.status(channel, now),
                "deviceModel": channel.model,
                "openStatus": channel.open_status,
                "ip": channel.ip,
                "mac": channel.mac,
                "channel": channel.channel_id,
            }
            if channel.qr_code is not None:
                entry = {"qrCode": channel.qr_code, **entry}
            listing.append(entry)
        return {
            "channelNum": device.max_channels,
            "connectedChannelNum": sum(1 for e in listing if e["deviceStatus"] != 0),
            "channelList": listing,
        }

    def _solar_extend(self, body: Body) -> Any:
        device = self.target(body)
        if device.solar is None:
            fail(UNSUPPORTED)
        return {"status": str(device.solar.status), "batteryStatus": f"{device.solar.battery:.0f}"}

    def _capability(self, body: Body) -> Any:
        """Capability sets of tables 1.4.3.2-1 (NVR) and 1.4.3.2-2 (IPC), from the state."""
        device = self.video(body)
        flag = {True: "1", False: "0"}
        capability: dict[str, Any] = {
            "msg_push": "1",
            "playback_scale": "1",
            "relay_support_versions": ["1.3", "2.0"],
            "video_codec": ["h264", "h265"],
        }
        if device.device_type == NVR:
            capability.update(channel_talk="1", max_channels=device.max_channels, audio=["speaker"])
        else:
            capability.update(
                led="1",
                local_storage=flag[bool(self.storage_owner(device).sd_cards)],
                ptz=flag[device.ptz_reset],
                alarm_in_enable=flag[device.alarm_in],
                alarm_out_enable=flag[device.alarm_out],
                streaming_support_versions=["1.0", "2.0"],
                audio=["speaker", "microphone"],
            )
            if device.alarm_out:
                capability["msg_alarm_list"] = ["sound", "light"]
        return {"capability": capability}

    # -- device management ----------------------------------------------------------

    def _rename(self, body: Body) -> Any:
        name = body.get("deviceName")
        if not isinstance(name, str) or not name.strip():
            fail(BAD_NAME)
        if sum(5 if char.isascii() else 16 for char in name) > NAME_BUDGET:
            fail(NAME_TOO_LONG)
        device = self.target(body)
        if self.status(device) == STATUS_OFFLINE:
            fail(DEVICE_OFFLINE)
        device.name = name
        return None

    def _reboot(self, body: Body) -> Any:
        now = self.now()

        def reboot(item: dict[str, Any]) -> None:
            device = self.target({k: v for k, v in item.items() if k != "channelId"})
            if device.parent is not None:
                fail(UNSUPPORTED, "NVR channels only support scheduled reboot")
            self.reachable(device)
            device.reboot_until = now + REBOOT_SECONDS

        done, failed = self._batch(dev_list(body), reboot, ("qrCode", "mac", "childMac"))
        return Batch(failed, all_failed=not done)

    def _check_firmware(self, body: Body) -> Any:
        def check(item: dict[str, Any]) -> None:
            self.reachable(self.target(item)).fw_checked = True

        done, failed = self._batch(dev_list(body), check)
        return Batch(failed, all_failed=not done)

    def _upgrade(self, body: Body) -> Any:
        now = self.now()

        def upgrade(item: dict[str, Any]) -> None:
            device = self.reachable(self.target(item))
            if device.newest is None:
                fail(UNSUPPORTED, "no newer firmware")
            device.upgrade = Upgrade(device.newest.version, now, failure=device.upgrade_failure)
            device.upgrade_failure = None

        done, failed = self._batch(dev_list(body), upgrade)
        return Batch(failed, all_failed=not done)

    def _upgrade_info(self, body: Body) -> Any:
        items = dev_list(body)
        reset = body.get("resetUpgradeResult", 0)
        if not _is_int(reset) or reset not in (0, 1):
            fail(PARAMETER, "resetUpgradeResult must be 0 or 1")
        now = self.now()

        def info(item: dict[str, Any]) -> dict[str, Any]:
            device = self.target(item)
            self.settle(device, now)
            upgrade = device.upgrade
            if (
                upgrade is not None
                and upgrade.finished is not None
                and (reset or now - upgrade.finished > UPGRADE_RESULT_SECONDS)
            ):
                device.upgrade = upgrade = None
            download = install = 0
            state = UPGRADE_NONE
            if upgrade is not None and upgrade.finished is not None and upgrade.failure:
                download, state = 100, upgrade.failure
            elif upgrade is not None and upgrade.finished is not None:
                download, install, state = 100, 100, UPGRADE_DONE
            elif upgrade is not None:
                elapsed = now - upgrade.started
                if elapsed < DOWNLOAD_SECONDS:
                    download, state = int(100 * elapsed / DOWNLOAD_SECONDS), UPGRADE_DOWNLOADING
                else:
                    download, state = 100, UPGRADE_RUNNING
                    install = int(100 * (elapsed - DOWNLOAD_SECONDS) / INSTALL_SECONDS)
            entry: dict[str, Any] = {}
            if device.qr_code is not None:
                entry["qrCode"] = device.qr_code
            entry.update(mac=device.mac, deviceName=device.name, curFirmwareVer=device.firmware)
            if device.fw_checked and device.newest is not None:
                entry["newFwInfo"] = device.newest.as_json()
            entry.update(downloadProgress=download, upgradeProgress=install, upgradeStatus=state)
            return entry

        done, failed = self._batch(items, info)
        return Batch(failed, all_failed=not done, result={"list": done})

    # -- device configuration -------------------------------------------------------

    def _manual_timing(self, body: Body) -> Any:
        moment = req_int(body, "time", 0)
        device = self.video(body)
        device.timing_mode = "manual"
        device.clock_offset = moment - self.now()
        device.manual_timings.append(moment)
        return None

    def _get_timing_reboot(self, body: Body) -> Any:
        config = self.video(body).timing_reboot
        return {"ifOpen": config.if_open, "time": config.time, "day": config.day}

    def _set_timing_reboot(self, body: Body) -> Any:
        if_open = req_bool(body, "ifOpen")
        moment, day = body.get("time"), body.get("day")
        if (if_open or moment is not None) and (
            not isinstance(moment, str) or not TIME_RE.fullmatch(moment)
        ):
            fail(PARAMETER, "time must be HH:MM:SS")
        if if_open or day is not None:
            req_int(body, "day", 0, 7)
        config = self.video(body).timing_reboot
        config.if_open = if_open
        if moment is not None:
            config.time = moment
        if day is not None:
            config.day = cast("int", day)
        return None

    def _sd_info(self, body: Body) -> Any:
        owner = self.storage_owner(self.video(body, channel_required=True))
        now = int(self.now())
        cards = [
            {
                "index": card.index,
                "permission": card.permission,
                "totalSpace": f"{card.total_gb:g}G",
                "freeSpace": f"{card.free_gb:g}G",
                "recordDuration": str(card.record_duration),
                "recordStartTime": str(now - card.record_duration if card.record_duration else 0),
                "status": card.status,
            }
            for card in owner.sd_cards
        ]
        return {"cardInfoList": cards}

    def _sd_format(self, body: Body) -> Any:
        index = req_int(body, "cardIndex", 1)
        owner = self.storage_owner(self.video(body, channel_required=True))
        cards = [c for c in owner.sd_cards if c.index == index and c.status != "none"]
        if not cards:
            fail(NO_STORAGE)
        card = cards[0]
        card.status = "normal"
        card.free_gb = card.total_gb
        card.record_duration = 0
        return None

    def _get_loop(self, body: Body) -> Any:
        owner = self.storage_owner(self.video(body, channel_required=True))
        return {"ifLoop": owner.record_loop}

    def _set_loop(self, body: Body) -> Any:
        value = req_bool(body, "ifLoop")
        self.storage_owner(self.video(body, channel_required=True)).record_loop = value
        return None

    def _get_timing_mode(self, body: Body) -> Any:
        device = self.video(body)
        return {"timingMode": device.timing_mode, "serverIp": device.ntp_server}

    def _set_timing_mode(self, body: Body) -> Any:
        mode = req_str(body, "timingMode", "manual", "ntp")
        server = body.get("serverIp")
        if mode == "ntp" or server is not None:
            server = req_str(body, "serverIp")
            if len(server) > 64 or not re.fullmatch(r"[A-Za-z0-9.:-]+", server):
                fail(PARAMETER, "serverIp must be an address or host name")
        device = self.video(body)
        device.timing_mode = mode
        if server is not None:
            device.ntp_server = server
        return None

    def _ptz_support(self, body: Body) -> Any:
        device = self.video(body, channel_required=True)
        return {"positionResetSupport": device.ptz_reset}

    def _ptz_reset(self, body: Body) -> Any:
        device = self.video(body, channel_required=True)
        if not device.ptz_reset:
            fail(UNSUPPORTED)
        device.ptz_resets += 1
        return None

    # -- solar ----------------------------------------------------------------------

    def _solar(self, body: Body) -> TumsDevice:
        device = self.target(body)
        if device.device_type != SOLAR or device.solar is None:
            fail(UNSUPPORTED)
        return self.reachable(device)

    def _walk(self, value: float, step: float, low: float, high: float) -> float:
        return min(high, max(low, value + self._rng.uniform(-step, step)))

    def _solar_power(self, body: Body) -> Any:
        solar = self._solar(body).solar
        assert solar is not None  # noqa: S101  (checked by _solar)
        if self.drift:
            solar.battery = self._walk(solar.battery, 0.8, 0.0, 100.0)
            solar.env_temp = self._walk(solar.env_temp, 0.3, -30.0, 70.0)
            solar.input_watt = self._walk(solar.input_watt, 4.0, 0.0, 120.0)
            solar.output_watt = self._walk(solar.output_watt, 1.5, 0.0, 60.0)
            solar.status = 2 if solar.battery >= 99.5 else (1 if solar.input_watt > 1 else 0)
        return {
            "status": str(solar.status),
            "batteryStatus": f"{solar.battery:.2f}",
            "envTemp": f"{solar.env_temp:.0f}",
            "inputWatt": f"{solar.input_watt:.2f}",
            "outputWatt": f"{solar.output_watt:.2f}",
        }

    def _solar_supply(self, body: Body) -> Any:
        solar = self._solar(body).solar
        assert solar is not None  # noqa: S101
        single = len(solar.schedules) == 1
        listing = []
        for schedule in solar.schedules:
            entry = {
                "startTimeHour": str(schedule.start_hour),
                "startTimeMin": str(schedule.start_min),
                "endTimeHour": str(schedule.end_hour),
                "endTimeMin": str(schedule.end_min),
                "status": schedule.status,
            }
            if not single:
                entry["supplyLoadNum"] = str(schedule.load)
            listing.append(entry)
        return {"solarSupplyTimeList": listing}

    def _set_solar_supply(self, body: Body) -> Any:
        values = (
            req_int(body, "startTimeHour", 0, 23),
            req_int(body, "startTimeMin", 0, 59),
            req_int(body, "endTimeHour", 0, 23),
            req_int(body, "endTimeMin", 0, 59),
        )
        status = req_str(body, "status", "on", "off")
        solar = self._solar(body).solar
        assert solar is not None  # noqa: S101
        if len(solar.schedules) == 1:
            schedule = solar.schedules[0]
        else:
            load = body.get("supplyLoadNum")
            found = [s for s in solar.schedules if str(s.load) == load]
            if not isinstance(load, str) or not found:
                fail(PARAMETER, "supplyLoadNum must name one of the loads")
            schedule = found[0]
        new = SupplyTime(schedule.load, *values, status=status)
        solar.schedules[solar.schedules.index(schedule)] = new
        return None

    def _solar_reset(self, body: Body) -> Any:
        load = req_int(body, "loadNum")
        solar = self._solar(body).solar
        assert solar is not None  # noqa: S101
        if len(solar.schedules) == 1:
            fail(UNSUPPORTED, "single-load systems have no load reset")
        if load not in {s.load for s in solar.schedules}:
            fail(PARAMETER, "unknown loadNum")
        solar.load_resets[load] = solar.load_resets.get(load, 0) + 1
        return "0"

    def _solar_metrics(self, body: Body) -> Any:
        if body.get("event") != "solarPowerSystem":
            fail(PARAMETER, "event must be solarPowerSystem")
        metrics = body.get("metricList")
        if (
            not isinstance(metrics, list)
            or not metrics
            or not all(m in SOLAR_METRICS for m in metrics)
        ):
            fail(PARAMETER, f"metricList must name some of {', '.join(SOLAR_METRICS)}")
        start, end = millis(body, "startTime"), millis(body, "endTime")
        now_ms = int(self.now() * 1000)
        if end <= start or end - start > 86_400_000 or start < now_ms - 31 * 86_400_000:
            fail(PARAMETER, "the range must be within the last 31 days and at most 24 hours")
        device = self._solar(body)
        series: dict[str, list[list[str]]] = {m: [] for m in metrics}
        hour = start - start % 3_600_000
        while hour < end:
            for metric in metrics:
                value = 0.0 if hour > now_ms else self._history(device, metric, hour)
                series[metric].append([str(hour), f"{value:.1f}"])
            hour += 3_600_000
        return {"metricValueList": series}

    def _history(self, device: TumsDevice, metric: str, hour_ms: int) -> float:
        """A deterministic hourly average: daylight input, steady load, battery between."""
        hour_of_day = (hour_ms // 3_600_000 + 8) % 24  # China Standard Time
        sun = max(0.0, math.sin(math.pi * (hour_of_day - 6) / 12))
        jitter = random.Random(f"{device.device_id}:{metric}:{hour_ms}").uniform(0.9, 1.1)
        if metric == "inputPowerInWatt":
            return 95.0 * sun * jitter
        if metric == "outputPowerInWatt":
            return 12.0 * jitter
        return min(100.0, 55.0 + 40.0 * sun * jitter)

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

    # -- passenger flow -------------------------------------------------------------

    def _flow_devices(self, body: Body) -> Any:
        if self.app_type != "project":
            fail(NOT_PROJECT_APP)
        region = req_str(body, "regionId")
        if region not in self.regions:
            fail(REGION_NOT_FOUND)
        now = self.now()
        listing = []
        for device in self.devices.values():
            if device.region_id != region or not device.passenger_flow:
                continue
            parent = self.devices.get(device.parent) if device.parent else None
            listing.append(
                {
                    "qrCode": device.qr_code,
                    "mac": device.mac,
                    "channelId": device.channel_id or 1,
                    "parentQrCode": parent.qr_code if parent else None,
                    "parentMac": parent.mac if parent else None,
                    "devName": device.name,
                    "deviceStatus": 1 if self.status(device, now) != STATUS_OFFLINE else 0,
                }
            )
        return {"deviceInfoList": listing}

    def _device_flow(self, body: Body) -> Any:
        if self.app_type != "project":
            fail(NOT_PROJECT_APP)
        req_str(body, "accuracy", *FLOW_ACCURACY)
        start, end = req_int(body, "startTime", 0), req_int(body, "endTime", 0)
        if body.get("channelId") != 1:
            fail(PARAMETER, "channelId must be 1 (directly bound IPCs only)")
        device = self.target(body)
        if device.parent is not None or not device.passenger_flow:
            fail(NO_FLOW)
        if end <= start or end - start > 366 * 86400:
            fail(BAD_QUERY_TIME)
        now = int(self.now() if self.counts_held_at is None else self.counts_held_at)
        current = self._flow(device, start, min(end, now))
        last = self._flow(device, start - (end - start), start)
        return {
            "lastTotalInFlow": last[0],
            "lastTotalOutFlow": last[1],
            "lastTotalPassFlow": last[2],
            "currentTotalInFlow": current[0],
            "currentTotalOutFlow": current[1],
            "currentTotalPassFlow": current[2],
        }

    @staticmethod
    def _flow(device: TumsDevice, start: int, end: int) -> tuple[int, int, int]:
        """In/out/pass counts: deterministic hourly counts with a midday peak."""
        total_in = total_out = total_pass = 0
        hour = start - start % 3600
        while hour < end:
            hour_of_day = (hour // 3600 + 8) % 24
            busy = max(0.0, math.sin(math.pi * (hour_of_day - 7) / 14))
            base = random.Random(f"{device.device_id}:{hour}").randint(20, 40)
            part = (min(end, hour + 3600) - max(start, hour)) / 3600
            count = round(base * busy * part)
            total_in += count
            total_out += round(count * 0.95)
            total_pass += count * 3
            hour += 3600
        return total_in, total_out, total_pass

    # -- alarms ---------------------------------------------------------------------

    def _manual_alarm(self, body: Body) -> Any:
        action = body.get("action")
        if action not in ("0", "1"):
            fail(PARAMETER, 'action must be "0" or "1"')
        device = self.video(body, channel_required=True)
        if not device.alarm_out:
            fail(UNSUPPORTED)
        device.alarm_output_active = action == "1"
        return None

    def _detection_enable(self, body: Body) -> Any:
        items = dev_list(body, "devInfoList")
        kinds = body.get("alarmTypeList")
        if (
            not isinstance(kinds, list)
            or not 1 <= len(kinds) <= 10
            or not all(_is_int(k) and k in ALARM_TYPES for k in kinds)
        ):
            fail(PARAMETER, "alarmTypeList must hold 1..10 alarm types of 1.4.8.1")
        enable = req_int(body, "enable", 0, 1)
        failed: list[dict[str, Any]] = []
        succeeded = 0
        for item in items:
            try:
                device = self.video(item, channel_required=True)
            except ApiError as err:
                base: dict[str, Any] = {
                    k: item[k] for k in ("qrCode", "mac", "channelId") if k in item
                }
                failed += [{**base, "alarmType": kind, "error_code": err.code} for kind in kinds]
                continue
            for kind in kinds:
                device.detections[kind] = bool(enable)
            succeeded += 1
        return Batch(failed, all_failed=not succeeded)

    def _alarm_switch(self, body: Body, attribute: str, capability: str) -> Any:
        items = dev_list(body, "devInfoList")
        enable = req_str(body, "enable", "on", "off")

        def apply(item: dict[str, Any]) -> None:
            device = self.video(item, channel_required=True)
            if not getattr(device, capability):
                fail(UNSUPPORTED)
            setattr(device, attribute, enable)

        done, failed = self._batch(items, apply, ("qrCode", "mac", "channelId"))
        return Batch(failed, all_failed=not done)

    def _alarm_input(self, body: Body) -> Any:
        return self._alarm_switch(body, "alarm_input_enable", "alarm_in")

    def _alarm_output(self, body: Body) -> Any:
        return self._alarm_switch(body, "alarm_output_enable", "alarm_out")
