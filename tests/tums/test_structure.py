"""The TUMS package's structure: entities see a narrow interface, not the runtime."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "custom_components" / "cniot" / "tums"

# Modules entities, descriptions and the camera live in, and what they build on.
ENTITY_SIDE = (
    "camera",
    "descriptions",
    "discovery",
    "entity",
    "events",
    "ids",
    "interface",
    "operations",
    "update",
    "webhook",
)


def _imported(module: str) -> set[str]:
    """Every module the file imports, at run time or for type checking alone."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", ENTITY_SIDE)
def test_entity_side_does_not_import_the_runtime(module: str) -> None:
    """No import of the runtime, not even under TYPE_CHECKING: the cycle is gone."""
    imported = _imported(module)
    assert "runtime" not in imported
    assert not {name for name in imported if name.endswith("tums.runtime")}


def test_unique_ids_are_built_in_one_module() -> None:
    """Only ids.py spells a unique ID or identifier out; the rest call it.

    Entities are handed their unique ID by the candidate (discovery.py).
    """
    for path in PACKAGE.glob("*.py"):
        if path.name == "ids.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert 'f"tums_{' not in text, path.name
        assert 'f"tums:{' not in text, path.name


def test_entities_do_not_build_unique_ids() -> None:
    """No entity module computes a unique ID: the candidate's is the entity's."""
    for module in ("entity", "camera", "events", "update"):
        text = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
        assert "device_unique_id(" not in text, module
        assert "overview_unique_id(" not in text, module
