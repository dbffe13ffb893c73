"""Typed models of the Gizwits enterprise API's replies.

Parsing is tolerant: missing keys become ``None`` and unusable list items are skipped;
only a reply whose overall shape is wrong is refused, by the client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import math
from typing import Any, Final

from ..client.errors import DatapointValueError
from ..client.parse import (
    as_bytes,
    as_flag,
    as_mapping,
    as_number,
    as_str,
    epoch_to_datetime,
    texts,
)
from ..plausible import plausible_bool, plausible_id, plausible_time

# Relative tolerance when checking that a number sits on a datapoint's step.
_STEP_TOLERANCE: Final = 1e-6


class DatapointKind(StrEnum):
    """Read/write class of a datapoint (the schema's ``type``)."""

    WRITABLE = "writable"
    READONLY = "readonly"
    ALERT = "alert"
    FAULT = "fault"


class DataType(StrEnum):
    """Data type of a datapoint."""

    BOOL = "bool"
    ENUM = "enum"
    UINT8 = "uint8"
    UINT16 = "uint16"
    UINT32 = "uint32"
    BINARY = "binary"


# The schema spells kinds out; the document's table also uses the UI's letters.
_KINDS: Final[Mapping[str, DatapointKind]] = {
    "status_writable": DatapointKind.WRITABLE,
    "status_readonly": DatapointKind.READONLY,
    "alert": DatapointKind.ALERT,
    "fault": DatapointKind.FAULT,
    "W": DatapointKind.WRITABLE,
    "R": DatapointKind.READONLY,
    "N": DatapointKind.ALERT,
    "E": DatapointKind.FAULT,
}
_RAW_LIMITS: Final[Mapping[DataType, int]] = {
    DataType.UINT8: 0xFF,
    DataType.UINT16: 0xFFFF,
    DataType.UINT32: 0xFFFFFFFF,
}
NUMBER_TYPES: Final = frozenset(_RAW_LIMITS)
_DATA_TYPES: Final = frozenset(item.value for item in DataType)


def as_int(value: Any) -> int | None:
    """An integer, or None (fractions are truncated)."""
    number = as_number(value)
    return int(number) if number is not None else None


def as_bool(value: Any) -> bool | None:
    """Booleans, 0/1 numbers and their strings; anything else (2, 1e40, a list) is unknown."""
    return plausible_bool(value)


def as_timestamp(value: Any) -> datetime | None:
    """Seconds or milliseconds since the epoch, in 2000-2100."""
    return plausible_time(epoch_to_datetime(as_number(value)))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _clean(value: float) -> float | int:
    # Whole numbers as int; others without the float noise of raw * ratio.
    rounded = round(value, 9)
    return int(rounded) if rounded.is_integer() else rounded


@dataclass(frozen=True, slots=True)
class Datapoint:  # pylint: disable=too-many-instance-attributes
    """One datapoint of a product.

    ``minimum``, ``maximum`` and ``step`` are real values (``raw * ratio + addition``);
    ``raw_min``/``raw_max`` are the schema's ``uint_spec`` bounds. ``length`` is the size
    of a binary in bytes. Non-numbers have None there.
    """

    name: str
    display_name: str
    kind: DatapointKind
    data_type: DataType
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    length: int | None = None
    raw_min: int | None = None
    raw_max: int | None = None
    ratio: float | None = None
    addition: float | None = None

    @property
    def writable(self) -> bool:
        """Whether the datapoint can be controlled."""
        return self.kind is DatapointKind.WRITABLE

    @property
    def is_number(self) -> bool:
        """uint8, uint16 or uint32."""
        return self.data_type in NUMBER_TYPES

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Datapoint | None:
        """Parse an ``attrs`` item of the schema; None when unusable."""
        name = as_str(data.get("name"))
        raw_kind, raw_type = data.get("type"), data.get("data_type")
        kind = _KINDS.get(raw_kind) if isinstance(raw_kind, str) else None
        if name is None or kind is None or not isinstance(raw_type, str):
            return None
        if raw_type not in _DATA_TYPES:
            return None
        data_type = DataType(raw_type)
        display_name = as_str(data.get("display_name")) or name
        if data_type is DataType.ENUM:
            raw_options = data.get("enum")
            options = tuple(
                text
                for item in (raw_options if isinstance(raw_options, list) else [])
                if (text := as_str(item)) is not None
            )
            return cls(name, display_name, kind, data_type, options=options)
        if data_type is DataType.BINARY:
            position = as_mapping(data.get("position"))
            length = as_int(position.get("len"))
            if length is not None and position.get("unit") == "bit":
                length = (length + 7) // 8
            return cls(
                name,
                display_name,
                kind,
                data_type,
                length=length if length is not None and length > 0 else None,
            )
        if data_type is DataType.BOOL:
            return cls(name, display_name, kind, data_type)
        spec = as_mapping(data.get("uint_spec"))
        raw_min = as_int(spec.get("min"))
        raw_max = as_int(spec.get("max"))
        ratio = as_number(spec.get("ratio"))
        addition = as_number(spec.get("addition"))
        raw_min = 0 if raw_min is None else raw_min
        raw_max = _RAW_LIMITS[data_type] if raw_max is None else raw_max
        ratio = 1.0 if ratio is None or ratio <= 0 else ratio
        addition = 0.0 if addition is None else addition
        minimum, maximum = raw_min * ratio + addition, raw_max * ratio + addition
        # Absurd bounds or ratios would overflow into infinities no entity can show.
        if raw_min > raw_max or not math.isfinite(minimum) or not math.isfinite(maximum):
            return None
        return cls(
            name,
            display_name,
            kind,
            data_type,
            minimum=_clean(minimum),
            maximum=_clean(maximum),
            step=_clean(ratio),
            raw_min=raw_min,
            raw_max=raw_max,
            ratio=ratio,
            addition=addition,
        )

    def _error(self, reason: str, message: str) -> DatapointValueError:
        placeholders = {
            "minimum": _fmt(self.minimum),
            "maximum": _fmt(self.maximum),
            "step": _fmt(self.step),
            "options": ", ".join(self.options),
            "length": str(self.length or 0),
        }
        label = self.display_name or self.name
        return DatapointValueError(
            self.name, reason, message, label=label, placeholders=placeholders
        )

    def validate(self, value: Any) -> Any:
        """The value to send in ``attrs``, or DatapointValueError.

        bool → bool (0/1 accepted); enum → the option text (its index accepted);
        numbers → on the step within range, an int when whole; binary → lowercase hex of
        exactly ``length`` bytes from hex text, bytes or a list of byte values, shorter
        input padded with zero bytes on the right as the document's example does.
        """
        if not self.writable:
            raise self._error("read_only", f"is a {self.kind} datapoint")
        if self.data_type is DataType.BOOL:
            if (flag := as_flag(value)) is None:
                raise self._error("type", "expects a boolean")
            return flag
        if self.data_type is DataType.ENUM:
            return self._validate_enum(value)
        if self.data_type is DataType.BINARY:
            return self._validate_binary(value)
        return self._validate_number(value)

    def _validate_enum(self, value: Any) -> str:
        if isinstance(value, str):
            if value in self.options:
                return value
            raise self._error("option", "is not one of the options")
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < len(self.options):
                return self.options[value]
            raise self._error("option", "has no option with that index")
        raise self._error("type", "expects an option")

    def _validate_number(self, value: Any) -> float | int:
        number = None if isinstance(value, bool) else as_number(value)
        if number is None or isinstance(value, str):
            raise self._error("type", "expects a number")
        # Parsed numbers always carry these; the defaults only keep hand-built ones usable.
        ratio = self.ratio or 1.0
        addition = self.addition or 0.0
        raw = (number - addition) / ratio
        low = self.raw_min if self.raw_min is not None else 0
        high = self.raw_max if self.raw_max is not None else _RAW_LIMITS[self.data_type]
        # A huge number over a small ratio overflows to infinity: out of range too.
        if not math.isfinite(raw) or not low - _STEP_TOLERANCE <= raw <= high + _STEP_TOLERANCE:
            raise self._error("range", f"must be {self.minimum}..{self.maximum}")
        nearest = round(raw)
        if abs(raw - nearest) > _STEP_TOLERANCE * max(1.0, abs(raw)):
            raise self._error("step", f"must be a multiple of {self.step} from {self.minimum}")
        return _clean(nearest * ratio + addition)

    def _validate_binary(self, value: Any) -> str:
        data = as_bytes(value, pad_odd=True)
        if data is None:
            raise self._error("type", "expects hexadecimal text, bytes or byte values")
        if self.length is not None:
            if len(data) > self.length:
                raise self._error("length", f"is longer than {self.length} bytes")
            data = data.ljust(self.length, b"\0")
        return data.hex()

    def decode(self, value: Any) -> Any:
        """A reported value in its natural type: bool, option text, number or hex text.

        None when it cannot be understood.
        """
        if self.data_type is DataType.BOOL:
            return as_bool(value)
        if self.data_type is DataType.ENUM:
            if isinstance(value, str) and value in self.options:
                return value
            index = None if isinstance(value, bool) else as_int(value)
            if index is not None and 0 <= index < len(self.options):
                return self.options[index]
            # Unknown text is kept: the schema may be older than the device.
            return value if isinstance(value, str) else None
        if self.data_type is DataType.BINARY:
            return value.lower() if isinstance(value, str) else None
        number = as_number(value)
        return None if number is None else _clean(number)


@dataclass(frozen=True, slots=True)
class ProductSchema:
    """A product's datapoints."""

    name: str | None
    product_key: str | None
    datapoints: tuple[Datapoint, ...]

    def get(self, name: str) -> Datapoint | None:
        """The datapoint called ``name``."""
        return next((point for point in self.datapoints if point.name == name), None)

    def decode(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Reported values decoded per datapoint; unknown names are kept as they are."""
        decoded: dict[str, Any] = {}
        for name, value in attrs.items():
            point = self.get(name)
            decoded[name] = point.decode(value) if point is not None else value
        return decoded

    @classmethod
    def parse(cls, data: Mapping[str, Any], attrs: Iterable[Any]) -> ProductSchema:
        """Build from the reply and the ``attrs`` of its entities (unusable ones skipped)."""
        points: list[Datapoint] = []
        seen: set[str] = set()
        for item in attrs:
            point = Datapoint.parse(as_mapping(item))
            if point is not None and point.name not in seen:
                seen.add(point.name)
                points.append(point)
        return cls(
            name=as_str(data.get("name")),
            product_key=as_str(data.get("product_key")),
            datapoints=tuple(points),
        )


@dataclass(frozen=True, slots=True)
class GizwitsDevice:  # pylint: disable=too-many-instance-attributes
    """One device as the device search reports it (deregistered ones are not asked for)."""

    did: str
    mac: str | None
    product_key: str | None
    online: bool | None  # None when the reply's flag was unusable
    # None when the reply's flag was unusable.
    faulty: bool | None
    alerting: bool | None
    online_latest: datetime | None
    created_at: datetime | None
    latitude: float | None = None
    longitude: float | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    mcu_soft_version: str | None = None
    mcu_hard_version: str | None = None
    wifi_soft_version: str | None = None
    wifi_hard_version: str | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> GizwitsDevice | None:
        """Parse one item of ``objects``; None when it carries no did."""
        did = plausible_id(data.get("did"))
        if did is None:
            return None
        return cls(
            did=did,
            mac=as_str(data.get("mac")),
            product_key=as_str(data.get("product_key")),
            online=as_bool(data.get("is_online")),
            faulty=as_bool(data.get("is_faulty")),
            alerting=as_bool(data.get("is_alert")),
            online_latest=as_timestamp(data.get("online_latest")),
            created_at=as_timestamp(data.get("created_at")),
            latitude=as_number(data.get("latitude")),
            longitude=as_number(data.get("longitude")),
            **texts(data, "country", "region", "city"),
            **texts(data, "mcu_soft_version", "mcu_hard_version"),
            **texts(data, "wifi_soft_version", "wifi_hard_version"),
        )


@dataclass(frozen=True, slots=True)
class DevicePage:
    """One page of the device search; ``total`` counts every match."""

    total: int
    devices: tuple[GizwitsDevice, ...]
    # False when the reply's total was unusable and ``total`` only counts up to this page.
    total_reported: bool = True


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A device's latest report: when, and its values as the API sent them.

    Bools come as 0/1, enums as option text, binaries as hex; decode with
    :meth:`ProductSchema.decode` for natural types.
    """

    timestamp: datetime | None
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProductSummary:
    """Device counts of a product; None where a report did not say."""

    total: int | None
    online: int | None
    faulty: int | None
    alerting: int | None


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The ``X-RateLimit-*`` headers: calls allowed per window, left, and when it resets."""

    limit: int
    remaining: int
    reset: float

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """Read the headers (any case); None unless all three are numbers."""
        lowered = {key.lower(): value for key, value in headers.items()}
        limit = as_int(lowered.get("x-ratelimit-limit"))
        remaining = as_int(lowered.get("x-ratelimit-remaining"))
        reset = as_number(lowered.get("x-ratelimit-reset"))
        if limit is None or remaining is None or reset is None:
            return None
        return cls(limit=limit, remaining=remaining, reset=reset)
