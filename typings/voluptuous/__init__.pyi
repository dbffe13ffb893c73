# Type-checking view of ``voluptuous``, which mypy runs against the newest Home Assistant.
# There (2026.9 on) ``import voluptuous`` resolves to probatio's shim at run time, and HA's
# signatures name probatio's types; the real voluptuous 0.16 installed beside it does not
# match them. On the floor (2026.8) voluptuous is itself the engine, with the same surface.
from probatio import (
    ALLOW_EXTRA as ALLOW_EXTRA,
    All as All,
    Any as Any,
    Coerce as Coerce,
    In as In,
    Invalid as Invalid,
    Length as Length,
    Marker as Marker,
    MultipleInvalid as MultipleInvalid,
    Optional as Optional,
    Range as Range,
    Required as Required,
    Schema as Schema,
    Strip as Strip,
)
