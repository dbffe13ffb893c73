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
    config = yaml.safe_load((ROOT / "config" / "configuration.yaml").read_text(encoding="utf-8"))
    assert {"recorder", "history", "logbook", "energy"} <= set(config)


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
    config = yaml.safe_load((ROOT / "config" / "configuration.yaml").read_text(encoding="utf-8"))
    assert "http" not in config
