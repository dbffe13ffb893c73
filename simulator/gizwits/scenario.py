"""The Gizwits simulator's scenarios: the demo enterprise and generated fleets."""

from __future__ import annotations

import random
from typing import Any, Final

from .state import (
    AC_ENUM_FAN,
    AC_ENUM_MODES,
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    ALERT,
    DAY,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
    FAULT,
    HOUR,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
    READONLY,
    WRITABLE,
    DatapointDef,
    GizwitsScenario,
    Report,
    SimDevice,
    SimEnterprise,
    SimProduct,
    layout,
)

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
