"""scripts/policy.py, the layout lint: each rule catches a breach put into a copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import shutil
import sys

import pytest

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import policy  # noqa: E402

PACKAGE = Path("custom_components") / "cniot"


@pytest.fixture(name="tree")
def _tree(tmp_path: Path) -> Path:
    """A copy of the integration, without the simulators (their split is checked apart)."""
    shutil.copytree(ROOT / PACKAGE, tmp_path / PACKAGE)
    return tmp_path


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


BREACHES: dict[str, Callable[[Path], None]] = {
    "module_size": lambda root: _append(root / PACKAGE / "const.py", "\n" * 700),
    "quality_claims": lambda root: (root / PACKAGE / "quality_scale.yaml").write_text(
        (root / PACKAGE / "quality_scale.yaml")
        .read_text(encoding="utf-8")
        .replace("entity-event-setup:\n    status: done", "entity-event-setup:\n    status: todo"),
        encoding="utf-8",
    ),
    "shared_modules_name_no_vendor": lambda root: _append(
        root / PACKAGE / "entity.py", "# for Gizwits only\n"
    ),
    "no_type_ignore_casts": lambda root: _append(
        root / PACKAGE / "entity.py", "X = cast(int, 1)  # type: ignore[misc]\n"
    ),
    "entities_stay_off_the_runtime": lambda root: _append(
        root / PACKAGE / "xlink" / "entity.py",
        "if TYPE_CHECKING:\n    from .runtime import XlinkRuntime\n",
    ),
    "unique_ids_built_once": lambda root: _append(
        root / PACKAGE / "gizwits" / "entity.py",
        '\n\nclass _Bad:\n    _attr_unique_id = f"{1}_x"\n',
    ),
}


def test_the_tree_keeps_the_rules_but_simulator_size(tree: Path) -> None:
    """This checkout's integration breaks no rule."""
    assert policy.breaches(tree) == []


@pytest.mark.parametrize("rule", sorted(BREACHES))
def test_each_rule_catches_its_breach(tree: Path, rule: str) -> None:
    BREACHES[rule](tree)
    found = policy.breaches(tree)
    assert found
    assert {line.split(":", 1)[0] for line in found} == {rule}


def test_every_rule_is_tested() -> None:
    assert {rule.__name__ for rule in policy.RULES} == set(BREACHES)


def test_main_exits_1_on_a_breach(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert policy.main(["policy", str(tree)]) == 0
    BREACHES["module_size"](tree)
    assert policy.main(["policy", str(tree)]) == 1
    assert "split it" in capsys.readouterr().out
