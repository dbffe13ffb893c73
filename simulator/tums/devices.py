"""Device lists, capabilities, management (rename, reboot, firmware) and the admin knobs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import math
from typing import Any, cast

from aiohttp import web

from ..base import json_reply
from ..common import fail, is_int as _is_int
from .codes import (
    BAD_LIMIT,
    BAD_NAME,
    BAD_START,
    DEVICE_OFFLINE,
    DOWNLOAD_SECONDS,
    INSTALL_SECONDS,
    MAX_PAGE,
    NAME_BUDGET,
    NAME_TOO_LONG,
    NOT_DEVICE_APP,
    NOT_PROJECT_APP,
    PARAMETER,
    REBOOT_SECONDS,
    STATUS_OFFLINE,
    UNSUPPORTED,
    UPGRADE_DONE,
    UPGRADE_DOWNLOADING,
    UPGRADE_NONE,
    UPGRADE_RESULT_SECONDS,
    UPGRADE_RUNNING,
    AppType,
    Batch,
    Body,
    _ip_key,
    _ipv4,
    dev_list,
    opt_int,
)
from .core import TumsCore
from .state import (
    DEVICE_TYPES,
    IPC,
    NVR,
    TumsDevice,
    Upgrade,
)


class DevicesApi(TumsCore):
    """Device lists, capabilities, management (rename, reboot, firmware) and the admin knobs."""

    def _add_routes(self) -> None:
        super()._add_routes()
        self._add_api(
            {
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
            }
        )
        self.app.router.add_post("/_sim/tums/clock_skew", self._admin_clock_skew)
        self.app.router.add_post("/_sim/tums/app_type", self._admin_app_type)
        self.app.router.add_post("/_sim/tums/hold_counts", self._admin_hold_counts)
        self.app.router.add_post("/_sim/tums/upgrade_failure", self._admin_upgrade_failure)

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
