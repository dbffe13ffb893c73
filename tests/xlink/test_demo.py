"""The demo's Xlink entry (scripts/develop_helper.py) sets up against the simulator."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys
from types import ModuleType

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.cniot.const import DOMAIN
from custom_components.cniot.xlink.const import VENDOR_XLINK
from simulator.__main__ import DEFAULT_XLINK_PORT
from simulator.xlink import XlinkSimulator

HELPER = Path(__file__).resolve().parents[2] / "scripts" / "develop_helper.py"


def _helper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("develop_helper", HELPER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up while the class is built.
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


async def test_demo_entry_sets_up(hass: HomeAssistant, xlink_sim: XlinkSimulator) -> None:
    """What provision types into the Xlink form creates a loaded entry with devices."""
    [demo] = [entry for entry in _helper().DEMO_ENTRIES if entry.step == VENDOR_XLINK]
    # The demo points at the simulator's default port; here it runs on a free one.
    assert demo.data["url"] == f"http://127.0.0.1:{DEFAULT_XLINK_PORT}"
    assert xlink_sim.url is not None
    form = {**demo.data, "url": xlink_sim.url}
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": demo.step}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert len(entry.runtime_data.coordinator.data.devices) == 5
    assert demo.label == demo.data["url"]
