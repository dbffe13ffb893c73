"""The demo's configuration lets a visitor try history graphs and the Energy dashboard."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
import yaml

ROOT = Path(__file__).parent.parent


class _DemoLoader(yaml.SafeLoader):
    """Reads configuration.yaml, keeping ``!include name`` as ``("!include", name)``."""


_DemoLoader.add_constructor(
    "!include", lambda loader, node: ("!include", loader.construct_scalar(node))
)


def _config() -> dict[str, Any]:
    text = (ROOT / "config" / "configuration.yaml").read_text(encoding="utf-8")
    config: dict[str, Any] = yaml.load(text, Loader=_DemoLoader)  # noqa: S506 - SafeLoader
    return config


def _helper() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "develop_helper", ROOT / "scripts" / "develop_helper.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("develop_helper", module)
    spec.loader.exec_module(module)
    return module


def test_demo_loads_recorder_history_and_energy() -> None:
    """Without them /config/energy spins forever and more-info dialogs have no graph."""
    assert {"recorder", "history", "logbook", "energy"} <= set(_config())


def test_their_requirements_come_with_home_assistant() -> None:
    """Home Assistant runs with --skip-pip: recorder's packages must already be installed."""
    helper = _helper()
    domains = helper._with_dependencies({"recorder", "history", "energy"})
    assert "recorder" in domains
    assert helper.missing_requirements(domains) == []


@pytest.mark.skipif(
    importlib.util.find_spec("homeassistant.components.http.config") is None,
    reason="Home Assistant before 2026.10 reads its HTTP settings from YAML only",
)
async def test_seeded_http_settings_are_stable_and_loopback(
    hass: HomeAssistant, hass_storage: dict[str, Any], tmp_path: Path
) -> None:
    """The stored demo settings start Home Assistant on loopback, with nothing to confirm."""
    from homeassistant.components.http.config import (
        ActiveConfigType,
        async_get_and_load_store,
        async_load_config,
    )

    helper = _helper()
    assert helper.main(["seed-http", "--config", str(tmp_path), "--port", "8123"]) == 0
    document = json.loads((tmp_path / ".storage" / "http").read_text(encoding="utf-8"))
    hass_storage["http"] = document
    conf = await async_load_config(hass, {})
    assert conf["server_host"] == ["127.0.0.1"]
    assert conf["server_port"] == 8123
    store = await async_get_and_load_store(hass)
    assert store.active_config_type is ActiveConfigType.STABLE
    assert store.pending is None
    assert not [key for key in ir.async_get(hass).issues if key[0] == "http"]
    # A second run keeps what is stored (a user's later change through the UI).
    (tmp_path / ".storage" / "http").write_text("{}", encoding="utf-8")
    assert helper.main(["seed-http", "--config", str(tmp_path)]) == 0
    assert (tmp_path / ".storage" / "http").read_text(encoding="utf-8") == "{}"


def test_demo_config_has_no_http_yaml() -> None:
    """An http: block would be a trial needing confirmation on Home Assistant 2026.11."""
    assert "http" not in _config()


def test_ui_editors_save_into_included_files() -> None:
    """Automations, scripts and scenes saved in the UI are loaded (newcomer report, item 2).

    The UI editors write automations.yaml, scripts.yaml and scenes.yaml; without the
    includes Home Assistant never loads what they saved. scripts/develop creates the
    files empty on the first run, and git leaves them to the user.
    """
    config = _config()
    assert config["automation"] == ("!include", "automations.yaml")
    assert config["script"] == ("!include", "scripts.yaml")
    assert config["scene"] == ("!include", "scenes.yaml")
    develop = (ROOT / "scripts" / "develop").read_text(encoding="utf-8")
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    for name, empty in (("automations", "[]"), ("scripts", "{}"), ("scenes", "[]")):
        assert f'[ -f config/{name}.yaml ] || echo "{empty}" >config/{name}.yaml' in develop
        assert f"!config/{name}.yaml" not in ignored


def test_server_language_is_not_locked_in_yaml() -> None:
    """Entity names follow the server language; in YAML it could not be changed in the UI."""
    assert "language" not in _config()["homeassistant"]


def test_the_demo_builds_only_what_it_runs() -> None:
    """scripts/develop, soak and e2e ask scripts/setup for their venvs only, not .venv."""
    for script in ("develop", "soak", "e2e"):
        lines = (ROOT / "scripts" / script).read_text(encoding="utf-8").splitlines()
        calls = [line for line in lines if "scripts/setup " in line and not line.startswith("#")]
        assert calls, script
        assert all("--ha none" in line for line in calls), (script, calls)


def test_machine_issues_are_told_apart() -> None:
    """--check holds only the demo's repair issues against it, not the offline machine's."""
    helper = _helper()
    assert helper.is_machine_issue({"domain": "marketplace", "translation_key": "download_profile"})
    assert not helper.is_machine_issue({"domain": "cniot", "translation_key": "tums_restricted"})
    assert not helper.is_machine_issue({"domain": "sensor", "translation_key": "units_changed"})
