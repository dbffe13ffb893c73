"""Device configuration and storage (/vms/open/deviceConfig), and alarm switches."""

from __future__ import annotations

import re
from typing import Any, cast

from ..common import ApiError, fail, is_int as _is_int
from .codes import (
    ALARM_TYPES,
    NO_STORAGE,
    PARAMETER,
    TIME_RE,
    UNSUPPORTED,
    Batch,
    Body,
    dev_list,
    req_bool,
    req_int,
    req_str,
)
from .core import TumsCore


class SettingsApi(TumsCore):
    """Device configuration and storage (/vms/open/deviceConfig), and alarm switches."""

    def _add_routes(self) -> None:
        super()._add_routes()
        self._add_api(
            {
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
                "/tums/open/alarm/v1/triggerManualAlarm": self._manual_alarm,
                "/tums/open/alarm/v1/setEnableByAlarmType": self._detection_enable,
                "/tums/open/alarm/v1/setAlarmInputEnable": self._alarm_input,
                "/tums/open/alarm/v1/setAlarmOutputEnable": self._alarm_output,
            }
        )

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
