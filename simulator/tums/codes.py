"""The TUMS OpenAPI's constants, error codes (1.2.2.4, 1.5), batch replies and parameter readers."""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
import re
from typing import Any, Final, Literal

from ..common import Params, fail

type AppType = Literal["device", "project"]
type Body = dict[str, Any]

DEMO_ACCESS_KEY: Final = "ZDkxZmIyNTc2NTg4NTg2ODcxNDE3NTI3YzMyNWU0"
DEMO_SECRET_KEY: Final = "5f2b8c0e9a4d47c1b3e6f8a0d2c4e6f8"  # noqa: S105  (demo only)
APP_ID: Final = "2583"

SIGNATURE_WINDOW: Final = 300.0  # seconds of allowed skew, and of nonce memory
REBOOT_SECONDS: Final = 8.0
DOWNLOAD_SECONDS: Final = 10.0
INSTALL_SECONDS: Final = 20.0
UPGRADE_RESULT_SECONDS: Final = 600.0
FLV_VALID_SECONDS: Final = 7200.0
MAX_BATCH: Final = 100
MAX_PAGE: Final = 100
# "10个中文字符、32个英文字符": a Chinese character is a tenth of the limit, a Latin one
# a thirty-second (16 and 5 of 160).
NAME_BUDGET: Final = 160
SK_RE: Final = re.compile(r"^[A-Za-z0-9]{1,32}$")
TIME_RE: Final = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$")
ALARM_TYPES: Final = frozenset({2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 18, 20, 22, 23, 29, 40})
SOLAR_METRICS: Final = ("batteryEnergyPercentage", "inputPowerInWatt", "outputPowerInWatt")
FLOW_ACCURACY: Final = ("day", "week", "month", "year")

# -- error codes (1.2.2.4 and 1.5) --------------------------------------------------------
OK: Final = 0
GENERAL: Final = -10000
JSON_FORMAT: Final = -10100
SIGNATURE_MISMATCH: Final = -10301
SIGNATURE_EXPIRED: Final = -10302
SIGNATURE_PARAMS: Final = -10303
INVALID_AK: Final = -10304
ACCESS_DENIED: Final = -10305
DEVICE_OFFLINE: Final = -20571
REGION_NOT_FOUND: Final = -80205
DEVICE_UPGRADING: Final = -80324
BAD_START: Final = -80328
BAD_LIMIT: Final = -80329
NAME_TOO_LONG: Final = -80331
UNSUPPORTED: Final = -80391
BAD_NAME: Final = -80398
NO_STORAGE: Final = -80420
INVALID_DEVICE: Final = -80414
NO_FLOW: Final = -80550
BAD_QUERY_TIME: Final = -80551
URL_NOT_READY: Final = -80703
PREVIEW_LIMIT: Final = -80732
NO_CHANNEL: Final = -81100
STREAM_MISSING: Final = -81126
PARAMETER: Final = -82400
OUT_OF_RANGE: Final = -82420
NOT_DEVICE_APP: Final = -88311
NOT_PROJECT_APP: Final = -88312
PLAN_EXCEEDED: Final = -88303
RESTRICTED: Final = -88315
NOT_IN_APP: Final = -88316

ERROR_TEXT: Final = {
    GENERAL: "通用错误",
    JSON_FORMAT: "JSON 消息体格式错误",
    SIGNATURE_MISMATCH: "签名不匹配",
    SIGNATURE_EXPIRED: "签名请求已超时",
    SIGNATURE_PARAMS: "签名参数错误",
    INVALID_AK: "Access Key非法",
    ACCESS_DENIED: "访问被拒绝（通常是该Access key无访问该API的权限）",  # noqa: RUF001
    PLAN_EXCEEDED: "开发者套餐用量超限",
    DEVICE_OFFLINE: "设备离线",
    REGION_NOT_FOUND: "分组不存在",
    DEVICE_UPGRADING: "设备升级中",
    BAD_START: "START参数是否合法",
    BAD_LIMIT: "limit参数是否合法",
    NAME_TOO_LONG: "设备名称过长",
    UNSUPPORTED: "设备不支持该操作",
    BAD_NAME: "设备名称无效，请重新输入",  # noqa: RUF001
    NO_STORAGE: "未找到存储设备",
    INVALID_DEVICE: "无效的设备",
    NO_FLOW: "设备不支持客流统计",
    BAD_QUERY_TIME: "查询时间错误",
    URL_NOT_READY: "URL没准备好",
    PREVIEW_LIMIT: "预览并发路数达到上限",
    NO_CHANNEL: "目标通道不存在",
    STREAM_MISSING: "视频流不存在",
    PARAMETER: "参数错误",
    OUT_OF_RANGE: "该方法内参数值超出范围",
    NOT_DEVICE_APP: "接口目标不是设备型应用",
    NOT_PROJECT_APP: "接口目标不是项目型应用",
    RESTRICTED: "设备受限关闭（非试用或付费使用中状态）",  # noqa: RUF001
    NOT_IN_APP: "设备不存在于应用中",
}

# Upgrade status (table 1.4.3.24-1) and device status (table 1.4.3.1-2).
UPGRADE_NONE: Final = 0
UPGRADE_RUNNING: Final = 1
UPGRADE_DONE: Final = 4
UPGRADE_DOWNLOADING: Final = 5
STATUS_OFFLINE: Final = 0
STATUS_ONLINE: Final = 1
STATUS_REBOOTING: Final = 2
STATUS_UPGRADING: Final = 3


class Batch:
    """A batch reply: ``result`` (optional) and per-device failures."""

    def __init__(
        self, fail_list: list[dict[str, Any]], *, all_failed: bool, result: Any = None
    ) -> None:
        """Failures as failList objects; a result object when the call returns one.

        When every device failed the reply's error_code is -80414, as in the document's
        examples; partial failures keep error_code 0.
        """
        self.fail_list = fail_list
        self.all_failed = all_failed
        self.result = result


# -- parameters --------------------------------------------------------------------------

# Bad parameters are -82400 throughout.
_PARAMS: Final = Params(PARAMETER)
req_int = _PARAMS.req_int
req_str = _PARAMS.req_str
req_bool = _PARAMS.req_bool
opt_int = _PARAMS.opt_int


def millis(body: Mapping[str, Any], key: str) -> int:
    """A required timestamp sent as a number or a string of digits."""
    value = body.get(key)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return req_int(body, key, 0)


def dev_list(body: Mapping[str, Any], key: str = "devList") -> list[dict[str, Any]]:
    """A batch device list: 1..100 objects, else -82400 / -82420."""
    items = body.get(key)
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        fail(PARAMETER, f"{key} must be a non-empty array of objects")
    if len(items) > MAX_BATCH:
        fail(OUT_OF_RANGE, f"{key} holds at most {MAX_BATCH} devices")
    return items


def _ip_key(ip: str) -> int:
    try:
        return int(ipaddress.IPv4Address(ip))
    except ValueError:
        return 0


def _ipv4(body: Mapping[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        fail(PARAMETER, f"{key} must be an IPv4 address")
    try:
        return int(ipaddress.IPv4Address(value))
    except ValueError:
        fail(PARAMETER, f"{key} must be an IPv4 address")
