"""The project's layout rules, checked as a lint step of scripts/test (not as tests).

    .venv/bin/python scripts/policy.py [ROOT]

Each rule reads source text or the manifest; none runs the integration. Prints one line
per breach, with what to do, and exits 1 if there is any.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
import json
from pathlib import Path
import re
import sys
from typing import Any

from homeassistant.util.yaml import parse_yaml

MAX_MODULE_LINES = 600
MAX_SIMULATOR_LINES = 500
VENDOR_NAMES = re.compile(r"gizwits|tums|xlink|gateway", re.IGNORECASE)
# The registry names each vendor once; the config flow has each vendor's steps.
SHARED_EXEMPT = frozenset({"vendors.py", "config_flow.py"})
# TUMS modules on the entities' side of the runtime.
TUMS_ENTITY_SIDE = (
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

Rule = Callable[[Path], Iterator[str]]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _imported(path: Path) -> set[str]:
    """Every module a file imports from, at run time or for type checking alone."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }


def module_size(root: Path) -> Iterator[str]:
    """Modules stay small enough to read: a long one holds more than one responsibility."""
    limits: list[tuple[Path, int]] = [(root / "custom_components" / "cniot", MAX_MODULE_LINES)]
    if (root / "simulator").is_dir():
        limits.append((root / "simulator", MAX_SIMULATOR_LINES))
    for folder, limit in limits:
        for path in sorted(folder.rglob("*.py")):
            if (count := len(_lines(path))) > limit:
                yield f"{path.relative_to(root)}: {count} lines, over {limit}: split it"


def quality_claims(root: Path) -> Iterator[str]:
    """The manifest claims no tier the rules do not meet; the scale's header is current."""
    package = root / "custom_components" / "cniot"
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    text = (package / "quality_scale.yaml").read_text(encoding="utf-8")
    parsed: Any = parse_yaml(text)
    rules = {
        name: value if isinstance(value, str) else value["status"]
        for name, value in parsed["rules"].items()
    }
    open_rules = sorted(name for name, status in rules.items() if status == "todo")
    if open_rules and "quality_scale" in manifest:
        yield f"manifest.json claims a quality scale with rules still todo: {open_rules}"
    if rules.get("entity-event-setup") != "done":
        yield "quality_scale.yaml: entity-event-setup should be done (push entities subscribe)"
    if any(name.startswith("custom_components") for name in manifest.get("loggers", [])):
        yield "manifest.json: loggers are for libraries, not the integration itself"
    header = text.split("rules:")[0]
    if "not built yet" in header or "local_polling" not in header:
        yield "quality_scale.yaml: its header should describe the integration as built"


def shared_modules_name_no_vendor(root: Path) -> Iterator[str]:
    """Shared modules (code, comments, docstrings) name no vendor: a new one edits its package."""
    package = root / "custom_components" / "cniot"
    shared = [
        path
        for folder in (package, package / "client", package / "datapoints")
        for path in sorted(folder.glob("*.py"))
        if path.name not in SHARED_EXEMPT
    ]
    for path in shared:
        for number, line in enumerate(_lines(path), 1):
            if VENDOR_NAMES.search(line):
                yield (
                    f"{path.relative_to(root)}:{number}: names a vendor in a shared module"
                    " (move it to the vendor's package or its spec)"
                )


def no_type_ignore_casts(root: Path) -> Iterator[str]:
    """Runtimes and descriptions are typed: no ``type: ignore`` stands in for a cast."""
    package = root / "custom_components" / "cniot"
    for path in sorted(package.rglob("*.py")):
        for number, line in enumerate(_lines(path), 1):
            if "type: ignore" in line and any(
                word in line for word in ("runtime_data", "entity_description", "cast(")
            ):
                yield f"{path.relative_to(root)}:{number}: type the value instead of ignoring it"


def entities_stay_off_the_runtime(root: Path) -> Iterator[str]:
    """Entities take their coordinator and what they call: they never import the runtime."""
    package = root / "custom_components" / "cniot"
    modules = [
        package / vendor / name
        for vendor in ("gateway", "gizwits", "xlink")
        for name in ("entity.py", "descriptions.py")
    ]
    modules += [package / "tums" / f"{name}.py" for name in TUMS_ENTITY_SIDE]
    for path in modules:
        if not path.exists():
            continue
        if any(module == "runtime" or module.endswith(".runtime") for module in _imported(path)):
            yield f"{path.relative_to(root)}: imports the runtime; hand the entity what it uses"
    for vendor in ("gizwits", "xlink"):
        if (package / vendor / "interface.py").exists():
            yield f"{vendor}/interface.py is back: entities need no Protocol of the runtime"


def unique_ids_built_once(root: Path) -> Iterator[str]:
    """Unique IDs are built where devices are discovered and handed to entities."""
    package = root / "custom_components" / "cniot"
    for vendor in ("gateway", "gizwits", "xlink"):
        source = (package / vendor / "entity.py").read_text(encoding="utf-8")
        assigned = re.findall(r"_attr_unique_id = (.*)", source)
        if any(value != "unique_id" for value in assigned):
            yield f"{vendor}/entity.py builds a unique ID; take the candidate's"
    for path in sorted((package / "tums").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name != "ids.py" and ('f"tums_{' in text or 'f"tums:{' in text):
            yield f"{path.relative_to(root)} spells a unique ID out; call tums/ids.py"
    for name in ("entity", "camera", "events", "update"):
        text = (package / "tums" / f"{name}.py").read_text(encoding="utf-8")
        if "device_unique_id(" in text or "overview_unique_id(" in text:
            yield f"tums/{name}.py computes a unique ID; the candidate's is the entity's"


RULES: tuple[Rule, ...] = (
    module_size,
    quality_claims,
    shared_modules_name_no_vendor,
    no_type_ignore_casts,
    entities_stay_off_the_runtime,
    unique_ids_built_once,
)


def breaches(root: Path) -> list[str]:
    """Every breach of every rule under ``root``."""
    return [f"{rule.__name__}: {line}" for rule in RULES for line in rule(root)]


def main(argv: list[str]) -> int:
    """Check the tree at argv[1] (default: this checkout)."""
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1]
    found = breaches(root)
    for line in found:
        sys.stdout.write(f"[policy] {line}\n")
    sys.stdout.write(f"[policy] {len(RULES)} rules, {len(found)} breaches\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
