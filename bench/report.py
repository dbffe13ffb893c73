"""Placeholder."""

from __future__ import annotations

import json
from typing import Any


def render_markdown(report: dict[str, Any]) -> str:
    """Placeholder."""
    return json.dumps(report, indent=1) + "\n"
