"""Entity names are words a person reads, not the API's keys."""

from __future__ import annotations

import json
from pathlib import Path
import re

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.datapoints import NUMERIC_DEVICE_CLASSES
from custom_components.cniot.tums.codes import DeviceCategory

TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / "cniot" / "translations"
_CAMEL = re.compile(r"\b[a-z]+[A-Z]\w*")
_KEYS = {category.value for category in DeviceCategory} | {c.value.lower() for c in DeviceCategory}


def raw_key_in(name: str) -> str | None:
    """The first word of a name that looks like an API key (camelCase or a category key)."""
    if match := _CAMEL.search(name):
        return match.group(0)
    return next((word for word in re.findall(r"[\w-]+", name) if word in _KEYS), None)


def test_raw_key_detector() -> None:
    """The check catches the names users saw."""
    assert raw_key_in("solarPower with errors") == "solarPower"
    assert raw_key_in("ap devices") == "ap"
    assert raw_key_in("Solar power systems with errors") is None
    assert raw_key_in("NVRs online") is None


async def test_no_entity_named_after_an_api_key(
    hass: HomeAssistant, setup_tums: MockConfigEntry
) -> None:
    """The account's overview sensors name the device class ("Access points", "Cameras")."""
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, setup_tums.entry_id)
    names = {}
    for entry in entries:
        state = hass.states.get(entry.entity_id)
        if state is not None:
            names[entry.entity_id] = str(state.attributes.get("friendly_name", ""))
    assert len(names) > 50
    assert {eid: name for eid, name in names.items() if raw_key_in(name)} == {}
    overview = {
        name.removeprefix(f"{setup_tums.title} ")
        for name in names.values()
        if name.endswith((" online", " with errors"))
    }
    assert {"Cameras online", "Solar power systems with errors", "Access points online"} <= overview


def test_device_class_options_translated() -> None:
    """The Gizwits device-class dropdown shows names, in both languages."""
    for language in ("en", "zh-Hans"):
        data = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
        options = data["selector"]["datapoint_device_class"]["options"]
        assert set(NUMERIC_DEVICE_CLASSES) <= set(options), language
        assert all(options[key] != key for key in NUMERIC_DEVICE_CLASSES), language
