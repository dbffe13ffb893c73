"""Gateway actions, their validation and their error translation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import CONF_URL, CONF_VENDOR, DOMAIN
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from tests.conftest import GATEWAY_ENTRY_ID
from tests.registry import lookup_device

PACKAGE = Path(__file__).parents[2] / "custom_components" / "cniot"


def _gateway_device(hass: HomeAssistant, sn: str) -> str:
    device = lookup_device(dr.async_get(hass), {(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:{sn}")})
    assert device is not None
    return device.id


def _online_sn(sim: GatewaySimulator) -> str:
    return next(sn for sn, gw in sim.devices.items() if gw.online)


async def _call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


async def _rules(hass: HomeAssistant, entry: MockConfigEntry) -> list[dict[str, Any]]:
    result = await _call(
        hass, "gateway_list_port_mappings", {"config_entry_id": entry.entry_id}, response=True
    )
    rules: list[dict[str, Any]] = result["rules"]
    return rules


async def test_list_port_mappings(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """The rules come back with protocols by name, matching the backend."""
    rules = await _rules(hass, setup_gateway)
    assert {rule["uuid"] for rule in rules} == set(gateway_sim.rules)
    assert all(rule["protocol"] in ("tcp", "udp", "tcp_udp") for rule in rules)


async def test_add_edit_delete_port_mapping(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """A rule is added, edited field by field, and deleted."""
    entry_id = setup_gateway.entry_id
    await _call(
        hass,
        "gateway_add_port_mapping",
        {
            "config_entry_id": entry_id,
            "name": "cctv",
            "ip": "192.168.16.60",
            "ports": "8000, 9000-9010",
            "protocol": "TCP_UDP",
        },
    )
    added = next(rule for rule in await _rules(hass, setup_gateway) if rule["name"] == "cctv")
    assert added["port"] == "8000,9000-9010"
    assert added["protocol"] == "tcp_udp"
    assert added["mark"] == ""

    await _call(
        hass,
        "gateway_edit_port_mapping",
        {"config_entry_id": entry_id, "rule": added["uuid"], "ports": "8001", "note": "moved"},
    )
    edited = next(r for r in await _rules(hass, setup_gateway) if r["uuid"] == added["uuid"])
    assert edited["port"] == "8001"
    assert edited["mark"] == "moved"
    assert edited["ip"] == "192.168.16.60"
    assert edited["protocol"] == "tcp_udp"

    await _call(
        hass,
        "gateway_delete_port_mappings",
        {"config_entry_id": entry_id, "rules": [added["uuid"]]},
    )
    assert added["uuid"] not in {r["uuid"] for r in await _rules(hass, setup_gateway)}


async def test_duplicate_rule_name_is_translated(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """Backend code 7002 becomes its translated error."""
    existing = next(iter(gateway_sim.rules.values()))
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "gateway_add_port_mapping",
            {
                "config_entry_id": setup_gateway.entry_id,
                "name": existing.name,
                "ip": "192.168.99.1",
                "ports": "40000",
                "protocol": "udp",
            },
        )
    assert err.value.translation_key == "gateway_error_7002"


async def test_edit_unknown_rule(hass: HomeAssistant, setup_gateway: MockConfigEntry) -> None:
    """Editing a rule that does not exist is a validation error."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "gateway_edit_port_mapping",
            {"config_entry_id": setup_gateway.entry_id, "rule": "nope", "name": "x"},
        )
    assert err.value.translation_key == "rule_not_found"


async def test_delete_unknown_rules_reports_them(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """Rules the backend could not delete are named in the error."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "gateway_delete_port_mappings",
            {"config_entry_id": setup_gateway.entry_id, "rules": ["missing-1"]},
        )
    assert err.value.translation_key == "rules_not_processed"
    assert err.value.translation_placeholders == {"rules": "missing-1"}


async def test_assign_edit_unassign(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """A rule assigned to a gateway shows up on it, can move, and can be removed."""
    sn = _online_sn(gateway_sim)
    gateway = gateway_sim.devices[sn]
    device_id = _gateway_device(hass, sn)
    rule = next(
        uuid for uuid in gateway_sim.rules if uuid not in {a.uuid for a in gateway.mappings}
    )
    lan_prefix = gateway.lan.ip.rsplit(".", 1)[0]
    await _call(
        hass,
        "gateway_assign_port_mapping",
        {"device_id": device_id, "rule": rule, "ip": f"{lan_prefix}.50"},
    )
    assert any(a.uuid == rule and a.ip == f"{lan_prefix}.50" for a in gateway.mappings)

    await _call(
        hass,
        "gateway_edit_port_mapping_assignment",
        {"device_id": device_id, "rule": rule, "ip": f"{lan_prefix}.51"},
    )
    assert any(a.uuid == rule and a.ip == f"{lan_prefix}.51" for a in gateway.mappings)

    await _call(hass, "gateway_unassign_port_mappings", {"device_id": device_id, "rules": rule})
    assert rule not in {a.uuid for a in gateway.mappings}

    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, "gateway_unassign_port_mappings", {"device_id": device_id, "rules": [rule]}
        )
    assert err.value.translation_key == "rules_not_processed"


async def test_assign_outside_lan_is_refused(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """The backend refuses a LAN IP outside the gateway's subnet (7001)."""
    sn = _online_sn(gateway_sim)
    rule = next(iter(gateway_sim.rules))
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "gateway_assign_port_mapping",
            {"device_id": _gateway_device(hass, sn), "rule": rule, "ip": "10.255.255.1"},
        )
    assert err.value.translation_key == "gateway_error_7001"


async def test_register_and_delete_device(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """Register adds a gateway (shown after the refresh); delete removes it at the backend."""
    await _call(
        hass,
        "gateway_register_device",
        {"config_entry_id": setup_gateway.entry_id, "serial": "ACTIONGW01", "alias": "Van 7"},
    )
    await hass.async_block_till_done()
    assert "ACTIONGW01" in gateway_sim.devices
    device_id = _gateway_device(hass, "ACTIONGW01")

    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "gateway_register_device",
            {"config_entry_id": setup_gateway.entry_id, "serial": "ACTIONGW01", "alias": "X"},
        )
    assert err.value.translation_key == "gateway_error_7007"

    await _call(hass, "gateway_delete_device", {"device_id": device_id})
    assert "ACTIONGW01" not in gateway_sim.devices


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        (
            "gateway_add_port_mapping",
            {"name": "r", "ip": "300.1.1.1", "ports": "80", "protocol": "tcp"},
            "invalid_ip",
        ),
        (
            "gateway_add_port_mapping",
            {"name": "r", "ip": "10.0.0.1", "ports": "80-70", "protocol": "tcp"},
            "invalid_port_spec",
        ),
        (
            "gateway_add_port_mapping",
            {"name": "r", "ip": "10.0.0.1", "ports": "1935,,22", "protocol": "tcp"},
            "invalid_port_spec",
        ),
        (
            "gateway_add_port_mapping",
            {"name": "r", "ip": "10.0.0.1", "ports": "70000", "protocol": "tcp"},
            "invalid_port_spec",
        ),
        (
            "gateway_add_port_mapping",
            {"name": "r", "ip": "10.0.0.1", "ports": "80", "protocol": "icmp"},
            "invalid_protocol",
        ),
        (
            "gateway_add_port_mapping",
            {"name": "r", "ip": 17, "ports": "80", "protocol": "tcp"},
            "invalid_ip",
        ),
        (
            "gateway_add_port_mapping",
            {"name": "", "ip": "10.0.0.1", "ports": "80", "protocol": "tcp"},
            "invalid_action_input",
        ),
        (
            "gateway_add_port_mapping",
            {"ip": "10.0.0.1", "ports": "80", "protocol": "tcp"},
            "invalid_action_input",
        ),
        ("gateway_register_device", {"serial": "bad serial!", "alias": "x"}, "invalid_serial"),
        (
            "gateway_register_device",
            {"serial": "GOODSERIAL", "alias": "x" * 33},
            "invalid_action_input",
        ),
        ("gateway_edit_port_mapping", {"rule": "abc", "ip": "1.2.3"}, "invalid_ip"),
        ("gateway_delete_port_mappings", {"rules": []}, "invalid_action_input"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    hass: HomeAssistant,
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    service: str,
    data: dict[str, Any],
    key: str,
) -> None:
    """Malformed input is a translated validation error, and nothing reaches the backend."""
    sent = len(gateway_sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, service, {"config_entry_id": setup_gateway.entry_id, **data})
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    assert len(gateway_sim.requests) == sent


async def test_validation_names_fields_as_the_form_does(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """The message names the field by its translated label, not by its key."""
    data = {"name": "r", "ip": "10.0.0", "ports": "80", "protocol": "tcp"}
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, "gateway_add_port_mapping", {"config_entry_id": setup_gateway.entry_id, **data}
        )
    assert err.value.translation_placeholders == {"field": "IP address"}
    assert str(err.value).startswith("IP address must be the IPv4 address of a host")
    hass.config.language = "zh-Hans"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, "gateway_add_port_mapping", {"config_entry_id": setup_gateway.entry_id, **data}
        )
    labels = json.loads((PACKAGE / "translations" / "zh-Hans.json").read_text(encoding="utf-8"))[
        "services"
    ]["gateway_add_port_mapping"]["fields"]
    assert err.value.translation_placeholders == {"field": labels["ip"]["name"]}


async def test_device_actions_validate_target(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """Unknown devices, and devices of other integrations, are refused."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "gateway_delete_device", {"device_id": "does-not-exist"})
    assert err.value.translation_key == "device_not_found"

    other_entry = MockConfigEntry(domain="other")
    other_entry.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other_entry.entry_id, identifiers={("other", "x")}
    )
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "gateway_delete_device", {"device_id": foreign.id})
    assert err.value.translation_key == "device_not_found"

    ghost = dr.async_get(hass).async_get_or_create(
        config_entry_id=setup_gateway.entry_id,
        identifiers={(DOMAIN, f"gateway:{GATEWAY_ENTRY_ID}:GHOST")},
    )
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "gateway_delete_device", {"device_id": ghost.id})
    assert err.value.translation_key == "device_not_found"


async def test_entry_actions_validate_target(
    hass: HomeAssistant, setup_gateway: MockConfigEntry
) -> None:
    """Unknown, foreign-vendor and unloaded entries are refused."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "gateway_list_port_mappings", {"config_entry_id": "nope"}, response=True)
    assert err.value.translation_key == "entry_not_found"

    other_vendor = MockConfigEntry(
        domain=DOMAIN, data={CONF_VENDOR: "tums", CONF_URL: "http://127.0.0.1:9"}
    )
    other_vendor.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "gateway_list_port_mappings",
            {"config_entry_id": other_vendor.entry_id},
            response=True,
        )
    assert err.value.translation_key == "wrong_vendor"

    await hass.config_entries.async_unload(setup_gateway.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "gateway_list_port_mappings",
            {"config_entry_id": setup_gateway.entry_id},
            response=True,
        )
    assert err.value.translation_key == "entry_not_loaded"


async def test_action_failures_are_translated(
    hass: HomeAssistant, setup_gateway: MockConfigEntry, gateway_sim: GatewaySimulator
) -> None:
    """Transport and auth failures of actions become translated errors."""
    # aiohttp retries an idempotent GET once on a dropped connection, and the client
    # retries a failed read once: drop all four.
    gateway_sim.faults.add(Fault(kind="disconnect", remaining=4))
    with pytest.raises(HomeAssistantError) as err:
        await _rules(hass, setup_gateway)
    assert err.value.translation_key == "communication_error"

    gateway_sim.faults.add(Fault(kind="html", remaining=2))
    with pytest.raises(HomeAssistantError) as err:
        await _rules(hass, setup_gateway)
    assert err.value.translation_key == "invalid_response"

    gateway_sim.faults.add(Fault(kind="vendor_code", value=7017, remaining=1))
    with pytest.raises(HomeAssistantError) as err:
        await _rules(hass, setup_gateway)
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    assert any(setup_gateway.async_get_active_flows(hass, {"reauth"}))
