"""Property tests: every action's validation accepts input or refuses it in the user's language.

Home Assistant shows a ``ServiceValidationError`` as a translated message; any other
exception out of a schema would reach the user as an internal error.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

from homeassistant.exceptions import ServiceValidationError
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
import voluptuous as vol

from custom_components.cniot.actions import validate
from custom_components.cniot.gateway.services import SCHEMAS as GATEWAY_SCHEMAS
from custom_components.cniot.gateway.validation import validate_ipv4, validate_port_spec
from custom_components.cniot.gizwits.models import Datapoint, ProductSchema
from custom_components.cniot.gizwits.runtime import GizwitsRuntime
from custom_components.cniot.gizwits.services import SCHEMAS as GIZWITS_SCHEMAS
from custom_components.cniot.tums.services import SCHEMAS as TUMS_SCHEMAS
from custom_components.cniot.xlink.runtime import XlinkRuntime

from .test_parsers import JSON

SCHEMAS: dict[str, vol.Schema] = {
    **GATEWAY_SCHEMAS,
    **GIZWITS_SCHEMAS,
    **TUMS_SCHEMAS,
    "gizwits_set_datapoints": GizwitsRuntime.action_schema(),
    "xlink_set_datapoints": XlinkRuntime.action_schema(),
}
FIELDS = sorted({str(key) for schema in SCHEMAS.values() for key in schema.schema})

# Values a person, a template or an automation might put in an action's data.
VALUES = (
    JSON
    | st.sampled_from(
        [
            10**5000,  # past Python's int-to-str limit
            "\uff11\uff12\uff13",  # full-width digits
            "²",
            "\ud800",  # a lone surrogate: not encodable
            "0x",
            "1-2-3",
            "80,,81",
            "65536",
            "1935,22000-22010",
            "192.168.4.5",
            "0.0.0.0",  # noqa: S104
            "255.255.255.255",
            "224.0.0.1",
            "01 02 ff",
            "tcp",
            "x" * 300,
            "\uff0c".join(["80"] * 100),  # full-width commas
        ]
    )
    | st.binary(max_size=8)
    | st.frozensets(st.integers(), max_size=3)
)

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _refusal(call: Callable[[], Any]) -> ServiceValidationError | None:
    """The translated refusal a call raised, or None; any other exception fails the test."""
    try:
        call()
    except ServiceValidationError as err:
        return err
    return None


@pytest.fixture(autouse=True)
def loopback_sockets() -> None:
    """No sockets needed."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant needed: schemas are plain functions."""


@given(
    name=st.sampled_from(sorted(SCHEMAS)),
    data=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), VALUES, max_size=6)
    | VALUES,
)
@SETTINGS
def test_action_schemas(name: str, data: Any) -> None:
    err = _refusal(lambda: validate(SCHEMAS[name], data))
    assert err is None or (err.translation_domain == "cniot" and err.translation_key)


@given(name=st.sampled_from(sorted(SCHEMAS)), data=st.data())
@SETTINGS
def test_action_schemas_with_every_field(name: str, data: st.DataObject) -> None:
    """Every field of the schema present, each with any value."""
    schema = SCHEMAS[name]
    values = {str(key): data.draw(VALUES) for key in schema.schema}
    err = _refusal(lambda: validate(schema, values))
    assert err is None or err.translation_key


_SCHEMA = ProductSchema(
    name="P",
    product_key="pk",
    datapoints=tuple(
        point
        for item in [
            {"name": "switch", "type": "status_writable", "data_type": "bool"},
            {"name": "mode", "type": "status_writable", "data_type": "enum", "enum": ["a", "b"]},
            {
                "name": "temp",
                "type": "status_writable",
                "data_type": "uint8",
                "uint_spec": {"min": 0, "max": 30, "ratio": 0.5, "addition": 16},
            },
            {
                "name": "raw",
                "type": "status_writable",
                "data_type": "binary",
                "position": {"len": 4},
            },
            {"name": "power", "type": "status_readonly", "data_type": "uint16"},
        ]
        if (point := Datapoint.parse(item)) is not None
    ),
)


@given(
    attrs=st.dictionaries(
        st.sampled_from(["switch", "mode", "temp", "raw", "power", "nope"]), VALUES, max_size=5
    )
)
@SETTINGS
def test_gizwits_datapoint_values(attrs: dict[str, Any]) -> None:
    """Values checked against the datapoints before sending: accepted or refused, translated."""
    runtime = SimpleNamespace(
        definition=lambda _did, name: _SCHEMA.get(name),
        writable_keys=lambda _did: ", ".join(p.name for p in _SCHEMA.datapoints if p.writable),
    )
    checked: dict[str, Any] = {}
    err = _refusal(
        lambda: checked.update(GizwitsRuntime.validate(cast("Any", runtime), "did", attrs))
    )
    if err is None:
        assert set(checked) == set(attrs)
    else:
        assert err.translation_key is not None
        assert err.translation_key.startswith("datapoint_")
        if err.translation_key == "datapoint_unknown":
            assert "nope" in attrs
            assert "switch" in (err.translation_placeholders or {})["valid"]
        assert all(len(v) <= 200 for v in (err.translation_placeholders or {}).values())


@pytest.mark.parametrize(
    "value",
    [
        "0.0.0.0",  # noqa: S104
        "255.255.255.255",
        "224.0.0.1",
        "127.0.0.1",
        "240.0.0.1",
        "10.0.0",
        "1.2.3.4.5",
    ],
)
def test_ip_must_be_a_host(value: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        validate_ipv4(value)


@pytest.mark.parametrize(
    "value",
    ["\uff11\uff12\uff13", "²", ",".join(["80"] * 65), "1" + ",2" * 200, "80-70", "0", "65536"],
)
def test_port_list_bounds(value: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        validate_port_spec(value)
    assert validate_port_spec(",".join(str(p) for p in range(1, 65))).count(",") == 63
