"""scripts/release, run in a throw-away git repository laid out like this one."""

from __future__ import annotations

from datetime import UTC, datetime
import json
import os
from pathlib import Path
import re
import shutil
import subprocess
import tomllib

import pytest

ROOT = Path(__file__).parent.parent
MANIFEST = "custom_components/cniot/manifest.json"
PYPROJECT = "pyproject.toml"
CHANGELOG = "CHANGELOG.md"
RELEASED = (MANIFEST, PYPROJECT, CHANGELOG)
GIT = shutil.which("git") or "git"
MARKER = "- A change made for test_release."
UNRELEASED = re.compile(r"^## \[Unreleased\][ \t]*\n", re.M | re.I)
# The next version's heading, or the link references at the bottom.
SECTION_END = re.compile(r"^(## \[|\[[^\]]+\]:)", re.M)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git_env() -> dict[str, str]:
    """Git without the user's or the machine's configuration (hooks, signing, editor)."""
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        [GIT, *args], cwd=repo, env=git_env(), capture_output=True, text=True, check=True
    )
    return result.stdout


def release(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(repo / "scripts" / "release"), *args],
        cwd=repo,
        env=git_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def utc_today() -> set[str]:
    return {datetime.now(UTC).date().isoformat()}


def unreleased_body(changelog: str) -> str:
    """The text of the Unreleased section, without its heading."""
    start = UNRELEASED.search(changelog)
    assert start is not None, "no ## [Unreleased] heading"
    end = SECTION_END.search(changelog, start.end())
    return changelog[start.end() : end.start() if end else len(changelog)]


def with_unreleased_body(changelog: str, body: str) -> str:
    start = UNRELEASED.search(changelog)
    assert start is not None
    end = SECTION_END.search(changelog, start.end())
    return changelog[: start.end()] + body + (changelog[end.start() :] if end else "")


def version_link(changelog: str, version: str) -> str:
    """The pattern of a new version's link: from the release before it, or its own tag."""
    previous = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)[1:2]
    if previous:
        return rf"\S+/compare/v{re.escape(previous[0])}\.\.\.v{re.escape(version)}"
    return rf"\S+/releases/tag/v{re.escape(version)}"


def manifest_version(repo: Path) -> str:
    return str(json.loads((repo / MANIFEST).read_text(encoding="utf-8"))["version"])


def next_major(version: str) -> str:
    return f"{int(version.split('.', maxsplit=1)[0]) + 1}.0.0"


def state(repo: Path) -> tuple[object, ...]:
    """Everything a release could change: the files, the commits, the tags, the status."""
    return (
        {name: (repo / name).read_text(encoding="utf-8") for name in RELEASED},
        git(repo, "rev-parse", "HEAD"),
        git(repo, "tag", "--list"),
        git(repo, "status", "--porcelain"),
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with this one's manifest, pyproject, changelog and release script.

    One known change is added under Unreleased, so the test holds whatever the real
    section says (it is empty right after a release).
    """
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for name in (*RELEASED, "scripts/release"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    changelog = (repo / CHANGELOG).read_text(encoding="utf-8")
    body = unreleased_body(changelog)
    (repo / CHANGELOG).write_text(
        with_unreleased_body(changelog, f"\n{MARKER}\n{body}"), encoding="utf-8"
    )
    git(repo, "init", "--quiet")
    git(repo, "config", "user.name", "Release Test")
    git(repo, "config", "user.email", "release-test@example.invalid")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "Start")
    return repo


def test_release_sets_versions_dates_the_changelog_commits_and_tags(repo: Path) -> None:
    old_manifest = (repo / MANIFEST).read_text(encoding="utf-8")
    old_pyproject = (repo / PYPROJECT).read_text(encoding="utf-8")
    old_changelog = (repo / CHANGELOG).read_text(encoding="utf-8")
    current = manifest_version(repo)
    version = next_major(current)
    dates = utc_today()

    result = release(repo, version)
    dates |= utc_today()

    assert result.returncode == 0, result.stderr
    # manifest.json: only the version changed; key order, layout and final newline stay.
    manifest = (repo / MANIFEST).read_text(encoding="utf-8")
    assert manifest == old_manifest.replace(f'"version": "{current}"', f'"version": "{version}"', 1)
    assert manifest.endswith("}\n")
    assert list(json.loads(manifest)) == list(json.loads(old_manifest))
    # pyproject.toml: the project's version, nothing else.
    pyproject = (repo / PYPROJECT).read_text(encoding="utf-8")
    assert tomllib.loads(pyproject)["project"]["version"] == version
    assert pyproject.replace(f'version = "{version}"', "") == old_pyproject.replace(
        f'version = "{tomllib.loads(old_pyproject)["project"]["version"]}"', ""
    )
    # CHANGELOG.md: a new, empty Unreleased above the dated section that holds the changes.
    changelog = (repo / CHANGELOG).read_text(encoding="utf-8")
    heading = re.search(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d\d-\d\d)$", changelog, re.M)
    assert heading is not None, changelog
    assert heading.group(1) in dates
    assert not unreleased_body(changelog).strip()
    assert UNRELEASED.search(changelog).start() < heading.start()  # type: ignore[union-attr]
    section = changelog[heading.end() :]
    assert MARKER in section
    assert changelog.count(MARKER) == 1
    assert changelog.startswith(old_changelog[: UNRELEASED.search(old_changelog).start()])  # type: ignore[union-attr]
    if re.search(r"^\[Unreleased\]:", old_changelog, re.M | re.I):
        assert re.search(rf"^\[Unreleased\]: \S+/compare/v{version}\.\.\.HEAD$", changelog, re.M)
        assert re.search(
            rf"^\[{re.escape(version)}\]: {version_link(old_changelog, version)}$", changelog, re.M
        )

    # One commit with exactly the three files, and an annotated tag on it.
    assert git(repo, "log", "-1", "--format=%s").strip() == f"Release {version}"
    assert set(git(repo, "show", "--name-only", "--format=", "HEAD").split()) == set(RELEASED)
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"
    assert git(repo, "cat-file", "-t", f"v{version}").strip() == "tag"
    assert git(repo, "rev-parse", f"v{version}^{{commit}}") == git(repo, "rev-parse", "HEAD")
    message = git(repo, "tag", "--list", "--format=%(contents)", f"v{version}")
    assert message.startswith(f"## [{version}] - {heading.group(1)}\n")
    assert MARKER in message
    assert "## [Unreleased]" not in message
    assert not git(repo, "status", "--porcelain")


def test_pre_release_then_release_and_link_references(repo: Path) -> None:
    final = next_major(manifest_version(repo))
    beta = f"{final}b1"
    first_changelog = (repo / CHANGELOG).read_text(encoding="utf-8")
    released_before = re.findall(r"^## \[([^\]]+)\]", first_changelog, re.M)[1:]
    assert release(repo, beta).returncode == 0
    assert manifest_version(repo) == beta

    # A pre-release sorts before its release and after an earlier pre-release.
    assert release(repo, f"{final}a2").returncode == 2
    changelog = (repo / CHANGELOG).read_text(encoding="utf-8")
    (repo / CHANGELOG).write_text(
        with_unreleased_body(changelog, "\n### Fixed\n\n- The beta's bug.\n\n"), encoding="utf-8"
    )
    git(repo, "commit", "--quiet", "--all", "--message", "Fix")
    result = release(repo, final)

    assert result.returncode == 0, result.stderr
    changelog = (repo / CHANGELOG).read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert headings == ["Unreleased", final, beta, *released_before]
    assert "- The beta's bug." in changelog.split(f"## [{beta}]")[0]
    assert MARKER in changelog.split(f"## [{beta}]")[1]
    if re.search(r"^\[Unreleased\]:", changelog, re.M | re.I):
        assert re.search(rf"^\[{final}\]: \S+/compare/v{beta}\.\.\.v{final}$", changelog, re.M)
        assert re.search(rf"^\[{beta}\]: {version_link(first_changelog, beta)}$", changelog, re.M)
    assert git(repo, "tag", "--list").split() == sorted([f"v{beta}", f"v{final}"])
    message = git(repo, "tag", "--list", "--format=%(contents)", f"v{final}")
    assert "- The beta's bug." in message
    assert MARKER not in message


@pytest.mark.parametrize(
    "version",
    ["", "1.0", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.0-beta.1", "1.0.0b", "1.0.0dev1", "x.y.z"],
)
def test_a_malformed_version_is_refused(repo: Path, version: str) -> None:
    before = state(repo)
    result = release(repo, version)
    assert result.returncode == 2
    assert "refused" in result.stderr
    assert state(repo) == before


def test_no_version_is_refused(repo: Path) -> None:
    before = state(repo)
    assert release(repo).returncode == 2
    assert release(repo, "--dry-run").returncode == 2
    assert state(repo) == before


def test_a_version_not_greater_than_the_manifest_is_refused(repo: Path) -> None:
    current = manifest_version(repo)
    before = state(repo)
    for version in (current, f"{current}rc1"):
        result = release(repo, version)
        assert result.returncode == 2, version
        assert "not greater" in result.stderr
    assert state(repo) == before


def test_a_dirty_tree_is_refused(repo: Path) -> None:
    (repo / PYPROJECT).write_text(
        (repo / PYPROJECT).read_text(encoding="utf-8") + "# edited\n", encoding="utf-8"
    )
    (repo / "new.txt").write_text("untracked\n", encoding="utf-8")
    before = state(repo)
    result = release(repo, next_major(manifest_version(repo)))
    assert result.returncode == 2
    assert "not clean" in result.stderr
    assert state(repo) == before


def test_an_existing_tag_is_refused(repo: Path) -> None:
    version = next_major(manifest_version(repo))
    git(repo, "tag", f"v{version}")
    before = state(repo)
    result = release(repo, version)
    assert result.returncode == 2
    assert "exists" in result.stderr
    assert state(repo) == before


@pytest.mark.parametrize("body", ["\n", "\n### Added\n\n### Fixed\n\n"])
def test_an_empty_unreleased_section_is_refused(repo: Path, body: str) -> None:
    changelog = (repo / CHANGELOG).read_text(encoding="utf-8")
    (repo / CHANGELOG).write_text(with_unreleased_body(changelog, body), encoding="utf-8")
    git(repo, "commit", "--quiet", "--all", "--message", "Nothing to release")
    before = state(repo)
    result = release(repo, next_major(manifest_version(repo)))
    assert result.returncode == 2
    assert "empty" in result.stderr
    assert state(repo) == before


def test_dry_run_prints_the_changes_and_changes_nothing(repo: Path) -> None:
    version = next_major(manifest_version(repo))
    before = state(repo)
    result = release(repo, "--dry-run", version)
    assert result.returncode == 0, result.stderr
    assert state(repo) == before
    for name in RELEASED:
        assert f"+++ b/{name}" in result.stdout
    assert f'+  "version": "{version}"' in result.stdout
    assert f'+version = "{version}"' in result.stdout
    assert f"+## [{version}] - " in result.stdout
    assert "dry run" in result.stderr
    assert MARKER in result.stderr  # the tag message it would write
