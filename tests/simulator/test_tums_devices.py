"""TUMS simulator: device lists, overview, rename, reboot and firmware lifecycles, CLI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
import re
import signal
import sys
from typing import Any

import aiohttp
import pytest

from simulator.__main__ import DEFAULT_TUMS_PORT, build_tums, parse_args
from simulator.tums import TumsSimulator
from simulator.tums.state import (
    AP_WAREHOUSE_MAC,
    CHANNEL_QRS,
    HQ,
    IPC_GATE,
    IPC_LOBBY,
    NVR_QR,
    ROUTER_MAC,
    SOLAR_QR,
    SWITCH_MAC,
    WAREHOUSE,
    default_scenario,
    generate_scenario,
)

from .conftest import Clock
from .test_tums_signing import Tums, started

ROOT = Path(__file__).resolve().parents[2]
DM = "/tums/open/deviceManager/v1/"
DEVICE_LIST = DM + "getDeviceListInDeviceApplication"
PROJECT_LIST = DM + "getDeviceListInProjectApplication"
OVERVIEW = DM + "getApplicationOverview"
REBOOT = DM + "rebootDeviceList"
CHECK = DM + "checkDeviceNewestFwVer"
UPGRADE = DM + "upgradeDeviceOnline"
INFO = DM + "getDeviceUpgradeInfo"


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


async def page(tums: Tums, path: str = PROJECT_LIST, **body: Any) -> dict[str, Any]:
    body.setdefault("start", 0)
    body.setdefault("limit", 100)
    result: dict[str, Any] = await tums.ok(path, body)
    return result


# -- lists ------------------------------------------------------------------------------


async def test_project_list_and_children(tums: Tums) -> None:
    result = await page(tums)
    assert result["total"] == 8
    names = [d["deviceName"] for d in result["list"]]
    assert names[:3] == ["大门口球机", "Lobby Camera", "24栋NVR"]
    gate = result["list"][0]
    assert gate == {
        "qrCode": IPC_GATE,
        "deviceName": "大门口球机",
        "deviceType": "SURVEILLANCECAMERA",
        "deviceStatus": 1,
        "openType": 1,
        "openStatus": 2,
        "deviceModel": "TL-IPC633-D4G",
        "ip": "192.168.1.100",
        "mac": "5C-E9-31-2A-10-01",
        "regionName": "总部大楼",
        "regionId": HQ,
        "channelId": 1,
    }
    router = next(d for d in result["list"] if d["mac"] == ROUTER_MAC)
    assert "qrCode" not in router
    assert "channelId" not in router
    assert router["openType"] == 0
    restricted = next(d for d in result["list"] if d["mac"] == AP_WAREHOUSE_MAC)
    assert restricted["openStatus"] == 0

    result = await page(tums, filterAnd={"hasChild": 1})
    assert result["total"] == 12
    entries = result["list"]
    nvr_at = next(i for i, d in enumerate(entries) if d.get("qrCode") == NVR_QR)
    channels = entries[nvr_at + 1 : nvr_at + 5]
    assert [c["channelId"] for c in channels] == [1, 2, 3, 4]
    assert {c["parentQrCode"] for c in channels} == {NVR_QR}
    assert {c["parentMac"] for c in channels} == {"5C-E9-31-2A-20-01"}
    assert [c["deviceStatus"] for c in channels] == [1, 1, 0, 1]


async def test_paging(tums: Tums) -> None:
    seen: list[str] = []
    for start in range(0, 12, 5):
        result = await page(tums, start=start, limit=5, filterAnd={"hasChild": 1})
        assert result["total"] == 12
        seen += [d["mac"] for d in result["list"]]
    assert len(seen) == len(set(seen)) == 12
    assert (await page(tums, start=50))["list"] == []
    cases: tuple[tuple[Any, int, int], ...] = (
        (-1, 10, -80328),
        ("0", 10, -80328),
        (0, 0, -80329),
        (0, 101, -80329),
    )
    for start, limit, code in cases:
        assert await tums.code(PROJECT_LIST, {"start": start, "limit": limit}) == code
    assert len((await page(tums, limit=100))["list"]) == 8


async def test_project_filters_and_sort(tums: Tums) -> None:
    async def macs(**body: Any) -> list[str]:
        return [d["mac"] for d in (await page(tums, **body))["list"]]

    assert len(await macs(filterAnd={"regionId": WAREHOUSE, "hasChild": 1})) == 7
    assert await macs(filterAnd={"deviceTypeList": ["router", "SMARTSWITCH"]}) == [
        ROUTER_MAC,
        SWITCH_MAC,
    ]
    offline = await macs(filterAnd={"deviceStatus": 0, "hasChild": 1})
    assert offline == ["5C-E9-31-2A-21-03"]
    assert len(await macs(filterAnd={"ipFloor": "192.168.2.0", "ipCeilling": "192.168.2.99"})) == 3
    assert await macs(filterOr={"deviceNameLike": "lobby", "macLike": "6a-00-01"}) == [
        "00-FF-00-2A-F3-19",
        ROUTER_MAC,
    ]
    assert len(await macs(filterOr={"regionNameLike": "仓库"})) == 3
    assert len(await macs(filterOr={"deviceModelLike": "TL-AP", "ipLike": "192.168.2.3"})) == 3
    ordered = await page(tums, sort=[{"deviceType": "asc"}, {"ip": "desc"}])
    types = [d["deviceType"] for d in ordered["list"]]
    assert types == sorted(types)
    ips = [d["ip"] for d in ordered["list"] if d["deviceType"] == "SURVEILLANCECAMERA"]
    assert ips == ["192.168.1.101", "192.168.1.100"]
    by_name = await page(
        tums, sort=[{"deviceName": "desc"}, {"mac": "asc"}, {"deviceStatus": "asc"}]
    )
    assert by_name["list"][0]["deviceName"] == "核心路由器"

    bad: list[dict[str, Any]] = [
        {"filterAnd": []},
        {"filterAnd": {"hasChild": 2}},
        {"filterAnd": {"deviceTypeList": "ipc"}},
        {"filterAnd": {"deviceTypeList": ["toaster"]}},
        {"filterAnd": {"regionId": 1}},
        {"filterAnd": {"deviceStatus": "1"}},
        {"filterAnd": {"ipFloor": "300.1.1.1"}},
        {"filterAnd": {"ipCeilling": 5}},
        {"filterOr": {"ipLike": 5}},
        {"sort": {"ip": "asc"}},
        {"sort": [{"ip": "up"}]},
        {"sort": [{"firmware": "asc"}]},
    ]
    for body in bad:
        assert await tums.code(PROJECT_LIST, {"start": 0, "limit": 10, **body}) == -82400, body


async def test_app_types(tums: Tums) -> None:
    assert await tums.code(DEVICE_LIST, {"start": 0, "limit": 10}) == -88311
    tums.sim.app_type = "device"
    assert await tums.code(PROJECT_LIST, {"start": 0, "limit": 10}) == -88312
    result = await page(tums, DEVICE_LIST, filterAnd={"hasChild": 1, "deviceTypeList": ["ipc"]})
    assert result["total"] == 6
    assert all("regionId" not in d for d in result["list"])
    assert (await page(tums, DEVICE_LIST))["total"] == 8


async def test_overview_is_computed(tums: Tums) -> None:
    result = await tums.ok(OVERVIEW, {})
    assert result["allIpcNum"] == 6
    assert result["onlineIpcNum"] == 5
    assert (result["allNvrNum"], result["allRouterNum"], result["allApNum"]) == (1, 1, 2)
    assert result["errorSwitchNum"] == 1
    assert result["allSolarPowerNum"] == 1
    assert "allAcNum" not in result  # only the types the application has
    tums.sim.set_online(SWITCH_MAC, False)
    tums.sim.set_online(NVR_QR, False)  # its channels go with it
    result = await tums.ok(OVERVIEW)
    assert (result["onlineSwitchNum"], result["errorSwitchNum"]) == (0, 0)
    assert result["onlineIpcNum"] == 2
    with pytest.raises(KeyError):
        tums.sim.set_online("nope", True)
    # Types without an overview counter (wall-plug sensors) are left out; odd IPs sort first.
    sensor = replace(
        tums.sim.devices[SWITCH_MAC],
        device_id="S1",
        mac="S1",
        device_type="SMB.WALLPLUGSENSOR",
        ip="",
    )
    tums.sim.devices["S1"] = sensor
    assert "allSensorNum" not in await tums.ok(OVERVIEW)
    listing = await page(tums, sort=[{"ip": "asc"}])
    assert listing["list"][0]["mac"] == "S1"


async def test_channel_list(tums: Tums) -> None:
    path = DM + "getChannelDeviceList"
    result = await tums.ok(path, {"mac": "5c-e9-31-2a-20-01"})
    assert (result["channelNum"], result["connectedChannelNum"]) == (8, 3)
    assert [c["channel"] for c in result["channelList"]] == [1, 2, 3, 4]
    assert result["channelList"][0]["qrCode"] == CHANNEL_QRS[0]
    assert await tums.code(path, {"qrCode": IPC_GATE}) == -80391
    assert await tums.code(path, {}) == -82400
    assert await tums.code(path, {"qrCode": "X" * 17}) == -88316
    assert await tums.code(path, {"mac": "00-00-00-00-00-00"}) == -88316
    assert await tums.code(path, {"qrCode": 5}) == -82400
    assert await tums.code(path, {"mac": 5}) == -82400


# -- rename -----------------------------------------------------------------------------


async def test_rename(tums: Tums) -> None:
    path = DM + "modifyDeviceName"
    await tums.ok(path, {"qrCode": NVR_QR, "channelId": 2, "deviceName": "十个中文字符的名字啊"})
    assert tums.sim.devices[CHANNEL_QRS[1]].name == "十个中文字符的名字啊"
    await tums.ok(path, {"mac": ROUTER_MAC, "deviceName": "R" * 32})
    assert await tums.code(path, {"mac": ROUTER_MAC, "deviceName": "R" * 33}) == -80331
    assert (
        await tums.code(path, {"mac": ROUTER_MAC, "deviceName": "十一个中文字符的名字啊"}) == -80331
    )
    # Mixed names count in proportion: 32 bytes of UTF-8, yet over 10 Chinese characters.
    assert (
        await tums.code(path, {"mac": ROUTER_MAC, "deviceName": "十个中文字符的名字啊AB"}) == -80331
    )
    await tums.ok(path, {"mac": ROUTER_MAC, "deviceName": "九个中文字符的名字RRR"})
    assert await tums.code(path, {"mac": ROUTER_MAC, "deviceName": "  "}) == -80398
    assert await tums.code(path, {"mac": ROUTER_MAC}) == -80398
    assert await tums.code(path, {"qrCode": NVR_QR, "channelId": 3, "deviceName": "x"}) == -20571
    assert await tums.code(path, {"qrCode": NVR_QR, "channelId": 9, "deviceName": "x"}) == -81100
    assert await tums.code(path, {"qrCode": NVR_QR, "channelId": 0, "deviceName": "x"}) == -82400
    assert await tums.code(path, {"qrCode": IPC_GATE, "channelId": 2, "deviceName": "x"}) == -81100
    assert await tums.code(path, {"mac": ROUTER_MAC, "channelId": 1, "deviceName": "x"}) == -81100
    assert await tums.code(path, {"mac": AP_WAREHOUSE_MAC, "deviceName": "x"}) == -88315
    # childMac addresses a sub-device; NVR channels qualify, unknown ones do not.
    await tums.ok(path, {"qrCode": NVR_QR, "childMac": "5C-E9-31-2A-21-01", "deviceName": "c1"})
    assert tums.sim.devices[CHANNEL_QRS[0]].name == "c1"
    assert await tums.code(path, {"qrCode": NVR_QR, "childMac": "AA", "deviceName": "x"}) == -88316
    assert await tums.code(path, {"qrCode": NVR_QR, "childMac": 1, "deviceName": "x"}) == -82400


# -- reboot -----------------------------------------------------------------------------


async def test_reboot_lifecycle(tums: Tums, clock: Clock) -> None:
    reply = await tums.call(
        REBOOT,
        {
            "devList": [
                {"qrCode": IPC_GATE},
                {"mac": ROUTER_MAC},
                {"qrCode": CHANNEL_QRS[0]},
                {"mac": AP_WAREHOUSE_MAC},
                {"qrCode": "NOPE"},
                {"mac": "5C-E9-31-6A-00-03", "childMac": "00"},
            ]
        },
    )
    assert reply["error_code"] == 0
    assert reply["failList"] == [
        {"qrCode": CHANNEL_QRS[0], "error_code": -80391},
        {"mac": AP_WAREHOUSE_MAC, "error_code": -88315},
        {"qrCode": "NOPE", "error_code": -88316},
        {"mac": "5C-E9-31-6A-00-03", "childMac": "00", "error_code": -88316},
    ]

    async def status(mac: str) -> int:
        listing = await page(tums, filterOr={"macLike": mac})
        value: int = listing["list"][0]["deviceStatus"]
        return value

    assert await status(ROUTER_MAC) == 2
    # A rebooting device takes no commands.
    reply = await tums.call(REBOOT, {"devList": [{"mac": ROUTER_MAC}]})
    assert reply["error_code"] == -80414
    assert reply["failList"] == [{"mac": ROUTER_MAC, "error_code": -20571}]
    clock.now += 7.9
    assert await status(ROUTER_MAC) == 2
    clock.now += 0.2
    assert await status(ROUTER_MAC) == 1
    tums.sim.set_online(ROUTER_MAC, False)
    reply = await tums.call(REBOOT, {"devList": [{"mac": ROUTER_MAC}]})
    assert reply["failList"][0]["error_code"] == -20571


async def test_batch_limits(tums: Tums) -> None:
    for path in (REBOOT, CHECK, UPGRADE, INFO):
        assert await tums.code(path, {"devList": []}) == -82400
        assert await tums.code(path, {"devList": [1]}) == -82400
        assert await tums.code(path, {}) == -82400
        many = [{"qrCode": IPC_GATE}] * 101
        assert await tums.code(path, {"devList": many}) == -82420
    result = await tums.ok(INFO, {"devList": [{"qrCode": IPC_GATE}] * 100})
    assert len(result["list"]) == 100
    assert (
        await tums.code(INFO, {"devList": [{"qrCode": IPC_GATE}], "resetUpgradeResult": 2})
        == -82400
    )


# -- firmware ---------------------------------------------------------------------------


async def test_upgrade_lifecycle(tums: Tums, clock: Clock) -> None:
    target = {"qrCode": IPC_GATE}

    async def info(**extra: Any) -> dict[str, Any]:
        result = await tums.ok(INFO, {"devList": [target], **extra})
        entry: dict[str, Any] = result["list"][0]
        return entry

    entry = await info()
    assert entry["curFirmwareVer"] == "1.0.3 Build 230512 Rel.43210n"
    assert "newFwInfo" not in entry  # not checked yet
    assert (entry["upgradeStatus"], entry["downloadProgress"], entry["upgradeProgress"]) == (
        0,
        0,
        0,
    )

    reply = await tums.call(CHECK, {"devList": [target, {"qrCode": NVR_QR, "channelId": 3}]})
    assert reply["failList"] == [{"qrCode": NVR_QR, "channelId": 3, "error_code": -20571}]
    entry = await info()
    assert entry["newFwInfo"]["fwVersion"] == "1.0.5 Build 240301 Rel.51200n"
    assert entry["newFwInfo"]["releaseDate"] == "2024-03-01"

    reply = await tums.call(UPGRADE, {"devList": [target, {"qrCode": IPC_LOBBY}]})
    assert reply["failList"] == [{"qrCode": IPC_LOBBY, "error_code": -80391}]  # up to date
    statuses = []
    for _step in range(4):
        entry = await info()
        statuses.append(
            (entry["upgradeStatus"], entry["downloadProgress"], entry["upgradeProgress"])
        )
        clock.now += 5
    assert statuses == [(5, 0, 0), (5, 50, 0), (1, 100, 0), (1, 100, 25)]
    listing = await page(tums, filterOr={"deviceNameLike": "大门口"})
    assert listing["list"][0]["deviceStatus"] == 3
    await tums.ok(DM + "modifyDeviceName", {**target, "deviceName": "大门口球机2"})  # cloud-side
    reply = await tums.call(UPGRADE, {"devList": [target]})
    assert reply["failList"] == [{"qrCode": IPC_GATE, "error_code": -80324}]
    clock.now += 15  # 35 s: done, then rebooting
    entry = await info()
    assert (entry["upgradeStatus"], entry["downloadProgress"], entry["upgradeProgress"]) == (
        4,
        100,
        100,
    )
    assert entry["curFirmwareVer"] == "1.0.5 Build 240301 Rel.51200n"
    assert "newFwInfo" not in entry
    assert (await page(tums, filterOr={"deviceNameLike": "大门口"}))["list"][0]["deviceStatus"] == 2
    clock.now += 10
    assert (await page(tums, filterOr={"deviceNameLike": "大门口"}))["list"][0]["deviceStatus"] == 1
    # The result stays ten minutes unless cleared.
    clock.now += 500
    assert (await info())["upgradeStatus"] == 4
    assert (await info(resetUpgradeResult=1))["upgradeStatus"] == 0
    assert (await info())["upgradeStatus"] == 0


async def test_upgrade_result_expires(tums: Tums, clock: Clock) -> None:
    await tums.ok(UPGRADE, {"devList": [{"mac": ROUTER_MAC}]})
    clock.now += 31 + 601
    result = await tums.ok(INFO, {"devList": [{"mac": ROUTER_MAC}]})
    assert result["list"][0]["upgradeStatus"] == 0
    assert result["list"][0]["curFirmwareVer"].startswith("1.3.0")
    # A channel is upgraded through its NVR; a network device has no qrCode in the entry.
    assert "qrCode" not in result["list"][0]


async def test_upgrade_failure_admin(tums: Tums, clock: Clock, sim: TumsSimulator) -> None:
    """The admin endpoint makes the next upgrade end, after its download, with a failure."""
    url = tums.url + "/_sim/tums/upgrade_failure"
    for bad in ({"device": IPC_GATE, "status": 3}, {"device": "nope", "status": -4}, {}):
        async with tums.session.post(url, json=bad) as response:
            assert response.status == 400
    async with tums.session.post(url, json={"device": IPC_GATE, "status": -4}) as response:
        assert response.status == 200
    target = {"qrCode": IPC_GATE}
    await tums.ok(CHECK, {"devList": [target]})
    await tums.ok(UPGRADE, {"devList": [target]})
    clock.now += 5
    entry = (await tums.ok(INFO, {"devList": [target]}))["list"][0]
    assert entry["upgradeStatus"] == 5
    clock.now += 6
    entry = (await tums.ok(INFO, {"devList": [target]}))["list"][0]
    assert (entry["upgradeStatus"], entry["downloadProgress"]) == (-4, 100)
    assert entry["curFirmwareVer"] == "1.0.3 Build 230512 Rel.43210n"
    listing = await page(tums, filterOr={"deviceNameLike": "大门口"})
    assert listing["list"][0]["deviceStatus"] == 1
    # Only the next upgrade fails: the one after succeeds.
    assert sim.devices[IPC_GATE].upgrade_failure is None


async def test_upgrade_info_fail_list(tums: Tums) -> None:
    reply = await tums.call(INFO, {"devList": [{"qrCode": "NOPE"}, {"qrCode": SOLAR_QR}]})
    assert reply["error_code"] == 0
    assert reply["failList"] == [{"qrCode": "NOPE", "error_code": -88316}]
    assert len(reply["result"]["list"]) == 1
    reply = await tums.call(INFO, {"devList": [{"qrCode": "NOPE"}]})
    assert reply["error_code"] == -80414
    assert reply["result"] == {"list": []}


# -- scenarios and CLI ------------------------------------------------------------------


def test_generated_scenarios() -> None:
    scenario = generate_scenario(1000, seed=3)
    top = [d for d in scenario.devices if d.parent is None]
    assert len(top) == 1000
    assert len(scenario.regions) == 20
    assert len({d.device_id for d in scenario.devices}) == len(scenario.devices)
    assert len({d.mac for d in scenario.devices}) == len(scenario.devices)
    assert generate_scenario(0).devices == []
    assert len(generate_scenario(0).regions) == 1
    assert generate_scenario(16, seed=3) == generate_scenario(16, seed=3)
    with pytest.raises(ValueError, match="count"):
        generate_scenario(-1)
    assert default_scenario() == default_scenario()


async def test_generated_list(clock: Clock, session: aiohttp.ClientSession) -> None:
    sim = await started(clock, scenario=generate_scenario(250))
    try:
        api = Tums(session, sim)
        total = 0
        start = 0
        while True:
            result = await api.ok(
                PROJECT_LIST, {"start": start, "limit": 100, "filterAnd": {"hasChild": 1}}
            )
            total += len(result["list"])
            start += 100
            if start >= result["total"]:
                break
        assert total == 250 + 2 * 31
        overview = await api.ok(OVERVIEW)
        assert overview["allNvrNum"] == 31
    finally:
        await sim.stop()


def test_cli_options() -> None:
    args = parse_args([])
    assert (args.tums_port, args.tums_devices) == (DEFAULT_TUMS_PORT, None)
    ((sim, port),) = build_tums(args)
    assert isinstance(sim, TumsSimulator)
    assert port == 8503
    assert len(sim.devices) == 12
    assert sim.drift
    ((sim, port),) = build_tums(
        parse_args(["--tums-port", "0", "--tums-devices", "10", "--no-drift"])
    )
    assert isinstance(sim, TumsSimulator)
    assert port == 0
    assert not sim.drift
    assert len([d for d in sim.devices.values() if d.parent is None]) == 10
    for argv in (["--tums-port", "70000"], ["--tums-devices", "-1"]):
        with pytest.raises(SystemExit):
            parse_args(argv)


@pytest.mark.enable_socket
async def test_cli_process(session: aiohttp.ClientSession) -> None:
    # Every other vendor on a free port too, so parallel tests cannot clash.
    others = [
        f"--{name.replace('_', '-')}"
        for name in vars(parse_args([]))
        if name.endswith("_port") and name != "tums_port"
    ]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *(item for flag in others for item in (flag, "0")),
        "--tums-port",
        "0",
        "--tums-devices",
        "20",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        match = None
        for _ in range(5):  # one announcement per vendor
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
            match = re.fullmatch(r"tums simulator on (http://127\.0\.0\.1:(\d+))", line)
            if match:
                break
        assert match
        sim = TumsSimulator()  # only for its clock and default credentials in the helper
        sim.url = match.group(1)
        result = await Tums(session, sim).ok(PROJECT_LIST, {"start": 0, "limit": 100})
        assert result["total"] == 20
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
