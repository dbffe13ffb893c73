"""An application too large for one entry: the config flow offers one entry per group of regions.

Home Assistant's limit (10,000 enabled entities per entry) is lowered here, in
Home Assistant and in the integration alike, so an account of 150 devices is past
it: the smallest fleet that shows the split costs seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_IMPORT,
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.cniot.const import CONF_URL, DOMAIN
from custom_components.cniot.entity_limit import WARN_SHARE
from custom_components.cniot.split import CONF_PART, Group, plan_parts
from custom_components.cniot.tums.const import (
    CONF_ACCESS_KEY,
    CONF_APP_TYPE,
    CONF_REGIONS,
    CONF_SECRET_KEY,
    VENDOR_TUMS,
)
from custom_components.cniot.tums.models import Device
from custom_components.cniot.tums.split import ENABLED_PER_DEVICE, plan_split
from custom_components.cniot.tums.vendor import async_plan_split
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, TumsSimulator
from simulator.tums_state import generate_scenario
from tests.flow_texts import form_fields, form_texts

from .conftest import tums_data

LIST = "/tums/open/deviceManager/v1/getDeviceListInProjectApplication"
OVERVIEW = "/tums/open/deviceManager/v1/getApplicationOverview"
# Three regions of 50 top-level devices (62 or 63 listed each, NVR channels included).
FLEET = 150
LIMIT = 400


@pytest.fixture
def tums_entities_enabled() -> None:
    """The integration's own defaults: what counts against the limit."""


@pytest.fixture
def low_limit() -> Iterator[None]:
    """Home Assistant's limit, and the integration's reading of it, lowered."""
    with (
        patch("homeassistant.helpers.entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", LIMIT),
        patch("custom_components.cniot.entity_limit.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", LIMIT),
    ):
        yield


async def _offer(hass: HomeAssistant, url: str) -> dict[str, object]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_TUMS}
    )
    return dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_ACCESS_KEY: DEMO_ACCESS_KEY, CONF_SECRET_KEY: DEMO_SECRET_KEY, CONF_URL: url},
        )
    )


@pytest.mark.usefixtures("low_limit")
async def test_large_application_is_offered_the_split(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Each part lists its own regions only; together they have every entity, none refused."""
    sim = TumsSimulator(scenario=generate_scenario(FLEET))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        listed = len(sim.devices)
        assert listed * ENABLED_PER_DEVICE > LIMIT  # past the limit in one entry
        result = await _offer(hass, url)
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "tums_split"
        assert set(form_fields(result)) == {"split"}  # type: ignore[arg-type]
        assert "{parts}" in form_texts(result)  # type: ignore[arg-type]
        placeholders = result["description_placeholders"]
        assert placeholders == {
            "devices": str(listed),
            "estimate": str(listed * ENABLED_PER_DEVICE),
            "limit": str(LIMIT),
            "parts": "3",
            "groups": "3",
        }
        sim.requests.clear()
        result = dict(
            await hass.config_entries.flow.async_configure(
                str(result["flow_id"]), {"split": "parts"}
            )
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done(wait_background_tasks=True)

        entries = sorted(hass.config_entries.async_entries(DOMAIN), key=lambda e: e.data[CONF_PART])
        assert [e.data[CONF_PART] for e in entries] == [1, 2, 3]
        assert all(e.state is ConfigEntryState.LOADED for e in entries)
        assert entries[0].unique_id == DEMO_ACCESS_KEY  # adding the key again aborts
        assert len({e.unique_id for e in entries}) == 3
        registry, devices = er.async_get(hass), dr.async_get(hass)
        seen: set[str] = set()
        asked_here: set[str] = set()
        for entry in entries:
            regions = set(entry.data[CONF_REGIONS])
            listed_here = entry.runtime_data.coordinator.data.devices  # type: ignore[attr-defined]
            keys = set(listed_here)
            # Only its part: the devices of its regions, and each device in one part.
            assert keys
            assert {device.region_id for device in listed_here.values()} == regions
            asked_here.update(regions)
            assert not keys & seen
            seen |= keys
            enabled = registry.entities.get_enabled_count_for_config_entry_id(entry.entry_id)
            assert 0 < enabled < LIMIT * WARN_SHARE
            # The flow's estimate is an upper bound of what the devices really get.
            assert enabled <= len(keys) * ENABLED_PER_DEVICE
            entities = er.async_entries_for_config_entry(registry, entry.entry_id)
            for entity in entities:
                device = devices.async_get(entity.device_id or "")
                assert device is not None
                assert device.config_entry_id == entry.entry_id
            # The application's overview is shown once, by the first part.
            overview = [e for e in entities if "_overview_" in e.unique_id]
            assert bool(overview) == (entry.data[CONF_PART] == 1)
        assert len(seen) == len(sim.devices)
        assert "Reached the maximum" not in caplog.text
        # Each part asked for its own regions' lists, and only the first for the overview.
        asked = {r.body["filterAnd"].get("regionId") for r in sim.requests if r.path == LIST}
        assert asked == asked_here
        assert [r.path for r in sim.requests].count(OVERVIEW) == 1
        # Entities keep the unique IDs a whole-application entry gives them.
        online = {
            e.unique_id
            for e in registry.entities.values()
            if e.platform == DOMAIN and e.domain == Platform.BINARY_SENSOR
        }
        assert {f"tums_{DEMO_ACCESS_KEY}_{key}_online" for key in seen} <= online
        # A part's refresh: each of its regions' pages (one here), and the overview in the first.
        for entry in entries:
            sim.requests.clear()
            await entry.runtime_data.coordinator.async_refresh()  # type: ignore[attr-defined]
            regions = entry.data[CONF_REGIONS]
            assert len(sim.requests) == len(regions) + (entry.data[CONF_PART] == 1)
        # A further part's key is renewed and its server changed as its own entry.
        part = entries[1]
        flow = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_REAUTH, "entry_id": part.entry_id}, data=part.data
        )
        flow = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {CONF_SECRET_KEY: DEMO_SECRET_KEY}
        )
        assert flow["reason"] == "reauth_successful"
        flow = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": part.entry_id}
        )
        flow = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_URL: url})
        assert flow["reason"] == "reconfigure_successful"
        await hass.async_block_till_done(wait_background_tasks=True)
        assert part.data[CONF_REGIONS] == [sorted(asked_here)[1]]
        assert part.state is ConfigEntryState.LOADED
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@pytest.mark.usefixtures("low_limit")
async def test_one_entry_anyway_is_past_the_limit(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Declined, the application is one entry, and Home Assistant refuses entities past it."""
    sim = TumsSimulator(scenario=generate_scenario(FLEET))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        result = await _offer(hass, url)
        assert result["step_id"] == "tums_split"
        result = dict(
            await hass.config_entries.flow.async_configure(
                str(result["flow_id"]), {"split": "none"}
            )
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done(wait_background_tasks=True)
        (entry,) = hass.config_entries.async_entries(DOMAIN)
        assert CONF_REGIONS not in entry.data
        assert len(entry.runtime_data.coordinator.data.devices) == len(sim.devices)  # type: ignore[attr-defined]
        assert "Reached the maximum" in caplog.text
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_application_that_fits_is_not_offered_the_split(hass: HomeAssistant) -> None:
    """Under the budget, the flow creates the one entry at once."""
    sim = TumsSimulator(scenario=generate_scenario(FLEET))
    url = await sim.start(host="127.0.0.1", port=0)
    try:
        result = await _offer(hass, url)
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done(wait_background_tasks=True)
        await hass.config_entries.async_unload(str(result["result"].entry_id))  # type: ignore[attr-defined]
    finally:
        await sim.stop()


async def test_split_steps_without_a_split_abort(hass: HomeAssistant) -> None:
    """Reached without an application to split, the split steps abort."""
    for source, data in (("tums_split", None), (SOURCE_IMPORT, {})):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": source}, data=data
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "no_split"


async def test_no_split_when_the_listing_fails(hass: HomeAssistant) -> None:
    """The flow's listing fails (the server went away): no split is offered."""
    sim = TumsSimulator(scenario=generate_scenario(FLEET))
    url = await sim.start(host="127.0.0.1", port=0)
    await sim.stop()
    data = {**tums_data(url), CONF_APP_TYPE: "project"}
    assert await async_plan_split(hass, data) is None


def test_groups_without_entities_make_no_part() -> None:
    """One group past the budget and one with nothing yet: nothing to split."""
    groups = [Group("a", "A", 10, 40), Group("b", "B", 0, 0)]
    assert plan_parts(groups, 8, CONF_REGIONS) is None
    plan = plan_parts([*groups, Group("c", "C", 1, 4)], 8, CONF_REGIONS)
    assert plan is not None
    assert [[g.group_id for g in part] for part in plan.parts] == [["a", "b"], ["c"]]


def _device(key: str, region: str | None) -> Device:
    device = Device.parse(
        {"qrCode": key, "deviceName": key, "deviceType": "IPC", "regionId": region}
    )
    assert device is not None
    return device


@pytest.mark.parametrize(
    ("app_type", "regions", "room", "parts"),
    [
        # Within the budget: no split.
        ("project", ["a", "b"], 2, None),
        # Two regions of two devices, one region fits a part: two parts.
        ("project", ["a", "a", "b", "b"], 2, [["a"], ["b"]]),
        # Whole regions only; one larger than a part is a part by itself.
        ("project", ["a", "a", "a", "b", "c"], 2, [["a"], ["b", "c"]]),
        # One region cannot be split.
        ("project", ["a", "a", "a"], 2, None),
        # A device in no region would be in no part.
        ("project", ["a", "a", "b", None], 2, None),
        # Device applications have no regions.
        ("device", ["a", "a", "b", "b"], 2, None),
    ],
)
def test_plan_split(
    app_type: str, regions: list[str | None], room: int, parts: list[list[str]] | None
) -> None:
    """Parts are groups of whole regions, each within the budget where a region allows."""
    devices = [_device(f"D{n}", region) for n, region in enumerate(regions)]
    # A budget with room for ``room`` devices.
    plan = plan_split(app_type, devices, room * ENABLED_PER_DEVICE)
    if parts is None:
        assert plan is None
        return
    assert plan is not None
    assert [[r.group_id for r in part] for part in plan.parts] == parts
    assert plan.devices == len(devices)
    last = plan.parts[-1]
    names = last[0].group_id if len(last) == 1 else f"{last[0].group_id} - {last[-1].group_id}"
    assert plan.part_title("App", len(plan.parts)) == f"App ({names})"
