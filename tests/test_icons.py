"""Every icon in icons.json exists in the frontend's Material Design Icons set."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import re

PACKAGE = Path(__file__).parent.parent / "custom_components" / "cniot"
# Names once used here that the MDI set does not have (checked when no frontend is installed).
KNOWN_MISSING = {"router-network-wireless-off"}


def _frontend_icons() -> set[str] | None:
    """The MDI names bundled with an installed home-assistant-frontend, if one is found."""
    candidates: list[Path] = []
    if (spec := importlib.util.find_spec("hass_frontend")) and spec.origin:
        candidates.append(Path(spec.origin).parent)
    for root in (Path(__file__).parent.parent, Path("/work/main")):
        candidates.extend(root.glob(".venv-dev/lib/python*/site-packages/hass_frontend"))
    for folder in candidates:
        icon_list = folder / "static" / "mdi" / "iconList.json"
        if icon_list.is_file():
            return {icon["name"] for icon in json.loads(icon_list.read_text(encoding="utf-8"))}
    return None


def _used_icons() -> list[str]:
    return re.findall(r'"mdi:([^"]*)"', (PACKAGE / "icons.json").read_text(encoding="utf-8"))


def test_icons_exist() -> None:
    """An unknown name shows no icon at all (an offline gateway's State row had none)."""
    used = _used_icons()
    assert used
    for name in used:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
    known = _frontend_icons()
    missing = sorted({name for name in used if name not in (known or set())} if known else set())
    missing += sorted(KNOWN_MISSING.intersection(used))
    assert not missing
