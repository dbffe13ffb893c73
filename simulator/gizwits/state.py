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
