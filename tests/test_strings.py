"""Every user-facing string parses as ICU MessageFormat, with only placeholders the code supplies."""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

import pytest
import yaml

PACKAGE = Path(__file__).parent.parent / "custom_components" / "cniot"
LANGUAGES = ("en", "zh-Hans")
_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
# The frontend formats these without values: a {name} there is a MISSING_VALUE error.
# (A form's field help texts and errors get the step's description_placeholders, so they
# are checked like the rest.)
_NO_VALUES = re.compile(r"(^services\.|^selector\.|\.state\.)")


def icu_placeholders(text: str) -> set[str]:
    """The simple {name} arguments of an ICU message; ValueError for a stray brace."""
    names: set[str] = set()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "'":
            if text.startswith("''", i):
                i += 2
                continue
            if i + 1 < len(text) and text[i + 1] in "{}":
                end = text.find("'", i + 1)
                if end < 0:
                    raise ValueError(f"unterminated quote at {i}")
                i = end + 1
                continue
        elif char == "{":
            match = _NAME.match(text, i + 1)
            if match is None:
                raise ValueError(f"malformed argument at {i}")
            names.add(match.group(1))
            i = match.end()
            continue
        elif char == "}":
            raise ValueError(f"unbalanced brace at {i}")
        i += 1
    return names


def flatten(node: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, string) for every string in a nested mapping."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flatten(value, f"{prefix}{key}.")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from flatten(value, f"{prefix}{index}.")
    elif isinstance(node, str):
        yield prefix[:-1], node


def _translations(language: str) -> dict[str, str]:
    text = (PACKAGE / "translations" / f"{language}.json").read_text(encoding="utf-8")
    return dict(flatten(json.loads(text)))


def _supplied_placeholders() -> set[str]:
    """Keys of every placeholder mapping in the integration's source."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for block in re.findall(r"placeholders\s*=\s*\{([^}]*)\}", source):
            names.update(re.findall(r'"(\w+)"\s*:', block))
        for block in re.findall(r"return \"\w+\", \{([^}]*)\}", source):
            names.update(re.findall(r'"(\w+)"\s*:', block))
    return names


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_are_valid_icu(language: str) -> None:
    """No stray brace, and placeholders only where the code passes values."""
    supplied = _supplied_placeholders()
    problems = []
    for key, text in _translations(language).items():
        try:
            names = icu_placeholders(text)
        except ValueError as err:
            problems.append(f"{key}: {err}: {text!r}")
            continue
        if names and _NO_VALUES.search(key):
            problems.append(f"{key}: no values are passed here for {sorted(names)}")
        elif unknown := names - supplied:
            problems.append(f"{key}: the code passes no {sorted(unknown)}")
    assert not problems, "\n".join(problems)


def test_services_yaml_is_valid_icu() -> None:
    """The examples in services.yaml are shown through the same formatter."""
    data = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    problems = []
    for key, text in flatten(data):
        if not key.endswith((".description", ".name")):  # examples are shown verbatim
            continue
        try:
            if names := icu_placeholders(text):
                problems.append(f"{key}: {sorted(names)}")
        except ValueError as err:
            problems.append(f"{key}: {err}")
    assert not problems, "\n".join(problems)


def test_languages_match() -> None:
    """Both languages have the same keys, with the same placeholders in each string."""
    english, chinese = (_translations(language) for language in LANGUAGES)
    assert set(english) == set(chinese)
    for key, text in english.items():
        assert icu_placeholders(text) == icu_placeholders(chinese[key]), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_action_names_say_their_platform(language: str) -> None:
    """Actions of three clouds share one list: each name starts with its own platform's label."""
    services = json.loads(
        (PACKAGE / "translations" / f"{language}.json").read_text(encoding="utf-8")
    )["services"]
    labels: dict[str, set[str]] = {}
    for action, text in services.items():
        parts = re.split(r"(?:: |\uff1a)", text["name"], maxsplit=1)
        assert len(parts) == 2, f"{action}: {text['name']!r} names no platform"
        assert all(parts), f"{action}: {text['name']!r} names no platform"
        label = parts[0]
        labels.setdefault(action.split("_", 1)[0], set()).add(label)
    assert all(len(found) == 1 for found in labels.values()), labels
    assert len({next(iter(found)) for found in labels.values()}) == len(labels), labels


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("plain", set()),
        ("{name} is {state}", {"name", "state"}),
        ("quoted '{ip}' and {a}", {"a"}),
        ("it''s {a}", {"a"}),
    ],
)
def test_icu_checker_accepts(text: str, names: set[str]) -> None:
    """The checker reads simple arguments and ICU quoting."""
    assert icu_placeholders(text) == names


@pytest.mark.parametrize("text", ['{"switch": true}', "a } b", "{1}", "'{ never closed"])
def test_icu_checker_refuses(text: str) -> None:
    """The strings the frontend shows as MALFORMED_ARGUMENT are refused."""
    with pytest.raises(ValueError, match=r"brace|argument|quote"):
        icu_placeholders(text)
