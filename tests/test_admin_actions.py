"""Actions that change a backend or a device, or hand out a stream, are for administrators.

Home Assistant's admin check refuses any other user before the data is looked at, so
nothing reaches the cloud. Read-only actions stay open to every user.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.cniot.const import DOMAIN
from simulator.base import VendorSimulator
from simulator.gateway import GatewaySimulator
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY, AC_PRODUCT_SECRET
from simulator.tums import DEMO_ACCESS_KEY, TumsSimulator
from simulator.tums.state import IPC_LOBBY, SOLAR_QR
from simulator.xlink import XlinkSimulator
from tests.conftest import GATEWAY_ENTRY_ID
from tests.gizwits.conftest import gizwits_data
from tests.tums.conftest import tums_data
from tests.xlink.conftest import xlink_data

SERVICES_YAML = Path(__file__).parents[1] / "custom_components" / DOMAIN / "services.yaml"
ACTIONS = sorted(yaml.safe_load(SERVICES_YAML.read_text(encoding="utf-8")))

# Actions that change nothing and hand out nothing secret. A new action is admin-only
# unless it is named here (test_every_action_is_classified keeps the lists in step).
READ_ONLY = {"gateway_list_port_mappings", "tums_check_firmware"}
CHANGING = [name for name in ACTIONS if name not in READ_ONLY]

RULE = "00000000-0000-0000-0000-000000000000"

# Data each action would accept: the refusal is not a validation error in disguise.
# "{entry}" and "{device}" stand for the vendor's entry and one of its devices.
DATA: dict[str, dict[str, Any]] = {
    "gateway_register_device": {"config_entry_id": "{entry}", "serial": "ADMINGW01", "alias": "A"},
    "gateway_delete_device": {"device_id": "{device}"},
    "gateway_add_port_mapping": {
        "config_entry_id": "{entry}",
        "name": "r",
        "ip": "192.168.4.5",
        "ports": "80",
        "protocol": "tcp",
    },
    "gateway_edit_port_mapping": {"config_entry_id": "{entry}", "rule": RULE, "name": "n"},
    "gateway_delete_port_mappings": {"config_entry_id": "{entry}", "rules": [RULE]},
    "gateway_assign_port_mapping": {"device_id": "{device}", "rule": RULE, "ip": "192.168.4.5"},
    "gateway_edit_port_mapping_assignment": {
        "device_id": "{device}",
        "rule": RULE,
        "ip": "192.168.4.6",
    },
    "gateway_unassign_port_mappings": {"device_id": "{device}", "rules": [RULE]},
    "gateway_list_port_mappings": {"config_entry_id": "{entry}"},
    "gizwits_set_datapoints": {"device_id": "{device}", "attrs": {"switch": True, "set_temp": 20}},
    "gizwits_send_raw": {"device_id": "{device}", "raw": "01 02 ff"},
    "tums_reboot": {"device_id": ["{device}"]},
    "tums_rename_device": {"device_id": "{device}", "name": "Lobby"},
    "tums_upgrade_firmware": {"device_id": ["{device}"]},
    "tums_check_firmware": {"device_id": ["{device}"]},
    "tums_get_stream_url": {"device_id": "{device}"},
    "tums_format_storage": {"device_id": "{device}", "confirm": True},
    "tums_trigger_alarm": {"device_id": "{device}", "on": True},
    "tums_set_detection": {"device_id": ["{device}"], "alarm_types": ["motion"], "enabled": True},
    "tums_set_alarm_io": {"device_id": ["{device}"], "port": "output", "enabled": True},
    "tums_set_solar_schedule": {
        "device_id": "{device}",
        "start": "08:00",
        "end": "18:00",
        "enabled": True,
    },
    "xlink_set_datapoints": {"device_id": "{device}", "datapoints": {"0": True}},
}


async def _vendor_setup(
    hass: HomeAssistant, vendor: str, gateway_url: str
) -> tuple[MockConfigEntry, VendorSimulator | None]:
    """The vendor's entry set up against its simulator (the gateway's is the shared one)."""
    sim: VendorSimulator | None = None
    if vendor == "gateway":
        data = {"vendor": "gateway", "url": gateway_url}
        entry_id = GATEWAY_ENTRY_ID
    else:
        sim = {"gizwits": GizwitsSimulator, "tums": TumsSimulator, "xlink": XlinkSimulator}[
            vendor
        ]()
        await sim.start(host="127.0.0.1", port=0)
        assert sim.url is not None
        data = {
            "gizwits": lambda url: gizwits_data(url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
            "tums": tums_data,
            "xlink": xlink_data,
        }[vendor](sim.url)
        entry_id = f"01JADMIN{vendor.upper()}".ljust(26, "0")
    unique_id = {"tums": DEMO_ACCESS_KEY}.get(vendor, f"admin-{vendor}")
    entry = MockConfigEntry(
        domain=DOMAIN, entry_id=entry_id, title=vendor, unique_id=unique_id, data=data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry, sim


@pytest.fixture
async def vendor_entry(
    hass: HomeAssistant, request: pytest.FixtureRequest, gateway_sim: VendorSimulator
) -> AsyncIterator[tuple[MockConfigEntry, VendorSimulator]]:
    """The loaded entry of the action's vendor, and its simulator."""
    action: str = request.param
    assert gateway_sim.url is not None
    entry, sim = await _vendor_setup(hass, action.split("_", 1)[0], gateway_sim.url)
    try:
        yield entry, sim or gateway_sim
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        if sim is not None:
            await sim.stop()


def _data(hass: HomeAssistant, action: str, entry: MockConfigEntry) -> dict[str, Any]:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    vendor = action.split("_", 1)[0]
    if vendor == "tums":  # a camera, or the solar power system
        serial = SOLAR_QR if action == "tums_set_solar_schedule" else IPC_LOBBY
        wanted = (DOMAIN, f"tums:{DEMO_ACCESS_KEY}:{serial}")
        device = next(device for device in devices if wanted in device.identifiers)
    else:  # a gateway, not one of its channels; a device, not its product
        device = next(
            device for device in devices if (device.via_device_id is None) == (vendor == "gateway")
        )

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        if isinstance(value, str):
            return {"{entry}": entry.entry_id, "{device}": device.id}.get(value, value)
        return value

    return {key: fill(value) for key, value in DATA[action].items()}


def test_every_action_is_classified() -> None:
    """Each action has data here; the admin list is every action minus the read-only ones."""
    assert set(DATA) == set(ACTIONS)
    assert set(READ_ONLY) <= set(ACTIONS)


async def test_registered_actions_are_those_described(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """A new action is registered only with a description, so the tests below see it."""
    assert set(hass.services.async_services()[DOMAIN]) == set(ACTIONS)


@pytest.mark.parametrize(
    ("vendor_entry", "action"), [(a, a) for a in CHANGING], indirect=["vendor_entry"]
)
async def test_changing_action_refused_to_non_admin(
    hass: HomeAssistant,
    vendor_entry: tuple[MockConfigEntry, VendorSimulator],
    action: str,
    hass_read_only_user: User,
    hass_admin_user: User,
) -> None:
    """Refused before any request; an administrator gets past the check with the same data."""
    entry, sim = vendor_entry
    data = _data(hass, action, entry)
    sim.requests.clear()
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            action,
            data,
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
            return_response=action == "tums_get_stream_url",
        )
    await hass.async_block_till_done()
    assert sim.requests == []

    try:
        await hass.services.async_call(
            DOMAIN,
            action,
            data,
            blocking=True,
            context=Context(user_id=hass_admin_user.id),
            return_response=action == "tums_get_stream_url",
        )
    except Unauthorized:
        pytest.fail(f"{action} refused to an administrator")
    except HomeAssistantError:
        pass  # the cloud's own refusal (no such rule, say): past the admin check
    await hass.async_block_till_done()
    assert sim.requests, f"{action} sent nothing for an administrator"


@pytest.mark.parametrize(
    ("vendor_entry", "action"), [(a, a) for a in sorted(READ_ONLY)], indirect=["vendor_entry"]
)
async def test_read_only_action_open_to_non_admin(
    hass: HomeAssistant,
    vendor_entry: tuple[MockConfigEntry, VendorSimulator],
    action: str,
    hass_read_only_user: User,
) -> None:
    entry, sim = vendor_entry
    sim.requests.clear()
    await hass.services.async_call(
        DOMAIN,
        action,
        _data(hass, action, entry),
        blocking=True,
        context=Context(user_id=hass_read_only_user.id),
        return_response=action == "gateway_list_port_mappings",
    )
    assert sim.requests


async def test_admin_action_reaches_the_cloud(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    hass_admin_user: User,
) -> None:
    """An administrator's call is carried out."""
    await hass.services.async_call(
        DOMAIN,
        "gateway_register_device",
        {"config_entry_id": setup_gateway.entry_id, "serial": "ADMINGW02", "alias": "B"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    assert "ADMINGW02" in gateway_sim.devices
