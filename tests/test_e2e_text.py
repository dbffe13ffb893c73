"""scripts/e2e_text.py: what the browser check flags, and the text it expects to see."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("e2e_text", ROOT / "scripts" / "e2e_text.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("e2e_text", module)
    spec.loader.exec_module(module)
    return module


e2e_text = _load()


def test_the_errors_a_newcomer_saw_are_flagged() -> None:
    """The formatjs errors and raw keys of the newcomer report, as the page showed them."""
    seen = [
        'Translation [formatjs Error: MISSING_VALUE] The intl string context variable "ip" '
        'was not provided to the string "TUMS: stream cameras …"',
        "Translation error: MALFORMED_ARGUMENT",
        "component.cniot.options.step.settings.data_description.rtsp_template",
        "ui.panel.config.devices.unnamed_device",
        "entity.sensor.overview_solar_power_total.name",
    ]
    for line in seen:
        assert e2e_text.bad_text(line) == [line]


def test_ordinary_text_is_not_flagged() -> None:
    """Action IDs, RTSP examples and Chinese names are what pages are meant to show."""
    fine = [
        "cniot.gizwits_set_datapoints",
        "rtsp://{username}:{password}@{ip}:554/stream1",
        "Datapoint names and their values in real units, e.g. {“switch”: true}.",
        "上海1 Wi-Fi hotspot",
        "sensor.shang_hai_1_download_rate",
    ]
    assert e2e_text.bad_text("\n".join(fine)) == []


def test_icu_quoting_is_undone_as_the_frontend_does() -> None:
    """Quoted braces show as braces; a lone apostrophe stays; '' is one apostrophe."""
    assert e2e_text.icu_text("Placeholders: '{ip}, {channel}'.") == "Placeholders: {ip}, {channel}."
    assert e2e_text.icu_text("rtsp://'{username}:{password}@{ip}':554") == (
        "rtsp://{username}:{password}@{ip}:554"
    )
    assert e2e_text.icu_text("The camera's own account") == "The camera's own account"
    assert e2e_text.icu_text("it''s '{x}'") == "it's {x}"


def test_every_quoted_string_renders_without_quotes_around_braces() -> None:
    """What the check expects for each translated string has no ICU quote left at a brace."""
    for name in ("en.json", "zh-Hans.json"):
        path = ROOT / "custom_components" / "cniot" / "translations" / name
        stack = [json.loads(path.read_text(encoding="utf-8"))]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, str) and "'{" in node:
                shown = e2e_text.icu_text(node)
                assert "'{" not in shown, (name, node)
                assert "}'" not in shown, (name, node)


def test_names_with_placeholders_match_what_the_page_shows() -> None:
    """'Restart load {index}' is shown with a number in its place."""
    pattern = e2e_text.name_pattern("Restart load {index}")
    assert pattern.match("Restart load 1")
    assert not pattern.match("Restart load ")
    assert not pattern.match("Restart 1")
    assert e2e_text.name_pattern("Wi-Fi hotspot").match("Wi-Fi hotspot")
    assert not e2e_text.name_pattern("Wi-Fi hotspot").match("Wi-Fi hotspot SSID")


def test_translation_lookup() -> None:
    """A nested key, or None where any part is missing."""
    tree = {"entity": {"switch": {"hotspot": {"name": "Wi-Fi hotspot"}}}}
    assert e2e_text.translation(tree, "entity", "switch", "hotspot", "name") == "Wi-Fi hotspot"
    assert e2e_text.translation(tree, "entity", "sensor", "hotspot", "name") is None
    assert e2e_text.translation(tree, "entity", "switch", "hotspot", "name", "x") is None


def test_raw_api_keys_are_recognised_in_names() -> None:
    """The newcomer's 'solarPower devices' and snake_case keys; real names pass."""
    assert e2e_text.RAW_KEY.search("solarPower devices")
    assert e2e_text.RAW_KEY.search("ipc_online")
    assert not e2e_text.RAW_KEY.search("Solar power systems")
    assert not e2e_text.RAW_KEY.search("Wi-Fi hotspot SSID")
