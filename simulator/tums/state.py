"""State and scenarios of the TUMS (TP-LINK commercial cloud) simulator.

Devices are keyed by their ``device_id``: the 17-character qrCode when the device has one,
else its MAC (network devices bound by MAC have no qrCode). NVR channels are devices of
their own with ``parent`` set to the NVR's id and ``channel_id`` to the channel number.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
import random
from typing import Any, Final

# Table 1.4.3.1-1: MIC device type -> (filter/category name, overview key).
DEVICE_TYPES: Final[dict[str, tuple[str, str | None]]] = {
    "SMBWIRELESSROUTER": ("router", "Router"),
    "SMBROUTER": ("router", "Router"),
    "WIRELESSROUTER": ("router", "Router"),
    "SMARTSWITCH": ("switch", "Switch"),
    "L3MANAGEDSWITCH": ("switch", "Switch"),
    "L2MANAGEDSWITCH": ("switch", "Switch"),
    "L1-CHASSISSWITCH": ("switch", "Switch"),
    "L2-CHASSISSWITCH": ("switch", "Switch"),
    "AC": ("ac", "Ac"),
    "AP": ("ap", "Ap"),
    "WALLJACKAP": ("ap", "Ap"),
    "CEILINGMOUNTAP": ("ap", "Ap"),
    "DESKTOPAP": ("ap", "Ap"),
    "OUTDOORAP": ("ap", "Ap"),
    "SMARTHOME.SMBAP": ("ap", "Ap"),
    "INDUSTRIALAP": ("ap", "Ap"),
    "STICKAP": ("ap", "Ap"),
    "CPE": ("cpe", "Cpe"),
    "BSCPE": ("cpe", "Cpe"),
    "MOTORCPE": ("cpe", "Cpe"),
    "IPCCPE": ("cpe", "Cpe"),
    "CPEBS": ("cpe", "Cpe"),
    "INDUSTRIALCPE": ("cpe", "Cpe"),
    "SMBFIREWALL": ("firewall", "Firewall"),
    "SMBFIBERCONVERTER": ("fiberConverter", "FiberConverter"),
    "NETWORKVIDEORECORDER": ("nvr", "Nvr"),
    "SURVEILLANCECAMERA": ("ipc", "Ipc"),
    "NETWORKVIDEODECODER": ("decoder", "Decoder"),
    "SMB.WALLPLUGSENSOR": ("sensor", None),
    "SMB.PONOLT": ("olt", "Olt"),
    "SMB.PONONU": ("onu", "Onu"),
    "VIDEO.SOLARPOWER": ("solarPower", "SolarPower"),
    "AUDIODEVICE.SPEAKER": ("nbsSpeaker", "NbsSpeaker"),
    "VIDEO.PARKING.CAPTURE": ("videoParkingCapture", "VideoParkingCapture"),
    "PARKINGINTEGRATIONCAMERA": ("videoParkingCapture", "VideoParkingCapture"),
    "CHARGINGSTATION": ("chargingHub", "ChargingHub"),
    "VIDEO.PARKING.SERVER": ("vps", "Vps"),
}
IPC: Final = "SURVEILLANCECAMERA"
NVR: Final = "NETWORKVIDEORECORDER"
SOLAR: Final = "VIDEO.SOLARPOWER"
VIDEO_TYPES: Final = frozenset({IPC, NVR})


@dataclass(slots=True)
class Region:
    """A region (分组) of a project-type application."""

    region_id: str
    name: str


@dataclass(slots=True)
class Firmware:
    """A firmware release offered by the cloud (``newFwInfo``)."""

    version: str
    release_date: str
    release_log: str
    release_log_url: str = ""

    def as_json(self) -> dict[str, str]:
        """The ``newFwInfo`` object."""
        return {
            "fwVersion": self.version,
            "releaseDate": self.release_date,
            "releaseLog": self.release_log,
            "releaseLogUrl": self.release_log_url,
        }


@dataclass(slots=True)
class SdCard:
    """An IPC SD card or an NVR disk; sizes in GiB."""

    index: int
    status: str = "normal"  # none | unformatted | normal | insufficient
    total_gb: float = 64.0
    free_gb: float = 20.0
    permission: str = "rw"
    record_duration: int = 0
    record_start: int = 0


@dataclass(slots=True)
class SupplyTime:
    """One load's supply schedule of a solar power system."""

    load: int
    start_hour: int
    start_min: int
    end_hour: int
    end_min: int
    status: str = "on"


@dataclass(slots=True)
class Solar:
    """A solar power system's readings and loads."""

    status: int = 1
    battery: float = 76.5
    env_temp: float = 24.0
    input_watt: float = 42.0
    output_watt: float = 11.5
    schedules: list[SupplyTime] = field(default_factory=list)
    load_resets: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class TimingReboot:
    """Scheduled reboot (1.4.4.5/6)."""

    if_open: bool = False
    time: str = "03:00:00"
    day: int = 0


@dataclass(slots=True)
class Upgrade:
    """A firmware upgrade in progress or finished (sim-clock seconds)."""

    target: str
    started: float
    finished: float | None = None
    # A negative upgradeStatus (table 1.4.3.24-1) to end with once downloaded.
    failure: int | None = None


@dataclass(slots=True)
class TumsDevice:
    """One device of the application; runtime fields start empty."""

    device_id: str
    name: str
    device_type: str
    model: str
    mac: str
    ip: str
    region_id: str
    qr_code: str | None = None
    firmware: str = "1.0.0 Build 230101 Rel.10000n"
    hardware: str = "1.0"
    online: bool = True
    open_status: int = 2
    abnormal: bool = False
    parent: str | None = None
    channel_id: int | None = None
    max_channels: int = 0
    newest: Firmware | None = None
    ptz_reset: bool = False
    passenger_flow: bool = False
    alarm_in: bool = False
    alarm_out: bool = False
    sd_cards: list[SdCard] = field(default_factory=list)
    record_loop: bool = True
    timing_mode: str = "ntp"
    ntp_server: str = "ntp.tplinkcloud.com.cn"
    clock_offset: float = 0.0
    timing_reboot: TimingReboot = field(default_factory=TimingReboot)
    solar: Solar | None = None
    # runtime
    reboot_until: float | None = None
    upgrade: Upgrade | None = None
    # The next upgrade of this device fails with this status (admin endpoint).
    upgrade_failure: int | None = None
    fw_checked: bool = False
    ptz_resets: int = 0
    alarm_output_active: bool = False
    alarm_input_enable: str | None = None
    alarm_output_enable: str | None = None
    detections: dict[int, bool] = field(default_factory=dict)
    manual_timings: list[int] = field(default_factory=list)

    @property
    def is_video(self) -> bool:
        """IPC or NVR (openType 1, the /vms/ configuration endpoints)."""
        return self.device_type in VIDEO_TYPES


@dataclass(slots=True)
class TumsScenario:
    """Regions and devices (NVR channels after their NVR)."""

    regions: list[Region]
    devices: list[TumsDevice]

    def copy(self) -> TumsScenario:
        """A deep copy to run a simulator on."""
        return copy.deepcopy(self)


# -- default scenario -----------------------------------------------------------------

HQ: Final = "20000000061"
WAREHOUSE: Final = "20000000062"

IPC_GATE: Final = "16E0091709B04C926"
IPC_LOBBY: Final = "799E56281C531B106"
NVR_QR: Final = "8D0C79779B2407B23"
CHANNEL_QRS: Final = (
    "8D0C7977C1A200001",
    "8D0C7977C1A200002",
    "8D0C7977C1A200003",
    "8D0C7977C1A200004",
)
ROUTER_MAC: Final = "5C-E9-31-6A-00-01"
SWITCH_MAC: Final = "5C-E9-31-6A-00-02"
AP_MEETING_MAC: Final = "5C-E9-31-6A-00-03"
AP_WAREHOUSE_MAC: Final = "5C-E9-31-6A-00-04"
SOLAR_QR: Final = "HGD6784KOFV895J08"


def _fw(version: str, date: str, log: str) -> Firmware:
    return Firmware(version, date, log, f"https://service.tp-link.com.cn/download/{version[:5]}")


def default_scenario() -> TumsScenario:
    """Two regions; 2 IPCs, an NVR with 4 channels, router, switch, 2 APs, a solar system."""
    regions = [Region(HQ, "总部大楼"), Region(WAREHOUSE, "Warehouse B 仓库")]
    devices = [
        TumsDevice(
            IPC_GATE,
            "大门口球机",
            IPC,
            "TL-IPC633-D4G",
            "5C-E9-31-2A-10-01",
            "192.168.1.100",
            HQ,
            qr_code=IPC_GATE,
            firmware="1.0.3 Build 230512 Rel.43210n",
            hardware="3.0",
            newest=_fw("1.0.5 Build 240301 Rel.51200n", "2024-03-01", "修复夜视偶现花屏问题"),
            ptz_reset=True,
            alarm_in=True,
            alarm_out=True,
            sd_cards=[SdCard(1, "normal", 128.0, 37.5, record_duration=1_209_600)],
        ),
        TumsDevice(
            IPC_LOBBY,
            "Lobby Camera",
            IPC,
            "TL-IPC44AW",
            "00-FF-00-2A-F3-19",
            "192.168.1.101",
            HQ,
            qr_code=IPC_LOBBY,
            firmware="2.1.0 Build 240110 Rel.7755n",
            hardware="2.0",
            passenger_flow=True,
            sd_cards=[SdCard(1, "unformatted", 32.0, 32.0)],
        ),
        TumsDevice(
            NVR_QR,
            "24栋NVR",
            NVR,
            "TL-NVR6108C-B",
            "5C-E9-31-2A-20-01",
            "192.168.2.10",
            WAREHOUSE,
            qr_code=NVR_QR,
            firmware="2.0.1 Build 221020 Rel.62011n",
            hardware="1.0",
            max_channels=8,
            newest=_fw("2.1.0 Build 240415 Rel.70230n", "2024-04-15", "Adds H.265+ recording"),
            alarm_in=True,
            sd_cards=[
                SdCard(1, "normal", 3726.0, 812.4, record_duration=2_592_000),
                SdCard(2, "normal", 3726.0, 3011.9, record_duration=604_800),
            ],
        ),
    ]
    channel_names = ("仓库通道1", "Dock Door", "装卸区", "Back Alley")
    for number, (qr, name) in enumerate(zip(CHANNEL_QRS, channel_names, strict=True), start=1):
        devices.append(
            TumsDevice(
                qr,
                name,
                IPC,
                "TL-IPC435EP",
                f"5C-E9-31-2A-21-0{number}",
                f"192.168.2.{100 + number}",
                WAREHOUSE,
                qr_code=qr,
                firmware="1.2.0 Build 230808 Rel.33021n",
                hardware="1.0",
                online=number != 3,
                parent=NVR_QR,
                channel_id=number,
            )
        )
    devices += [
        TumsDevice(
            ROUTER_MAC,
            "核心路由器",
            "SMBROUTER",
            "TL-ER6229GPE-AC",
            ROUTER_MAC,
            "192.168.1.1",
            HQ,
            firmware="1.2.1 Build 230620 Rel.51021n",
            hardware="1.0",
            newest=_fw("1.3.0 Build 240222 Rel.60311n", "2024-02-22", "新增IPv6支持"),
        ),
        TumsDevice(
            SWITCH_MAC,
            "Floor-2 PoE Switch",
            "SMARTSWITCH",
            "TL-SG2210P",
            SWITCH_MAC,
            "192.168.1.2",
            HQ,
            firmware="3.0.0 Build 220915 Rel.55512n",
            hardware="5.0",
            abnormal=True,
        ),
        TumsDevice(
            AP_MEETING_MAC,
            "二楼会议室AP",
            "CEILINGMOUNTAP",
            "TL-AP1202GC-PoE/DC",
            AP_MEETING_MAC,
            "192.168.1.20",
            HQ,
            firmware="1.1.0 Build 230301 Rel.40012n",
            hardware="2.0",
        ),
        TumsDevice(
            AP_WAREHOUSE_MAC,
            "Warehouse AP",
            "CEILINGMOUNTAP",
            "TL-AP1202GI-PoE",
            AP_WAREHOUSE_MAC,
            "192.168.2.20",
            WAREHOUSE,
            firmware="1.1.0 Build 230301 Rel.40012n",
            hardware="1.0",
            open_status=0,
        ),
        TumsDevice(
            SOLAR_QR,
            "停车场太阳能供电",
            SOLAR,
            "TL-SPS60-24",
            "5C-E9-31-2A-30-01",
            "192.168.2.30",
            WAREHOUSE,
            qr_code=SOLAR_QR,
            firmware="1.0.2 Build 231120 Rel.12001n",
            hardware="1.0",
            solar=Solar(
                schedules=[SupplyTime(1, 0, 0, 23, 59, "on"), SupplyTime(2, 18, 0, 6, 0, "on")]
            ),
        ),
    ]
    return TumsScenario(regions, devices)


def generate_scenario(count: int, *, seed: int = 0) -> TumsScenario:
    """``count`` top-level devices (NVRs bring 2 channels each) over count/50 regions."""
    if count < 0:
        raise ValueError("count must be >= 0")
    rng = random.Random(seed)
    regions = [
        Region(str(30000000000 + n), f"分组{n + 1:03d}") for n in range(max(1, -(-count // 50)))
    ]
    devices: list[TumsDevice] = []
    kinds = ("ipc", "ipc", "nvr", "router", "switch", "ap", "ap", "solar")
    alphabet = "0123456789ABCDEF"
    for n in range(count):
        kind = kinds[n % len(kinds)]
        region = regions[n // 50].region_id
        mac = f"5C-E9-{(n >> 16) & 0xFF:02X}-{(n >> 8) & 0xFF:02X}-{n & 0xFF:02X}-00"
        ip = f"10.{(n >> 8) & 0xFF}.{n & 0xFF}.1"
        qr = "".join(rng.choice(alphabet) for _ in range(17))
        newest = (
            _fw("9.9.9 Build 250101 Rel.99999n", "2025-01-01", "generated") if n % 5 == 0 else None
        )
        common: dict[str, Any] = {"firmware": "1.0.0 Build 230101 Rel.10000n", "newest": newest}
        if kind == "ipc":
            devices.append(
                TumsDevice(qr, f"Camera {n:04d}", IPC, "TL-IPC44AW", mac, ip, region, qr_code=qr,
                           sd_cards=[SdCard(1)], passenger_flow=n % 16 == 0, **common)
            )  # fmt: skip
        elif kind == "nvr":
            devices.append(
                TumsDevice(qr, f"NVR {n:04d}", NVR, "TL-NVR6108C-B", mac, ip, region, qr_code=qr,
                           max_channels=8, sd_cards=[SdCard(1, total_gb=3726.0)], **common)
            )  # fmt: skip
            for channel in (1, 2):
                child_qr = f"{qr[:15]}G{channel}"  # G is not a hex digit: never a parent
                devices.append(
                    TumsDevice(child_qr, f"NVR {n:04d} CH{channel}", IPC, "TL-IPC435EP",
                               f"{mac[:-2]}{channel:02X}", f"10.{(n >> 8) & 0xFF}.{n & 0xFF}.{1 + channel}",
                               region, qr_code=child_qr, parent=qr, channel_id=channel)
                )  # fmt: skip
        elif kind == "solar":
            devices.append(
                TumsDevice(qr, f"Solar {n:04d}", SOLAR, "TL-SPS60-24", mac, ip, region, qr_code=qr,
                           solar=Solar(schedules=[SupplyTime(1, 0, 0, 23, 59)]), **common)
            )  # fmt: skip
        else:
            device_type, model = {
                "router": ("SMBROUTER", "TL-ER6229GPE-AC"),
                "switch": ("SMARTSWITCH", "TL-SG2210P"),
                "ap": ("CEILINGMOUNTAP", "TL-AP1202GC-PoE/DC"),
            }[kind]
            devices.append(
                TumsDevice(
                    mac, f"{kind.upper()} {n:04d}", device_type, model, mac, ip, region, **common
                )
            )
    return TumsScenario(regions, devices)
