"""Every action's device picker offers only what the action can act on.

services.yaml's device selectors carry filters (manufacturer, and an entity the device
must have); the frontend applies them. Here they are applied to the registry of a Home
Assistant with an entry of each vendor, the way the 2026.11 frontend's device picker does,
and checked against what the actions themselves accept: the picker offers only the
action's vendor's devices, and every device it leaves out is refused when the action
runs, with a translated error and before any request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er, selector
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.cniot.const import CONF_VENDOR, DOMAIN
from simulator.base import VendorSimulator
from tests.test_admin_actions import DATA, _vendor_setup

SERVICES = yaml.safe_load(
    (Path(__file__).parents[1] / "custom_components" / DOMAIN / "services.yaml").read_text(
        encoding="utf-8"
    )
)
# (action, field, the device selector's config) for every device field.
DEVICE_FIELDS = [
    (action, field, spec["selector"]["device"])
    for action, description in SERVICES.items()
    for field, spec in description.get("fields", {}).items()
    if "device" in spec["selector"]
]
VENDORS = ("gateway", "gizwits", "tums", "xlink")
# Refusals that say the device is no target of the action.
WRONG_TARGET = {
    "wrong_vendor",
    "device_not_found",
    "entry_not_found",
    "tums_unsuitable_device",
    "tums_channel_reboot",
}
# What a picker cannot know from the registry: an NVR channel looks like a camera.
RUN_TIME_ONLY = {"tums_reboot": {"tums_channel_reboot"}}


@pytest.fixture
async def vendors(
    hass: HomeAssistant, gateway_sim: VendorSimulator
) -> AsyncIterator[list[VendorSimulator]]:
    """An entry of each vendor, set up against its simulator; the simulators."""
    assert gateway_sim.url is not None
    sims: list[VendorSimulator] = [gateway_sim]
    entries: list[MockConfigEntry] = []
    try:
        for vendor in VENDORS:
            entry, sim = await _vendor_setup(hass, vendor, gateway_sim.url)
            entries.append(entry)
            if sim is not None:
                sims.append(sim)
        yield sims
    finally:
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        for sim in sims[1:]:
            await sim.stop()


def _devices(hass: HomeAssistant) -> list[dr.DeviceEntry]:
    """Every device of the test's entries (the registry's own iteration differs by release)."""
    registry = dr.async_get(hass)
    return [
        device
        for entry in hass.config_entries.async_entries(DOMAIN)
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
    ]


def _integrations(hass: HomeAssistant, device: dr.DeviceEntry) -> set[str]:
    """The integrations the frontend links a device to: its entries' and entities'."""
    entities = er.async_entries_for_device(er.async_get(hass), device.id)
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    return ({entry.domain} if entry is not None else set()) | {e.platform for e in entities}


def _entity_matches(hass: HomeAssistant, entity: er.RegistryEntry, rule: dict[str, Any]) -> bool:
    if (state := hass.states.get(entity.entity_id)) is None:  # the picker looks at states
        return False
    if "integration" in rule and entity.platform != rule["integration"]:
        return False
    if "domain" in rule and state.domain not in rule["domain"]:
        return False
    return (
        "device_class" not in rule or state.attributes.get("device_class") in rule["device_class"]
    )


def offered(hass: HomeAssistant, config: dict[str, Any]) -> set[str]:
    """The device ids a device selector's picker lists.

    As the 2026.11 frontend: enabled devices matching any ``filter`` (all its keys),
    with at least one entity, with a state, matching any ``entity`` rule.
    """
    config = selector.DeviceSelector(config).config  # validated; rules become lists
    entities = er.async_get(hass)
    found = set()
    for device in _devices(hass):
        if device.disabled_by is not None:
            continue
        if rules := config.get("entity"):
            own = er.async_entries_for_device(entities, device.id)
            if not any(_entity_matches(hass, e, rule) for e in own for rule in rules):
                continue
        filters = config.get("filter", [{}])
        if any(
            ("integration" not in f or f["integration"] in _integrations(hass, device))
            and all(
                getattr(device, key) == f[key]
                for key in ("manufacturer", "model", "model_id")
                if key in f
            )
            for f in filters
        ):
            found.add(device.id)
    return found


def _vendor_of(hass: HomeAssistant, device: dr.DeviceEntry) -> str | None:
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    return entry.data.get(CONF_VENDOR) if entry is not None and entry.domain == DOMAIN else None


def _call_data(hass: HomeAssistant, action: str, field: str, device_id: str) -> dict[str, Any]:
    """The action's sample data aimed at one device."""
    vendor = action.split("_", 1)[0]
    entry = next(
        e for e in hass.config_entries.async_entries(DOMAIN) if e.data[CONF_VENDOR] == vendor
    )
    data = dict(DATA[action])
    data[field] = [device_id] if isinstance(data[field], list) else device_id
    return {k: entry.entry_id if v == "{entry}" else v for k, v in data.items()}


def test_every_device_field_is_filtered() -> None:
    """Each device selector names the integration and a manufacturer, in `filter`."""
    assert DEVICE_FIELDS
    for action, field, config in DEVICE_FIELDS:
        assert "integration" not in config, (action, field)  # the legacy key: unfiltered
        assert config.get("filter"), (action, field)
        for rule in config["filter"]:
            assert rule.get("integration") == DOMAIN, (action, field)
            assert rule.get("manufacturer"), (action, field)


@pytest.mark.usefixtures("vendors")
async def test_pickers_offer_only_the_vendors_devices(hass: HomeAssistant) -> None:
    """Each picker lists some devices, all of its action's vendor; no service device."""
    registry = dr.async_get(hass)
    assert {_vendor_of(hass, d) for d in _devices(hass)} == set(VENDORS)
    for action, _, config in DEVICE_FIELDS:
        devices = [registry.async_get(device_id) for device_id in offered(hass, config)]
        assert devices, action
        vendors = {_vendor_of(hass, d) for d in devices if d is not None}
        assert vendors == {action.split("_", 1)[0]}, action
        # The account's, application's and products' devices are no targets.
        assert all(d is not None and d.entry_type is None for d in devices), action


async def test_devices_left_out_are_refused_at_run_time(
    hass: HomeAssistant, vendors: list[VendorSimulator]
) -> None:
    """Every device a picker leaves out gets a translated refusal, and no request is sent."""
    for action, field, config in DEVICE_FIELDS:
        shown = offered(hass, config)
        for device in _devices(hass):
            if device.id in shown:
                continue
            for sim in vendors:
                sim.requests.clear()
            with pytest.raises(ServiceValidationError) as err:
                await hass.services.async_call(
                    DOMAIN,
                    action,
                    _call_data(hass, action, field, device.id),
                    blocking=True,
                    return_response=action == "tums_get_stream_url",
                )
            assert err.value.translation_domain == DOMAIN, (action, device.name)
            assert err.value.translation_key in WRONG_TARGET, (action, device.name)
            assert [sim.requests for sim in vendors] == [[]] * len(vendors), action


async def test_devices_offered_are_targets(
    hass: HomeAssistant, vendors: list[VendorSimulator]
) -> None:
    """No device a picker offers is refused as the wrong target.

    The cloud may still say no (a capability, a rule that does not exist); the action
    ran as far as the cloud. The gateway's deletion runs last: it removes the gateways.
    """
    registry = dr.async_get(hass)
    tried = 0
    refusals: list[tuple[str, str | None, str]] = []
    for action, field, config in sorted(
        DEVICE_FIELDS, key=lambda f: f[0] == "gateway_delete_device"
    ):
        for device_id in sorted(offered(hass, config)):
            device = registry.async_get(device_id)
            assert device is not None
            try:
                await hass.services.async_call(
                    DOMAIN,
                    action,
                    _call_data(hass, action, field, device_id),
                    blocking=True,
                    return_response=action == "tums_get_stream_url",
                )
            except ServiceValidationError as err:
                refusals.append((action, device.name, err.translation_key))
            except HomeAssistantError:
                pass  # the cloud's own refusal: the target was right
            tried += 1
    assert tried > len(DEVICE_FIELDS)
    wrong = [r for r in refusals if r[2] in WRONG_TARGET - RUN_TIME_ONLY.get(r[0], set())]
    assert wrong == []
