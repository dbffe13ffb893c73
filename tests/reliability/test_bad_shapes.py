"""The report's ten bad-input shapes (reliability 2026-12-07, item 5), on every vendor.

Each vendor is set up against its simulator, then every reply is rewritten by one
mutation and every coordinator refreshed. Whatever the shape: no state leaves its
bounds (numbers finite and within the sensor's physical bounds, text of at most 255
characters without control, direction or zero-width characters, moments in 2000-2100),
no device appears that the vendor does not have, device names are clean, and once the
mutation goes the entry recovers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import copy
from datetime import timedelta
import json
import math
import re
from typing import Any
import unicodedata
from unittest.mock import patch

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from custom_components.cniot.plausible import sensor_bounds
from simulator.base import VendorSimulator
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY, AC_PRODUCT_SECRET
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.xlink import XlinkSimulator

from ..gizwits.conftest import gizwits_data
from ..tums.conftest import tums_data
from ..xlink.conftest import xlink_data

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
type Mutation = Callable[[Any], Any]

ID_KEYS = frozenset(
    {"sn", "qrCode", "qrcode", "mac", "parentQrCode", "parentMac", "channelId", "uuid"}
    | {"did", "id"}  # Gizwits, Xlink
)
NAME_RE = re.compile(r"name|alias|remark|title|ssid|operator", re.IGNORECASE)
TIME_RE = re.compile(r"time|date|stamp|runtime", re.IGNORECASE)
COUNT_KEYS = frozenset({"count", "total"})
LIST_PATHS = re.compile(
    r"^(/api/v1/devices/list|/tums/open/deviceManager/v1/getDeviceList\w*"
    r"|/v1/products/\w+/devices/search|/v2/product/\w+/devices)$"
)
EVIL = "\x00\x07\x1b[2J\u202eevil\u200b\ufeff名名名" + "x" * 3000


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _leaves(node: Any, change: Callable[[str, Any], Any], key: str = "") -> Any:
    if isinstance(node, dict):
        return {k: _leaves(v, change, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_leaves(v, change, key) for v in node]
    return change(key, node)


def _lists(node: Any) -> list[list[dict[str, Any]]]:
    """Every list of objects in a reply, outermost first."""
    found: list[list[dict[str, Any]]] = []

    def walk(n: Any) -> None:
        if isinstance(n, list):
            if n and all(isinstance(i, dict) for i in n):
                found.append(n)
            for i in n:
                walk(i)
        elif isinstance(n, dict):
            for v in n.values():
                walk(v)

    walk(node)
    return found


def _id_slots(item: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    slots = [(item, k) for k in item if k in ID_KEYS]
    for value in item.values():
        if isinstance(value, dict):
            slots.extend((value, k) for k in value if k in ID_KEYS)
    return slots


def _each_item(reply: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    reply = copy.deepcopy(reply)
    for items in _lists(reply):
        items[:] = [change(item) for item in items]
    return reply


def null_id(reply: Any) -> Any:
    reply = copy.deepcopy(reply)
    for items in _lists(reply)[:1]:
        for container, key in _id_slots(items[0]):
            if key != "channelId":
                container[key] = None
    return reply


def id_as_object(reply: Any) -> Any:
    reply = copy.deepcopy(reply)
    for items in _lists(reply)[:1]:
        for container, key in _id_slots(items[0]):
            container[key] = {"id": [1, 2]}
    return reply


def huge_numbers(reply: Any) -> Any:
    return _each_item(
        reply,
        lambda item: _leaves(
            item,
            lambda k, v: (10**40 if isinstance(v, int) else 1.7e308) if _number(v) else v,
        ),
    )


def nan_inf(reply: Any) -> Any:
    count = [0]

    def leaf(key: str, value: Any) -> Any:
        if not _number(value) or key in ID_KEYS:
            return value
        count[0] += 1
        return (math.nan, math.inf, -math.inf)[count[0] % 3]

    return _each_item(reply, lambda item: _leaves(item, leaf))


def negative(reply: Any) -> Any:
    reply = _each_item(
        reply, lambda item: _leaves(item, lambda k, v: -abs(v) - 1 if _number(v) else v)
    )
    return _leaves(reply, lambda k, v: -1 if k in COUNT_KEYS and _number(v) else v)


def duplicate_ids(reply: Any) -> Any:
    reply = copy.deepcopy(reply)
    for items in _lists(reply)[:1]:
        twin = _leaves(
            copy.deepcopy(items[0]),
            lambda k, v: v + 7 if _number(v) and k not in ID_KEYS else v,
        )
        items.insert(1, twin)
        items.append(copy.deepcopy(items[0]))
    return reply


def list_10000(reply: Any) -> Any:
    reply = copy.deepcopy(reply)
    lists = _lists(reply)
    if not lists:
        return reply
    items = lists[0]
    template = items[0]
    for n in range(10_000 - len(items)):
        clone = copy.deepcopy(template)
        for container, key in _id_slots(clone):
            if isinstance(container[key], str):
                container[key] = f"{container[key][:-5]}{n:05d}"
        items.append(clone)
    return _leaves(reply, lambda k, v: len(items) if k in COUNT_KEYS and _number(v) else v)


def control_chars(reply: Any) -> Any:
    return _each_item(
        reply,
        lambda item: _leaves(
            item, lambda k, v: EVIL if isinstance(v, str) and NAME_RE.search(k) else v
        ),
    )


def year_9999(reply: Any) -> Any:
    def leaf(key: str, value: Any) -> Any:
        if not TIME_RE.search(key):
            return value
        if _number(value):
            return 253402300799 if value < 1e11 else 253402300799000
        if isinstance(value, str):
            return "9999-12-31 23:59:59"
        return value

    return _each_item(reply, lambda item: _leaves(item, leaf))


def bools_and_containers(reply: Any) -> Any:
    count = [0]

    def leaf(key: str, value: Any) -> Any:
        if key in ID_KEYS:
            return value
        count[0] += 1
        if _number(value):
            return True if count[0] % 2 else "12abc"
        if isinstance(value, str):
            return [value] if count[0] % 2 else {"v": value}
        return value

    return _each_item(reply, lambda item: _leaves(item, leaf))


SHAPES: dict[str, Mutation] = {
    "null_id": null_id,
    "id_as_object": id_as_object,
    "huge_numbers": huge_numbers,
    "nan_inf": nan_inf,
    "negative_numbers_and_counts": negative,
    "duplicate_ids": duplicate_ids,
    "list_10000": list_10000,
    "control_chars_in_names": control_chars,
    "timestamps_year_9999": year_9999,
    "bools_and_containers_for_scalars": bools_and_containers,
}


def _mutate(sim: VendorSimulator, mutation: Mutation) -> Any:
    original = sim.faults.apply

    async def apply(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await original(request, handler)
        if not isinstance(response, web.Response) or response.body is None:
            return response
        if mutation is list_10000 and not LIST_PATHS.match(request.path):
            return response
        try:
            data = json.loads(bytes(response.body))  # type: ignore[arg-type]
        except ValueError, TypeError:
            return response
        return web.Response(
            text=json.dumps(mutation(data), ensure_ascii=False),
            status=response.status,
            content_type="application/json",
        )

    return patch.object(sim.faults, "apply", apply)


def _invisible(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in text)


def _check_states(hass: HomeAssistant, entry: MockConfigEntry) -> int:
    """Every state of the entry within its bounds; how many are available."""
    available = 0
    for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        state = hass.states.get(item.entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            continue
        available += 1
        text = state.state
        assert len(text) <= 255, item.entity_id
        assert not _invisible(text), (item.entity_id, text)
        assert text.lower() not in ("nan", "inf", "-inf"), (item.entity_id, text)
        attributes = state.attributes
        if item.domain == "sensor" and attributes.get("device_class") == "timestamp":
            moment = dt_util.parse_datetime(text)
            assert moment is not None
            assert 2000 <= moment.year < 2100, (item.entity_id, text)
            continue
        if item.domain == "number":
            # A datapoint's declared range (its min and max).
            assert attributes["min"] <= float(text) <= attributes["max"], (item.entity_id, text)
        if item.domain == "sensor" and "unit_of_measurement" in attributes:
            value = float(text)
            bounds = sensor_bounds(
                attributes.get("device_class"),
                attributes.get("unit_of_measurement"),
                attributes.get("state_class"),
            )
            assert value in bounds, (item.entity_id, value, bounds)
    return available


def _check_devices(hass: HomeAssistant, entry: MockConfigEntry, before: set[str]) -> None:
    """No device the vendor does not have; every name clean."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert {d.id for d in devices} <= before
    for device in devices:
        name = device.name or ""
        assert len(name) <= 255
        assert not _invisible(name), name


async def _refresh_all(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    runtime = entry.runtime_data
    await runtime.coordinator.async_refresh()
    for tier in getattr(runtime, "tiers", {}).values():
        await tier.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)


async def _run(
    hass: HomeAssistant,
    sim: VendorSimulator,
    data: dict[str, Any],
    mutation: Mutation,
    lists: int = 1,
) -> None:
    """``lists``: the device lists a refresh reads (one entry of each loses its identity)."""
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN, unique_id=DEMO_ACCESS_KEY, data=data | {CONF_URL: url}
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        devices = {
            d.id for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        }
        available = _check_states(hass, entry)
        with _mutate(sim, mutation):
            await _refresh_all(hass, entry)
            _check_states(hass, entry)
            _check_devices(hass, entry, devices)
            if mutation in (null_id, id_as_object):
                # One entry lost its identity: it alone is gone, the list is read.
                assert entry.runtime_data.coordinator.last_update_success
                assert _check_states(hass, entry) > available // (lists + 1)
        await _refresh_all(hass, entry)
        await _refresh_all(hass, entry)
        assert entry.state is ConfigEntryState.LOADED
        assert entry.runtime_data.coordinator.last_update_success
        assert _check_states(hass, entry) >= available * 9 // 10
        _check_devices(hass, entry, devices)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
async def test_gateway_bad_shape(hass: HomeAssistant, shape: str) -> None:
    """The gateway backend's replies in each bad shape."""
    sim = GatewaySimulator(scenario=default_scenario(), drift=False)
    await _run(hass, sim, {CONF_VENDOR: VENDOR_GATEWAY}, SHAPES[shape])


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
async def test_tums_bad_shape(hass: HomeAssistant, shape: str) -> None:
    """The TUMS cloud's replies in each bad shape."""
    await _run(hass, TumsSimulator(), tums_data(""), SHAPES[shape])


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
async def test_gizwits_bad_shape(hass: HomeAssistant, shape: str) -> None:
    """The Gizwits cloud's replies (token, schema, search, states) in each bad shape."""
    data = gizwits_data("", AC_PRODUCT_KEY, AC_PRODUCT_SECRET)
    await _run(hass, GizwitsSimulator(), data, SHAPES[shape])


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
async def test_xlink_bad_shape(hass: HomeAssistant, shape: str) -> None:
    """The Xlink cloud's replies (login, products, devices, values) in each bad shape."""
    # A list per product (a heater and a purifier).
    await _run(hass, XlinkSimulator(), xlink_data(""), SHAPES[shape], lists=2)


def test_shapes_change_the_replies() -> None:
    """Each shape does change a device list (so the tests above test something)."""
    gateway = {"code": 0, "count": 2, "devices": [{"base": {"sn": "A1", "alias": "a",
               "runtime": 5, "rateup": 3}}, {"base": {"sn": "B2", "alias": "b",
               "runtime": 6, "rateup": 4}}]}  # fmt: skip
    for name, mutation in SHAPES.items():
        assert mutation(gateway) != gateway, name
