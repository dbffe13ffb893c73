"""State of the Xlink (云智易) /v2 simulator: the enterprise, its logins, products, devices.

Datapoint definitions use the fields of ``GET /v2/product/{pid}/datapoints`` (index,
name, type, symbol, min, max, is_read, is_write, field_name); the ``type`` enum is the
documents' (1 bool, 2 uint8, 3 int16, 4 int32, 5 float, 6 string, 7 byte array,
8 uint16, 9 uint32). Byte arrays are held as lowercase hex text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
import random
from typing import Any, Final

from aiohttp import web

from ..base import json_reply
from ..common import ApiError

DEMO_CORP_ID: Final = "100fa2b4c0d1e2f3"
DEMO_MEMBER_ID: Final = "2e0fa2b4a0b1c2d3"
DEMO_ACCOUNT: Final = "ops@example.com"
DEMO_PASSWORD: Final = "Xl1nk-demo-pass"  # noqa: S105
DEMO_ACCESS_KEY_ID: Final = "a1b2c3d4e5f60718"
DEMO_ACCESS_KEY_SECRET: Final = "XlinkAccessSecret-42"  # noqa: S105
DEMO_USER_EMAIL: Final = "user@example.com"
DEMO_USER_PHONE: Final = "13800138000"
DEMO_USER_PASSWORD: Final = "UserPass-2024"  # noqa: S105
DEMO_USER_ID: Final = 769963474

HEATER_PRODUCT_ID: Final = "160fa2b4a1b2c3d4e5f6a7b8c9d0e1f2"
PURIFIER_PRODUCT_ID: Final = "160fa2b4f1e2d3c4b5a6978877665544"

BOOL, UINT8, INT16, INT32, FLOAT, STRING, BYTES, UINT16, UINT32 = range(1, 10)
INT_RANGES: Final[dict[int, tuple[int, int]]] = {
    UINT8: (0, 0xFF),
    INT16: (-0x8000, 0x7FFF),
    INT32: (-0x80000000, 0x7FFFFFFF),
    UINT16: (0, 0xFFFF),
    UINT32: (0, 0xFFFFFFFF),
}
MAX_STRING: Final = 255


class ValueRefusedError(ValueError):
    """A value a datapoint does not take (the API answers 4001001)."""


@dataclass(slots=True)
class SimDatapoint:  # pylint: disable=too-many-instance-attributes
    """One datapoint definition."""

    index: int
    name: str
    type: int
    default: Any
    is_write: bool = False
    symbol: str = ""
    min: float = 0
    max: float = 0
    field_name: str = ""
    description: str = ""

    def as_json(self, datapoint_id: str) -> dict[str, Any]:
        """As ``GET /v2/product/{pid}/datapoints`` lists it."""
        return {
            "id": datapoint_id,
            "index": self.index,
            "name": self.name,
            "field_name": self.field_name,
            "type": self.type,
            "description": self.description,
            "symbol": self.symbol,
            "is_collect": True,
            "min": self.min,
            "max": self.max,
            "is_read": True,
            "is_write": self.is_write,
            "default_value": "" if self.default is None else str(self.default),
            "source": 1,
        }

    def check(self, value: Any) -> Any:
        """The value as stored, or ValueRefusedError (type, range, length)."""
        if self.type == BOOL:
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            raise ValueRefusedError(f"datapoint {self.index} expects a boolean")
        if self.type == STRING:
            if not isinstance(value, str) or len(value) > MAX_STRING:
                raise ValueRefusedError(f"datapoint {self.index} expects text")
            return value
        if self.type == BYTES:
            if not isinstance(value, str) or len(value) % 2 or len(value) > MAX_STRING:
                raise ValueRefusedError(f"datapoint {self.index} expects hexadecimal bytes")
            try:
                return bytes.fromhex(value).hex()
            except ValueError as err:
                raise ValueRefusedError(
                    f"datapoint {self.index} expects hexadecimal bytes"
                ) from err
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueRefusedError(f"datapoint {self.index} expects a number")
        if not math.isfinite(value):
            raise ValueRefusedError(f"datapoint {self.index} expects a finite number")
        if self.type in INT_RANGES:
            if value != int(value):
                raise ValueRefusedError(f"datapoint {self.index} expects a whole number")
            low, high = INT_RANGES[self.type]
            if not low <= value <= high:
                raise ValueRefusedError(f"datapoint {self.index} is out of its type's range")
            value = int(value)
        if self.max > self.min and not self.min <= value <= self.max:
            raise ValueRefusedError(f"datapoint {self.index} must be {self.min}..{self.max}")
        return value if self.type != FLOAT else float(value)


@dataclass(slots=True)
class SimProduct:
    """One product and its datapoints."""

    product_id: str
    name: str
    datapoints: list[SimDatapoint]
    description: str = ""

    def datapoint(self, index: int) -> SimDatapoint | None:
        """The definition with this index."""
        return next((point for point in self.datapoints if point.index == index), None)

    def as_json(self) -> dict[str, Any]:
        """As ``GET /v2/products`` lists it."""
        return {
            "id": self.product_id,
            "name": self.name,
            "description": self.description,
            "link_type": 1,
            "mode": 1,
            "is_release": True,
            "is_registerable": True,
            "is_active_register": False,
            "is_allow_multi_admin": False,
            "create_time": "2016-05-12T06:31:26.410Z",
            "type": 1,
            "quota": 10000,
            "pics": [],
            "extend": {},
        }


@dataclass(slots=True)
class SimDevice:  # pylint: disable=too-many-instance-attributes
    """One device, its online state and its virtual device."""

    device_id: int
    product_id: str
    mac: str
    name: str
    online: bool
    values: dict[int, Any] = field(default_factory=dict)
    firmware_version: int = 3
    mcu_version: int = 12
    firmware_mod: str = "XLINK-WIFI"
    mcu_mod: str = "MCU-A1"
    # Seconds relative to the simulator's start; made absolute on reset.
    last_login: float = -3600.0
    last_update: float = -60.0
    sn: str = ""

    def as_json(self, iso: Any) -> dict[str, Any]:
        """As ``POST /v2/product/{pid}/devices`` lists it (``iso`` formats times)."""
        return {
            "id": self.device_id,
            "mac": self.mac,
            "name": self.name,
            "is_active": True,
            "active_date": iso(self.last_login - 86400),
            "is_online": self.online,
            "last_login": iso(self.last_login),
            "mcu_mod": self.mcu_mod,
            "mcu_version": self.mcu_version,
            "firmware_mod": self.firmware_mod,
            "firmware_version": self.firmware_version,
            "product_id": self.product_id,
            "sn": self.sn,
        }


@dataclass(slots=True)
class SimAccessKey:
    """A developer access key (授权管理)."""

    key_id: str
    secret: str
    enabled: bool = True


@dataclass(slots=True)
class SimUser:
    """An app user of the enterprise and the devices it subscribed to."""

    user_id: int
    email: str
    phone: str
    password: str
    subscribed: list[int] = field(default_factory=list)


@dataclass(slots=True)
class XlinkScenario:
    """Everything the simulator serves."""

    corp_id: str
    account: str
    password: str
    access_keys: list[SimAccessKey]
    users: list[SimUser]
    products: list[SimProduct]
    devices: list[SimDevice]


def heater_product() -> SimProduct:
    """A water heater: switch, set point, readings, mode, fault code, nickname."""
    return SimProduct(
        HEATER_PRODUCT_ID,
        "智能热水器",
        [
            SimDatapoint(0, "电源", BOOL, False, is_write=True, field_name="power"),
            SimDatapoint(1, "设定温度", UINT8, 50, True, "℃", 30, 75, field_name="target_temp"),
            SimDatapoint(2, "出水温度", INT16, 45, symbol="℃", min=-20, max=100),
            SimDatapoint(3, "加热中", BOOL, False, field_name="heating"),
            SimDatapoint(4, "模式", UINT8, 0, True, "", 0, 3, field_name="mode"),
            SimDatapoint(5, "故障码", UINT16, 0, field_name="fault_code"),
            SimDatapoint(6, "累计用电", FLOAT, 12.5, symbol="kWh"),
            SimDatapoint(7, "昵称", STRING, "浴室", is_write=True, field_name="nickname"),
        ],
        "Storage water heater",
    )


def purifier_product() -> SimProduct:
    """An air purifier: PM2.5, fan, filter, child lock, schedule bytes and more."""
    return SimProduct(
        PURIFIER_PRODUCT_ID,
        "空气净化器",
        [
            SimDatapoint(0, "电源", BOOL, True, is_write=True),
            SimDatapoint(1, "PM2.5", UINT16, 35, symbol="μg/m³"),
            SimDatapoint(2, "风速", UINT8, 2, True, "", 1, 5),
            SimDatapoint(3, "滤芯寿命", UINT8, 80, symbol="%", min=0, max=100),
            SimDatapoint(4, "童锁", BOOL, False, is_write=True),
            SimDatapoint(5, "定时计划", BYTES, "0800ff", is_write=True),
            SimDatapoint(6, "滤芯告警", BOOL, False),
            SimDatapoint(7, "目标湿度", FLOAT, 45.5, True, "%", 30, 80),
            SimDatapoint(8, "运行时长", UINT32, 1234, symbol="h"),
            SimDatapoint(9, "信号强度", INT32, -61, symbol="dBm"),
            SimDatapoint(10, "状态字", BYTES, "0a1b"),
        ],
    )


def _values(product: SimProduct) -> dict[int, Any]:
    return {point.index: point.default for point in product.datapoints}


def default_xlink_scenario() -> XlinkScenario:
    """Two products; one offline device each; the app user subscribes to one of each."""
    heater, purifier = heater_product(), purifier_product()
    devices = [
        SimDevice(
            1658785277, HEATER_PRODUCT_ID, "F0FE6B792673", "热水器-客卫", True, _values(heater)
        ),
        SimDevice(
            1658785278, HEATER_PRODUCT_ID, "F0FE6B792674", "热水器-主卫", True, _values(heater)
        ),
        SimDevice(
            1658785279, HEATER_PRODUCT_ID, "F0FE6B792675", "热水器-厨房", False, _values(heater)
        ),
        SimDevice(
            1094, PURIFIER_PRODUCT_ID, "ACCF23A1B2C3", "净化器-客厅", True, _values(purifier)
        ),
        SimDevice(
            1095, PURIFIER_PRODUCT_ID, "ACCF23A1B2C4", "净化器-卧室", False, _values(purifier)
        ),
    ]
    devices[1].values.update({0: True, 1: 60, 2: 58, 3: True, 7: "主卫"})
    return XlinkScenario(
        corp_id=DEMO_CORP_ID,
        account=DEMO_ACCOUNT,
        password=DEMO_PASSWORD,
        access_keys=[SimAccessKey(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)],
        users=[
            SimUser(
                DEMO_USER_ID,
                DEMO_USER_EMAIL,
                DEMO_USER_PHONE,
                DEMO_USER_PASSWORD,
                [1658785277, 1094],
            )
        ],
        products=[heater, purifier],
        devices=devices,
    )


def generate_xlink_scenario(
    count: int, *, seed: int = 0, offline_share: float = 0.1
) -> XlinkScenario:
    """``count`` water heaters (a tenth offline), for paging and cost tests."""
    if count < 0:
        raise ValueError("count must be >= 0")
    rng = random.Random(seed)
    scenario = default_xlink_scenario()
    heater = scenario.products[0]
    devices = []
    for number in range(count):
        values = _values(heater)
        values[2] = rng.randint(15, 70)
        devices.append(
            SimDevice(
                2_000_000_000 + number,
                HEATER_PRODUCT_ID,
                f"F0FE6B{number:06X}",
                f"热水器-{number:04d}",
                rng.random() >= offline_share,
                values,
            )
        )
    scenario.devices = devices
    scenario.users[0].subscribed = [device.device_id for device in devices[:5]]
    return scenario


# Error codes (错误码说明) the simulator answers with, and their messages.

FIELD_INVALID: Final = 4001001
FIELD_MISSING: Final = 4001002
PASSWORD_WRONG: Final = 4001007
REFRESH_INVALID: Final = 4001010
DEVICE_OFFLINE: Final = 4001054
USER_LOCKED: Final = 4001061
ACCESS_KEY_DISABLED: Final = 4001071
ACCESS_KEY_WRONG: Final = 4001072
TOKEN_MISSING: Final = 4031002
TOKEN_INVALID: Final = 4031003
NEEDS_CORP: Final = 4031004
NOT_SUBSCRIBED: Final = 4031010
TOKEN_EXPIRED: Final = 4031021
TOKEN_REPLACED: Final = 4031022
URL_NOT_FOUND: Final = 4041001
MEMBER_NOT_FOUND: Final = 4041002
PRODUCT_NOT_FOUND: Final = 4041005
DATAPOINT_NOT_FOUND: Final = 4041007
DEVICE_NOT_FOUND: Final = 4041008
USER_NOT_FOUND: Final = 4041011
ACCESS_KEY_NOT_FOUND: Final = 4041024
SERVER_ERROR: Final = 5031001

MESSAGES: Final[dict[int, str]] = {
    FIELD_INVALID: "请求数据字段验证不通过",
    FIELD_MISSING: "请求数据必须字段不可为空",
    PASSWORD_WRONG: "密码错误",
    REFRESH_INVALID: "刷新token不合法",
    DEVICE_OFFLINE: "设备不在线",
    USER_LOCKED: "用户由于多次输入错误密码已被锁定",
    ACCESS_KEY_DISABLED: "AccessKey不可用",
    ACCESS_KEY_WRONG: "AccessKey错误",
    TOKEN_MISSING: "禁止访问，需要Access-Token",  # noqa: RUF001
    TOKEN_INVALID: "无效的Access-Token",
    NEEDS_CORP: "需要企业的调用权限",
    NOT_SUBSCRIBED: "用户没有订阅设备，不能执行操作",  # noqa: RUF001
    TOKEN_EXPIRED: "Access-Token已过期",
    TOKEN_REPLACED: "Access-Token已被刷新",
    URL_NOT_FOUND: "URL找不到",
    MEMBER_NOT_FOUND: "企业成员帐号不存在",
    PRODUCT_NOT_FOUND: "产品信息不存在",
    DATAPOINT_NOT_FOUND: "数据端点不存在",
    DEVICE_NOT_FOUND: "设备不存在",
    USER_NOT_FOUND: "用户不存在",
    ACCESS_KEY_NOT_FOUND: "AccessKey不存在",
    SERVER_ERROR: "服务端发生异常",
}


def error_reply(err: ApiError) -> web.Response:
    """The error envelope with the code's HTTP status (its first three digits).

    A detail given with the code replaces the code's message, as Xlink's texts vary.
    """
    code = err.code
    status = code // 10000 if 100 <= code // 10000 <= 599 else 400
    message = err.detail or MESSAGES.get(code, "injected")
    return json_reply({"error": {"code": code, "msg": message}}, status=status)
