"""The TUMS simulator's core: state, request signing and envelope, device lookup."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from email.utils import formatdate
import hmac
import random
from typing import Any

from aiohttp import web

from ..base import VendorSimulator, json_reply, wall_clock
from ..common import ApiError, fail, is_int as _is_int, parse_json
from ..faults import FaultInjector
from .codes import (
    ACCESS_DENIED,
    DEMO_ACCESS_KEY,
    DEMO_SECRET_KEY,
    DEVICE_OFFLINE,
    DEVICE_UPGRADING,
    DOWNLOAD_SECONDS,
    ERROR_TEXT,
    FLV_VALID_SECONDS,
    INSTALL_SECONDS,
    INVALID_AK,
    INVALID_DEVICE,
    JSON_FORMAT,
    NO_CHANNEL,
    NOT_IN_APP,
    OK,
    PARAMETER,
    PLAN_EXCEEDED,
    REBOOT_SECONDS,
    RESTRICTED,
    SIGNATURE_EXPIRED,
    SIGNATURE_MISMATCH,
    SIGNATURE_PARAMS,
    SIGNATURE_WINDOW,
    STATUS_OFFLINE,
    STATUS_ONLINE,
    STATUS_REBOOTING,
    STATUS_UPGRADING,
    UNSUPPORTED,
    AppType,
    Batch,
    Body,
)
from .flv import STREAM_HEIGHT, STREAM_WIDTH
from .messages import (
    PushSender,
)
from .signing import AUTH_HEADER, parse_authorization, signature
from .state import (
    IPC,
    NVR,
    Region,
    TumsDevice,
    TumsScenario,
    default_scenario,
)


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


class TumsCore(VendorSimulator):
    """The TUMS OpenAPI on loopback: state, signing, the envelope and device lookup.

    The feature mixins add their endpoints through ``_add_routes``.
    """

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
        """Each feature mixin adds its endpoints, then calls on (cooperatively)."""

    def _add_api(self, routes: Mapping[str, Callable[[Body], Any]]) -> None:
        """Signed POST endpoints in the TUMS envelope."""
        for path, handler in routes.items():
            self.app.router.add_post(path, self._endpoint(handler))

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
                return json_reply({"error_code": err.code, "msg": err.text(ERROR_TEXT)})
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
        body = parse_json(raw, JSON_FORMAT, empty={})
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
