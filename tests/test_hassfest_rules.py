"""hassfest's manifest and translation rules, and the placeholders the flows supply.

hassfest (Home Assistant 2026.11) refuses manifest keys out of order, and
translation strings with URLs, non-identifier or single-quoted placeholders, or
surrounding whitespace. URLs and examples therefore come from code as
placeholders; the flow tests below check every form and repair issue that shows
such a string gets a value for each of its placeholders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
import copy
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.const import (
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.cniot.gateway.client import DEFAULT_PORT
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from custom_components.cniot.gizwits.client import DEFAULT_BASE_URL as GIZWITS_URL
from custom_components.cniot.gizwits.const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    ERROR_WHITELIST,
    IP_LOOKUP_URL,
    ISSUE_WHITELIST,
    VENDOR_GIZWITS,
)
from custom_components.cniot.tums.client_core import DEFAULT_BASE_URL as TUMS_URL
from custom_components.cniot.tums.const import (
    CONF_ACCESS_KEY,
    CONF_RTSP_TEMPLATE,
    CONF_SECRET_KEY,
    VENDOR_TUMS,
)
from custom_components.cniot.tums.vendor import RTSP_EXAMPLE, valid_rtsp_template
from custom_components.cniot.xlink.client import DEFAULT_BASE_URL as XLINK_URL
from custom_components.cniot.xlink.const import (
    CONF_LOGIN,
    CONF_MODE,
    MODE_ACCESS_KEY,
    MODE_CORP,
    VENDOR_XLINK,
)
from simulator.faults import Fault
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY, AC_PRODUCT_SECRET

from .gizwits.conftest import gizwits_data
from .test_strings import flatten
from .tums.conftest import tums_data
from .xlink.conftest import xlink_data

PACKAGE = Path(__file__).parent.parent / "custom_components" / "cniot"
TRANSLATIONS = PACKAGE / "translations"
LANGUAGES = ("en", "zh-Hans")

# The four string rules, each with the name a failure reports.
RULE_URL = "contains a URL (use a description placeholder)"
RULE_PLACEHOLDER = "has a placeholder that is not an identifier"
RULE_QUOTED = "has a placeholder in single quotes"
RULE_WHITESPACE = "has leading or trailing whitespace"

# hassfest looks for http(s):// and www.; any other scheme (rtsp://) is held to the same rule.
_URL = re.compile(r"https?://|www\.|\b[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# What hassfest takes for a placeholder: ICU quoting ('{...}') does not hide one.
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_IDENTIFIER = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")

# The strings that carried URLs or examples before: each must be shown by a flow below.
CONVERTED = {
    "config.error.invalid_url",
    "config.step.gateway.data_description.url",
    "config.step.reconfigure_gateway.data_description.url",
    "config.step.gizwits.data_description.url",
    "config.step.reconfigure_gizwits.data_description.url",
    "config.step.tums.data_description.url",
    "config.step.reconfigure_tums.data_description.url",
    "config.step.xlink.data_description.url",
    "options.step.settings.data_description.rtsp_template",
    "options.error.invalid_rtsp_template",
    "issues.gizwits_ip_whitelist.description",
}


def string_problems(text: str) -> list[str]:
    """The rules one translation string breaks."""
    problems = []
    if _URL.search(text):
        problems.append(RULE_URL)
    if any(_IDENTIFIER.fullmatch(name) is None for name in _PLACEHOLDER.findall(text)):
        problems.append(RULE_PLACEHOLDER)
    if _QUOTED_PLACEHOLDER.search(text):
        problems.append(RULE_QUOTED)
    if text != text.strip():
        problems.append(RULE_WHITESPACE)
    return problems


def translation_problems(translations: Mapping[str, Any]) -> list[str]:
    """``key path: rule`` for every string of a translation file that breaks a rule."""
    return [
        f"{key}: {problem}"
        for key, text in flatten(translations)
        for problem in string_problems(text)
    ]


def manifest_order_problem(keys: list[str]) -> str | None:
    """hassfest's order: domain, name, then the other keys alphabetically."""
    rest = sorted(key for key in keys if key not in ("domain", "name"))
    expected = ["domain", "name", *rest]
    if keys != expected:
        return f"manifest keys are {keys}, expected {expected}"
    return None


def placeholders(text: str) -> set[str]:
    """The placeholder names a (rule-abiding) string uses."""
    return set(_PLACEHOLDER.findall(text))


def _load(language: str) -> dict[str, Any]:
    text = (TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _strings(language: str) -> dict[str, str]:
    return dict(flatten(_load(language)))


def _set(translations: dict[str, Any], key: str, text: str) -> None:
    *path, last = key.split(".")
    node = translations
    for part in path:
        node = node[part]
    assert isinstance(node[last], str), key
    node[last] = text


# --- the manifest -------------------------------------------------------------------


def test_manifest_keys_in_hassfest_order() -> None:
    """domain, name, then the rest sorted: hassfest fails on any other order."""
    manifest = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
    assert manifest_order_problem(list(manifest)) is None


@pytest.mark.parametrize(
    "keys",
    [
        ["name", "domain", "codeowners"],
        ["domain", "name", "dependencies", "codeowners"],
        ["domain", "codeowners", "name"],
        ["codeowners", "domain", "name"],
    ],
)
def test_manifest_order_check_catches_disorder(keys: list[str]) -> None:
    """The order check fails on keys out of hassfest's order."""
    assert manifest_order_problem(keys) is not None


def test_manifest_order_check_catches_the_real_manifest_reordered() -> None:
    """Moving one key of the shipped manifest out of place is reported."""
    keys = list(json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8")))
    moved = [*keys[:2], *keys[3:], keys[2]]
    assert manifest_order_problem(moved) is not None


# --- the translation strings ------------------------------------------------------------


def test_every_language_is_checked() -> None:
    """Each shipped translation file is in LANGUAGES, so none escapes the rules."""
    assert sorted(path.stem for path in TRANSLATIONS.glob("*.json")) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_follow_hassfest_rules(language: str) -> None:
    """No URL, no odd or quoted placeholder, no surrounding whitespace, in any string."""
    problems = translation_problems(_load(language))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("See https://example.com for details.", RULE_URL),
        ("See HTTP://example.com for details.", RULE_URL),
        ("See www.example.com for details.", RULE_URL),
        ("For example rtsp://camera:554/stream1.", RULE_URL),
        ('For example {"switch": true}.', RULE_PLACEHOLDER),
        ("For example '{\"switch\": true}'.", RULE_PLACEHOLDER),
        ("Use {1} here.", RULE_PLACEHOLDER),
        ("Use {ip address} here.", RULE_PLACEHOLDER),
        ("Only the placeholder '{ip}'.", RULE_QUOTED),
        ("Trailing space. ", RULE_WHITESPACE),
        (" Leading space.", RULE_WHITESPACE),
        ("Trailing newline.\n", RULE_WHITESPACE),
    ],
)
def test_string_check_catches_each_rule(text: str, rule: str) -> None:
    """One bad string, one rule reported."""
    assert rule in string_problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "For example {example_url}. Port {default_port} is used when none is given.",
        "Placeholders: {allowed}; an http(s) address.",
        "例如 {example_url}。",
        "No placeholders at all.",
    ],
)
def test_string_check_accepts_clean_text(text: str) -> None:
    """Identifier placeholders and the word http are fine."""
    assert string_problems(text) == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("key", "change", "rule"),
    [
        (
            "config.step.gateway.data_description.url",
            lambda text: f"{text} See https://example.com.",
            RULE_URL,
        ),
        (
            "options.step.settings.data_description.rtsp_template",
            lambda text: text.replace("{rtsp_example}", "rtsp://{ip}:554/stream1"),
            RULE_URL,
        ),
        (
            "services.gizwits_set_datapoints.fields.attrs.description",
            lambda text: f"{text} '{{\"switch\": true}}'",
            RULE_PLACEHOLDER,
        ),
        (
            "options.error.invalid_rtsp_template",
            lambda text: text.replace("{allowed}", "'{ip}'"),
            RULE_QUOTED,
        ),
        ("config.abort.already_configured", lambda text: f"{text} ", RULE_WHITESPACE),
    ],
)
def test_translation_check_catches_a_broken_copy(
    language: str, key: str, change: Any, rule: str
) -> None:
    """A copy of the real translations with one string broken fails with its path and rule."""
    translations = _load(language)
    broken = copy.deepcopy(translations)
    original = _strings(language)[key]
    _set(broken, key, change(original))
    assert dict(flatten(broken))[key] != original
    new = set(translation_problems(broken)) - set(translation_problems(translations))
    assert f"{key}: {rule}" in new
    assert all(problem.startswith(f"{key}: ") for problem in new)


def test_services_yaml_descriptions_have_no_braces() -> None:
    """Action field texts take no placeholders: the JSON example is described in words."""
    for language in LANGUAGES:
        text = _strings(language)["services.gizwits_set_datapoints.fields.attrs.description"]
        assert "{" not in text
        assert "}" not in text
        assert "switch" in text
        assert "set_temp" in text


# --- placeholders the flows supply --------------------------------------------------------


def _rendered(kind: str, result: ConfigFlowResult) -> list[str]:
    """The translation keys the frontend formats with the form's description_placeholders."""
    assert result["type"] is FlowResultType.FORM, result
    step = result["step_id"]
    keys = [f"{kind}.step.{step}.title", f"{kind}.step.{step}.description"]
    schema = result["data_schema"]
    if schema is not None:
        keys += [f"{kind}.step.{step}.data_description.{marker}" for marker in schema.schema]
    keys += [f"{kind}.error.{error}" for error in (result["errors"] or {}).values()]
    return keys


def _assert_supplied(keys: list[str], values: Mapping[str, str] | None) -> dict[str, str]:
    """Every placeholder of every shown string has a value; the texts as the user reads them."""
    supplied = dict(values or {})
    shown: dict[str, str] = {}
    for language in LANGUAGES:
        strings = _strings(language)
        for key in keys:
            if key not in strings:
                continue
            missing = placeholders(strings[key]) - set(supplied)
            assert not missing, f"{language} {key}: no value for {sorted(missing)}"
            shown[f"{language}:{key}"] = strings[key].format(**supplied)
    return shown


_GATEWAY_DATA = {CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: "http://127.0.0.1:8501"}
_ENTRY_DATA = {
    VENDOR_GATEWAY: _GATEWAY_DATA,
    VENDOR_GIZWITS: gizwits_data("https://127.0.0.1:1", AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
    VENDOR_TUMS: tums_data("https://127.0.0.1:1"),
    VENDOR_XLINK: xlink_data("https://127.0.0.1:1"),
}
# A form's fields filled in, with a URL the flow refuses before any network call.
_BAD_URL_INPUT: dict[str, dict[str, Any]] = {
    VENDOR_GATEWAY: {CONF_URL: "ftp://127.0.0.1"},
    VENDOR_GIZWITS: {
        CONF_ENTERPRISE_ID: "e",
        CONF_ENTERPRISE_SECRET: "s",
        CONF_PRODUCT_KEY: "p",
        CONF_PRODUCT_SECRET: "s",
        CONF_URL: "ftp://127.0.0.1",
    },
    VENDOR_TUMS: {CONF_ACCESS_KEY: "ak", CONF_SECRET_KEY: "sk", CONF_URL: "ftp://127.0.0.1"},
    VENDOR_XLINK: {
        CONF_MODE: MODE_CORP,
        CONF_LOGIN: "l",
        CONF_PASSWORD: "p",
        CONF_URL: "ftp://127.0.0.1",
    },
}
# What each vendor's URL help text must show the user.
_SHOWN_URL = {
    VENDOR_GATEWAY: f"http://192.168.1.10:{DEFAULT_PORT}",
    VENDOR_GIZWITS: GIZWITS_URL,
    VENDOR_TUMS: TUMS_URL,
    VENDOR_XLINK: XLINK_URL,
}


@pytest.mark.parametrize("vendor", list(_ENTRY_DATA))
async def test_config_forms_supply_their_placeholders(hass: HomeAssistant, vendor: str) -> None:
    """Creation, reconfigure and reauth forms, and their re-shows with an error."""
    rendered: list[str] = []
    shown: dict[str, str] = {}

    def check(result: ConfigFlowResult) -> None:
        keys = _rendered("config", result)
        rendered.extend(keys)
        shown.update(_assert_supplied(keys, result["description_placeholders"]))

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": vendor}
    )
    assert result["step_id"] == vendor
    check(result)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _BAD_URL_INPUT[vendor]
    )
    assert result["errors"] == {CONF_URL: "invalid_url"}
    check(result)

    entry = MockConfigEntry(domain=DOMAIN, title="Test entry", data=_ENTRY_DATA[vendor])
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == f"reconfigure_{vendor}"
    check(result)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: "ftp://127.0.0.1"}
    )
    assert result["errors"] == {CONF_URL: "invalid_url"}
    check(result)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == f"reauth_confirm_{vendor}"
    check(result)
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"]["name"] == "Test entry"
    assert shown[f"en:config.step.reauth_confirm_{vendor}.description"].count("Test entry") == 1

    # The converted strings of this vendor were among the checked ones.
    mine = {
        "config.error.invalid_url",
        f"config.step.{vendor}.data_description.url",
        f"config.step.reconfigure_{vendor}.data_description.url",
    }
    assert mine & CONVERTED <= set(rendered)
    assert f"config.step.{vendor}.data_description.url" in CONVERTED
    # The URL the help text stands for reaches the user, in both languages.
    for language in LANGUAGES:
        for key in mine & CONVERTED - {"config.error.invalid_url"}:
            text = shown[f"{language}:{key}"]
            assert _SHOWN_URL[vendor] in text, key
            assert "{" not in text, key


async def test_xlink_access_key_reauth_supplies_its_placeholders(hass: HomeAssistant) -> None:
    """An access key's own reauth form names the entry, in both languages."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Test entry", data=xlink_data("https://127.0.0.1:1", MODE_ACCESS_KEY)
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm_xlink_access_key"
    shown = _assert_supplied(_rendered("config", result), result["description_placeholders"])
    for language in LANGUAGES:
        text = shown[f"{language}:config.step.reauth_confirm_xlink_access_key.description"]
        assert "Test entry" in text


async def test_rtsp_options_form_supplies_its_placeholders(hass: HomeAssistant) -> None:
    """The TUMS options form and its template error show the literal template names."""
    entry = MockConfigEntry(domain=DOMAIN, title="TUMS", data=_ENTRY_DATA[VENDOR_TUMS])
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "settings"
    keys = _rendered("options", result)
    assert "options.step.settings.data_description.rtsp_template" in keys
    shown = _assert_supplied(keys, result["description_placeholders"])
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_RTSP_TEMPLATE: "rtsp://{secret}@{ip}/"}
    )
    assert result["errors"] == {CONF_RTSP_TEMPLATE: "invalid_rtsp_template"}
    keys = _rendered("options", result)
    assert "options.error.invalid_rtsp_template" in keys
    shown.update(_assert_supplied(keys, result["description_placeholders"]))

    for language in LANGUAGES:
        for key in ("step.settings.data_description.rtsp_template", "error.invalid_rtsp_template"):
            text = shown[f"{language}:options.{key}"]
            assert "{ip}, {channel}, {username}, {password}" in text
            assert RTSP_EXAMPLE in text
            assert "'" not in text
    # The example the user is shown is one the option accepts.
    assert valid_rtsp_template(RTSP_EXAMPLE)


@pytest.mark.parametrize("vendor", [VENDOR_GATEWAY, VENDOR_GIZWITS, VENDOR_XLINK])
async def test_other_options_forms_supply_their_placeholders(
    hass: HomeAssistant, vendor: str
) -> None:
    """The shared settings form of the other vendors leaves no placeholder empty either."""
    entry = MockConfigEntry(domain=DOMAIN, title="Entry", data=_ENTRY_DATA[vendor])
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    if result["type"] is FlowResultType.MENU:
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "settings"}
        )
    assert result["step_id"] == "settings"
    _assert_supplied(_rendered("options", result), result["description_placeholders"])


@pytest.fixture
async def gizwits_sim() -> AsyncIterator[GizwitsSimulator]:
    """The Gizwits simulator on loopback."""
    sim = GizwitsSimulator()
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()


async def test_whitelist_issue_supplies_its_placeholders(
    hass: HomeAssistant, gizwits_sim: GizwitsSimulator
) -> None:
    """The IP whitelist repair names the entry and the address to look the IP up at."""
    assert gizwits_sim.url is not None
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="智能空调",
        unique_id=AC_PRODUCT_KEY,
        data=gizwits_data(gizwits_sim.url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    gizwits_sim.faults.add(Fault(kind="vendor_code", value=ERROR_WHITELIST))
    await entry.runtime_data.coordinator.async_refresh()
    gizwits_sim.faults.clear()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"{ISSUE_WHITELIST}_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == ISSUE_WHITELIST
    keys = [f"issues.{ISSUE_WHITELIST}.title", f"issues.{ISSUE_WHITELIST}.description"]
    shown = _assert_supplied(keys, issue.translation_placeholders)
    for language in LANGUAGES:
        text = shown[f"{language}:issues.{ISSUE_WHITELIST}.description"]
        assert IP_LOOKUP_URL in text
        assert "智能空调" in text
    assert await hass.config_entries.async_unload(entry.entry_id)
