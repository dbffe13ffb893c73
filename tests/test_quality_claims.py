"""Review: the manifest and quality_scale.yaml claim only what holds."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

PACKAGE = Path(__file__).parents[1] / "custom_components" / "cniot"
TIERS = ("bronze", "silver", "gold", "platinum")


def _rules() -> dict[str, str]:
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())["rules"]
    return {name: v if isinstance(v, str) else v["status"] for name, v in rules.items()}


def test_claimed_tier_is_met() -> None:
    """A tier in the manifest needs every rule up to it done or exempt; bronze is not."""
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    rules = _rules()
    assert rules["appropriate-polling"] == "todo"  # a user-set polling interval
    assert rules["dependency-transparency"] == "todo"  # clients bundled, not on PyPI
    assert "quality_scale" not in manifest


def test_push_and_loggers() -> None:
    """Push entities subscribe in async_added_to_hass; loggers are for libraries only."""
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    assert _rules()["entity-event-setup"] == "done"
    assert not any(name.startswith("custom_components") for name in manifest.get("loggers", []))
    header = (PACKAGE / "quality_scale.yaml").read_text().split("rules:")[0]
    assert "not built yet" not in header
    assert "local_polling" in header
