"""Typed models of the Xlink /v2 API's replies.

Parsing is tolerant: missing keys become ``None`` and unusable list items are skipped;
only a reply whose overall shape is wrong is refused, by the client.

Value encodings are undocumented: strings (type 6) are taken as they come, and byte
arrays (type 7) as hexadecimal text, as the public clients use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, Final

from ..client import parse
from ..client.errors import DatapointValueError
from ..client.parse import as_mapping, as_number, as_str, epoch_to_datetime
from ..plausible import clean_name, plausible_bool, plausible_time

# The documents allow 16-character strings in places; datapoint strings have no stated
# limit, so the text entity's own maximum applies.
MAX_TEXT: Final = 255


class DataType(IntEnum):
    """The datapoint ``type`` enum (产品附录2)."""

    BOOL = 1
    UINT8 = 2
    INT16 = 3
    INT32 = 4
    FLOAT = 5
    STRING = 6
    BYTES = 7
    UINT16 = 8
    UINT32 = 9


# Whole-number types and their value ranges.
INT_RANGES: Final[Mapping[DataType, tuple[int, int]]] = {
    DataType.UINT8: (0, 0xFF),
    DataType.INT16: (-0x8000, 0x7FFF),
    DataType.INT32: (-0x80000000, 0x7FFFFFFF),
    DataType.UINT16: (0, 0xFFFF),
    DataType.UINT32: (0, 0xFFFFFFFF),
}
NUMBER_TYPES: Final = frozenset({*INT_RANGES, DataType.FLOAT})
_FLOAT_LIMIT: Final = 3.4e38


def as_int(value: Any) -> int | None:
    """A whole number, or None."""
    number = as_number(value)
    return int(number) if number is not None and number.is_integer() else None


def as_bool(value: Any) -> bool | None:
    """Booleans, 0/1 numbers and the strings ``true``/``false``/``0``/``1``."""
    return plausible_bool(value)


def as_time(value: Any) -> datetime | None:
    """ISO-8601 (``2015-10-09T08:15:40.843Z``) or epoch seconds/ms, in 2000-2100.

    The year 9999 (a placeholder some devices send) is no moment: None.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return plausible_time(epoch_to_datetime(as_number(text)))
        return plausible_time(parsed)
    return plausible_time(epoch_to_datetime(as_number(value)))


def _clean(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True, slots=True)
class Datapoint:  # pylint: disable=too-many-instance-attributes
    """One datapoint definition of a product, keyed by ``index``."""

    index: int
    name: str
    data_type: DataType
    readable: bool
    writable: bool
    symbol: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    field_name: str | None = None
    description: str | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Datapoint | None:
        """Parse one item of the datapoint list; None when unusable."""
        index = as_int(data.get("index"))
        raw_type = as_int(data.get("type"))
        if index is None or index < 0 or raw_type is None:
            return None
        if raw_type not in DataType._value2member_map_:
            return None
        data_type = DataType(raw_type)
        field_name = as_str(data.get("field_name"))
        name = as_str(data.get("name")) or field_name or f"Datapoint {index}"
        minimum, maximum = as_number(data.get("min")), as_number(data.get("max"))
        # Both default to 0: a range only where the definition gives one.
        if minimum is None or maximum is None or maximum <= minimum:
            minimum = maximum = None
        return cls(
            index=index,
            name=name,
            data_type=data_type,
            # The QA bodies send 1/0: any truthy value counts.
            readable=bool(as_bool(data.get("is_read"))) if "is_read" in data else True,
            writable=bool(as_bool(data.get("is_write"))),
            symbol=as_str(data.get("symbol")),
            minimum=minimum,
            maximum=maximum,
            field_name=field_name,
            # The GET examples spell it ``descrption``.
            description=as_str(data.get("description", data.get("descrption"))),
        )

    @property
    def key(self) -> str:
        """The index as the API's value objects key it."""
        return str(self.index)

    @property
    def is_number(self) -> bool:
        """One of the numeric types."""
        return self.data_type in NUMBER_TYPES

    @property
    def bounds(self) -> tuple[float, float]:
        """The range a written number must lie in: the definition's, else the type's."""
        if self.minimum is not None and self.maximum is not None:
            return self.minimum, self.maximum
        if self.data_type in INT_RANGES:
            low, high = INT_RANGES[self.data_type]
            return float(low), float(high)
        return -_FLOAT_LIMIT, _FLOAT_LIMIT

    def _error(self, reason: str, message: str) -> DatapointValueError:
        low, high = self.bounds
        placeholders = {
            "minimum": f"{low:g}",
            "maximum": f"{high:g}",
            "step": "1",
            "options": "",
            "length": str(MAX_TEXT // 2 if reason == "length" else MAX_TEXT),
        }
        return DatapointValueError(
            self.name, reason, message, label=self.name, placeholders=placeholders
        )

    def validate(self, value: Any) -> Any:
        """The value to send, or DatapointValueError.

        bool → JSON boolean (0/1 accepted); integers → int within range; float → number
        within range; string → text; bytes → lowercase hex from hex text or byte values.
        """
        if not self.writable:
            raise self._error("read_only", "is read-only")
        if self.data_type is DataType.BOOL:
            if (flag := parse.as_flag(value)) is None:
                raise self._error("type", "expects a boolean")
            return flag
        if self.data_type is DataType.STRING:
            if not isinstance(value, str):
                raise self._error("type", "expects text")
            if len(value) > MAX_TEXT:
                raise self._error("text_length", f"is longer than {MAX_TEXT} characters")
            return value
        if self.data_type is DataType.BYTES:
            return self._validate_bytes(value)
        number = None if isinstance(value, bool | str) else as_number(value)
        if number is None:
            raise self._error("type", "expects a number")
        if self.data_type in INT_RANGES and not number.is_integer():
            raise self._error("type", "expects a whole number")
        low, high = self.bounds
        if not low <= number <= high:
            raise self._error("range", f"must be {low:g}..{high:g}")
        return int(number) if self.data_type in INT_RANGES else float(number)

    def _validate_bytes(self, value: Any) -> str:
        data = parse.as_bytes(value)
        if data is None:
            raise self._error("type", "expects hexadecimal text or byte values")
        if len(data) * 2 > MAX_TEXT:
            raise self._error("length", f"is longer than {MAX_TEXT // 2} bytes")
        return data.hex()

    def decode(self, value: Any) -> Any:
        """A reported value in its natural type (bool, number, text, hex); None if unusable."""
        if value is None:
            return None
        if self.data_type is DataType.BOOL:
            return as_bool(value)
        if self.data_type is DataType.STRING:
            return value if isinstance(value, str) else None
        if self.data_type is DataType.BYTES:
            if isinstance(value, str) and all(c in parse.HEX_DIGITS for c in value):
                return value.lower()
            data = parse.as_bytes(value) if isinstance(value, list) else None
            return data.hex() if data is not None else None
        number = as_number(value)
        if number is None:
            return None
        if self.data_type in INT_RANGES:
            return int(number) if number.is_integer() else None
        return _clean(number)


@dataclass(frozen=True, slots=True)
class Product:
    """One product and its datapoint definitions."""

    product_id: str
    name: str | None
    datapoints: tuple[Datapoint, ...] = ()

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Product | None:
        """Parse one item of ``GET /v2/products``; None without an ID."""
        product_id = as_str(data.get("id"))
        if product_id is None:
            return None
        return cls(product_id=product_id, name=as_str(data.get("name")))

    def get(self, index: int) -> Datapoint | None:
        """The datapoint with this index."""
        return next((point for point in self.datapoints if point.index == index), None)

    def decode(self, values: Mapping[str, Any]) -> dict[int, Any]:
        """Datapoint values of a virtual device, by index, decoded; unknown indexes dropped."""
        decoded: dict[int, Any] = {}
        for point in self.datapoints:
            if point.key in values:
                decoded[point.index] = point.decode(values[point.key])
        return decoded


def parse_datapoints(items: list[Any]) -> tuple[Datapoint, ...]:
    """The usable definitions, first of each index kept."""
    points: dict[int, Datapoint] = {}
    for item in items:
        point = Datapoint.parse(as_mapping(item))
        if point is not None:
            points.setdefault(point.index, point)
    return tuple(sorted(points.values(), key=lambda point: point.index))


@dataclass(frozen=True, slots=True)
class XlinkDevice:  # pylint: disable=too-many-instance-attributes
    """One device as the device list (or the subscription list) reports it."""

    device_id: int
    product_id: str
    mac: str | None
    name: str | None
    online: bool | None
    firmware_version: str | None = None
    mcu_version: str | None = None
    firmware_mod: str | None = None
    mcu_mod: str | None = None
    last_login: datetime | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any], product_id: str | None) -> XlinkDevice | None:
        """Parse a device; None without a usable ID or product."""
        device_id = as_int(data.get("id"))
        product = product_id or as_str(data.get("product_id"))
        if device_id is None or device_id < 0 or product is None:
            return None
        return cls(
            device_id=device_id,
            product_id=product,
            online=as_bool(data.get("is_online")),
            # The D1 example writes ``firmware``, its table ``firmware_version``.
            firmware_version=as_str(data.get("firmware_version", data.get("firmware"))),
            last_login=as_time(data.get("last_login")),
            name=clean_name(data.get("name")),
            **parse.texts(data, "mac", "mcu_version", "firmware_mod", "mcu_mod"),
        )


@dataclass(frozen=True, slots=True)
class DeviceValues:
    """A virtual device (the cloud's copy of the last reported values)."""

    device_id: int
    online: bool | None
    last_update: datetime | None
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> DeviceValues | None:
        """Parse one item of ``v_devices``; None without a device ID."""
        device_id = as_int(data.get("device_id", data.get("id")))
        if device_id is None:
            return None
        values = {key: value for key, value in data.items() if key.isdigit()}
        return cls(
            device_id=device_id,
            online=as_bool(data.get("online")),
            last_update=as_time(data.get("last_update")),
            values=values,
        )


@dataclass(frozen=True, slots=True)
class TokenSet:
    """The tokens of one login; ``expires_at`` None when the API gave no lifetime."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None
    lifetime: float | None = None
    corp_id: str | None = None
    user_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The form kept in the config entry."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "lifetime": self.lifetime,
            "corp_id": self.corp_id,
            "user_id": self.user_id,
        }

    @classmethod
    def from_json(cls, data: Any) -> TokenSet | None:
        """The stored form back; None when unusable."""
        mapping = as_mapping(data)
        access = as_str(mapping.get("access_token"))
        if access is None:
            return None
        expires = as_number(mapping.get("expires_at"))
        lifetime = as_number(mapping.get("lifetime"))
        return cls(
            access_token=access,
            refresh_token=as_str(mapping.get("refresh_token")),
            expires_at=expires,
            lifetime=lifetime if lifetime is not None and lifetime > 0 else None,
            corp_id=as_str(mapping.get("corp_id")),
            user_id=as_int(mapping.get("user_id")),
        )
