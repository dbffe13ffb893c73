"""Packaging rules: client isolation, manifests, translations, actions."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
import voluptuous as vol
import yaml

from custom_components.cniot import PLATFORMS
from custom_components.cniot.vendors import VENDORS

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "custom_components" / "cniot"

# Home Assistant-free modules: the shared client package and each vendor's
# client, models and validation. New vendors are picked up by the glob.
CLIENT_FILES = sorted(
    [*(PACKAGE / "client").glob("*.py")]
    + [
        path
        for pattern in (
            "*/client.py",
            "*/client_*.py",
            "*/models.py",
            "*/tier_models.py",
            "*/codes.py",
            "*/paths.py",
            "*/validation.py",
            "*/push.py",
        )
        for path in PACKAGE.glob(pattern)
    ]
)

ISOLATION_PROBE = """
import importlib, pathlib, sys, types

class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "homeassistant" or name.startswith("homeassistant."):
            raise ImportError("client code imported " + name)
        return None

sys.meta_path.insert(0, Block())
# Skip the integration's __init__, which is Home Assistant code by nature.
pkg = types.ModuleType("custom_components.cniot")
pkg.__path__ = [str(pathlib.Path("custom_components/cniot").resolve())]
sys.modules["custom_components.cniot"] = pkg
for name in sys.argv[1:]:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m.split(".")[0] == "homeassistant")
assert not leaked, leaked
print("isolated", len(sys.argv) - 1)
"""


def test_client_modules_import_no_home_assistant() -> None:
    """The clients run with Home Assistant unimportable."""
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in CLIENT_FILES
    ]
    assert "custom_components.cniot.gateway.client" in modules
    result = subprocess.run(
        [sys.executable, "-c", ISOLATION_PROBE, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"isolated {len(modules)}"


def test_isolation_probe_catches_a_leak(tmp_path: Path) -> None:
    """The probe really fails when a client imports Home Assistant."""
    result = subprocess.run(
        [sys.executable, "-c", ISOLATION_PROBE, "custom_components.cniot.vendor"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "client code imported homeassistant" in result.stderr


# What hassfest requires of a custom integration's manifest.
MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): "cniot",
        vol.Required("name"): str,
        vol.Required("codeowners"): [vol.Match(r"^@.+$")],
        vol.Required("config_flow"): True,
        vol.Required("documentation"): vol.Match(r"^https://"),
        vol.Required("issue_tracker"): vol.Match(r"^https://"),
        vol.Required("integration_type"): vol.In(
            ["device", "entity", "hardware", "helper", "hub", "service", "system", "virtual"]
        ),
        vol.Required("iot_class"): vol.In(
            [
                "assumed_state",
                "cloud_polling",
                "cloud_push",
                "local_polling",
                "local_push",
                "calculated",
            ]
        ),
        vol.Required("requirements"): [str],
        vol.Required("version"): str,
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Optional("loggers"): [str],
        vol.Optional("quality_scale"): vol.In(["bronze", "silver", "gold", "platinum"]),
    }
)

HACS_SCHEMA = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("filename"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
        vol.Optional("country"): [vol.Match(r"^[A-Z]{2}$")],
        vol.Optional("persistent_directory"): str,
        vol.Optional("hacs"): str,
    }
)


def test_manifest_and_hacs() -> None:
    """manifest.json and hacs.json carry the keys HACS and hassfest require."""
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    MANIFEST_SCHEMA(manifest)
    assert AwesomeVersion(manifest["version"]).valid
    hacs = json.loads((ROOT / "hacs.json").read_text())
    HACS_SCHEMA(hacs)
    # The floor: the release the oldest test line runs (its newest patch) belongs to it.
    floor = AwesomeVersion(hacs["homeassistant"])
    assert floor == AwesomeVersion("2026.8.0")
    assert AwesomeVersion(ha_version).section(0) >= floor.section(0)
    assert (PACKAGE / "brand" / "icon.png").is_file()
    assert (PACKAGE / "brand" / "logo.png").is_file()
    assert (PACKAGE / "py.typed").is_file()


@pytest.mark.parametrize(
    ("manifest", "field"),
    [({"domain": "cniot"}, "name"), ({"iot_class": "cloud"}, "iot_class")],
)
def test_manifest_schema_rejects_bad_manifests(manifest: dict[str, object], field: str) -> None:
    """The schema above is not a formality."""
    good = json.loads((PACKAGE / "manifest.json").read_text())
    bad = {**good, **manifest}
    if field == "name":
        del bad["name"]
    with pytest.raises(vol.Invalid):
        MANIFEST_SCHEMA(bad)


def _keys(data: object, prefix: str = "") -> set[str]:
    if isinstance(data, dict):
        out: set[str] = set()
        for key, value in data.items():
            out |= _keys(value, f"{prefix}.{key}" if prefix else key)
        return out
    return {prefix}


def test_translations_match() -> None:
    """zh-Hans translates exactly what en has."""
    en = json.loads((PACKAGE / "translations" / "en.json").read_text())
    zh = json.loads((PACKAGE / "translations" / "zh-Hans.json").read_text())
    assert _keys(en) == _keys(zh)


async def test_actions_described_and_translated(hass: HomeAssistant) -> None:
    """Every registered action has a services.yaml entry, translations and an icon."""
    assert await async_setup_component(hass, "cniot", {})
    registered = set(hass.services.async_services_for_domain("cniot"))
    described = set(yaml.safe_load((PACKAGE / "services.yaml").read_text()))
    en = json.loads((PACKAGE / "translations" / "en.json").read_text())
    icons = json.loads((PACKAGE / "icons.json").read_text())
    assert registered == described
    assert registered == set(en["services"])
    assert registered == set(icons["services"])
    services_yaml = yaml.safe_load((PACKAGE / "services.yaml").read_text())
    for name, spec in services_yaml.items():
        assert set(spec["fields"]) == set(en["services"][name]["fields"]), name


def test_every_vendor_has_a_menu_entry_and_step() -> None:
    """The config flow offers each registered vendor, translated."""
    en = json.loads((PACKAGE / "translations" / "en.json").read_text())
    assert set(VENDORS) == set(en["config"]["step"]["user"]["menu_options"])
    from custom_components.cniot.config_flow import CniotConfigFlow

    for vendor, spec in VENDORS.items():
        assert hasattr(CniotConfigFlow(), f"async_step_{vendor}")
        assert set(spec.runtime_factory.platforms) <= set(PLATFORMS)


QUALITY_RULES = {
    "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow",
    "config-flow-test-coverage", "dependency-transparency", "docs-actions",
    "docs-high-level-description", "docs-installation-instructions", "docs-removal-instructions",
    "entity-event-setup", "entity-unique-id", "has-entity-name", "runtime-data",
    "test-before-configure", "test-before-setup", "unique-config-entry", "action-exceptions",
    "config-entry-unloading", "docs-configuration-parameters", "docs-installation-parameters",
    "entity-unavailable", "integration-owner", "log-when-unavailable", "parallel-updates",
    "reauthentication-flow", "test-coverage", "devices", "diagnostics", "discovery",
    "discovery-update-info", "docs-data-update", "docs-examples", "docs-known-limitations",
    "docs-supported-devices", "docs-supported-functions", "docs-troubleshooting",
    "docs-use-cases", "dynamic-devices", "entity-category", "entity-device-class",
    "entity-disabled-by-default", "entity-translations", "exception-translations",
    "icon-translations", "reconfiguration-flow", "repair-issues", "stale-devices",
    "async-dependency", "inject-websession", "strict-typing",
}  # fmt: skip


def test_quality_scale_is_complete() -> None:
    """Every rule has a status, and every exemption says why."""
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) == QUALITY_RULES
    for name, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in ("done", "exempt", "todo"), name
        if status == "exempt":
            assert value["comment"], name


def test_deprecation_reports_are_caught() -> None:
    """The conftest guard spots Home Assistant's report of a deprecated use by cniot."""
    import logging

    from tests.conftest import deprecations

    def record(name: str, message: str) -> logging.LogRecord:
        return logging.LogRecord(name, logging.WARNING, __file__, 1, message, None, None)

    reported = record(
        "homeassistant.helpers.frame",
        "Detected that custom integration 'cniot' calls `x` with a deprecated `y` "
        "parameter. This will stop working in Home Assistant 2027.8.0",
    )
    other = record("homeassistant.helpers.frame", "integration 'hue' uses a deprecated API")
    ours = record("custom_components.cniot", "This option will stop working")
    plain = record("custom_components.cniot", "Gateway back online")
    assert deprecations([reported, other, ours, plain]) == [
        reported.getMessage(),
        ours.getMessage(),
    ]


def test_deprecation_warnings_from_the_integration_fail() -> None:
    """pyproject turns a DeprecationWarning raised in the integration into an error."""
    import warnings

    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit(
            "old API", DeprecationWarning, "x.py", 1, module="custom_components.cniot.entity"
        )
