"""What the benchmark ran on."""

from __future__ import annotations

import os
from pathlib import Path
import platform
from typing import Any

from homeassistant.const import __version__ as ha_version


def _first(path: str, key: str) -> str | None:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def describe_machine() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python and Home Assistant versions."""
    memory = _first("/proc/meminfo", "MemTotal")
    try:
        load = round(os.getloadavg()[0], 2)
    except OSError:
        load = None
    return {
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory": f"{int(memory.split()[0]) / 2**20:.1f} GiB" if memory else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "home_assistant": ha_version,
        # Other work on the machine shows in the timings: the 1-minute load at the start.
        "load_average": load,
    }
