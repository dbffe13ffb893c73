"""TUMS simulator: device configuration, solar, push, passenger flow, alarms, stream URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from simulator.tums import TumsSimulator
from simulator.tums.state import (
    CHANNEL_QRS,
    HQ,
    IPC_GATE,
    IPC_LOBBY,
    NVR_QR,
    ROUTER_MAC,
    SOLAR_QR,
    WAREHOUSE,
    generate_scenario,
)

from .conftest import EPOCH, Clock
from .test_tums_signing import Tums, started

CFG = "/vms/open/deviceConfig/v1/"
SOLAR = "/evcs/open/chargingDeviceManager/v1/"
PUSH = "/tums/open/msgTranspond/v1/"
FLOW = "/tums/open/passengerFlow/v1/"
ALARM = "/tums/open/alarm/v1/"
GATE = {"qrCode": IPC_GATE, "channelId": 1}
LOBBY = {"qrCode": IPC_LOBBY, "channelId": 1}
CH1 = {"qrCode": NVR_QR, "channelId": 1}
CH3 = {"qrCode": NVR_QR, "channelId": 3}
SUN = {"qrCode": SOLAR_QR}


@pytest.fixture
async def sim(clock: Clock) -> AsyncIterator[TumsSimulator]:
    simulator = await started(clock)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
def tums(sim: TumsSimulator, session: aiohttp.ClientSession) -> Tums:
    return Tums(session, sim)


# -- time -------------------------------------------------------------------------------


async def test_manual_timing_and_mode(tums: Tums, clock: Clock) -> None:
    assert await tums.ok(CFG + "getDeviceTimingInfo", GATE) == {
        "timingMode": "ntp",
        "serverIp": "ntp.tplinkcloud.com.cn",
    }
    await tums.ok(CFG + "manualTiming", {**GATE, "time": int(EPOCH) - 60})
    device = tums.sim.devices[IPC_GATE]
    assert (device.timing_mode, device.clock_offset) == ("manual", -60)
    assert (await tums.ok(CFG + "getDeviceTimingInfo", {"qrCode": IPC_GATE}))[
        "timingMode"
    ] == "manual"
    assert await tums.code(CFG + "manualTiming", {**GATE, "time": "now"}) == -82400
    assert await tums.code(CFG + "manualTiming", {**CH3, "time": 1}) == -20571
    assert await tums.code(CFG + "manualTiming", {"mac": ROUTER_MAC, "time": 1}) == -80391

    await tums.ok(
        CFG + "modifyDeviceTimingInfo", {**GATE, "timingMode": "ntp", "serverIp": "10.0.0.1"}
    )
    assert device.ntp_server == "10.0.0.1"
    await tums.ok(CFG + "modifyDeviceTimingInfo", {**GATE, "timingMode": "manual"})
    assert (device.timing_mode, device.ntp_server) == ("manual", "10.0.0.1")
    for bad in (
        {"timingMode": "gps"},
        {"timingMode": "ntp"},
        {"timingMode": "ntp", "serverIp": "bad host!"},
        {"timingMode": "manual", "serverIp": ""},
    ):
        assert await tums.code(CFG + "modifyDeviceTimingInfo", {**GATE, **bad}) == -82400, bad


async def test_timing_reboot(tums: Tums) -> None:
    path = CFG + "modifyDeviceTimingReboot"
    assert await tums.ok(CFG + "getDeviceTimingReboot", CH1) == {
        "ifOpen": False,
        "time": "03:00:00",
        "day": 0,
    }
    await tums.ok(path, {**CH1, "ifOpen": True, "time": "04:30:00", "day": 7})
    assert await tums.ok(CFG + "getDeviceTimingReboot", CH1) == {
        "ifOpen": True,
        "time": "04:30:00",
        "day": 7,
    }
    await tums.ok(path, {**CH1, "ifOpen": False})
    assert tums.sim.devices[CHANNEL_QRS[0]].timing_reboot.if_open is False
    for bad in (
        {"ifOpen": 1},
        {"ifOpen": True, "day": 0},
        {"ifOpen": True, "time": "24:00:00", "day": 0},
        {"ifOpen": True, "time": "04:30:00"},
        {"ifOpen": True, "time": "04:30:00", "day": 8},
        {"ifOpen": False, "time": "4:30"},
    ):
        assert await tums.code(path, {**CH1, **bad}) == -82400, bad


# -- storage ----------------------------------------------------------------------------


async def test_sd_cards(tums: Tums, clock: Clock) -> None:
    info = await tums.ok(CFG + "getDeviceSdCardInfo", GATE)
    assert info["cardInfoList"] == [
        {
            "index": 1,
            "permission": "rw",
            "totalSpace": "128G",
            "freeSpace": "37.5G",
            "recordDuration": "1209600",
            "recordStartTime": str(int(EPOCH) - 1_209_600),
            "status": "normal",
        }
    ]
    # An NVR channel reports (and formats) the NVR's disks.
    disks = (await tums.ok(CFG + "getDeviceSdCardInfo", CH1))["cardInfoList"]
    assert [d["index"] for d in disks] == [1, 2]
    await tums.ok(CFG + "formatDeviceSdCard", {**CH1, "cardIndex": 2})
    disk = tums.sim.devices[NVR_QR].sd_cards[1]
    assert (disk.free_gb, disk.record_duration) == (disk.total_gb, 0)
    assert await tums.code(CFG + "formatDeviceSdCard", {**CH1, "cardIndex": 3}) == -80420
    assert await tums.code(CFG + "formatDeviceSdCard", {**CH1}) == -82400
    assert await tums.code(CFG + "getDeviceSdCardInfo", {"qrCode": IPC_GATE}) == -82400
    lobby = (await tums.ok(CFG + "getDeviceSdCardInfo", LOBBY))["cardInfoList"][0]
    assert lobby["status"] == "unformatted"
    assert lobby["recordStartTime"] == "0"
    await tums.ok(CFG + "formatDeviceSdCard", {**LOBBY, "cardIndex": 1})
    assert (await tums.ok(CFG + "getDeviceSdCardInfo", LOBBY))["cardInfoList"][0][
        "status"
    ] == "normal"


async def test_record_loop(tums: Tums) -> None:
    assert await tums.ok(CFG + "getDeviceRecordLoopInfo", CH1) == {"ifLoop": True}
    await tums.ok(
        CFG + "modifyDeviceRecordLoopInfo", {"qrCode": NVR_QR, "channelId": 2, "ifLoop": False}
    )
    assert tums.sim.devices[NVR_QR].record_loop is False
    assert await tums.ok(CFG + "getDeviceRecordLoopInfo", CH1) == {"ifLoop": False}
    assert await tums.code(CFG + "modifyDeviceRecordLoopInfo", {**CH1, "ifLoop": "no"}) == -82400


# -- PTZ --------------------------------------------------------------------------------


async def test_ptz(tums: Tums, clock: Clock) -> None:
    assert await tums.ok(CFG + "getPtzDeviceResetSupport", GATE) == {"positionResetSupport": True}
    assert await tums.ok(CFG + "getPtzDeviceResetSupport", LOBBY) == {"positionResetSupport": False}
    await tums.ok(CFG + "resetPtzDevicePosition", GATE)
    assert tums.sim.devices[IPC_GATE].ptz_resets == 1
    assert await tums.code(CFG + "resetPtzDevicePosition", LOBBY) == -80391
    # Upgrading and rebooting devices refuse commands.
    await tums.ok("/tums/open/deviceManager/v1/upgradeDeviceOnline", {"devList": [GATE]})
    assert await tums.code(CFG + "resetPtzDevicePosition", GATE) == -80324
    clock.now += 31
    assert await tums.code(CFG + "resetPtzDevicePosition", GATE) == -20571


# -- solar ------------------------------------------------------------------------------


async def test_solar_power(tums: Tums) -> None:
    reply = await tums.ok(SOLAR + "querySolarPower", SUN)
    assert reply == {
        "status": "1",
        "batteryStatus": "76.50",
        "envTemp": "24",
        "inputWatt": "42.00",
        "outputWatt": "11.50",
    }
    assert await tums.ok(SOLAR + "querySolarPower", SUN) == reply  # no drift
    assert await tums.code(SOLAR + "querySolarPower", {"qrCode": IPC_GATE}) == -80391
    tums.sim.set_online(SOLAR_QR, False)
    assert await tums.code(SOLAR + "querySolarPower", SUN) == -20571


async def test_solar_drift(clock: Clock, session: aiohttp.ClientSession) -> None:
    sim = await started(clock, drift=True, seed=4)
    try:
        api = Tums(session, sim)
        readings = [await api.ok(SOLAR + "querySolarPower", SUN) for _ in range(5)]
        assert len({r["batteryStatus"] for r in readings}) > 1
        for reading in readings:
            assert 0 <= float(reading["batteryStatus"]) <= 100
            assert reading["status"] in ("0", "1", "2")
    finally:
        await sim.stop()


async def test_solar_supply(tums: Tums) -> None:
    result = await tums.ok(SOLAR + "querySolarSupplyTime", SUN)
    assert result["solarSupplyTimeList"][1] == {
        "startTimeHour": "18",
        "startTimeMin": "0",
        "endTimeHour": "6",
        "endTimeMin": "0",
        "status": "on",
        "supplyLoadNum": "2",
    }
    body = {
        **SUN,
        "startTimeHour": 2,
        "startTimeMin": 0,
        "endTimeHour": 20,
        "endTimeMin": 30,
        "status": "off",
        "supplyLoadNum": "2",
    }
    await tums.ok(SOLAR + "setSolarSupplyTime", body)
    entry = (await tums.ok(SOLAR + "querySolarSupplyTime", SUN))["solarSupplyTimeList"][1]
    assert (entry["startTimeHour"], entry["endTimeMin"], entry["status"]) == ("2", "30", "off")
    for bad in (
        {"startTimeHour": 24},
        {"endTimeMin": 60},
        {"status": "auto"},
        {"supplyLoadNum": "3"},
    ):
        assert await tums.code(SOLAR + "setSolarSupplyTime", {**body, **bad}) == -82400, bad
    assert (
        await tums.code(
            SOLAR + "setSolarSupplyTime", {k: v for k, v in body.items() if k != "supplyLoadNum"}
        )
        == -82400
    )

    assert await tums.ok(SOLAR + "solarLoadReset", {**SUN, "loadNum": 1}) == "0"
    assert tums.sim.devices[SOLAR_QR].solar is not None
    assert tums.sim.devices[SOLAR_QR].solar.load_resets == {1: 1}
    assert await tums.code(SOLAR + "solarLoadReset", {**SUN, "loadNum": 3}) == -82400
    assert await tums.code(SOLAR + "solarLoadReset", {**SUN}) == -82400


async def test_single_load_solar(clock: Clock, session: aiohttp.ClientSession) -> None:
    scenario = generate_scenario(8)
    sim = await started(clock, scenario=scenario)
    try:
        api = Tums(session, sim)
        solar = next(d for d in sim.devices.values() if d.solar is not None)
        target = {"qrCode": solar.qr_code}
        listing = (await api.ok(SOLAR + "querySolarSupplyTime", target))["solarSupplyTimeList"]
        assert len(listing) == 1
        assert "supplyLoadNum" not in listing[0]
        body = {**target, "startTimeHour": 1, "startTimeMin": 2, "endTimeHour": 3, "endTimeMin": 4}
        await api.ok(SOLAR + "setSolarSupplyTime", {**body, "status": "on", "supplyLoadNum": "9"})
        assert solar.solar is not None
        assert solar.solar.schedules[0].start_min == 2
        assert await api.code(SOLAR + "solarLoadReset", {**target, "loadNum": 1}) == -80391
    finally:
        await sim.stop()


async def test_solar_metrics(tums: Tums) -> None:
    now_ms = int(EPOCH * 1000)
    body = {
        **SUN,
        "event": "solarPowerSystem",
        "metricList": ["batteryEnergyPercentage", "inputPowerInWatt", "outputPowerInWatt"],
        "startTime": str(now_ms - 20 * 3_600_000),
        "endTime": str(now_ms + 3 * 3_600_000),
    }
    series = (await tums.ok(SOLAR + "getMetricValue", body))["metricValueList"]
    assert set(series) == set(body["metricList"])
    points = series["inputPowerInWatt"]
    assert len(points) in (23, 24)
    assert all(int(t) % 3_600_000 == 0 for t, _v in points)
    assert points[-1][1] == "0.0"  # the future has no data
    assert any(float(v) > 0 for _t, v in points)
    assert all(
        40 <= float(v) <= 100 for t, v in series["batteryEnergyPercentage"] if int(t) <= now_ms
    )
    again = (await tums.ok(SOLAR + "getMetricValue", body))["metricValueList"]
    assert again == series
    bads: list[dict[str, Any]] = [
        {"event": "other"},
        {"metricList": []},
        {"metricList": ["voltage"]},
        {"startTime": "x"},
        {"endTime": body["startTime"]},
        {"startTime": str(now_ms - 30 * 3_600_000)},
        {"startTime": str(now_ms - 40 * 86_400_000), "endTime": str(now_ms - 40 * 86_400_000 + 1)},
    ]
    for bad in bads:
        assert await tums.code(SOLAR + "getMetricValue", {**body, **bad}) == -82400, bad
    numeric = {**body, "startTime": now_ms - 3_600_000, "endTime": now_ms}
    assert (
        len(
            (await tums.ok(SOLAR + "getMetricValue", numeric))["metricValueList"][
                "inputPowerInWatt"
            ]
        )
        >= 1
    )


# -- stream URL -------------------------------------------------------------------------


async def test_request_stream_url(tums: Tums) -> None:
    path = "/vms/open/webServer/v1/requestStreamUrl"
    body = {**GATE, "clientType": "chrome 99.0", "streamType": "video", "resolution": 2}
    url = (await tums.ok(path, body))["sdkStreamUrl"]
    assert url.startswith(f"{tums.url}/vms/open/webServer/v1/requestRelayUrl?token=")
    assert "streamType=video" in url
    assert url.endswith("&resolution=2")
    url = (
        await tums.ok(
            path,
            {**CH1, "clientType": "AndroidSDKClient", "streamType": "sdvod", "clientUUID": "u1"},
        )
    )["sdkStreamUrl"]
    assert "clientUUID=u1" in url
    assert "resolution" not in url
    assert len(tums.sim.stream_urls) == 2
    assert await tums.code(path, {**body, "resolution": 4}) == -82400
    assert await tums.code(path, {**body, "streamType": "rtsp"}) == -82400
    assert await tums.code(path, {**body, "clientType": ""}) == -82400
    assert await tums.code(path, {**CH3, "clientType": "x", "streamType": "video"}) == -20571
    assert (
        await tums.code(path, {"qrCode": IPC_GATE, "clientType": "x", "streamType": "video"})
        == -82400
    )


# -- push -------------------------------------------------------------------------------


async def test_push_config(tums: Tums) -> None:
    assert await tums.ok(PUSH + "getAppMsgPushConfig") == {
        "appId": "2583",
        "serverUrl": "",
        "openMsgTransport": 0,
        "msgContentType": [],
    }
    config = {
        "serverUrl": "http://tp-vcs-test.tpddns.cn:8002/msg",
        "openMsgTransport": 1,
        "msgContentType": ["ipcDeviceOnline", "ipcDeviceOffline"],
    }
    await tums.ok(PUSH + "setAppMsgPushConfig", config)
    assert await tums.ok(PUSH + "getAppMsgPushConfig", {}) == {"appId": "2583", **config}
    assert tums.sim.push_config == config
    for bad in (
        {"serverUrl": ""},
        {"serverUrl": "ftp://x"},
        {"openMsgTransport": 2},
        {"msgContentType": "all"},
        {"msgContentType": [""]},
    ):
        assert await tums.code(PUSH + "setAppMsgPushConfig", {**config, **bad}) == -82400, bad


async def test_push_sk(tums: Tums) -> None:
    assert await tums.ok(PUSH + "getAppMsgPushSk") == {"sk": ""}
    await tums.ok(PUSH + "setAppMsgPushSk", {"sk": "A1b2" * 8})
    assert tums.sim.push_sk == "A1b2" * 8
    assert await tums.ok(PUSH + "getAppMsgPushSk") == {"sk": "A1b2" * 8}
    for bad in ("", "x" * 33, "has space", "签名", 5):
        assert await tums.code(PUSH + "setAppMsgPushSk", {"sk": bad}) == -82400


# -- passenger flow ---------------------------------------------------------------------


async def test_flow_devices(tums: Tums) -> None:
    result = await tums.ok(FLOW + "getFlowDeviceInRegion", {"regionId": HQ})
    assert result["deviceInfoList"] == [
        {
            "qrCode": IPC_LOBBY,
            "mac": "00-FF-00-2A-F3-19",
            "channelId": 1,
            "parentQrCode": None,
            "parentMac": None,
            "devName": "Lobby Camera",
            "deviceStatus": 1,
        }
    ]
    assert (await tums.ok(FLOW + "getFlowDeviceInRegion", {"regionId": WAREHOUSE}))[
        "deviceInfoList"
    ] == []
    assert await tums.code(FLOW + "getFlowDeviceInRegion", {"regionId": "9"}) == -80205
    assert await tums.code(FLOW + "getFlowDeviceInRegion", {}) == -82400
    tums.sim.app_type = "device"
    assert await tums.code(FLOW + "getFlowDeviceInRegion", {"regionId": HQ}) == -88312
    assert await tums.code(FLOW + "queryDeviceSingleFlow", {"regionId": HQ}) == -88312


async def test_device_flow(tums: Tums) -> None:
    day = 86400
    end = int(EPOCH) - int(EPOCH) % day
    body: dict[str, Any] = {**LOBBY, "accuracy": "day", "startTime": end - day, "endTime": end}
    result = await tums.ok(FLOW + "queryDeviceSingleFlow", body)
    assert set(result) == {
        "lastTotalInFlow",
        "lastTotalOutFlow",
        "lastTotalPassFlow",
        "currentTotalInFlow",
        "currentTotalOutFlow",
        "currentTotalPassFlow",
    }
    assert result["currentTotalInFlow"] > 0
    assert result["currentTotalOutFlow"] <= result["currentTotalInFlow"]
    assert result["currentTotalPassFlow"] == 3 * result["currentTotalInFlow"]
    assert await tums.ok(FLOW + "queryDeviceSingleFlow", body) == result
    # The future holds no visitors.
    future = await tums.ok(
        FLOW + "queryDeviceSingleFlow",
        {**body, "startTime": end + 10 * day, "endTime": end + 11 * day},
    )
    assert future["currentTotalInFlow"] == 0
    assert await tums.code(FLOW + "queryDeviceSingleFlow", {**body, "qrCode": IPC_GATE}) == -80550
    assert await tums.code(FLOW + "queryDeviceSingleFlow", {**body, "endTime": end - day}) == -80551
    assert await tums.code(FLOW + "queryDeviceSingleFlow", {**body, "accuracy": "hour"}) == -82400
    assert await tums.code(FLOW + "queryDeviceSingleFlow", {**body, "channelId": 2}) == -82400
    assert await tums.code(FLOW + "queryDeviceSingleFlow", {**body, **CH1}) == -80550


async def test_hold_counts(tums: Tums, clock: Clock) -> None:
    day = 86400
    # Noon in Beijing, a busy hour: the counts of today grow by the minute.
    clock.now = EPOCH - EPOCH % day + 4 * 3600
    start = int(clock.now) - 4 * 3600
    body: dict[str, Any] = {**LOBBY, "accuracy": "day", "startTime": start, "endTime": start + day}

    async def today() -> int:
        result = await tums.ok(FLOW + "queryDeviceSingleFlow", body)
        count: int = result["currentTotalInFlow"]
        return count

    async def hold(value: object) -> int:
        async with tums.session.post(tums.url + "/_sim/tums/hold_counts", json=value) as resp:
            return resp.status

    before = await today()
    clock.now += 1800
    running = await today()
    assert running > before
    assert await hold({"hold": True}) == 200
    clock.now += 1800
    assert await today() == running
    assert await hold({"hold": False}) == 200
    assert await today() > running
    for bad in ({"hold": 1}, {}, [True]):
        assert await hold(bad) == 400


# -- alarms -----------------------------------------------------------------------------


async def test_manual_alarm(tums: Tums) -> None:
    def active() -> bool:
        return tums.sim.devices[IPC_GATE].alarm_output_active

    await tums.ok(ALARM + "triggerManualAlarm", {**GATE, "action": "1"})
    assert active()
    await tums.ok(ALARM + "triggerManualAlarm", {**GATE, "action": "0"})
    assert not active()
    assert await tums.code(ALARM + "triggerManualAlarm", {**GATE, "action": 1}) == -82400
    assert await tums.code(ALARM + "triggerManualAlarm", {**LOBBY, "action": "1"}) == -80391


async def test_detection_switches(tums: Tums) -> None:
    path = ALARM + "setEnableByAlarmType"
    reply = await tums.call(
        path, {"devInfoList": [GATE, CH3], "alarmTypeList": [2, 20], "enable": 1}
    )
    assert reply["error_code"] == 0
    assert reply["failList"] == [
        {**CH3, "alarmType": 2, "error_code": -20571},
        {**CH3, "alarmType": 20, "error_code": -20571},
    ]
    assert tums.sim.devices[IPC_GATE].detections == {2: True, 20: True}
    reply = await tums.call(path, {"devInfoList": [CH3], "alarmTypeList": [2], "enable": 0})
    assert reply["error_code"] == -80414
    bads: list[dict[str, Any]] = [
        {"alarmTypeList": []},
        {"alarmTypeList": [1]},
        {"alarmTypeList": [2] * 11},
        {"enable": 2},
    ]
    for bad in bads:
        body = {"devInfoList": [GATE], "alarmTypeList": [2], "enable": 1, **bad}
        assert await tums.code(path, body) == -82400, bad


async def test_alarm_io_switches(tums: Tums) -> None:
    reply = await tums.call(
        ALARM + "setAlarmInputEnable", {"devInfoList": [GATE, CH1, LOBBY], "enable": "on"}
    )
    assert reply["error_code"] == 0
    assert reply["failList"] == [{**CH1, "error_code": -80391}, {**LOBBY, "error_code": -80391}]
    assert tums.sim.devices[IPC_GATE].alarm_input_enable == "on"
    reply = await tums.call(
        ALARM + "setAlarmOutputEnable", {"devInfoList": [LOBBY], "enable": "off"}
    )
    assert reply == {
        "error_code": -80414,
        "msg": "无效的设备",
        "failList": [{**LOBBY, "error_code": -80391}],
    }
    await tums.ok(ALARM + "setAlarmOutputEnable", {"devInfoList": [GATE], "enable": "off"})
    assert tums.sim.devices[IPC_GATE].alarm_output_enable == "off"
    assert (
        await tums.code(ALARM + "setAlarmOutputEnable", {"devInfoList": [GATE], "enable": True})
        == -82400
    )
    assert (
        await tums.code(
            ALARM + "setAlarmOutputEnable", {"devInfoList": [GATE] * 101, "enable": "on"}
        )
        == -82420
    )


# -- capability and solar extension -----------------------------------------------------


async def test_capability(tums: Tums) -> None:
    path = "/vms/open/deviceManager/v1/getDeviceCapability"
    gate = (await tums.ok(path, {"qrCode": IPC_GATE}))["capability"]
    assert (gate["ptz"], gate["local_storage"], gate["alarm_out_enable"]) == ("1", "1", "1")
    assert gate["msg_alarm_list"] == ["sound", "light"]
    lobby = (await tums.ok(path, LOBBY))["capability"]
    assert (lobby["ptz"], lobby["alarm_in_enable"]) == ("0", "0")
    assert "msg_alarm_list" not in lobby
    nvr = (await tums.ok(path, {"qrCode": NVR_QR}))["capability"]
    assert nvr["max_channels"] == 8
    assert "ptz" not in nvr
    channel = (await tums.ok(path, CH1))["capability"]
    assert channel["local_storage"] == "1"  # the NVR's disks
    assert await tums.code(path, CH3) == -20571
    assert await tums.code(path, {"mac": ROUTER_MAC}) == -80391


async def test_solar_extend_info(tums: Tums) -> None:
    path = "/tums/open/deviceManager/v1/getSolarPowerDeviceExtendInfo"
    assert await tums.ok(path, SUN) == {"status": "1", "batteryStatus": "76"}
    tums.sim.set_online(SOLAR_QR, False)
    assert await tums.ok(path, SUN) == {"status": "1", "batteryStatus": "76"}  # last known
    assert await tums.code(path, {"qrCode": IPC_GATE}) == -80391
