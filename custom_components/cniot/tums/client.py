"""Async client of the TP-LINK commercial cloud (TUMS) OpenAPI.

Every call is a signed ``POST`` with a JSON body (section 1.2.2). Replies carry
the envelope of section 1.3.3: ``error_code`` (0 is success), ``msg``,
``result`` and, for batch calls, ``failList``. Error codes of section 1.5 are
mapped onto the shared exception hierarchy by :func:`error_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
import logging
import re
from typing import Any, Final, cast

import aiohttp

from ..client.errors import (
    CniotAuthenticationError,
    CniotConnectionError,
    CniotDeviceOfflineError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotRequestRefusedError,
    CniotVendorError,
)
from ..client.http import (
    JsonTransport,
    Reply,
    decode_json,
    encode_json,
    normalize_base_url,
    parse_retry_after,
    retry_once,
    wall_clock,
)
from ..client.paging import fetch_pages, gather_or_raise
from ..client.parse import ParseMemo, as_int, as_list, as_mapping, as_str
from . import signing
from .codes import (
    AlarmType,
    ApplicationType,
    FlowAccuracy,
    StreamResolution,
    StreamType,
    TimingMode,
)
from .models import Device, DevicePage, DeviceRef, Envelope, FailItem, Overview, Target, TargetIndex
from .tier_models import (
    SOLAR_METRICS,
    Capability,
    PassengerFlow,
    PushConfig,
    SdCard,
    SolarPower,
    SolarSupplyTime,
    TimeSync,
    TimingReboot,
    UpgradeInfo,
    UpgradeReport,
    as_bool,
    parse_metric_values,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api-smbcloud.tplinkcloud.com.cn"
DEFAULT_TIMEOUT: Final = 15.0
MAX_PAGE_SIZE: Final = 100  # limit of the device lists, [1, 100]
MAX_BATCH: Final = 100  # devList of the batch calls holds at most 100 devices
# Requests in flight at once. The document names no number, only the errors for
# too many requests (-10200 per IP, -10201 per user), so stay modest.
MAX_CONCURRENCY: Final = 4
CONTENT_TYPE: Final = "application/json;charset=UTF-8"

PATH_DEVICE_LIST: Final[Mapping[ApplicationType, str]] = {
    ApplicationType.DEVICE: "/tums/open/deviceManager/v1/getDeviceListInDeviceApplication",
    ApplicationType.PROJECT: "/tums/open/deviceManager/v1/getDeviceListInProjectApplication",
}
PATH_OVERVIEW: Final = "/tums/open/deviceManager/v1/getApplicationOverview"
PATH_RENAME: Final = "/tums/open/deviceManager/v1/modifyDeviceName"
PATH_REBOOT: Final = "/tums/open/deviceManager/v1/rebootDeviceList"
PATH_CHECK_FIRMWARE: Final = "/tums/open/deviceManager/v1/checkDeviceNewestFwVer"
PATH_UPGRADE: Final = "/tums/open/deviceManager/v1/upgradeDeviceOnline"
PATH_UPGRADE_INFO: Final = "/tums/open/deviceManager/v1/getDeviceUpgradeInfo"
PATH_SOLAR_POWER: Final = "/evcs/open/chargingDeviceManager/v1/querySolarPower"
PATH_SOLAR_LOAD_RESET: Final = "/evcs/open/chargingDeviceManager/v1/solarLoadReset"
PATH_STREAM_URL: Final = "/vms/open/webServer/v1/requestStreamUrl"
PATH_FLV_URL: Final = "/vms/open/httpFlvService/v1/getHttpFlvUrl"
PATH_FLV_CLOSE_REASON: Final = "/vms/open/httpFlvService/v1/getHttpFlvCloseReason"
PATH_MANUAL_TIMING: Final = "/vms/open/deviceConfig/v1/manualTiming"
PATH_GET_TIMING_REBOOT: Final = "/vms/open/deviceConfig/v1/getDeviceTimingReboot"
PATH_SET_TIMING_REBOOT: Final = "/vms/open/deviceConfig/v1/modifyDeviceTimingReboot"
PATH_SD_CARDS: Final = "/vms/open/deviceConfig/v1/getDeviceSdCardInfo"
PATH_FORMAT_SD_CARD: Final = "/vms/open/deviceConfig/v1/formatDeviceSdCard"
PATH_GET_RECORD_LOOP: Final = "/vms/open/deviceConfig/v1/getDeviceRecordLoopInfo"
PATH_SET_RECORD_LOOP: Final = "/vms/open/deviceConfig/v1/modifyDeviceRecordLoopInfo"
PATH_GET_TIME_SYNC: Final = "/vms/open/deviceConfig/v1/getDeviceTimingInfo"
PATH_SET_TIME_SYNC: Final = "/vms/open/deviceConfig/v1/modifyDeviceTimingInfo"
PATH_GET_SOLAR_SUPPLY: Final = "/evcs/open/chargingDeviceManager/v1/querySolarSupplyTime"
PATH_SET_SOLAR_SUPPLY: Final = "/evcs/open/chargingDeviceManager/v1/setSolarSupplyTime"
PATH_SOLAR_METRICS: Final = "/evcs/open/chargingDeviceManager/v1/getMetricValue"
PATH_CAPABILITY: Final = "/vms/open/deviceManager/v1/getDeviceCapability"
PATH_PTZ_RESET_SUPPORT: Final = "/vms/open/deviceConfig/v1/getPtzDeviceResetSupport"
PATH_PTZ_RESET: Final = "/vms/open/deviceConfig/v1/resetPtzDevicePosition"
PATH_PASSENGER_FLOW_DEVICES: Final = "/tums/open/passengerFlow/v1/getFlowDeviceInRegion"
PATH_DEVICE_PASSENGER_FLOW: Final = "/tums/open/passengerFlow/v1/queryDeviceSingleFlow"
PATH_TRIGGER_ALARM: Final = "/tums/open/alarm/v1/triggerManualAlarm"
PATH_SET_DETECTION: Final = "/tums/open/alarm/v1/setEnableByAlarmType"
PATH_SET_ALARM_INPUT: Final = "/tums/open/alarm/v1/setAlarmInputEnable"
PATH_SET_ALARM_OUTPUT: Final = "/tums/open/alarm/v1/setAlarmOutputEnable"
PATH_SET_PUSH_CONFIG: Final = "/tums/open/msgTranspond/v1/setAppMsgPushConfig"
PATH_GET_PUSH_CONFIG: Final = "/tums/open/msgTranspond/v1/getAppMsgPushConfig"
PATH_SET_PUSH_SK: Final = "/tums/open/msgTranspond/v1/setAppMsgPushSk"
PATH_GET_PUSH_SK: Final = "/tums/open/msgTranspond/v1/getAppMsgPushSk"

ERROR_OK: Final = 0
ERROR_EXPIRED: Final = -10302  # the timestamp is more than 5 minutes off
# -10301 signature mismatch, -10302 expired, -10303 malformed header or reused
# nonce, -10304 unknown AK.
AUTH_ERRORS: Final = frozenset({-10301, -10302, -10303, -10304})
# The integration asks the user for new credentials only for these.
REAUTH_ERRORS: Final = frozenset({-10304})
# -10305: "access denied (usually: this Access key has no permission for this API)"
# (section 1.5; permissions are per API, 1.3.1). Not a reason to reauthenticate.
ERROR_ACCESS_DENIED: Final = -10305
# Developer plan usage exceeded: no call succeeds until the plan allows more.
ERROR_PLAN_EXCEEDED: Final = -88303
# How long to stay away after -88303; the document names no reset time.
PLAN_BACKOFF: Final = 3600.0
# Too many requests from this IP (-10200) or user (-10201); API quota (-20004).
RATE_LIMIT_ERRORS: Final = frozenset({-10200, -10201, -20004, ERROR_PLAN_EXCEEDED})
# Device offline (-20571), went offline while handling the request (-20573),
# "设备不在线" (-80327) and "设备离线" (-80379).
OFFLINE_ERRORS: Final = frozenset({-20571, -20573, -80327, -80379})
# The device's service is restricted (not on trial or paid).
ERROR_RESTRICTED: Final = -88315
# Codes with a message of their own in the translations.
TRANSLATED_CODES: Final = frozenset({ERROR_ACCESS_DENIED, ERROR_RESTRICTED})
# Cloud internal error, request timed out, cloud busy, device request timed out.
TRANSIENT_ERRORS: Final = frozenset({-20000, -20002, -20003, -20005})

ERROR_MESSAGES: Final[Mapping[int, str]] = {
    -10000: "general error",
    -10100: "malformed JSON body",
    -10101: "empty JSON body",
    -10200: "too many requests from this IP",
    -10201: "too many requests from this user",
    -10301: "signature mismatch",
    -10302: "request expired (clock skew)",
    -10303: "malformed X-Authorization header or reused nonce",
    -10304: "invalid access key",
    -10305: "access denied for this access key",
    -20000: "cloud internal error",
    -20001: "insufficient permission",
    -20002: "request timed out",
    -20003: "cloud busy",
    -20004: "API request quota exceeded",
    -20005: "request to the device timed out",
    -20571: "device offline",
    -20573: "device went offline",
    -80327: "device not online",
    -80379: "device offline",
    -88303: "developer plan usage exceeded",
    -88315: "device restricted (not on trial or paid)",
    -82400: "parameter error",
    -82401: "permission denied",
}

_PUSH_SK_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
_FLV_RESOLUTIONS: Final = frozenset({"HD", "VGA"})
_FLV_STREAM_TYPES: Final = frozenset({"video", "sdvod"})
_FLV_VIDEO_CODES: Final = frozenset({"H264", "H265"})
_REBOOT_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
_HEADER_VALUE_RE = re.compile(r"^[^\s,]+$")
MAX_TERMINAL_ID: Final = 64
MAX_ALARM_TYPES: Final = 10  # alarmTypeList holds 1 to 10 types


class TumsAccessDeniedError(CniotVendorError):
    """-10305: the key may not call this API; other APIs, and other keys' calls, work."""


class TumsTransientError(CniotConnectionError):
    """The cloud or the device did not manage this time; retrying later may work.

    A :class:`CniotConnectionError`, so callers treat it like an unreachable
    server (entities unavailable, retry next poll), while keeping the code.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"vendor error {code}: {message}")
        self.code = code
        self.vendor_message = message


def error_for(code: int, msg: Any, *, retry_after: float | None = None) -> CniotError:
    """The exception for a non-zero ``error_code`` (section 1.5)."""
    text = msg.strip() if isinstance(msg, str) and msg.strip() else None
    text = (text or ERROR_MESSAGES.get(code) or "error")[:200]
    if code in AUTH_ERRORS - REAUTH_ERRORS:
        return CniotRequestRefusedError(f"request refused ({code}): {text}", code=code)
    if code in AUTH_ERRORS:
        return CniotAuthenticationError(f"credentials refused ({code}): {text}", code=code)
    if code == ERROR_ACCESS_DENIED:
        return TumsAccessDeniedError(code, text)
    if code == ERROR_PLAN_EXCEEDED and retry_after is None:
        retry_after = PLAN_BACKOFF
    if code in RATE_LIMIT_ERRORS:
        return CniotRateLimitedError(
            f"rate limited ({code}): {text}", retry_after=retry_after, code=code
        )
    if code in OFFLINE_ERRORS:
        return CniotDeviceOfflineError(code, text)
    if code in TRANSIENT_ERRORS:
        return TumsTransientError(code, text)
    return CniotVendorError(code, text)


def server_time(headers: Mapping[str, str]) -> float | None:
    """Seconds since the epoch from an HTTP ``Date`` header, if usable."""
    value = next((v for k, v in headers.items() if k.lower() == "date"), None)
    if not value:
        return None
    try:
        when: datetime = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return when.timestamp()


def _batches[T](items: Sequence[T], size: int = MAX_BATCH) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ref(device: DeviceRef | Device) -> DeviceRef:
    return device.ref if isinstance(device, Device) else device


def _target(device: DeviceRef | Device) -> Target:
    return (device.ref, device) if isinstance(device, Device) else (device, None)


class TumsClient:
    """Talks to the TUMS OpenAPI with one application's AK/SK.

    Knows nothing of Home Assistant. The terminal id identifies this client
    to the cloud; the integration generates it once per config entry.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str = DEFAULT_BASE_URL,
        *,
        access_key: str,
        secret_key: str,
        terminal_id: str,
        clock: Callable[[], float] = wall_clock,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        # Both end up in the X-Authorization header, whose fields are comma separated.
        if not _HEADER_VALUE_RE.match(access_key):
            raise ValueError("the access key is empty or has spaces or commas")
        if not _HEADER_VALUE_RE.match(terminal_id) or len(terminal_id) > MAX_TERMINAL_ID:
            raise ValueError("the terminal id must be 1-64 characters without spaces or commas")
        if not secret_key:
            raise ValueError("the secret key is empty")
        url = base_url.strip()
        if "://" not in url:
            url = f"https://{url}"  # the cloud is HTTPS only
        self._http = JsonTransport(
            session, normalize_base_url(url), timeout=timeout, concurrency=MAX_CONCURRENCY
        )
        self._access_key = access_key
        self._secret_key = secret_key
        self._terminal_id = terminal_id
        self._clock = clock
        self._clock_offset = 0.0
        self._pages: dict[ApplicationType, int] = {}  # pages the last full listing took
        self._parse_device = ParseMemo(Device.parse)
        # Upgrade info as parsed, and with the device it was matched to: unchanged
        # entries of a fleet's report yield the very objects of the last report.
        self._parse_upgrade = ParseMemo(UpgradeInfo.parse)
        self._upgrade_refs: dict[int, tuple[UpgradeInfo, UpgradeInfo]] = {}

    def __repr__(self) -> str:
        # Never show the keys.
        return f"TumsClient({self.base_url!r})"

    @property
    def base_url(self) -> str:
        """The normalised API URL."""
        return self._http.base_url

    @property
    def request_count(self) -> int:
        """Requests sent so far, for diagnostics and benchmarks."""
        return self._http.request_count

    @property
    def max_concurrency(self) -> int | None:
        """Requests this client keeps in flight at most."""
        return self._http.max_concurrency

    @property
    def clock_offset(self) -> float:
        """Seconds to add to the local clock to get the server's, learned from -10302."""
        return self._clock_offset

    def _timestamp(self) -> int:
        return int(self._clock() + self._clock_offset)

    async def _send(self, path: str, body: bytes) -> Reply:
        header = signing.authorization_header(
            access_key=self._access_key,
            secret_key=self._secret_key,
            terminal_id=self._terminal_id,
            timestamp=self._timestamp(),
            nonce=signing.new_nonce(),
            method="POST",
            path=path,
            payload=body,
        )
        return await self._http.send(
            "POST",
            path,
            body=body,
            headers={signing.AUTH_HEADER: header, "Content-Type": CONTENT_TYPE},
        )

    async def async_call(
        self, path: str, payload: Mapping[str, Any] | None = None, *, batch: bool = False
    ) -> Envelope:
        """Sign and send one call; return its envelope or raise the mapped error.

        A -10302 (expired) reply corrects the clock from the reply's ``Date``
        header and is retried once with a fresh nonce. For a ``batch`` call, a
        device error that comes with a failList (every device failed, -80414
        in the document's examples) is returned as that failList instead.
        """
        if not path.startswith("/"):
            path = f"/{path}"
        # The exact bytes sent are the bytes signed; no payload is sent as {}.
        body = signing.signed_payload(encode_json(payload) if payload else None)
        reply = await self._send(path, body)
        code, data = _decode(reply)
        if code == ERROR_EXPIRED:
            now = server_time(reply.headers)
            if now is not None:
                self._clock_offset = now - self._clock()
                _LOGGER.debug("%s: clock off by %.0f s, retrying once", path, self._clock_offset)
                reply = await self._send(path, body)
                code, data = _decode(reply)
        if code != ERROR_OK:
            # A batch call that failed for every device says why per device: when all
            # were offline, say that rather than the batch's generic code.
            fail_list = _fail_list(data)
            offline = {item.error_code for item in fail_list}
            if offline and offline <= OFFLINE_ERRORS:
                code = min(cast("set[int]", offline))
            error = error_for(
                code,
                data.get("msg"),
                retry_after=parse_retry_after(reply.headers.get("Retry-After")),
            )
            if (
                batch
                and fail_list
                and isinstance(error, CniotVendorError)
                and not isinstance(error, CniotDeviceOfflineError)
            ):
                return Envelope(result=data.get("result"), fail_list=fail_list, msg=None)
            raise error
        return Envelope(
            result=data.get("result"),
            fail_list=_fail_list(data),
            msg=as_str(data.get("msg")),
        )

    async def _result(self, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        return (await self.async_call(path, payload)).result

    async def _read(self, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        """The result of a call that changes nothing, tried twice on a transient failure."""
        return (await retry_once(lambda: self.async_call(path, payload))).result

    async def _mapping_result(
        self, path: str, payload: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        result = await self._result(path, payload)
        if not isinstance(result, Mapping):
            raise CniotInvalidResponseError(f"reply from {path} has no result object")
        return result

    # Devices

    async def async_get_device_page(
        self, app_type: ApplicationType | str, page: int, page_size: int = MAX_PAGE_SIZE
    ) -> DevicePage:
        """One page (counted from 0) of the application's devices, children included.

        ``start`` is an item offset, so page ``n`` starts at ``n * page_size``. A read,
        so it is tried once more after a transient failure.
        """
        return await retry_once(lambda: self._device_page(app_type, page, page_size))

    async def _device_page(
        self, app_type: ApplicationType | str, page: int, page_size: int
    ) -> DevicePage:
        size = min(max(1, page_size), MAX_PAGE_SIZE)
        path = PATH_DEVICE_LIST[ApplicationType(app_type)]
        result = await self._mapping_result(
            path, {"start": page * size, "limit": size, "filterAnd": {"hasChild": 1}}
        )
        raw = result.get("list")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise CniotInvalidResponseError(f"reply from {path} has no device list")
        total = as_int(result.get("total"))
        devices = tuple(device for item in raw if (device := self._parse_device(item)))
        reported = total is not None and total >= 0
        return DevicePage(
            total=total if total is not None and reported else len(raw),
            devices=devices,
            raw_length=len(raw),
            total_reported=reported,
        )

    async def async_get_devices(self, app_type: ApplicationType | str) -> list[Device]:
        """Every device of the application, 100 per call, as listed (flat).

        As many pages as the previous listing needed are requested at once. A listing
        that fails transiently, or comes out incomplete, is read once more.
        """
        return await retry_once(lambda: self._get_devices(ApplicationType(app_type)))

    async def _get_devices(self, kind: ApplicationType) -> list[Device]:
        self._parse_device.rotate()
        pages = await fetch_pages(
            lambda number: self._device_page(kind, number, MAX_PAGE_SIZE),
            lambda page: (page.raw_length, page.total if page.total_reported else None),
            page_size=MAX_PAGE_SIZE,
            expected_pages=self._pages.get(kind, 1),
            what="device list",
            check=_check_device_pages,
        )
        self._pages[kind] = len(pages)
        return [device for page in pages for device in page.devices]

    async def async_detect_application_type(self) -> ApplicationType:
        """Which kind of application the AK/SK belongs to.

        Each device list only works for its own kind: the device-type list is
        tried first and, if the cloud refuses it with a vendor error, the
        project-type list. Credential, rate-limit and transport errors are raised.
        """
        try:
            await self.async_get_device_page(ApplicationType.DEVICE, 0, 1)
        except CniotVendorError as err:
            _LOGGER.debug("not a device-type application: %s", err.code)
        else:
            return ApplicationType.DEVICE
        await self.async_get_device_page(ApplicationType.PROJECT, 0, 1)
        return ApplicationType.PROJECT

    async def async_get_overview(self) -> Overview:
        """Device counts (all, online, faulty) per device class."""
        result = await self._read(PATH_OVERVIEW)
        if result is None:
            return Overview.parse({})  # no classes to count
        if not isinstance(result, Mapping):
            raise CniotInvalidResponseError(f"reply from {PATH_OVERVIEW} has no result object")
        return Overview.parse(result)

    async def async_rename(self, device: DeviceRef | Device, name: str) -> None:
        """Rename a device (online, trial or paid only)."""
        if not name.strip():
            raise ValueError("the name must not be empty")
        await self.async_call(PATH_RENAME, {**_ref(device).to_payload(), "deviceName": name})

    async def _batch(
        self,
        path: str,
        devices: Iterable[DeviceRef | Device],
        *,
        channel: bool = True,
        extra: Mapping[str, Any] | None = None,
        list_key: str = "devList",
        concurrent: bool = False,
    ) -> list[tuple[Envelope, Sequence[Target]]]:
        """One call per 100 devices; reads may run at once, writes go one after another.

        Writes stop at the first failing batch, so a failure leaves later devices alone.
        """
        batches = list(_batches([_target(device) for device in devices]))
        payloads = [
            {list_key: [ref.to_payload(channel=channel) for ref, _device in batch], **(extra or {})}
            for batch in batches
        ]
        if concurrent:
            envelopes = list(
                await gather_or_raise(*(self.async_call(path, p, batch=True) for p in payloads))
            )
        else:
            envelopes = [await self.async_call(path, payload, batch=True) for payload in payloads]
        return list(zip(envelopes, batches, strict=True))

    async def _batch_failures(
        self, path: str, devices: Iterable[DeviceRef | Device], **kwargs: Any
    ) -> list[FailItem]:
        """The failList of every batch, each entry tied to the device it names."""
        failures: list[FailItem] = []
        for envelope, batch in await self._batch(path, devices, **kwargs):
            index = TargetIndex(batch)
            failures.extend(
                replace(
                    item, ref=index.match(item.qr_code, item.mac, item.channel_id, item.child_mac)
                )
                for item in envelope.fail_list
            )
        return failures

    async def async_reboot(self, devices: Iterable[DeviceRef | Device]) -> list[FailItem]:
        """Reboot devices, 100 per call; returns the devices that failed.

        NVR channels cannot be rebooted this way, so no ``channelId`` is sent.
        """
        return await self._batch_failures(PATH_REBOOT, devices, channel=False)

    async def async_check_newest_firmware(
        self, devices: Iterable[DeviceRef | Device]
    ) -> list[FailItem]:
        """Ask the devices to look for new firmware; returns the failures.

        The outcome is read with :meth:`async_get_upgrade_info`.
        """
        return await self._batch_failures(PATH_CHECK_FIRMWARE, devices)

    async def async_upgrade(self, devices: Iterable[DeviceRef | Device]) -> list[FailItem]:
        """Start online upgrades; returns the failures. Poll the progress with upgrade info."""
        return await self._batch_failures(PATH_UPGRADE, devices)

    async def async_get_upgrade_info(
        self, devices: Iterable[DeviceRef | Device], *, reset_result: bool = False
    ) -> UpgradeReport:
        """Firmware versions and upgrade progress, 100 devices per call."""
        replies = await self._batch(
            PATH_UPGRADE_INFO,
            devices,
            extra={"resetUpgradeResult": int(reset_result)},
            concurrent=True,
        )
        infos: list[UpgradeInfo] = []
        failures: list[FailItem] = []
        self._parse_upgrade.rotate()
        refs: dict[int, tuple[UpgradeInfo, UpgradeInfo]] = {}
        for envelope, batch in replies:
            if envelope.result is not None and not isinstance(envelope.result, Mapping):
                raise CniotInvalidResponseError(
                    f"reply from {PATH_UPGRADE_INFO} has no result object"
                )
            items = as_mapping(envelope.result).get("list")
            if items is not None and not isinstance(items, list):
                raise CniotInvalidResponseError(
                    f"reply from {PATH_UPGRADE_INFO} has no upgrade list"
                )
            index = TargetIndex(batch)
            for item in items or ():
                if isinstance(item, Mapping):
                    info = self._parse_upgrade(item)
                    ref = index.match(info.qr_code, info.mac, info.channel_id, info.child_mac)
                    known = self._upgrade_refs.get(id(info))
                    if known is not None and known[0] is info and known[1].ref == ref:
                        matched = known[1]
                    else:
                        matched = replace(info, ref=ref)
                    refs[id(info)] = (info, matched)
                    infos.append(matched)
            failures.extend(
                replace(
                    fail, ref=index.match(fail.qr_code, fail.mac, fail.channel_id, fail.child_mac)
                )
                for fail in envelope.fail_list
            )
        self._upgrade_refs = refs
        return UpgradeReport(infos=tuple(infos), failures=tuple(failures))

    # Solar power systems

    async def async_get_solar_power(self, device: DeviceRef | Device) -> SolarPower:
        """Charge state, battery, temperature and power of a solar power system."""
        result = await self._mapping_result(PATH_SOLAR_POWER, _ref(device).identity())
        return SolarPower.parse(result)

    async def async_solar_load_reset(self, device: DeviceRef | Device, load_num: int = 1) -> bool:
        """Restart one load of a solar power system; True if the device reports success."""
        result = await self._result(
            PATH_SOLAR_LOAD_RESET, {**_ref(device).identity(), "loadNum": load_num}
        )
        # "0" restarted, "1" failed.
        return as_int(result) == 0

    async def async_get_solar_supply_times(
        self, device: DeviceRef | Device
    ) -> list[SolarSupplyTime]:
        """The load supply schedules of a solar power system."""
        result = await self._mapping_result(PATH_GET_SOLAR_SUPPLY, _ref(device).identity())
        return [
            SolarSupplyTime.parse(item)
            for item in as_list(result.get("solarSupplyTimeList"))
            if isinstance(item, Mapping)
        ]

    async def async_set_solar_supply_time(
        self,
        device: DeviceRef | Device,
        *,
        start: tuple[int, int],
        end: tuple[int, int],
        on: bool,
        load_num: str | None = None,
    ) -> None:
        """Set one load's supply schedule; times are (hour, minute)."""
        for hour, minute in (start, end):
            if not (0 <= hour <= 23 and 0 <= minute <= 59):
                raise ValueError("times must be (0-23, 0-59)")
        payload: dict[str, Any] = {
            **_ref(device).identity(),
            "startTimeHour": start[0],
            "startTimeMin": start[1],
            "endTimeHour": end[0],
            "endTimeMin": end[1],
            "status": "on" if on else "off",
        }
        if load_num is not None:
            payload["supplyLoadNum"] = load_num
        await self.async_call(PATH_SET_SOLAR_SUPPLY, payload)

    async def async_get_solar_metrics(
        self, device: DeviceRef | Device, start_ms: int, end_ms: int
    ) -> dict[str, list[tuple[int, float]]]:
        """Hourly battery % and input/output W (at most 24 h within the last 31 days)."""
        result = await self._mapping_result(
            PATH_SOLAR_METRICS,
            {
                **_ref(device).identity(),
                "event": "solarPowerSystem",
                "metricList": list(SOLAR_METRICS),
                # The document types both as strings of milliseconds.
                "startTime": str(start_ms),
                "endTime": str(end_ms),
            },
        )
        return parse_metric_values(as_mapping(result.get("metricValueList")))

    # IPC and NVR configuration

    async def async_manual_timing(
        self, device: DeviceRef | Device, when: int | None = None
    ) -> None:
        """Switch the device to manual time and set it (default: the cloud's clock)."""
        await self.async_call(
            PATH_MANUAL_TIMING,
            {**_ref(device).to_payload(), "time": self._timestamp() if when is None else when},
        )

    async def async_get_timing_reboot(self, device: DeviceRef | Device) -> TimingReboot:
        """The scheduled reboot of an IPC or NVR."""
        result = await self._mapping_result(PATH_GET_TIMING_REBOOT, _ref(device).to_payload())
        return TimingReboot.parse(result)

    async def async_set_timing_reboot(
        self,
        device: DeviceRef | Device,
        enabled: bool,
        *,
        time_of_day: str | None = None,
        day: int | None = None,
    ) -> None:
        """Schedule reboots at ``HH:MM:SS`` on ``day`` (0 daily, 1-7 Monday-Sunday)."""
        payload: dict[str, Any] = {**_ref(device).to_payload(), "ifOpen": enabled}
        if enabled and (time_of_day is None or day is None):
            raise ValueError("a schedule needs a time and a day")
        if time_of_day is not None:
            if not _REBOOT_TIME_RE.match(time_of_day):
                raise ValueError("the time must be HH:MM:SS")
            payload["time"] = time_of_day
        if day is not None:
            if not 0 <= day <= 7:
                raise ValueError("the day must be 0-7")
            payload["day"] = day
        await self.async_call(PATH_SET_TIMING_REBOOT, payload)

    async def async_get_sd_cards(self, device: DeviceRef | Device) -> list[SdCard]:
        """SD cards of an IPC (or the disks of the NVR behind a channel)."""
        result = await self._mapping_result(PATH_SD_CARDS, _ref(device).to_payload())
        return [
            SdCard.parse(item)
            for item in as_list(result.get("cardInfoList"))
            if isinstance(item, Mapping)
        ]

    async def async_format_sd_card(self, device: DeviceRef | Device, index: int) -> None:
        """Format one card (for an NVR channel: the NVR's disk)."""
        await self.async_call(
            PATH_FORMAT_SD_CARD, {**_ref(device).to_payload(), "cardIndex": index}
        )

    async def async_get_record_loop(self, device: DeviceRef | Device) -> bool | None:
        """Whether recording overwrites the oldest footage when the card is full."""
        result = await self._mapping_result(PATH_GET_RECORD_LOOP, _ref(device).to_payload())
        return as_bool(result.get("ifLoop"))

    async def async_set_record_loop(self, device: DeviceRef | Device, enabled: bool) -> None:
        """Turn loop recording on or off."""
        await self.async_call(
            PATH_SET_RECORD_LOOP, {**_ref(device).to_payload(), "ifLoop": enabled}
        )

    async def async_get_time_sync(self, device: DeviceRef | Device) -> TimeSync:
        """Time synchronisation mode and NTP server."""
        result = await self._mapping_result(PATH_GET_TIME_SYNC, _ref(device).to_payload())
        return TimeSync.parse(result)

    async def async_set_time_sync(
        self, device: DeviceRef | Device, mode: TimingMode | str, server: str | None = None
    ) -> None:
        """Set manual time or NTP (which needs a server)."""
        timing_mode = TimingMode(mode)
        payload: dict[str, Any] = {**_ref(device).to_payload(), "timingMode": str(timing_mode)}
        if timing_mode is TimingMode.NTP:
            if not server:
                raise ValueError("NTP needs a server")
            payload["serverIp"] = server
        await self.async_call(PATH_SET_TIME_SYNC, payload)

    async def async_get_ptz_reset_support(self, device: DeviceRef | Device) -> bool:
        """Whether the PTZ camera can return to its origin."""
        result = await self._mapping_result(PATH_PTZ_RESET_SUPPORT, _ref(device).to_payload())
        return as_bool(result.get("positionResetSupport")) is True

    async def async_get_capability(self, device: DeviceRef | Device) -> Capability:
        """The IPC's or NVR's capability set; a read, tried once more if it fails in passing."""
        return Capability.parse(
            as_mapping(await self._read(PATH_CAPABILITY, _ref(device).to_payload(child=False)))
        )

    async def async_reset_ptz(self, device: DeviceRef | Device) -> None:
        """Move the PTZ camera back to its origin."""
        await self.async_call(PATH_PTZ_RESET, _ref(device).to_payload())

    # Passenger flow (project-type applications only)

    async def async_get_passenger_flow_devices(self, region_id: str) -> list[Device]:
        """IPCs of a region that count passengers."""
        result = await self._mapping_result(PATH_PASSENGER_FLOW_DEVICES, {"regionId": region_id})
        return [
            device
            for item in as_list(result.get("deviceInfoList"))
            if (device := Device.parse(as_mapping(item)))
        ]

    async def async_get_device_passenger_flow(
        self,
        device: DeviceRef | Device,
        accuracy: FlowAccuracy | str,
        start: int,
        end: int,
    ) -> PassengerFlow:
        """Passenger totals of one IPC between two UNIX times (seconds)."""
        result = await self._mapping_result(
            PATH_DEVICE_PASSENGER_FLOW,
            {
                **_ref(device).to_payload(),
                "accuracy": str(FlowAccuracy(accuracy)),
                "startTime": start,
                "endTime": end,
            },
        )
        return PassengerFlow.parse(result)

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


def _decode(reply: Reply) -> tuple[int, Mapping[str, Any]]:
    """The envelope's error code and body, or the client's own error."""
    try:
        data = decode_json(reply.raw, reply.path)
    except CniotInvalidResponseError:
        # A non-JSON error page says more through its status.
        reply.raise_for_status()
        raise
    code = as_int(data.get("error_code")) if isinstance(data, Mapping) else None
    if code is None or not isinstance(data, Mapping):
        reply.raise_for_status()
        raise CniotInvalidResponseError(
            f"reply from {reply.path} has no error_code", status=reply.status
        )
    if code == ERROR_OK and not 200 <= reply.status < 300:
        reply.raise_for_status()
        raise CniotInvalidResponseError(
            f"HTTP {reply.status} from {reply.path}", status=reply.status
        )
    return code, data


def _fail_list(data: Mapping[str, Any]) -> tuple[FailItem, ...]:
    # Section 1.3.3 puts failList beside result; its example nests it in result.
    raw = data.get("failList")
    if raw is None:
        raw = as_mapping(data.get("result")).get("failList")
    return tuple(FailItem.parse(item) for item in as_list(raw) if isinstance(item, Mapping))


def _check_device_pages(pages: list[DevicePage]) -> None:
    """Refuse listings that would make devices look deleted, or page forever."""
    seen: set[str] = set()
    for page in pages:
        if len(page.devices) < page.raw_length:
            # An entry without qrCode or MAC would look like a vanished device.
            raise CniotInvalidResponseError("device list lists a device without an identity")
        if page.devices and all(device.key in seen for device in page.devices):
            # A cloud that ignores start would otherwise be paged forever.
            raise CniotInvalidResponseError("device list repeats the same page")
        seen.update(device.key for device in page.devices)
