"""Secrets never leave: a full session per vendor at DEBUG, its diagnostics and repairs.

Each session sets up an entry against the simulator, polls, fails and recovers, runs
a command, raises the vendor's repair issues and downloads diagnostics. Every log
record (any logger), the diagnostics and every repair issue's rendered text are then
searched for the vendor's secrets: keys and secrets, tokens, push key, Wi-Fi
passwords and exact GPS coordinates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
import json
import logging
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.cniot.const import (
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.cniot.diagnostics import (
    async_get_config_entry_diagnostics,
    async_get_device_diagnostics,
)
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from custom_components.cniot.gizwits.const import IP_LOOKUP_URL
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY, AC_PRODUCT_SECRET, DEMO_ENTERPRISE_SECRET
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator
from simulator.xlink import XlinkSimulator
from simulator.xlink.state import DEMO_ACCOUNT, DEMO_PASSWORD, HEATER_PRODUCT_ID

from ..gizwits.conftest import gizwits_data
from ..snapshots import trimmed
from ..tums.conftest import tums_data
from ..xlink.conftest import xlink_data

TRANSLATIONS = json.loads(
    (Path(__file__).parents[2] / "custom_components/cniot/translations/en.json").read_text()
)
PROXY_PASSWORD = "proxy-pass-7Qx"
PUSH_KEY = "PushKey0123456789abcdef"


class Session:
    """What a user could hand over: the log, diagnostics and repair texts."""

    def __init__(self, hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
        self.hass = hass
        self.caplog = caplog

    async def poll(self, times: int = 1) -> None:
        for _ in range(times):
            async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=3700))
            await self.hass.async_block_till_done(wait_background_tasks=True)

    def issue_texts(self) -> list[str]:
        texts = []
        for (domain, _issue_id), issue in ir.async_get(self.hass).issues.items():
            if domain != DOMAIN or issue.translation_key is None:
                continue
            strings = TRANSLATIONS["issues"][issue.translation_key]
            placeholders = issue.translation_placeholders or {}
            texts += [strings["title"].format(**placeholders)]
            texts += [strings["description"].format(**placeholders)]
        assert texts, "the session should have raised a repair issue"
        return texts

    async def collect(self, entry: MockConfigEntry) -> tuple[str, dict[str, Any]]:
        """The log, the entry's diagnostics, each device's and the repair texts."""
        diagnostics = await async_get_config_entry_diagnostics(self.hass, entry)
        devices = dr.async_entries_for_config_entry(dr.async_get(self.hass), entry.entry_id)
        assert devices
        device_diagnostics = [
            await async_get_device_diagnostics(self.hass, entry, device) for device in devices
        ]
        logs = [
            f"{record.name} {record.getMessage()} {record.exc_text or ''}"
            for record in self.caplog.records
        ]
        assert any("HTTP 200" in line for line in logs), "DEBUG request lines expected"
        text = "\n".join(
            [
                *logs,
                json.dumps(diagnostics, default=str, ensure_ascii=False),
                json.dumps(device_diagnostics, default=str, ensure_ascii=False),
                *self.issue_texts(),
            ]
        )
        return text, diagnostics


@pytest.fixture
def session(hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> Session:
    # What the user switches on when asked for debug logs; everything else is captured
    # at its usual level.
    caplog.set_level(logging.DEBUG, logger="custom_components.cniot")
    return Session(hass, caplog)


def _leaks(text: str, secrets: Iterable[str]) -> list[str]:
    return [secret for secret in secrets if secret and secret in text]


async def test_gateway_session(
    hass: HomeAssistant, session: Session, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-09-21 08:00:00+00:00")
    sim = GatewaySimulator(
        scenario=default_scenario(),
        drift=True,
        username="admin",
        password=PROXY_PASSWORD,
        set_path="/api/v1/other/set",
    )
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=url,
            data={
                CONF_VENDOR: VENDOR_GATEWAY,
                CONF_URL: url,
                CONF_USERNAME: "admin",
                CONF_PASSWORD: PROXY_PASSWORD,
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await session.poll(2)
        sim.faults.add(Fault(kind="http_status", value=502))
        await session.poll(2)
        sim.faults.clear()
        await session.poll()
        sn = next(sn for sn, gateway in sim.devices.items() if gateway.online)
        # The backend has no settings endpoint where the entry looks: a repair issue.
        with pytest.raises(HomeAssistantError):
            await entry.runtime_data.async_write(sn, {"parameters": {"top": 1}})
        text, _diagnostics = await session.collect(entry)
        secrets = {PROXY_PASSWORD}
        for gateway in sim.devices.values():
            secrets.add(gateway.hotspot.passwd)
            secrets.update(
                channel.wifi_key  # type: ignore[union-attr]
                for channel in gateway.channels.values()
                if getattr(channel, "wifi_key", "")
            )
            if (gateway.lat, gateway.lon) != (0.0, 0.0):
                secrets.update({str(gateway.lat), str(gateway.lon)})
        assert len(secrets) > 3
        assert not _leaks(text, secrets)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_gizwits_session(
    hass: HomeAssistant,
    session: Session,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    freezer.move_to("2026-09-21 08:00:00+00:00")
    sim = GizwitsSimulator()
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id="01JSECRETSGIZWITS0000000000",
            title="智能空调",
            unique_id=AC_PRODUCT_KEY,
            data=gizwits_data(url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await session.poll()
        # The IP whitelist refuses us for a while: a repair issue and a failed poll.
        sim.ip_whitelist_ok = False
        await session.poll()
        sim.ip_whitelist_ok = True
        # Tokens are revoked: the client renews its token and carries on.
        sim.tokens.clear()
        await session.poll()
        assert entry.runtime_data.coordinator.last_update_success
        did = next(did for did, device in sim.devices[AC_PRODUCT_KEY].items() if device.is_online)
        await entry.runtime_data.async_control(did, {"switch": False})
        ir.async_create_issue(
            hass,
            DOMAIN,
            "gizwits_ip_whitelist_keep",
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="gizwits_ip_whitelist",
            translation_placeholders={"name": entry.title, "lookup_url": IP_LOOKUP_URL},
        )
        text, diagnostics = await session.collect(entry)
        secrets = {DEMO_ENTERPRISE_SECRET, AC_PRODUCT_SECRET, *sim.tokens}
        for device in sim.devices[AC_PRODUCT_KEY].values():
            if device.latitude is not None:
                secrets.update({str(device.latitude), str(device.longitude)})
        assert len(secrets) > 4
        assert not _leaks(text, secrets)
        shown = trimmed(diagnostics, frozenset({"/vendor/states"}))
        assert shown == snapshot(
            exclude=props("base_url", "url", "reset_at", "request_count", "calls_used")
        )
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_tums_session(
    hass: HomeAssistant,
    session: Session,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    freezer.move_to("2026-09-21 08:00:00+00:00")
    sim = TumsSimulator()
    sim.push_sk = PUSH_KEY
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id="01JSECRETSTUMS0000000000000",
            title="TUMS demo",
            unique_id="ak",
            data=tums_data(url),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        # The slower tiers' first refreshes run in the background; let them land.
        await hass.async_block_till_done(wait_background_tasks=True)
        # The cloud's clock runs ahead: the client corrects itself (DEBUG line).
        sim.clock_skew = 900.0
        await session.poll()
        sim.faults.add(Fault(kind="vendor_code", value=-10301))
        await session.poll()
        sim.faults.clear()
        await session.poll()
        assert entry.runtime_data.coordinator.last_update_success
        device = next(d for d in entry.runtime_data.coordinator.data.devices.values() if d.online)
        await entry.runtime_data.operations.async_rename(device, "Renamed")
        text, diagnostics = await session.collect(entry)
        assert "clock off by" in text
        # The access key is in the entry's data, device identifiers and unique IDs.
        secrets = {DEMO_SECRET_KEY, PUSH_KEY, DEMO_ACCESS_KEY}
        assert not _leaks(text, secrets)
        shown = trimmed(diagnostics, frozenset({"/vendor/tiers/*/data"}))
        assert shown == snapshot(exclude=props("base_url", "url", "request_count"))
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_xlink_session(
    hass: HomeAssistant, session: Session, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-09-21 08:00:00+00:00")
    sim = XlinkSimulator(token_ttl=5000)
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id="01JSECRETSXLINK000000000000",
            title="示例智能家电有限公司",
            unique_id="corp",
            data=xlink_data(url),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        # 4,100 s later the tokens are due: refreshed and rotated.
        freezer.tick(4100)
        await session.poll()
        # They expire for real: refused refresh, a fresh login.
        sim.expire_tokens()
        await session.poll()
        # A permission refusal: a failed poll and a repair issue naming the code.
        sim.faults.add(Fault(kind="vendor_code", value=4031006))
        await session.poll()
        sim.faults.clear()
        sim.faults.add(Fault(kind="vendor_code", value=4031022, remaining=1))
        await session.poll()
        assert entry.runtime_data.coordinator.last_update_success
        assert entry.runtime_data.client.refreshes >= 1
        device = next(
            d for d in sim.devices.values() if d.online and d.product_id == HEATER_PRODUCT_ID
        )
        await entry.runtime_data.async_control(device.device_id, {0: True, 7: "客卫"})
        await entry.runtime_data.async_probe(device.device_id)
        ir.async_create_issue(
            hass,
            DOMAIN,
            "xlink_account_locked_keep",
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="xlink_account_locked",
            translation_placeholders={"name": entry.title, "code": "4001061"},
        )
        text, _diagnostics = await session.collect(entry)
        secrets = {DEMO_PASSWORD, DEMO_ACCOUNT}
        for token in sim.tokens.values():
            secrets.add(token.access)
            secrets.add(token.refresh or "")
        assert len(secrets) > 6
        assert not _leaks(text, secrets)
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
