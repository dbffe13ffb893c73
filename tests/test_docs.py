"""The README stays a first screen; the reference lives in docs/, one page per vendor.

README.md says what cniot is, how to install it and how to start the demo; each vendor's
reference is its own page. Links between them must lead somewhere: a moved section is
easy to link to where it used to be.
"""

from __future__ import annotations

from pathlib import Path
import re

import pytest
import yaml

from custom_components.cniot.const import DOMAIN

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
VENDORS = ("gateway", "gizwits", "tums", "xlink")
MAX_README_BYTES = 15_000
# [text](target), not images' or code's: relative targets only.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
PAGES = [README, *sorted(DOCS.glob("*.md"))]


def _links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z]+:", t)]


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_readme_is_short() -> None:
    """The README is a first screen, not the reference (under 15,000 bytes)."""
    assert len(README.read_bytes()) < MAX_README_BYTES


def test_readme_starts_with_install_and_demo() -> None:
    """What it is, how to install it, and the two commands with the demo's login."""
    text = README.read_text(encoding="utf-8")
    for wanted in ("## Install", "Marketplace", "HACS", "scripts/setup", "scripts/develop"):
        assert wanted in text, wanted
    assert "demo / demo-cniot" in text or "`demo`, password `demo-cniot`" in text


def test_readme_links_a_page_per_vendor() -> None:
    links = set(_links(README))
    for vendor in VENDORS:
        assert f"docs/{vendor}.md" in links, vendor


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_lead_somewhere(page: Path) -> None:
    """Every relative link names an existing file, and a heading where it names one."""
    for target in _links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked), f"{page.name}: {target}"


@pytest.mark.parametrize("vendor", VENDORS)
def test_vendor_page_names_its_actions(vendor: str) -> None:
    """Each action is described on its vendor's page."""
    services = yaml.safe_load(
        (ROOT / "custom_components" / DOMAIN / "services.yaml").read_text(encoding="utf-8")
    )
    page = (DOCS / f"{vendor}.md").read_text(encoding="utf-8")
    actions = [a for a in services if a.startswith(f"{vendor}_")]
    assert actions
    assert [a for a in actions if a not in page] == []
