"""The soak's pass/fail decision and its fault schedule, without running Home Assistant."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
import random
import sys
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent


def _soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "soak_helper", ROOT / "scripts" / "soak_helper.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("soak_helper", module)
    spec.loader.exec_module(module)
    return module


soak = _soak()


def _passing() -> dict[str, Any]:
    """A report of a run that held on every count."""
    kinds = list(soak.ALL_FAULT_KINDS)
    return {
        "duration_s": 600.0,
        "fault_interval_s": 20.0,
        "error": None,
        "home_assistant": {
            "recovery_mode": False,
            "listens_on": ["127.0.0.1:40123"],
            "stopped_on_its_own": False,
            "ran_s": 640,
        },
        "entries": dict.fromkeys(soak.SOAK_VENDORS, "loaded"),
        "reauth_flows": 0,
        "faults": {
            "kinds": kinds,
            "injected": {v: dict.fromkeys(kinds, 1) for v in soak.SOAK_VENDORS},
            "not_exercised": {v: [] for v in soak.SOAK_VENDORS},
            "total": 13 * 4,
        },
        "coordinators": {
            "gateway: cniot gateway": {"refreshes": 40, "failed": 3, "recovered": True},
            "tums: cniot tums solar": {"refreshes": 10, "failed": 2, "recovered": True},
        },
        "memory_mb": {"growth_after_first_minute": 0.4, "noise_allowance": 13.0},
        "log_lines": {"beyond_one_per_fault_per_hour": 0.0, "tracebacks": {}},
    }


def test_a_clean_run_passes() -> None:
    """Every check holds for the report of a run that did what it should."""
    verdict = soak.verdict(_passing())
    assert verdict
    assert all(verdict.values()), verdict


def _set(report: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = report
    for key in parents:
        node = node[key]
    node[last] = value


@pytest.mark.parametrize(
    ("path", "value", "check"),
    [
        ("error", "RuntimeError: could not add the tums entry", "ran"),
        # Home Assistant stopped mid-run (a reverted http trial restarts it).
        ("home_assistant.stopped_on_its_own", True, "home_assistant_ran_to_the_end"),
        ("home_assistant.ran_s", 300, "home_assistant_ran_to_the_end"),
        # Without the frontend: recovery mode, no custom integration at all.
        ("home_assistant.recovery_mode", True, "home_assistant_ran_to_the_end"),
        ("home_assistant.listens_on", ["0.0.0.0:8123"], "http_on_loopback_only"),
        ("home_assistant.listens_on", ["127.0.0.1:1", "[::]:8123"], "http_on_loopback_only"),
        ("home_assistant.listens_on", [], "http_on_loopback_only"),
        ("entries.tums", "setup_error", "cniot_loaded"),
        ("entries", {}, "cniot_loaded"),
        ("reauth_flows", 1, "no_reauthentication"),
        ("log_lines.tracebacks", {"custom_components.cniot: boom": 1}, "no_unexpected_errors"),
        ("faults.not_exercised.gateway", ["huge"], "every_fault_kind_exercised"),
        ("faults.total", 0, "every_fault_kind_exercised"),
        ("coordinators.tums: cniot tums solar.recovered", False, "every_coordinator_recovered"),
        ("coordinators.tums: cniot tums solar.recovered", None, "every_coordinator_recovered"),
        ("coordinators", {}, "every_coordinator_recovered"),
        ("memory_mb.growth_after_first_minute", 20.0, "memory_stable"),
        ("log_lines.beyond_one_per_fault_per_hour", 30.0, "log_lines_within_budget"),
    ],
)
def test_each_failure_fails_the_run(path: str, value: Any, check: str) -> None:
    """One thing wrong fails that check, and with it the run (exit status 1)."""
    report = copy.deepcopy(_passing())
    _set(report, path, value)
    verdict = soak.verdict(report)
    assert verdict[check] is False
    assert [name for name, held in verdict.items() if not held] == [check]


def test_without_faults_no_kind_needs_exercising() -> None:
    """--fault-interval 0 runs without faults; the rest of the verdict still applies."""
    report = _passing()
    report["fault_interval_s"] = 0
    report["faults"]["not_exercised"] = {v: list(soak.ALL_FAULT_KINDS) for v in soak.SOAK_VENDORS}
    report["faults"]["total"] = 0
    assert all(soak.verdict(report).values())


def test_the_schedule_deals_every_kind_once_per_round() -> None:
    """13 faults in a row are the 13 kinds the simulators know, each once."""
    pacer = soak.FaultPacer("tums", 20.0, random.Random(1))  # noqa: S311 - a schedule, not a secret
    pacer.start(0.0)
    assert pacer.next_fault(19.9) is None
    dealt = []
    now = 20.0
    while len(dealt) < len(soak.ALL_FAULT_KINDS):
        fault = pacer.next_fault(now)
        assert fault is not None
        dealt.append(fault.kind)
        assert pacer.next_fault(now + 0.1) is None  # the retry right after goes through
        now += 20.0
    assert sorted(dealt) == sorted(soak.ALL_FAULT_KINDS)
    assert len(soak.ALL_FAULT_KINDS) == 13
    assert pacer.injected == dict.fromkeys(soak.ALL_FAULT_KINDS, 1)


def test_the_schedule_catches_up_but_never_twice_in_a_row() -> None:
    """A vendor polling in bursts gets faults due meanwhile, alternating with good replies."""
    pacer = soak.FaultPacer("gizwits", 20.0, random.Random(2))  # noqa: S311 - a schedule, not a secret
    pacer.start(0.0)
    # One burst of 8 requests, 60 s on: the three faults due by then, one every other.
    burst = [pacer.next_fault(60.0) for _ in range(8)]
    faulted = [fault is not None for fault in burst]
    assert faulted == [True, False, True, False, True, False, False, False]


def test_no_fault_before_start_or_after_disable() -> None:
    """Faults are off while the entries are added and once the soak checks recovery."""
    pacer = soak.FaultPacer("xlink", 20.0, random.Random(3))  # noqa: S311 - a schedule, not a secret
    assert pacer.next_fault(1000.0) is None
    pacer.start(0.0)
    assert pacer.next_fault(25.0) is not None
    pacer.enabled = False
    assert pacer.next_fault(100.0) is None


def test_vendor_codes_are_in_each_vendors_shape() -> None:
    """vendor_code faults carry a transient code of that vendor, never a credential refusal."""
    for vendor in soak.SOAK_VENDORS:
        fault = soak.fault_for("vendor_code", vendor)
        assert fault.value == soak.VENDOR_CODES[vendor]
    assert soak.fault_for("latency", "gateway").value > 15  # past the clients' timeout


@pytest.mark.parametrize(
    ("text", "address", "loopback"),
    [
        ("0100007F:1F90", "127.0.0.1:8080", True),
        ("00000000:1FBB", "0.0.0.0:8123", False),
        ("00000000000000000000000001000000:1FBB", "[::1]:8123", True),
        ("00000000000000000000000000000000:1FBB", "[::]:8123", False),
    ],
)
def test_listening_addresses_read_from_proc(text: str, address: str, loopback: bool) -> None:
    """/proc/net/tcp{,6} local addresses, decoded, and whether they are loopback."""
    assert soak._proc_address(text) == address
    assert soak.is_loopback(address) is loopback
