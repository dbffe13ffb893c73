"""TUMS models and enumerations, on the document's own example replies."""

from __future__ import annotations

import math
from typing import Any

import pytest

from custom_components.cniot.client.parse import as_float, as_int, as_list, as_mapping, as_str
from custom_components.cniot.tums.codes import (
    DEVICE_TYPE_CATEGORY,
    UPGRADE_FAILURE_MESSAGES,
    DeviceCategory,
    DeviceStatus,
    DeviceType,
    OpenStatus,
    OpenType,
    SdCardStatus,
    SolarChargeStatus,
    UpgradeStatus,
)
from custom_components.cniot.tums.models import (
    Device,
    DeviceRef,
    FailItem,
    Overview,
    TypeCount,
    attach_children,
    match_target,
    normalize_mac,
)
from custom_components.cniot.tums.tier_models import (
    FirmwareInfo,
    PushConfig,
    SdCard,
    SolarPower,
    TimeSync,
    TimingReboot,
    UpgradeInfo,
    as_bool,
)

# 1.4.3.10 example: an IPC bound directly, listed with itself as "parent".
DOC_DEVICE_APP_ENTRY: dict[str, Any] = {
    "qrCode": "16E0091709B04C926",
    "deviceName": "TL-IPC633-D4G 3.0",
    "deviceType": "SURVEILLANCECAMERA",
    "deviceStatus": 1,
    "openType": 1,
    "openStatus": 2,
    "deviceModel": "TL-IPC633-D4G",
    "ip": "192.168.1.100",
    "mac": "00-FF-00-17-00-18",
    "channelId": 1,
    "parentMac": "00-FF-00-17-00-18",
    "parentQrCode": "16E0091709B04C926",
}
# 1.4.3.11 example adds the region.
DOC_PROJECT_APP_ENTRY = {**DOC_DEVICE_APP_ENTRY, "regionName": "r2222", "regionId": "20000000060"}

# 1.4.3.24 example.
DOC_UPGRADE_ENTRY = {
    "curFirmwareVer": "1.0.3 Build 220528 Rel.55868n",
    "qrCode": "16E0091709B04C926",
    "mac": "00-FF-00-17-00-18",
    "deviceName": "TL-ER2220G2.0",
    "downloadProgress": 100,
    "upgradeProgress": 0,
    "upgradeStatus": 1,
}

# 1.4.4.19 example.
DOC_SOLAR = {
    "status": "0",
    "batteryStatus": "53.32",
    "envTemp": "23",
    "inputWatt": "0.00",
    "outputWatt": "0.00",
}


def test_device_application_example() -> None:
    device = Device.parse(DOC_DEVICE_APP_ENTRY)
    assert device is not None
    assert device.qr_code == "16E0091709B04C926"
    assert device.name == "TL-IPC633-D4G 3.0"
    assert device.device_type == DeviceType.SURVEILLANCECAMERA
    assert device.category is DeviceCategory.IPC
    assert device.model == "TL-IPC633-D4G"
    assert device.status is DeviceStatus.ONLINE
    assert device.online
    assert device.ip == "192.168.1.100"
    assert device.mac == "00-FF-00-17-00-18"
    assert device.open_type is OpenType.VIDEO
    assert device.open_status is OpenStatus.PAID
    assert device.channel_id == 1
    # Listed with itself as parent: not a child.
    assert not device.is_child
    assert device.parent_qr_code is None
    # Video calls address a directly bound IPC as channel 1 of itself.
    assert device.ref == DeviceRef("16E0091709B04C926", "00-FF-00-17-00-18", channel_id=1)
    assert device.key == "16E0091709B04C926"
    assert device.region_id is None
    assert device.children == ()


def test_project_application_example() -> None:
    device = Device.parse(DOC_PROJECT_APP_ENTRY)
    assert device is not None
    assert device.region_name == "r2222"
    assert device.region_id == "20000000060"


def test_nvr_channel_and_network_child() -> None:
    channel = Device.parse(
        {
            "qrCode": "CHILDQR0000000001",
            "deviceType": "SURVEILLANCECAMERA",
            "channelId": 3,
            "parentQrCode": "NVRQR000000000001",
            "parentMac": "aa:bb:cc:dd:ee:ff",
            "deviceStatus": 0,
        }
    )
    assert channel is not None
    assert channel.is_child
    assert not channel.online
    assert channel.status is DeviceStatus.OFFLINE
    assert channel.ref == DeviceRef("NVRQR000000000001", "AA-BB-CC-DD-EE-FF", channel_id=3)
    assert channel.key == "NVRQR000000000001:3"
    assert channel.ref.to_payload() == {"qrCode": "NVRQR000000000001", "channelId": 3}

    child = Device.parse({"mac": "11-22-33-44-55-66", "parentMac": "AA-BB-CC-DD-EE-FF"})
    assert child is not None
    assert child.ref == DeviceRef(None, "AA-BB-CC-DD-EE-FF", child_mac="11-22-33-44-55-66")
    assert child.key == "AA-BB-CC-DD-EE-FF:11-22-33-44-55-66"
    assert child.ref.to_payload() == {
        "mac": "AA-BB-CC-DD-EE-FF",
        "childMac": "11-22-33-44-55-66",
    }
    assert child.ref.to_payload(child=False) == {"mac": "AA-BB-CC-DD-EE-FF"}


def test_device_tolerance() -> None:
    assert Device.parse({}) is None
    numeric = Device.parse({"deviceName": "x", "qrCode": 12345})
    assert numeric is not None
    assert numeric.qr_code == "12345"
    device = Device.parse(
        {
            "mac": "001122334455",
            "deviceType": ["wrong"],
            "deviceStatus": 99,
            "openStatus": 7,
            "openType": "x",
            "firmwareVer": "1.0.0",
            "hardwareVersion": "2.0",
            "children": [{"qrCode": "C1"}, "junk", {}],
            "childList": "junk",
        }
    )
    assert device is not None
    assert device.mac == "00-11-22-33-44-55"
    assert device.device_type is None
    assert device.category is None
    assert device.status_code == 99
    assert device.status is None
    assert device.online
    assert device.open_status is None
    assert device.open_type is None
    assert device.firmware_version == "1.0.0"
    assert device.hardware_version == "2.0"
    assert [child.qr_code for child in device.children] == ["C1"]
    unknown = Device.parse({"mac": "x", "deviceType": "TOASTER"})
    assert unknown is not None
    assert unknown.category is None
    assert not Device.parse({"mac": "x"}).online  # type: ignore[union-attr]


def test_attach_children() -> None:
    nvr = Device.parse(
        {"qrCode": "NVR", "mac": "00-00-00-00-00-01", "deviceType": "NETWORKVIDEORECORDER"}
    )
    ac = Device.parse({"mac": "00-00-00-00-00-02", "deviceType": "AC"})
    ch1 = Device.parse({"qrCode": "C1", "parentQrCode": "NVR", "channelId": 1})
    ch2 = Device.parse({"qrCode": "C2", "parentQrCode": "NVR", "channelId": 2})
    ap = Device.parse({"mac": "00-00-00-00-00-03", "parentMac": "00-00-00-00-00-02"})
    orphan = Device.parse({"qrCode": "C9", "parentQrCode": "GONE", "channelId": 9})
    devices = [d for d in (ch1, nvr, ap, ac, ch2, orphan) if d is not None]
    top = attach_children(devices)
    assert [d.key for d in top] == ["NVR", "00-00-00-00-00-02", "GONE:9"]
    assert [c.qr_code for c in top[0].children] == ["C1", "C2"]
    assert [c.mac for c in top[1].children] == ["00-00-00-00-00-03"]


def test_device_ref() -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        DeviceRef()
    both = DeviceRef("QR", "00-11-22-33-44-55")
    assert both.identity() == {"qrCode": "QR"}
    assert DeviceRef(mac="00-11-22-33-44-55").identity() == {"mac": "00-11-22-33-44-55"}
    with_channel = DeviceRef("QR", channel_id=2)
    assert with_channel.to_payload() == {"qrCode": "QR", "channelId": 2}
    assert with_channel.to_payload(channel=False) == {"qrCode": "QR"}
    assert with_channel.key == "QR:2"


def test_overview_example_and_classes() -> None:
    # 1.4.3.12 example, plus more classes.
    overview = Overview.parse(
        {
            "allRouterNum": 1,
            "onlineRouterNum": 1,
            "errorRouterNum": 0,
            "allFiberConverterNum": 3,
            "onlineFiberConverterNum": "2",
            "allIpcNum": 4,
            "somethingElse": 5,
        }
    )
    assert overview.counts["router"] == TypeCount(total=1, online=1, error=0)
    assert overview.counts["fiberConverter"] == TypeCount(total=3, online=2, error=None)
    assert overview.counts["ipc"] == TypeCount(total=4)
    assert set(overview.counts) == {"router", "fiberConverter", "ipc"}
    assert overview.total == 8
    assert overview.online == 3
    assert Overview.parse({}).total == 0
    # Keys that are not text are ignored.
    odd: dict[Any, Any] = {7: 8, "allApNum": 1}
    assert set(Overview.parse(odd).counts) == {"ap"}


def test_upgrade_info_example() -> None:
    info = UpgradeInfo.parse(DOC_UPGRADE_ENTRY)
    assert info.qr_code == "16E0091709B04C926"
    assert info.current_version == "1.0.3 Build 220528 Rel.55868n"
    assert info.name == "TL-ER2220G2.0"
    assert info.download_progress == 100
    assert info.upgrade_progress == 0
    assert info.status is UpgradeStatus.UPGRADING
    assert info.new_firmware is None
    assert not info.update_available
    assert info.key == "16E0091709B04C926"

    newer = UpgradeInfo.parse(
        {
            "mac": "00-11-22-33-44-55",
            "channelId": 2,
            "curFirmwareVer": "1.0",
            "upgradeStatus": 42,
            "newFwInfo": {
                "fwVersion": "1.1",
                "releaseDate": "2024-01-01",
                "releaseLog": "fixes",
                "releaseLogUrl": "https://example.invalid/log",
            },
        }
    )
    assert newer.new_firmware == FirmwareInfo(
        "1.1", "2024-01-01", "fixes", "https://example.invalid/log"
    )
    assert newer.update_available
    assert newer.status is None
    assert newer.key == "00-11-22-33-44-55:2"


def test_upgrade_status_enum() -> None:
    assert [s.value for s in UpgradeStatus if s.failed] == list(range(-1, -12, -1))
    assert set(UPGRADE_FAILURE_MESSAGES) == {s for s in UpgradeStatus if s.failed}
    assert UpgradeStatus.NO_SPACE.value == -4
    assert UpgradeStatus(-6) is UpgradeStatus.FILE_NOT_SUPPORTED
    in_progress = {s for s in UpgradeStatus if s.in_progress}
    assert in_progress == {
        UpgradeStatus.UPGRADING,
        UpgradeStatus.CHECKING,
        UpgradeStatus.IMPORTING,
        UpgradeStatus.DOWNLOADING,
        UpgradeStatus.WAITING_TO_UPGRADE,
        UpgradeStatus.WAITING_TO_CHECK,
    }


def test_device_enums() -> None:
    assert [s.value for s in DeviceStatus] == list(range(7))
    assert DeviceStatus.WAITING_TO_UPGRADE.value == 6
    assert [s.value for s in OpenStatus] == [0, 1, 2]
    assert set(DEVICE_TYPE_CATEGORY) == set(DeviceType)
    assert DEVICE_TYPE_CATEGORY[DeviceType.L1_CHASSISSWITCH] is DeviceCategory.SWITCH
    assert DeviceType("SMARTHOME.SMBAP") is DeviceType.SMARTHOME_SMBAP
    assert set(DEVICE_TYPE_CATEGORY.values()) == set(DeviceCategory)


def test_solar_example() -> None:
    solar = SolarPower.parse(DOC_SOLAR)
    assert solar.status is SolarChargeStatus.NOT_CHARGING
    assert solar.battery == pytest.approx(53.32)
    assert solar.env_temperature == 23
    assert solar.input_power == 0
    assert solar.output_power == 0
    assert SolarPower.parse({"status": "9"}).status is None
    assert [s for s in SolarChargeStatus if s.is_fault] == [
        SolarChargeStatus.COLD_NO_CHARGE,
        SolarChargeStatus.COLD_NO_CHARGE_DISCHARGE,
        SolarChargeStatus.HOT_NO_CHARGE,
        SolarChargeStatus.HOT_NO_CHARGE_DISCHARGE,
    ]


def test_push_config() -> None:
    config = PushConfig.parse(
        {
            "appId": "app1",
            "serverUrl": "http://tp-vcs-test.tpddns.cn:8002/msg",
            "openMsgTransport": 1,
            "msgContentType": ["ipcDeviceOnline", "ipcDeviceOffline", 3, None, ""],
        }
    )
    assert config.app_id == "app1"
    assert config.enabled
    assert config.msg_types == ("ipcDeviceOnline", "ipcDeviceOffline", "3")
    empty = PushConfig.parse({})
    assert not empty.enabled
    assert empty.msg_types == ()


def test_fail_item() -> None:
    item = FailItem.parse({"qrCode": "QR", "channelId": "2", "error_code": -20571})
    assert item.error_code == -20571
    assert item.key == "QR:2"
    assert FailItem.parse({"mac": "0011.2233.4455", "childMac": "aa-bb-cc-dd-ee-ff"}).key == (
        "00-11-22-33-44-55:AA-BB-CC-DD-EE-FF"
    )
    assert FailItem.parse({"error_code": 1}).key is None


def test_scalar_helpers() -> None:
    assert as_str("  ") is None
    assert as_str(True) is None
    assert as_str(3) == "3"
    assert as_str([]) is None
    assert as_float("53.32") == pytest.approx(53.32)
    assert as_float("abc") is None
    assert as_float(math.nan) is None
    assert as_float(False) is None
    assert as_float(None) is None
    assert as_int("7.9") == 7
    assert as_int(None) is None
    assert as_mapping([]) == {}
    assert as_list({}) == []
    assert normalize_mac(None) is None
    assert normalize_mac("ab-cd") == "AB-CD"


def test_as_bool() -> None:
    assert as_bool(True) is True
    assert as_bool(" TRUE ") is True
    assert as_bool("false") is False
    assert as_bool("1") is True
    assert as_bool(0) is False
    assert as_bool("maybe") is None
    assert as_bool(None) is None


def test_config_models_tolerate_junk() -> None:
    assert TimingReboot.parse({"ifOpen": "x", "day": []}) == TimingReboot(None, None, None)
    card = SdCard.parse({"status": "melted", "recordDuration": "3600"})
    assert card.status is None
    assert card.record_duration == 3600
    assert SdCard.parse({"status": "unformatted"}).status is SdCardStatus.UNFORMATTED
    assert TimeSync.parse({}) == TimeSync(None, None)


def test_match_target() -> None:
    nvr = Device.parse({"qrCode": "NVR", "mac": "00-00-00-00-00-01"})
    ch2 = Device.parse(
        {"qrCode": "C2", "mac": "00-00-00-00-00-02", "parentQrCode": "NVR", "channelId": 2}
    )
    ipc = Device.parse({"qrCode": "IPC", "channelId": 1})
    ap = Device.parse({"mac": "00-00-00-00-00-03", "parentMac": "00-00-00-00-00-09"})
    assert nvr is not None
    assert ch2 is not None
    assert ipc is not None
    assert ap is not None
    plain = DeviceRef(mac="00-00-00-00-00-04")
    assert plain.key == "00-00-00-00-00-04"
    targets: list[tuple[DeviceRef, Device | None]] = [(d.ref, d) for d in (ch2, nvr, ipc, ap)]
    targets.append((plain, None))
    # Exact echoes of what was sent.
    assert match_target(targets, "NVR", None, 2) == ch2.ref
    assert match_target(targets, "NVR", "00-00-00-00-00-01") == nvr.ref
    assert match_target(targets, None, "00-00-00-00-00-09", None, "00-00-00-00-00-03") == ap.ref
    # The device's own identity (upgrade info of an NVR channel), channel left out.
    assert match_target(targets, "C2", "00-00-00-00-00-02") == ch2.ref
    assert match_target(targets, "IPC", None) == ipc.ref
    # A bare reference, by MAC.
    assert match_target(targets, None, "00-00-00-00-00-04") == plain
    # Echo without the channel, of a reference whose device is unknown.
    only_ref = [(DeviceRef("NVR", channel_id=3), None)]
    assert match_target(only_ref, "NVR", None) == only_ref[0][0]
    assert match_target(only_ref, "NVR", None, 4) is None
    assert match_target(targets, "UNKNOWN", None) is None
    assert match_target(targets, None, None) is None
    assert DeviceRef("NVR", child_mac="00-00-00-00-00-03").key == "NVR:00-00-00-00-00-03"


def test_connectivity_unknown_when_status_unreadable() -> None:
    """A garbled deviceStatus shows connectivity unknown rather than offline."""
    from custom_components.cniot.tums.descriptions import DEVICE_BINARY_SENSORS

    [connectivity] = DEVICE_BINARY_SENSORS
    base = {"qrCode": "16E0091709B04C926", "deviceName": "Gate"}
    garbled = Device.parse({**base, "deviceStatus": "??"})
    offline = Device.parse({**base, "deviceStatus": 0})
    online = Device.parse({**base, "deviceStatus": 1})
    assert garbled is not None
    assert offline is not None
    assert online is not None
    assert connectivity.value_fn(garbled) is None
    assert connectivity.value_fn(offline) is False
    assert connectivity.value_fn(online) is True
