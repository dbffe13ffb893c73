"""The integration's modules stay small enough to read: split by responsibility."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "custom_components" / "cniot"
MAX_LINES = 600
# Data tables may be longer (none is, today).
TABLES: frozenset[str] = frozenset()


def test_no_module_is_over_600_lines() -> None:
    """A module over the limit holds more than one responsibility."""
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and str(path.relative_to(PACKAGE)) not in TABLES
    }
    assert not long, long
