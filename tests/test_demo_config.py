"""The demo's configuration lets a visitor try history graphs and the Energy dashboard."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys
from types import ModuleType

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
