"""Which gateway entities are on by default: the everyday ones; diagnostic details off."""

from __future__ import annotations

from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import DOMAIN
from simulator.gateway import GatewaySimulator
from simulator.gateway.state import SimChannel

DISABLED = ("rsrp", "rsrq", "sinr", "rssi", "band", "apn", "net_mode", "sim_slot", "frequency")
ENABLED = ("signal", "operator", "network_type", "data_used")


async def test_signal_details_are_disabled_by_default(
    setup_gateway: MockConfigEntry,
    gateway_sim: GatewaySimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Registered, so a user can enable them, but not enabled (issue 23 R15)."""
    sn, gateway = next((sn, gw) for sn, gw in gateway_sim.devices.items() if gw.online)
    key = next(k for k, ch in gateway.channels.items() if isinstance(ch, SimChannel))
    prefix = f"gateway_{setup_gateway.entry_id}_{sn}"
    for name, disabled in [(n, True) for n in DISABLED] + [(n, False) for n in ENABLED]:
        entity_id = entity_registry.async_get_entity_id("sensor", DOMAIN, f"{prefix}_{key}_{name}")
        assert entity_id is not None, name
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        expected = er.RegistryEntryDisabler.INTEGRATION if disabled else None
        assert entry.disabled_by is expected, name
    for name in ("lan_ip", "qos", "port_mappings", "uptime"):
        entity_id = entity_registry.async_get_entity_id("sensor", DOMAIN, f"{prefix}_{name}")
        assert entity_id is not None, name
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION, name
