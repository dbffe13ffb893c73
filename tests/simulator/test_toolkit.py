"""One simulator toolkit: small modules, and the request helpers defined once (issue #24).

A policy check of the source, not of behaviour: every simulator module stays under 500
lines (split by vendor and API area, as the clients are), and the helpers every vendor
needs (the refusal, the parameter readers, body parsing) live in ``simulator/common.py``
only, so a vendor cannot drift from the others by keeping its own copy.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

SIMULATOR = Path(__file__).parent.parent.parent / "simulator"
MAX_LINES = 500
# Defined once, in common.py: a second definition anywhere is a copy.
SHARED = frozenset(
    {
        "ApiError",
        "fail",
        "is_int",
        "_is_int",
        "Params",
        "param",
        "int_param",
        "req_int",
        "req_str",
        "req_bool",
        "opt_int",
        "str_list",
        "int_query",
        "flag_query",
        "parse_json",
        "admin_body",
        "_admin_body",
    }
)
# Flat modules of the old layout, kept so that other branches' imports still resolve.
COMPAT = frozenset(
    {
        "gateway_state",
        "gizwits_state",
        "scenario",
        "tums_media",
        "tums_push",
        "tums_signing",
        "tums_state",
        "xlink_state",
    }
)


def _modules() -> list[Path]:
    return sorted(SIMULATOR.rglob("*.py"))


def _definitions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]


def test_no_simulator_module_is_over_500_lines() -> None:
    """A longer module holds more than one vendor's or one API area's handlers."""
    long = {
        str(path.relative_to(SIMULATOR)): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these along the client's modules: {long}"


def test_request_helpers_are_defined_once() -> None:
    """ApiError, fail and the parameter readers exist in common.py and nowhere else."""
    where: dict[str, list[str]] = {}
    for path in _modules():
        for name in _definitions(path):
            if name in SHARED:
                where.setdefault(name, []).append(str(path.relative_to(SIMULATOR)))
    copies = {name: files for name, files in where.items() if files != ["common.py"]}
    assert not copies, f"use simulator/common.py instead of a copy: {copies}"
    assert Counter(_definitions(SIMULATOR / "common.py"))["ApiError"] == 1


@pytest.mark.parametrize("vendor", ["gateway", "gizwits", "tums", "xlink"])
def test_each_vendor_is_a_package(vendor: str) -> None:
    """Vendors live in packages whose modules follow the client's split."""
    package = SIMULATOR / vendor
    assert (package / "__init__.py").is_file()
    assert (package / "core.py").is_file()
    assert not (SIMULATOR / f"{vendor}.py").exists()


def test_compatibility_modules_only_re_export() -> None:
    """The old flat paths hold no code of their own: one home per definition."""
    for name in sorted(COMPAT):
        path = SIMULATOR / f"{name}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        body = [node for node in tree.body if not isinstance(node, ast.Expr)]
        assert all(isinstance(node, ast.ImportFrom) for node in body), name
