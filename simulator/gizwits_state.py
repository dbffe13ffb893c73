"""State of the Gizwits (机智云) enterprise API simulator and its scenarios.

An enterprise owns products; a product has a datapoint schema and devices; each device
keeps its current values (real values: ``raw * ratio + addition`` for numbers, option
text for enums, lowercase hex for binaries) and the history of its reports.

Timestamps in a scenario are offsets in seconds from the simulator's clock at (re)start,
so the default data stays inside the API's default two-day window whatever the clock.
"""

# The secrets below belong to a simulated enterprise and protect nothing.
# ruff: noqa: S105

from __future__ import annotations

from dataclasses import dataclass, field
import math
import random
from typing import Any, Final

WRITABLE: Final = "status_writable"
READONLY: Final = "status_readonly"
ALERT: Final = "alert"
FAULT: Final = "fault"
KINDS: Final = (WRITABLE, READONLY, ALERT, FAULT)
# The UI's perm letters: W read-write, R read-only, N alert, E fault.
PERMS: Final = {WRITABLE: "W", READONLY: "R", ALERT: "N", FAULT: "E"}

# Largest raw value per numeric type.
NUMBER_TYPES: Final = {"uint8": 0xFF, "uint16": 0xFFFF, "uint32": 0xFFFFFFFF}
DATA_TYPES: Final = ("bool", "enum", *NUMBER_TYPES, "binary")

DAY: Final = 86400.0
HOUR: Final = 3600.0

DEMO_ENTERPRISE_ID: Final = "5e1c0d2a9b8f4e7d6c5b4a3928171605"
DEMO_ENTERPRISE_SECRET: Final = "8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d"
AC_PRODUCT_KEY: Final = "a3c9f07e2d1b4c6a8e5f0d9c7b6a5e41"
AC_PRODUCT_SECRET: Final = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PLUG_PRODUCT_KEY: Final = "b7d2e4f6a8c0412e9b3d5f7a9c1e3b52"
PLUG_PRODUCT_SECRET: Final = "1a2b3c4d5e6f708192a3b4c5d6e7f809"

AC_ENUM_MODES: Final = ("自动", "制冷", "制热", "送风", "除湿")
AC_ENUM_FAN: Final = ("低风", "中风", "高风")


class AttrError(ValueError):
    """A value a datapoint does not take; ``reason`` says why."""

    def __init__(self, name: str, reason: str) -> None:
        """``reason``: read_only, type, range, step, option or length."""
        super().__init__(f"{name}: {reason}")
        self.reason = reason


def clean_number(value: float) -> float | int:
    """A real value without float noise; whole numbers as int."""
    rounded = round(value, 6)
    return int(rounded) if rounded.is_integer() else rounded


@dataclass(slots=True)
class DatapointDef:
    """One datapoint of a product: an ``attrs`` item of the datapoint reply.

    Numbers keep their raw range (``raw_min``..``raw_max``, ``uint_spec`` min/max);
    ``length`` is the size of a binary in bytes. Offsets are set by :func:`layout`.
    """

    name: str
    display_name: str
    kind: str
    data_type: str
    options: tuple[str, ...] = ()
    raw_min: int = 0
    raw_max: int = 0
    ratio: float = 1
    addition: float = 0
    length: int = 0
    byte_offset: int = 0
    bit_offset: int = 0

    @property
    def is_number(self) -> bool:
        """uint8, uint16 or uint32."""
        return self.data_type in NUMBER_TYPES

    @property
    def bits(self) -> int:
        """Width of a bool or enum in the fixed-length packet."""
        if self.data_type == "enum":
            return max(1, (len(self.options) - 1).bit_length())
        return 1

    def to_real(self, raw: int) -> float | int:
        """The real value of a raw number."""
        return clean_number(raw * self.ratio + self.addition)

    @property
    def real_min(self) -> float | int:
        """Smallest real value."""
        return self.to_real(self.raw_min)

    @property
    def real_max(self) -> float | int:
        """Largest real value."""
        return self.to_real(self.raw_max)

    def check(self, value: Any) -> Any:
        """The canonical real value for ``value``, else AttrError (write rules aside)."""
        kind = self.data_type
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            raise AttrError(self.name, "type")
        if isinstance(value, bool):
            raise AttrError(self.name, "type")
        if kind == "enum":
            if isinstance(value, str):
                if value not in self.options:
                    raise AttrError(self.name, "option")
                return value
            # The option's index is taken too, as on the device protocol.
            if isinstance(value, int):
                if not 0 <= value < len(self.options):
                    raise AttrError(self.name, "option")
                return self.options[value]
            raise AttrError(self.name, "type")
        if kind == "binary":
            if not isinstance(value, str) or any(c not in "0123456789abcdefABCDEF" for c in value):
                raise AttrError(self.name, "type")
            if len(value) != 2 * self.length:
                raise AttrError(self.name, "length")
            return value.lower()
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise AttrError(self.name, "type")
        return self.to_real(self.raw_of(value))

    def raw_of(self, value: float) -> int:
        """The raw number for a real value on the step and in range, else AttrError."""
        raw = (value - self.addition) / self.ratio
        nearest = round(raw)
        if abs(raw - nearest) > 1e-6:
            low, high = self.real_min, self.real_max
            if low <= value <= high:
                raise AttrError(self.name, "step")
            raise AttrError(self.name, "range")
        if not self.raw_min <= nearest <= self.raw_max:
            raise AttrError(self.name, "range")
        return int(nearest)

    def render(self, value: Any) -> Any:
        """The value as ``/data`` reports it: bools as 0/1, as the document's example."""
        return int(value) if isinstance(value, bool) else value

    def position(self) -> dict[str, Any]:
        """The ``position`` object."""
        if self.data_type in ("bool", "enum"):
            return {
                "byte_offset": self.byte_offset,
                "bit_offset": self.bit_offset,
                "len": self.bits,
                "unit": "bit",
            }
        size = self.length if self.data_type == "binary" else _number_bytes(self.data_type)
        return {"byte_offset": self.byte_offset, "bit_offset": 0, "len": size, "unit": "byte"}

    def to_json(self, index: int) -> dict[str, Any]:
        """An ``AttrItem`` of the datapoint reply."""
        item: dict[str, Any] = {
            "id": index,
            "name": self.name,
            "display_name": self.display_name,
            "desc": ".....",
            "type": self.kind,
            "data_type": self.data_type,
            "position": self.position(),
        }
        if self.is_number:
            item["uint_spec"] = {
                "min": self.raw_min,
                "max": self.raw_max,
                "ratio": self.ratio,
                "addition": self.addition,
            }
        if self.data_type == "enum":
            item["enum"] = list(self.options)
        return item

    def ui_element(self) -> dict[str, Any]:
        """An ``ElementItem`` of the product's UI definition."""
        key = f"entity0.{self.name}"
        perm = PERMS[self.kind]
        element: dict[str, Any] = {
            "title": self.display_name,
            "key": key,
            "object": {"action": "entity0", "bind": [key], "perm": perm},
        }
        if self.kind != WRITABLE:
            element["type"] = "QLabelElement"
        elif self.data_type == "bool":
            element.update(type="QBooleanElement", boolValue=False)
        elif self.data_type == "enum":
            element.update(type="QRadioElement", items=list(self.options))
        elif self.is_number:
            element.update(
                type="QFloatElement",
                bind="floatValue:float",
                keyboardType="NumbersAndPunctuation",
                maximumValue=self.real_max,
                minimumValue=self.real_min,
                value=0,
            )
            element["object"]["unit_spec"] = {
                "max": self.real_max,
                "step": self.ratio,
                "min": self.real_min,
            }
        else:
            element.update(type="QMultilineElement", maxLength=2 * self.length)
        return element


def _number_bytes(data_type: str) -> int:
    return {"uint8": 1, "uint16": 2, "uint32": 4}[data_type]


def layout(datapoints: list[DatapointDef]) -> list[DatapointDef]:
    """Set byte and bit offsets: bools and enums packed into bits, the rest byte-aligned."""
    byte, bit = 0, 0
    for point in datapoints:
        if point.data_type in ("bool", "enum"):
            if bit + point.bits > 8:
                byte, bit = byte + 1, 0
            point.byte_offset, point.bit_offset = byte, bit
            bit += point.bits
            continue
        if bit:
            byte, bit = byte + 1, 0
        point.byte_offset, point.bit_offset = byte, 0
        byte += point.length if point.data_type == "binary" else _number_bytes(point.data_type)
    return datapoints


@dataclass(slots=True)
class SimProduct:
    """A product: its secrets, owner, datapoints and whether remote control is on."""

    product_key: str
    product_secret: str
    name: str
    enterprise_id: str | None
    datapoints: list[DatapointDef] = field(default_factory=list)
    remote_control: bool = True

    def datapoint(self, name: str) -> DatapointDef | None:
        """The datapoint called ``name``."""
        return next((point for point in self.datapoints if point.name == name), None)

    def schema_json(self) -> dict[str, Any]:
        """The ``GET datapoint`` reply."""
        return {
            "name": self.name,
            "entities": [
                {
                    "id": 0,
                    "name": "entity0",
                    "display_name": "机智云开发套件",
                    "attrs": [point.to_json(index) for index, point in enumerate(self.datapoints)],
                }
            ],
            "protocolType": "standard",
            "product_key": self.product_key,
            "packetVersion": "0x00000004",
            "ui": {
                "object": {"version": 4, "showEditButton": False},
                "sections": [{"elements": [point.ui_element() for point in self.datapoints]}],
            },
        }


@dataclass(slots=True)
class SimEnterprise:
    """An enterprise and its rolling quota window (None until its first call)."""

    enterprise_id: str
    secret: str
    window_start: float | None = None
    calls: int = 0


@dataclass(slots=True)
class Report:
    """One data report of a device: when, and every value it carried."""

    ts: int
    attrs: dict[str, Any]


@dataclass(slots=True)
class SimDevice:
    """A device. ``name`` is for people reading scenarios; the API has no device names."""

    did: str
    mac: str
    product_key: str
    name: str = ""
    is_online: bool = True
    is_disabled: bool = False
    country: str | None = "China"
    region: str | None = "Guangdong"
    city: str | None = "Guangzhou"
    longitude: float | None = 113.280637
    latitude: float | None = 23.125178
    created_at: float = -30 * DAY
    online_latest: float | None = -HOUR
    device_type: str = "normal"
    mcu_soft_version: str | None = "04000001"
    mcu_hard_version: str | None = "00000001"
    wifi_soft_version: str | None = "04020035"
    wifi_hard_version: str | None = "00ESP826"
    attrs: dict[str, Any] = field(default_factory=dict)
    history: list[Report] = field(default_factory=list)
    raw_commands: list[list[int]] = field(default_factory=list)


@dataclass(slots=True)
class GizwitsScenario:
    """Initial state of the Gizwits simulator; device timestamps are offsets (<= 0)."""

    enterprises: list[SimEnterprise] = field(default_factory=list)
    products: list[SimProduct] = field(default_factory=list)
    devices: list[SimDevice] = field(default_factory=list)


# -- the default products ----------------------------------------------------------------


def air_conditioner_datapoints() -> list[DatapointDef]:
    """The attrs of the document's data example, plus a read-only and a writable binary."""
    return layout(
        [
            DatapointDef("switch", "开关", WRITABLE, "bool"),
            DatapointDef("mode", "模式", WRITABLE, "enum", options=AC_ENUM_MODES),
            DatapointDef("fan_speed", "风速", WRITABLE, "enum", options=AC_ENUM_FAN),
            DatapointDef("fan_swing", "扫风", WRITABLE, "bool"),
            DatapointDef("set_temp", "设定温度", WRITABLE, "uint8", raw_max=14, addition=16),
            DatapointDef("on_timing", "定时开机", WRITABLE, "uint16", raw_max=1440),
            DatapointDef("off_timing", "定时关机", WRITABLE, "uint16", raw_max=1440),
            DatapointDef("ir_code", "红外码", WRITABLE, "binary", length=8),
            DatapointDef(
                "room_temp", "室内温度", READONLY, "uint8", raw_max=100, ratio=0.5, addition=-10
            ),
            DatapointDef("fw_info", "固件信息", READONLY, "binary", length=4),
            DatapointDef("alert_full", "水满报警", ALERT, "bool"),
            DatapointDef("alert_shutdown", "停机报警", ALERT, "bool"),
            DatapointDef("fault_roomtemp", "室温传感器故障", FAULT, "bool"),
        ]
    )


def plug_datapoints() -> list[DatapointDef]:
    """A metering smart plug."""
    return layout(
        [
            DatapointDef("switch", "电源开关", WRITABLE, "bool"),
            DatapointDef("led", "指示灯", WRITABLE, "bool"),
            DatapointDef("power", "功率", READONLY, "uint16", raw_max=40000, ratio=0.1),
            DatapointDef("energy", "累计电量", READONLY, "uint32", raw_max=99999999, ratio=0.01),
            DatapointDef("overload", "过载报警", ALERT, "bool"),
            DatapointDef("relay_fault", "继电器故障", FAULT, "bool"),
        ]
    )


def demo_products() -> list[SimProduct]:
    """The air conditioner and the smart plug, both owned by the demo enterprise."""
    return [
        SimProduct(
            AC_PRODUCT_KEY,
            AC_PRODUCT_SECRET,
            "智能空调",
            DEMO_ENTERPRISE_ID,
            air_conditioner_datapoints(),
        ),
        SimProduct(
            PLUG_PRODUCT_KEY, PLUG_PRODUCT_SECRET, "智能插座", DEMO_ENTERPRISE_ID, plug_datapoints()
        ),
    ]


def demo_enterprises() -> list[SimEnterprise]:
    """The one demo enterprise."""
    return [SimEnterprise(DEMO_ENTERPRISE_ID, DEMO_ENTERPRISE_SECRET)]


def ac_attrs(**changes: Any) -> dict[str, Any]:
    """A complete set of air-conditioner values, switched on and cooling by default."""
    attrs: dict[str, Any] = {
        "switch": True,
        "mode": "制冷",
        "fan_speed": "中风",
        "fan_swing": False,
        "set_temp": 24,
        "on_timing": 0,
        "off_timing": 0,
        "ir_code": "0000000000000000",
        "room_temp": 26.5,
        "fw_info": "01020304",
        "alert_full": False,
        "alert_shutdown": False,
        "fault_roomtemp": False,
    }
    attrs.update(changes)
    return attrs


def plug_attrs(**changes: Any) -> dict[str, Any]:
    """A complete set of plug values, switched on by default."""
    attrs: dict[str, Any] = {
        "switch": True,
        "led": True,
        "power": 0,
        "energy": 0,
        "overload": False,
        "relay_fault": False,
    }
    attrs.update(changes)
    return attrs


def _reports(*items: tuple[float, dict[str, Any]]) -> list[Report]:
    return [Report(ts=int(offset), attrs=dict(attrs)) for offset, attrs in items]


def _device(
    did: str, mac: str, product_key: str, history: list[Report], **fields: Any
) -> SimDevice:
    attrs = dict(history[-1].attrs) if history else {}
    return SimDevice(
        did=did, mac=mac, product_key=product_key, history=history, attrs=attrs, **fields
    )


# dids and macs of the default scenario, for tests and the README.
AC_LIVING: Final = "kYkSE2xspYjocBhaUHdM5k"
AC_BEDROOM: Final = "cBYkSjoE2xspYMhaUHdk5k"
AC_GUEST: Final = "dE2xjocBhaUHkYkSspYM5k"
AC_STUDY: Final = "jaUHdkYkSocBhE2xspYM5k"
AC_MEETING: Final = "Q7mWn2Rb8Xc4Vz6Lp0Ts3k"
AC_STORE: Final = "hT5gY2uJ8kL3mN6bV9cX1z"
PLUG_DESK: Final = "pL8uG3dK2sW9qE4rT6yU1i"
PLUG_TV: Final = "vB3nM6kJ9hG2fD5sA8pO4i"
PLUG_HEATER: Final = "zX7cV1bN4mQ8wE2rT5yU9o"
PLUG_NEW: Final = "aS6dF9gH2jK5lZ8xC1vB4n"


def default_gizwits_scenario() -> GizwitsScenario:
    """One enterprise, two products, 6 air conditioners and 4 plugs.

    Air conditioners: three online and fine, one alerting (water tank full), one faulty
    (room temperature sensor; the bedroom one had that fault earlier, now resolved), one
    offline and one disabled. Plugs: two online, one in overload, one offline that never
    reported.
    """
    ac, plug = AC_PRODUCT_KEY, PLUG_PRODUCT_KEY
    devices = [
        _device(
            AC_LIVING,
            "accf23a10001",
            ac,
            _reports(
                (-2 * HOUR, ac_attrs(room_temp=29.5, fan_speed="高风")),
                (-HOUR, ac_attrs(room_temp=28)),
                (-600, ac_attrs(room_temp=27.5, fan_swing=True)),
            ),
            name="客厅空调",
            created_at=-120 * DAY,
            online_latest=-3 * HOUR,
        ),
        _device(
            AC_BEDROOM,
            "accf23a10002",
            ac,
            _reports(
                (-3 * HOUR, ac_attrs(room_temp=-10, fault_roomtemp=True)),
                (-2 * HOUR, ac_attrs(room_temp=25)),
                (-900, ac_attrs(switch=False, mode="自动", fan_speed="低风", room_temp=25)),
            ),
            name="主卧空调",
            created_at=-90 * DAY,
            online_latest=-26 * HOUR,
        ),
        _device(
            AC_GUEST,
            "accf23a10003",
            ac,
            _reports(
                (-HOUR, ac_attrs(mode="除湿", set_temp=26, room_temp=26.5)),
                (-300, ac_attrs(mode="除湿", set_temp=26, room_temp=26, alert_full=True)),
            ),
            name="次卧空调",
            region="Guangdong",
            city="Shenzhen",
            longitude=114.057868,
            latitude=22.543099,
            created_at=-20 * DAY,
            online_latest=-5 * DAY,
        ),
        _device(
            AC_STUDY,
            "accf23a10004",
            ac,
            _reports((-5 * HOUR, ac_attrs(switch=False, room_temp=22.5))),
            name="书房空调",
            is_online=False,
            region="Beijing",
            city="Beijing",
            longitude=116.407526,
            latitude=39.90403,
            created_at=-3 * DAY,
            online_latest=-30 * HOUR,
        ),
        _device(
            AC_MEETING,
            "accf23a10005",
            ac,
            _reports(
                (-1800, ac_attrs(mode="制热", set_temp=22, room_temp=19)),
                (-120, ac_attrs(mode="制热", set_temp=22, room_temp=-10, fault_roomtemp=True)),
            ),
            name="会议室空调",
            region="Shanghai",
            city="Shanghai",
            longitude=121.473701,
            latitude=31.230416,
            created_at=-6 * DAY,
            online_latest=-2 * HOUR,
            mcu_soft_version=None,
            mcu_hard_version=None,
        ),
        _device(
            AC_STORE,
            "accf23a10006",
            ac,
            _reports((-40 * HOUR, ac_attrs(switch=False, mode="送风", room_temp=18))),
            name="仓库空调",
            is_online=False,
            is_disabled=True,
            region="Beijing",
            city="Beijing",
            longitude=116.407526,
            latitude=39.90403,
            created_at=-200 * DAY,
            online_latest=-45 * HOUR,
        ),
        _device(
            PLUG_DESK,
            "5ccf7f0a0001",
            plug,
            _reports(
                (-1200, plug_attrs(power=1180.2, energy=1234.31)),
                (-60, plug_attrs(power=1200.5, energy=1234.56)),
            ),
            name="书桌插座",
            created_at=-60 * DAY,
            online_latest=-10 * HOUR,
        ),
        _device(
            PLUG_TV,
            "5ccf7f0a0002",
            plug,
            _reports((-7200, plug_attrs(switch=False, led=False, power=0, energy=88.2))),
            name="电视插座",
            created_at=-30 * DAY,
            online_latest=-10 * HOUR,
        ),
        _device(
            PLUG_HEATER,
            "5ccf7f0a0003",
            plug,
            _reports(
                (-600, plug_attrs(power=2150, energy=4320.5)),
                (-30, plug_attrs(power=3580, energy=4321.09, overload=True)),
            ),
            name="取暖器插座",
            region="Shanghai",
            city="Shanghai",
            longitude=121.473701,
            latitude=31.230416,
            created_at=-10 * DAY,
            online_latest=-4 * HOUR,
        ),
        _device(
            PLUG_NEW,
            "5ccf7f0a0004",
            plug,
            [],
            name="新插座",
            is_online=False,
            country=None,
            region=None,
            city=None,
            longitude=None,
            latitude=None,
            created_at=-2 * HOUR,
            online_latest=None,
            wifi_soft_version=None,
            wifi_hard_version=None,
        ),
    ]
    return GizwitsScenario(demo_enterprises(), demo_products(), devices)


CITIES: Final = (
    ("Guangdong", "Guangzhou", 113.280637, 23.125178),
    ("Guangdong", "Shenzhen", 114.057868, 22.543099),
    ("Beijing", "Beijing", 116.407526, 39.90403),
    ("Shanghai", "Shanghai", 121.473701, 31.230416),
    ("Zhejiang", "Hangzhou", 120.15507, 30.274084),
)
_DID_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def generate_gizwits_scenario(n: int, seed: int = 0) -> GizwitsScenario:
    """``n`` devices for load tests: two air conditioners for each plug.

    Deterministic for a seed. Every tenth device is offline and every fiftieth disabled;
    each has reported once, shortly before the start.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)
    devices: list[SimDevice] = []
    dids: set[str] = set()
    for index in range(n):
        did = "".join(rng.choice(_DID_ALPHABET) for _ in range(22))
        while did in dids:
            did = "".join(rng.choice(_DID_ALPHABET) for _ in range(22))  # pragma: no cover
        dids.add(did)
        region, city, longitude, latitude = CITIES[index % len(CITIES)]
        if index % 3 == 2:
            product_key = PLUG_PRODUCT_KEY
            on = rng.random() < 0.7
            power = round(rng.uniform(5, 2000), 1) if on else 0
            attrs = plug_attrs(switch=on, power=power, energy=round(rng.uniform(0, 5000), 2))
        else:
            product_key = AC_PRODUCT_KEY
            attrs = ac_attrs(
                switch=rng.random() < 0.6,
                mode=rng.choice(AC_ENUM_MODES),
                fan_speed=rng.choice(AC_ENUM_FAN),
                set_temp=rng.randint(18, 28),
                room_temp=rng.randint(30, 70) / 2,
            )
        devices.append(
            SimDevice(
                did=did,
                mac=f"{rng.getrandbits(48):012x}",
                product_key=product_key,
                name=f"DEV-{index + 1:04d}",
                is_online=index % 10 != 9,
                is_disabled=index % 50 == 49,
                region=region,
                city=city,
                longitude=longitude,
                latitude=latitude,
                created_at=-rng.randint(1, 365) * DAY,
                online_latest=-rng.randint(60, 7 * 86400),
                attrs=attrs,
                history=[Report(ts=-rng.randint(10, 3600), attrs=dict(attrs))],
            )
        )
    return GizwitsScenario(demo_enterprises(), demo_products(), devices)
