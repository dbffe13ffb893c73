"""What scripts/e2e expects a page to show, from the translation files (no browser).

Kept apart from the browser code so that tests/test_e2e_text.py can check it with the
test suite's Python, which has no Playwright.
"""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

# Text no page may show: formatjs errors, raw translation keys of cniot or the frontend.
BAD_TEXT = re.compile(
    r"MISSING_VALUE|MALFORMED|Translation error|formatjs|component\.cniot\."
    r"|\bui\.(?:panel|card|components|dialogs|common)\.[a-z_]+\.[a-z_.]+"
    r"|\b(?:entity|services|options|config)\.(?:[a-z_]+\.){2,}[a-z_]+\b"
)
# A name made of an API key: snake_case or camelCase words ("solarPower devices").
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z]+[A-Z][A-Za-z]*\b")


def bad_text(text: str) -> list[str]:
    """Lines showing a translation error or a raw translation key."""
    return sorted({line for line in text.splitlines() if BAD_TEXT.search(line)})


def name_pattern(template: str) -> re.Pattern[str]:
    """A translated name with its placeholders (``{index}``) matching anything."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile("^" + ".+".join(re.escape(part) for part in parts) + "$")


def icu_text(message: str) -> str:
    """A message without ICU MessageFormat quoting, as the frontend shows it."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(message):
        char, after = message[i], message[i + 1 : i + 2]
        if char == "'" and after == "'":
            out.append("'")  # '' is one apostrophe, in or out of a quoted part
            i += 2
            continue
        if char == "'" and (quoted or after in {"{", "}", "#", "|"}):
            quoted = not quoted
        else:
            out.append(char)
        i += 1
    return "".join(out)


def translation(tree: Mapping[str, Any], *keys: str) -> Any:
    """A nested value of a translation file, None when absent."""
    node: Any = tree
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node
