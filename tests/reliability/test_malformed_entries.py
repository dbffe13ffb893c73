"""One malformed entry in a device list costs that entry, not the fleet (issue 23).

A list of 300 entries, one with a null identity: the other 299 devices' entities stay
available and follow the vendor's changes; the bad one's entities are unavailable but
nothing is removed while the list holds it; one warning says so, diagnostics count it,
and everything comes back once the entry is whole again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from aiohttp import web
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from custom_components.cniot.gateway.entity import gateway_unique_id
from custom_components.cniot.xlink.entity import xlink_unique_id
from simulator import faults as sim_faults
from simulator.base import VendorSimulator
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import generate_scenario
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.scenario import generate_gizwits_scenario
from simulator.gizwits.state import AC_PRODUCT_KEY, AC_PRODUCT_SECRET
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import generate_scenario as tums_scenario
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import DEMO_CORP_ID, HEATER_PRODUCT_ID, generate_xlink_scenario

from ..gizwits.conftest import gizwits_data
from ..tums.conftest import tums_data
from ..xlink.conftest import xlink_data

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

GATEWAY_LIST = "/api/v1/devices/list"
TUMS_LIST = "/tums/open/deviceManager/v1/getDeviceListInProjectApplication"


@contextmanager
def _null_identity(
    sim: VendorSimulator, path: str, entries: Callable[[dict[str, Any]], list[Any]], bad: str
) -> Iterator[None]:
    """The list entry of device ``bad`` arrives with every identity field null."""
    original = sim.faults.apply

    def blank(reply: dict[str, Any]) -> None:
        for entry in entries(reply):
            holders = [entry, *(v for v in entry.values() if isinstance(v, dict))]
            if any(bad in (h.get("sn"), h.get("qrCode"), h.get("mac")) for h in holders):
                for holder in holders:
                    for key in ("sn", "qrCode", "mac", "parentQrCode", "parentMac"):
                        if key in holder:
                            holder[key] = None

    async def apply(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == path:
            return await sim_faults._rewrite_json(request, handler, blank)
        return await original(request, handler)

    with patch.object(sim.faults, "apply", apply):
        yield


async def _poll(hass: HomeAssistant, interval: timedelta) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + interval + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)


def _entities(hass: HomeAssistant, entry: MockConfigEntry, marker: str) -> list[str]:
    return [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if f"_{marker}_" in e.unique_id and e.disabled_by is None
    ]


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components.cniot")
    ]


async def test_gateway_null_serial_costs_one_gateway(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """300 gateways, one listed without a serial: 299 stay available and updated."""
    sim = GatewaySimulator(scenario=generate_scenario(300, channels=0), drift=False)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN, unique_id=url, data={CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: url}
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        runtime = entry.runtime_data
        coordinator = runtime.coordinator
        interval = coordinator.update_interval
        assert len(coordinator.data.gateways) == 300
        serials = sorted(sim.devices)
        bad, others = serials[0], serials[1:]
        registry = er.async_get(hass)
        status = {
            sn: registry.async_get_entity_id(
                "sensor", DOMAIN, gateway_unique_id(entry.entry_id, sn, "state")
            )
            for sn in serials
        }
        assert all(status.values())
        devices = len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
        caplog.clear()

        with _null_identity(sim, GATEWAY_LIST, lambda reply: reply["devices"], bad):
            # Every other gateway changes: online ones go offline, offline ones come back.
            for sn in others:
                sim.devices[sn].online = not sim.devices[sn].online
            for _ in range(3):
                await _poll(hass, interval)
            assert coordinator.last_update_success
            assert set(coordinator.data.gateways) == set(others)
            for sn in others:
                shown = _state(hass, str(status[sn]))
                assert shown != STATE_UNAVAILABLE, sn
                assert (shown == "offline") is (not sim.devices[sn].online), (sn, shown)
            assert all(_state(hass, e) == STATE_UNAVAILABLE for e in _entities(hass, entry, bad))
            # Three lists without it, and its device is still there.
            assert (
                len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
                == devices
            )
            # One warning for the whole spell; counted in diagnostics.
            warnings = _warnings(caplog)
            assert len(warnings) == 1, warnings
            assert "1 malformed entry" in warnings[0]
            diagnostics = await runtime.async_diagnostics()
            assert diagnostics["malformed_entries"] == {"last_listing": 1, "total": 3}

        caplog.clear()
        await _poll(hass, interval)
        assert _state(hass, str(status[bad])) != STATE_UNAVAILABLE
        assert not _warnings(caplog)
        assert "every entry is readable again" in caplog.text
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_tums_null_identity_costs_one_device(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """300 list entries (NVR channels included), one without qrCode or MAC."""
    sim = TumsSimulator(scenario=tums_scenario(240))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        assert len(sim.devices) == 300
        entry = MockConfigEntry(domain=DOMAIN, unique_id=DEMO_ACCESS_KEY, data=tums_data(url))
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        runtime = entry.runtime_data
        coordinator = runtime.coordinator
        interval = coordinator.update_interval
        assert len(coordinator.data.devices) == 300
        # A router: no children, whose entities are its own.
        bad = next(k for k, d in coordinator.data.devices.items() if d.device_type == "SMBROUTER")
        others = [key for key in coordinator.data.devices if key != bad]
        status = {
            key: er.async_get(hass).async_get_entity_id(
                "sensor", DOMAIN, f"tums_{DEMO_ACCESS_KEY}_{key}_status"
            )
            for key in coordinator.data.devices
        }
        assert all(status.values())
        devices = len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
        caplog.clear()

        with _null_identity(sim, TUMS_LIST, lambda reply: reply["result"]["list"], bad):
            for device in sim.devices.values():
                if bad not in (device.qr_code, device.mac):
                    device.online = False
            for _ in range(3):
                await _poll(hass, interval)
            assert coordinator.last_update_success
            assert set(coordinator.data.devices) == set(others)
            for key in others:
                assert _state(hass, str(status[key])) == "offline", key
            assert _state(hass, str(status[bad])) == STATE_UNAVAILABLE
            assert (
                len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
                == devices
            )
            warnings = _warnings(caplog)
            assert len(warnings) == 1, warnings
            assert "1 malformed entry" in warnings[0]
            diagnostics = await runtime.async_diagnostics()
            assert diagnostics["malformed_entries"] == {"last_listing": 1, "total": 3}

        await _poll(hass, interval)
        assert _state(hass, str(status[bad])) == "online"
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@contextmanager
def _null_key(
    sim: VendorSimulator,
    suffix: str,
    entries: Callable[[Any], list[Any]],
    key: str,
    bad: object,
) -> Iterator[None]:
    """The list entry whose ``key`` is ``bad`` arrives with that key null."""
    original = sim.faults.apply

    def blank(reply: Any) -> None:
        for entry in entries(reply):
            if isinstance(entry, dict) and entry.get(key) == bad:
                entry[key] = None

    async def apply(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.endswith(suffix):
            return await sim_faults._rewrite_json(request, handler, blank)
        return await original(request, handler)

    with patch.object(sim.faults, "apply", apply):
        yield


async def _one_bad_of_300(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    entry: MockConfigEntry,
    online_uid: Callable[[Any], str],
    null_bad: Callable[[Any], Any],
    flip: Callable[[Any], bool],
    set_online: Callable[[Any, bool], None],
) -> None:
    """The shared course: 300 listed, one turned null for three polls, then restored."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    keys = sorted(coordinator.data.devices)
    assert len(keys) == 300
    bad, others = keys[0], keys[1:]
    registry = er.async_get(hass)
    status = {
        key: registry.async_get_entity_id("binary_sensor", DOMAIN, online_uid(key)) for key in keys
    }
    assert all(status.values()), status
    devices = len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id))
    caplog.clear()

    with null_bad(bad):
        expected = {key: flip(key) for key in others}
        for _ in range(3):
            await _poll(hass, coordinator.update_interval)
        assert coordinator.last_update_success
        assert set(coordinator.data.devices) == set(others)
        for key in others:
            shown = _state(hass, str(status[key]))
            assert shown == ("on" if expected[key] else "off"), (key, shown)
        assert _state(hass, str(status[bad])) == STATE_UNAVAILABLE
        # Three lists without it, and its device is still there.
        assert len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)) == devices
        warnings = _warnings(caplog)
        assert len(warnings) == 1, warnings
        assert "1 malformed entry" in warnings[0]
        diagnostics = await runtime.async_diagnostics()
        assert diagnostics["malformed_entries"] == {"last_listing": 1, "total": 3}

    set_online(bad, True)
    await _poll(hass, coordinator.update_interval)
    assert _state(hass, str(status[bad])) == "on"
    assert "every entry is readable again" in caplog.text
    await hass.config_entries.async_unload(entry.entry_id)


async def test_gizwits_null_did_costs_one_device(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """300 devices of a product in the search, one without a did: 299 updated."""
    scenario = generate_gizwits_scenario(450)
    for device in scenario.devices:
        device.is_disabled = False
    sim = GizwitsSimulator(scenario)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=AC_PRODUCT_KEY,
            data=gizwits_data(url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
        )
        entry.add_to_hass(hass)
        by_did = sim.devices[AC_PRODUCT_KEY]

        def flip(did: str) -> bool:
            by_did[did].is_online = not by_did[did].is_online
            return by_did[did].is_online

        def set_online(did: str, online: bool) -> None:
            by_did[did].is_online = online

        await _one_bad_of_300(
            hass,
            caplog,
            entry,
            lambda did: f"{AC_PRODUCT_KEY}_{did}_online",
            lambda did: _null_key(sim, "/devices/search", lambda r: r["objects"], "did", did),
            flip,
            set_online,
        )
    finally:
        await sim.stop()


async def test_xlink_null_id_costs_one_device(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """300 devices of a product in the list, one with a null id: 299 updated."""
    sim = XlinkSimulator(generate_xlink_scenario(300))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(domain=DOMAIN, unique_id=DEMO_CORP_ID, data=xlink_data(url))
        entry.add_to_hass(hass)
        by_id = sim.devices

        def flip(device_id: int) -> bool:
            by_id[device_id].online = not by_id[device_id].online
            return by_id[device_id].online

        def set_online(device_id: int, online: bool) -> None:
            by_id[device_id].online = online

        await _one_bad_of_300(
            hass,
            caplog,
            entry,
            lambda device_id: (
                f"{xlink_unique_id(entry.entry_id, HEATER_PRODUCT_ID, device_id)}_online"
            ),
            lambda device_id: _null_key(sim, "/devices", lambda r: r["list"], "id", device_id),
            flip,
            set_online,
        )
    finally:
        await sim.stop()


async def test_tums_nested_child_without_identity_costs_only_itself(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """An NVR listing its channels nested under it, one without identity: that one waits.

    The bad channel is counted as a malformed entry of the listing, so it is not taken
    for deleted however many lists go by; its siblings are read as usual.
    """
    sim = TumsSimulator()
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(domain=DOMAIN, unique_id=DEMO_ACCESS_KEY, data=tums_data(url))
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        coordinator = entry.runtime_data.coordinator
        interval = coordinator.update_interval
        assert interval is not None
        channels = sorted(
            (d for d in coordinator.data.devices.values() if d.channel_id and d.is_child),
            key=lambda d: d.key,
        )
        assert len(channels) >= 2
        bad, good = channels[0], channels[1:]
        parent_qr = bad.parent_qr_code
        registry = dr.async_get(hass)
        devices = len(dr.async_entries_for_config_entry(registry, entry.entry_id))

        def nest(reply: dict[str, Any]) -> None:
            listing = reply["result"]["list"]
            children = [e for e in listing if e.get("parentQrCode") == parent_qr]
            parent = next(e for e in listing if e.get("qrCode") == parent_qr)
            listing[:] = [e for e in listing if e not in children]
            reply["result"]["total"] = len(listing)
            for child in children:
                if child.get("channelId") == bad.channel_id:
                    for key in ("qrCode", "mac", "parentQrCode", "parentMac"):
                        child[key] = None
            parent["children"] = children

        original = sim.faults.apply

        async def apply(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path == TUMS_LIST:
                return await sim_faults._rewrite_json(request, handler, nest)
            return await original(request, handler)

        caplog.clear()
        with patch.object(sim.faults, "apply", apply):
            for _ in range(5):
                await _poll(hass, interval)
            assert coordinator.last_update_success
            assert bad.key not in coordinator.data.devices
            assert all(child.key in coordinator.data.devices for child in good)
            assert len(dr.async_entries_for_config_entry(registry, entry.entry_id)) == devices
            warnings = _warnings(caplog)
            assert len(warnings) == 1, warnings
            assert "1 malformed entry" in warnings[0]
        await _poll(hass, interval)
        assert bad.key in coordinator.data.devices
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
