"""Browser half of scripts/e2e: check what a user sees in the running demo, in Chromium.

scripts/e2e starts the demo (scripts/develop) and runs this with .venv-e2e's Python. It
logs in through Home Assistant's login page and runs every check in ``CHECKS``, each
against the real UI (Playwright's CSS locators pierce open shadow roots). Entities and
devices are found through the frontend's own WebSocket connection by unique ID and
device identifier, never by guessed entity IDs (those include areas). A failed check
leaves ``<out>/<check>.png`` and ``<out>/<check>.txt`` (the page's text, shadow DOM
included); the exit status is 1 when any check failed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
import json
from pathlib import Path
import re
import signal
import sys
import time
from typing import Any

from playwright.sync_api import Error as PlaywrightError, sync_playwright

from scripts.develop_helper import describe_issue, is_machine_issue
from scripts.e2e_browser import (
    CHROMIUM,
    DOMAIN,
    HA_URL,
    IMAGE_WIDTH_JS,
    IMAGES_JS,
    MEDIA_JS,
    PASSWORD,
    ROOT,
    TUMS_DEMO_CAMERA,
    USERNAME,
    VENDORS,
    CheckFailedError,
    Run,
    entity_name,
    expect_clean,
    fail,
    load_demo,
    login,
    need_demo,
    say,
    wait_until,
)
from scripts.e2e_text import RAW_KEY, bad_text, icu_text, translation

# --- checks -----------------------------------------------------------------------------


def pick_device(run: Run, vendor: str) -> dict[str, Any]:
    """The vendor's device with the most named, available entities (the richest page)."""
    demo = need_demo(run)
    states = run.states()

    def score(device: Mapping[str, Any]) -> tuple[int, str]:
        named = [
            e
            for e in demo.device_entities(device["id"])
            if e.get("translation_key") and states.get(e["entity_id"]) != "unavailable"
        ]
        return len(named), str(device["id"])

    devices = [d for d in demo.devices.values() if demo.vendor_of_device(d) == vendor]
    if not devices:
        fail(f"no {vendor} device")
    return max(devices, key=score)


def open_device(run: Run, device: Mapping[str, Any]) -> list[str]:
    """Open a device page and return its text lines once the entities are shown."""
    run.goto(f"/config/devices/device/{device['id']}")
    name = device.get("name_by_user") or device["name"]
    run.page.get_by_text(name, exact=True).first.wait_for(timeout=20_000)
    demo = need_demo(run)
    patterns = [p for e in demo.device_entities(device["id"]) if (p := entity_name(demo, e))]

    def shown() -> list[str] | None:
        lines = [line.strip() for line in run.text().splitlines()]
        return lines if all(any(p.match(line) for line in lines) for p in patterns) else None

    return wait_until(shown, 10) or [line.strip() for line in run.text().splitlines()]


def check_device_pages(run: Run) -> None:
    """One device page per vendor shows every entity under its translated name."""
    demo = need_demo(run)
    problems: list[str] = []
    for vendor in VENDORS:
        device = pick_device(run, vendor)
        lines = open_device(run, device)
        checked = 0
        for entity in demo.device_entities(device["id"]):
            pattern = entity_name(demo, entity)
            if pattern is None:
                continue  # named by Home Assistant after its device class
            checked += 1
            if not any(pattern.match(line) for line in lines):
                problems.append(
                    f"{vendor} device {device['name']!r}: {entity['entity_id']} is not shown as "
                    f"{pattern.pattern!r}"
                )
            key = entity.get("translation_key")
            if key and key in lines:
                problems.append(f"{vendor} device {device['name']!r} shows the raw key {key!r}")
            name = entity.get("original_name") or ""
            if RAW_KEY.search(name) and not key:
                problems.append(f"{entity['entity_id']} is named after an API key: {name!r}")
        bad = bad_text("\n".join(lines))
        problems += [f"{vendor} device {device['name']!r} shows {line!r}" for line in bad]
        say(f"  {vendor}: {device['name']!r} shows its {checked} entities' names")
    if problems:
        fail(f"{len(problems)} problems on device pages:\n    " + "\n    ".join(problems[:20]))


def missing_icons(run: Run) -> list[str]:
    """Entities whose state icon on the page drew nothing (an icon name MDI lacks)."""
    icons = run.page.locator("ha-state-icon")
    missing = []
    for index in range(icons.count()):
        icon = icons.nth(index)
        path = icon.locator("path").first
        drawn = path.get_attribute("d") if path.count() else None
        if not drawn:
            missing.append(str(icon.evaluate("(e) => e.stateObj ? e.stateObj.entity_id : '?'")))
    return missing


def check_icons(run: Run) -> None:
    """Every row of an offline gateway's page and of every vendor's page has its icon."""
    demo = need_demo(run)
    states = run.states()
    gateways = [
        d
        for d in demo.devices.values()
        if demo.vendor_of_device(d) == "gateway" and not d.get("via_device_id")
    ]
    if not gateways:
        fail("no gateway device")
    # The simulator keeps one gateway offline; its State row once had no icon.
    offline = max(
        gateways,
        key=lambda d: sum(
            states.get(e["entity_id"]) == "unavailable" for e in demo.device_entities(d["id"])
        ),
    )
    problems = []
    for device in [offline, *(pick_device(run, vendor) for vendor in VENDORS)]:
        open_device(run, device)
        run.page.locator("ha-state-icon").first.wait_for(timeout=10_000)
        if not wait_until(lambda: not missing_icons(run), 5):
            problems.append(f"{device['name']!r}: no icon for {missing_icons(run)}")
    if problems:
        fail("; ".join(problems))
    say(f"  every row has its icon, on {offline['name']!r} (offline) and one page per vendor")


def check_brand(run: Run) -> None:
    """The integration's page shows the cniot brand icon (shipped in its brand/ folder)."""
    run.goto(f"/config/integrations/integration/{DOMAIN}")

    def brand() -> list[dict[str, Any]]:
        images = run.page.evaluate(IMAGES_JS)
        return [i for i in images if f"/{DOMAIN}/" in i["src"] and "brand" in i["src"]]

    if not wait_until(lambda: any(i["width"] > 0 for i in brand()), 15):
        fail(f"the integration page shows no cniot brand image: {brand()}")
    say(f"  the integration page shows the cniot brand ({len(brand())} images)")


def check_device_page_zh(run: Run) -> None:
    """A device page in zh-Hans (the user's language) shows cniot's Chinese states."""
    demo = need_demo(run)
    states = run.states()
    best: tuple[int, dict[str, Any], list[str]] | None = None
    for device in demo.devices.values():
        wanted: list[str] = []
        for entity in demo.device_entities(device["id"]):
            key = entity.get("translation_key")
            state = states.get(entity["entity_id"]) if key else None
            domain = entity["entity_id"].split(".", 1)[0]
            text = translation(demo.zh, "entity", domain, key or "", "state", state or "")
            if isinstance(text, str):
                wanted.append(text)
        if wanted and (best is None or len(wanted) > best[0]):
            best = (len(wanted), device, wanted)
    if best is None:
        fail("no device has an entity whose state cniot translates")
    _, device, wanted = best
    run.page.evaluate("() => localStorage.setItem('selectedLanguage', JSON.stringify('zh-Hans'))")
    try:
        run.goto(f"/config/devices/device/{device['id']}")
        run.page.get_by_text(device["name"], exact=True).first.wait_for(timeout=20_000)

        def all_shown() -> list[str]:
            lines = {line.strip() for line in run.text().splitlines()}
            return [w for w in wanted if w not in lines]

        if not wait_until(lambda: not all_shown(), 15):
            fail(f"zh-Hans device page {device['name']!r} does not show {all_shown()}")
        expect_clean(run, f"zh-Hans device page {device['name']!r}")
        say(f"  zh-Hans: {device['name']!r} shows {', '.join(sorted(set(wanted)))}")
    finally:
        run.page.evaluate("() => localStorage.setItem('selectedLanguage', JSON.stringify('en'))")
        run.goto("/config/dashboard")


def pick_camera(run: Run) -> str:
    """A TUMS camera that is not offline, the simulator's demo camera first."""
    demo = need_demo(run)
    cameras = demo.entity(
        lambda e: e["entity_id"].startswith("camera.") and e["unique_id"].startswith("tums_")
    )
    cameras.sort(key=lambda e: TUMS_DEMO_CAMERA not in e["unique_id"])
    for camera in cameras:
        if run.state(camera["entity_id"]) not in {None, "unavailable"}:
            return str(camera["entity_id"])
    raise CheckFailedError(f"none of the {len(cameras)} TUMS cameras is available")


def check_camera(run: Run) -> None:
    """A camera's more-info shows a picture and its live stream plays."""
    camera = pick_camera(run)
    run.goto("/config/dashboard")
    run.more_info(camera)
    problems: list[str] = []

    def media() -> dict[str, Any]:
        return dict(run.page.evaluate(MEDIA_JS))

    def picture() -> str | None:
        found = media()
        for img in found["imgs"]:
            if "/api/camera_proxy" in img["src"] and img["width"] > 0:
                return f"a {img['width']} px wide image"
        for video in found["videos"]:
            if video["poster"] and run.page.evaluate(IMAGE_WIDTH_JS, video["poster"]) > 0:
                return "a poster image"
        return None

    shown = wait_until(picture, 30, 1)
    if shown:
        say(f"  {camera}: more-info shows {shown}")
    else:
        found = media()
        problems.append(
            f"{camera}: no picture in more-info within 30 s (images: "
            f"{[(i['src'].split('?')[0][-60:], i['width']) for i in found['imgs']]})"
        )

    def playing() -> dict[str, Any] | None:
        for video in media()["videos"]:
            if video["time"] > 0:
                return dict(video)
        return None

    video = wait_until(playing, 45, 1)
    if video:
        say(f"  {camera}: the live stream plays ({video['player'].lower()}, {video['time']:.1f} s)")
    else:
        problems.append(
            f"{camera}: the live stream did not start within 45 s (videos: {media()['videos']})"
        )
    # The still that dashboard cards and the device page show.
    still = str(run.attributes(camera).get("entity_picture") or "")
    width = run.page.evaluate(IMAGE_WIDTH_JS, run.url + still) if still else 0
    if width:
        say(f"  {camera}: its entity picture (cards) is {width} px wide")
    else:
        problems.append(
            f"{camera}: its entity picture {still.split('?', maxsplit=1)[0]!r} does not load"
        )
    if problems:
        fail("; ".join(problems))
    expect_clean(run, f"the more-info dialog of {camera}")


# A dashboard of the e2e's own, as a user makes one: a picture card of a camera.
CARD_DASHBOARD = "cniot-e2e"


def check_picture_card(run: Run) -> None:
    """A picture-entity card of a camera on a dashboard shows the camera's still."""
    camera = pick_camera(run)
    dashboards = run.ws({"type": "lovelace/dashboards/list"})
    if not any(d.get("url_path") == CARD_DASHBOARD for d in dashboards):
        run.ws(
            {
                "type": "lovelace/dashboards/create",
                "url_path": CARD_DASHBOARD,
                "title": "cniot e2e",
                "mode": "storage",
                "show_in_sidebar": False,
                "require_admin": False,
            }
        )
    card = {"type": "picture-entity", "entity": camera, "camera_view": "auto"}
    run.ws(
        {
            "type": "lovelace/config/save",
            "url_path": CARD_DASHBOARD,
            "config": {"views": [{"title": "Cameras", "path": "cameras", "cards": [card]}]},
        }
    )
    run.goto(f"/{CARD_DASHBOARD}/cameras")

    def shown() -> int:
        images = run.page.evaluate(IMAGES_JS)
        widths = [i["width"] for i in images if "/api/camera_proxy" in i["src"]]
        return max(widths, default=0)

    width = wait_until(shown, 30, 1)
    if not width:
        fail(f"the picture card of {camera} shows no picture within 30 s")
    say(f"  {camera}: its picture card on a dashboard shows a {width} px wide still")
    expect_clean(run, f"the dashboard with the picture card of {camera}")


def check_switch(run: Run) -> None:
    """A gateway switch toggled twice within 10 s keeps the last choice (UI and state)."""
    demo = need_demo(run)
    switches = demo.entity(
        lambda e: (
            e["entity_id"].startswith("switch.")
            and e["unique_id"].startswith("gateway_")
            and e["unique_id"].endswith("_hotspot")
        )
    )
    switch = next(
        (e["entity_id"] for e in switches if run.state(e["entity_id"]) in {"on", "off"}), None
    )
    if switch is None:
        fail("no gateway Wi-Fi hotspot switch is available")
    run.goto("/config/dashboard")
    dialog = run.more_info(switch)
    toggle = dialog.locator("[role=switch]").first

    def ui() -> str:
        return "on" if toggle.get_attribute("aria-checked") == "true" else "off"

    start = run.state(switch)
    flipped = "off" if start == "on" else "on"
    toggle.click()
    if not wait_until(lambda: run.state(switch) == flipped and ui() == flipped, 3, 0.2):
        fail(f"{switch}: turned {flipped}, but after 3 s UI {ui()}, state {run.state(switch)}")
    time.sleep(2)
    toggle.click()  # back, about 3 s after the first change: within the refresh window
    clicked = time.monotonic()
    timeline: list[str] = []
    wrong: list[str] = []
    while (elapsed := time.monotonic() - clicked) < 12:
        seen = (ui(), run.state(switch))
        timeline.append(f"+{elapsed:.1f}s UI {seen[0]} state {seen[1]}")
        if elapsed > 2 and seen != (start, start):  # a round trip, even on a busy CI
            wrong.append(timeline[-1])
        time.sleep(1)
    final = (ui(), run.state(switch))
    expect_clean(run, f"the more-info dialog of {switch}")
    if wrong or final != (start, start):
        fail(
            f"{switch}: turned {flipped} then {start} within 3 s, but it did not stay {start}:"
            "\n    " + "\n    ".join([*timeline, f"+12s UI {final[0]} state {final[1]}"])
        )
    say(f"  {switch}: {flipped}, then {start} 3 s later; still {start} in UI and state at +12 s")


def check_tums_options(run: Run) -> None:
    """The TUMS options form and its RTSP error read as text, not translation errors."""
    demo = need_demo(run)
    entry_id = next((e for e, v in demo.vendor_of_entry.items() if v == "tums"), None)
    if entry_id is None or entry_id not in demo.entries:
        fail("no TUMS entry")
    title = demo.entries[entry_id]["title"]
    run.goto(f"/config/integrations/integration/{DOMAIN}")
    row = run.page.locator("ha-config-entry-row", has_text=title).first
    row.get_by_role("button", name="Configure").first.click()
    flow = run.page.locator("dialog-data-entry-flow")
    labels = translation(demo.en, "options", "step", "settings", "data") or {}
    field = flow.get_by_role("textbox", name=labels.get("rtsp_template", "rtsp_template"))
    field.wait_for(timeout=15_000)
    helps = translation(demo.en, "options", "step", "settings", "data_description") or {}
    # The flow fills in the placeholders (the template names, an example): the text between.
    help_text = icu_text(helps.get("rtsp_template", ""))
    want = [part for part in re.split(r"\{[a-z_]+\}", help_text) if part.strip()]
    if want and not wait_until(lambda: all(part in run.text() for part in want), 10):
        fail(f"the TUMS options do not show the RTSP template help {help_text[:60]!r}…")
    expect_clean(run, "the TUMS options form")
    field.fill("http://camera/{nope}")
    flow.get_by_role("button", name="Submit").click()
    error = icu_text(str(translation(demo.en, "options", "error", "invalid_rtsp_template")))
    try:
        flow.get_by_text(error[:40]).first.wait_for(timeout=10_000)
    except PlaywrightError:
        fail(f"an invalid RTSP template did not show {error!r}")
    expect_clean(run, "the TUMS options form with an invalid RTSP template")
    say(f"  options of {title!r}: help and the invalid-template error read as text")


def check_gizwits_options(run: Run) -> None:
    """The Gizwits datapoint options list device classes by their translated names."""
    demo = need_demo(run)
    entry_id = next((e for e, v in demo.vendor_of_entry.items() if v == "gizwits"), None)
    if entry_id is None or entry_id not in demo.entries:
        fail("no Gizwits entry")
    title = demo.entries[entry_id]["title"]
    names = translation(demo.en, "selector", "datapoint_device_class", "options") or {}
    menu = translation(demo.en, "options", "step", "init", "menu_options") or {}
    run.goto(f"/config/integrations/integration/{DOMAIN}")
    run.page.locator("ha-config-entry-row", has_text=title).first.get_by_role(
        "button", name="Configure"
    ).first.click()
    flow = run.page.locator("dialog-data-entry-flow")
    flow.get_by_text(menu.get("datapoint", "Customise a datapoint")).first.click()
    flow.locator("ha-selector-select").first.click()
    # The demo air conditioner's numeric datapoint (simulator/gizwits/scenario.py).
    run.page.get_by_role("menuitem", name=re.compile(r"\(set_temp\)")).first.click()
    flow.get_by_role("button", name="Submit").click()
    label = translation(demo.en, "options", "step", "datapoint_settings", "data", "device_class")
    select = flow.locator("ha-selector-select", has_text=str(label or "Device class")).first
    select.click()
    items = run.page.get_by_role("menuitem")
    items.first.wait_for(timeout=10_000)
    shown = [" ".join(text.split()) for text in items.all_inner_texts()]
    raw = [text for text in shown if text in names and names[text] != text]
    unknown = [text for text in shown if text and text not in names.values()]
    if raw or unknown or not shown:
        fail(
            f"the device class list of {title!r} shows raw keys {raw[:8]} and names not in "
            f"en.json {unknown[:8]} ({len(shown)} items)"
        )
    expect_clean(run, f"the datapoint options of {title!r}")
    say(f"  datapoint options of {title!r}: {len(shown)} device classes, all translated")


def check_gizwits_action(run: Run) -> None:
    """Developer tools shows cniot.gizwits_set_datapoints with readable field texts."""
    demo = need_demo(run)
    service = translation(demo.en, "services", "gizwits_set_datapoints") or {}
    run.goto("/developer-tools/action")
    picker = run.page.locator("ha-service-picker").first
    picker.click()
    search = picker.locator("input").first
    search.wait_for(state="visible", timeout=10_000)
    search.fill(f"{DOMAIN}.gizwits_set_datapoints")
    run.page.get_by_role(
        "option", name=re.compile(service.get("name", "Set datapoints"))
    ).first.click()
    attrs = icu_text(str(translation(service, "fields", "attrs", "description")))
    # The description, or the translation error shown in its place.
    wait_until(lambda: attrs in (text := run.text()) or bad_text(text), 10)
    expect_clean(run, "Developer tools → Actions → cniot.gizwits_set_datapoints")
    if attrs not in run.text():
        fail(f"the action's Datapoints field does not show {attrs!r}")
    say(f"  action {DOMAIN}.gizwits_set_datapoints: field descriptions read as text")


def _energy_sensors(run: Run, vendor: str) -> list[dict[str, Any]]:
    """The vendor's enabled energy sensors, by entry (unique IDs differ per vendor)."""
    demo = need_demo(run)
    return [
        e
        for e in demo.entity(
            lambda e: (
                e["entity_id"].startswith("sensor.")
                and demo.vendor_of_entry.get(e["config_entry_id"] or "") == vendor
            )
        )
        if run.attributes(e["entity_id"]).get("device_class") == "energy"
    ]


def _picker_misses(run: Run, button: str, sensors: list[dict[str, Any]]) -> list[str]:
    """Open an Energy configuration dialog's statistic picker; the sensors it does not offer."""
    demo = need_demo(run)
    run.goto("/config/energy")
    run.page.get_by_role("button", name=button).first.click()
    run.page.locator("ha-statistic-picker").first.click()
    options = run.page.get_by_role("option")
    options.first.wait_for(timeout=15_000)
    # Each option: the entity's name, then "area ▸ device".
    offered = [[line.strip() for line in o.splitlines()] for o in options.all_inner_texts()]
    missing = []
    for sensor in sensors:
        name = entity_name(demo, sensor)
        device = demo.devices.get(sensor["device_id"] or "", {}).get("name", "")
        if not any(
            name and name.match(lines[0]) and device in " ".join(lines[1:]) for lines in offered
        ):
            missing.append(sensor["entity_id"])
    if missing:
        say(f"  the picker offers {offered}")
    return missing


def check_energy(run: Run) -> None:
    """The Energy configuration's solar production picker offers the TUMS energy sensors."""
    sensors = _energy_sensors(run, "tums")
    if not sensors:
        fail("the TUMS entry has no energy sensor")
    missing = _picker_misses(run, "Add solar production", sensors)
    if missing:
        fail(f"the solar production picker does not offer {missing}")
    expect_clean(run, "the Energy configuration's solar production dialog")
    say(f"  energy: the solar production picker offers {len(sensors)} TUMS energy sensors")


def check_energy_devices(run: Run) -> None:
    """The Energy configuration's device picker offers Gizwits and Xlink kWh datapoints.

    Their schemas carry no device class (Gizwits not even a unit): the datapoint's name or
    unit makes them energy meters from the first state, so no option needs setting.
    """
    found = {}
    for vendor in ("gizwits", "xlink"):
        sensors = _energy_sensors(run, vendor)
        if not sensors:
            fail(f"the {vendor} entries have no energy sensor")
        found[vendor] = sensors
    # One of each is enough: the list is long and every meter is made the same way.
    missing = _picker_misses(run, "Add device", [found["gizwits"][0], found["xlink"][0]])
    if missing:
        fail(f"the individual devices picker does not offer {missing}")
    expect_clean(run, "the Energy configuration's individual device dialog")
    say(
        f"  energy: the device picker offers Gizwits and Xlink energy sensors "
        f"({len(found['gizwits'])} and {len(found['xlink'])} in the demo)"
    )


def localize(run: Run, key: str) -> str:
    """A frontend string in the page's language."""
    return str(
        run.page.evaluate("(k) => document.querySelector('home-assistant').hass.localize(k)", key)
    )


def check_repairs(run: Run) -> None:
    """Settings -> Repairs is empty: the untouched demo raises no repair issue.

    Only a suggestion Home Assistant makes about this machine (an offline machine cannot
    reach the Marketplace catalog) may be there; it is named in the output.
    """
    issues = [
        issue
        for issue in run.ws({"type": "repairs/list_issues"}).get("issues", [])
        if not issue.get("ignored")
    ]
    ours = [issue for issue in issues if not is_machine_issue(issue)]
    if ours:
        fail(f"{len(ours)} repair issue(s): " + "; ".join(describe_issue(i) for i in ours))
    run.goto("/config/repairs")
    if issues:
        names = "; ".join(describe_issue(i) for i in issues)
        say(f"  no repair issue of the demo; only this machine's: {names}")
        return
    empty = localize(run, "ui.panel.config.repairs.no_repairs")
    if not wait_until(lambda: empty and empty in run.text(), 10):
        fail(f"the repairs page does not say {empty!r}")
    expect_clean(run, "the repairs page")
    say(f"  the repairs page says {empty!r}; Home Assistant lists no issue")


# The name of the automation the e2e saves through the editor, and removes again.
AUTOMATION_NAME = "cniot e2e: person at the demo camera"


def _automation_yaml(run: Run) -> str:
    """An automation on a trigger the editor offers for the TUMS demo camera."""
    demo = need_demo(run)
    camera = next(
        (
            d
            for d in demo.devices.values()
            if demo.vendor_of_device(d) == "tums"
            and any(TUMS_DEMO_CAMERA in str(i) for _domain, i in d.get("identifiers", []))
        ),
        None,
    )
    if camera is None:
        fail(f"no device for the TUMS demo camera {TUMS_DEMO_CAMERA}")
    triggers = run.ws({"type": "device_automation/trigger/list", "device_id": camera["id"]})
    if not triggers:
        fail(f"the editor offers no trigger for {camera['name']!r}")
    trigger = next((t for t in triggers if "human" in str(t.get("type"))), triggers[0])
    lines = ["triggers:", "  - trigger: device"]
    lines += [
        f"    {key}: {json.dumps(value)}"
        for key, value in trigger.items()
        if key not in {"platform", "trigger"} and value is not None
    ]
    lines += ["conditions: []", "actions:", "  - delay: 0", "mode: single"]
    return "\n".join(lines) + "\n"


def _automation_states(run: Run) -> dict[str, dict[str, Any]]:
    """Automation entities by their name, with their attributes (``id`` among them)."""
    states = run.page.evaluate(
        "() => Object.values(document.querySelector('home-assistant').hass.states)"
        ".filter((s) => s.entity_id.startsWith('automation.'))"
        ".map((s) => s.attributes)"
    )
    return {str(a.get("friendly_name")): dict(a) for a in states}


def check_automation(run: Run) -> None:
    """An automation saved in the editor is listed after the page is reloaded."""
    config_yaml = _automation_yaml(run)
    save = localize(run, "ui.common.save")
    run.goto("/config/automation/edit/new")
    run.page.get_by_role("button", name=localize(run, "ui.common.menu")).first.click()
    run.page.get_by_role(
        "menuitem", name=localize(run, "ui.panel.config.automation.editor.edit_yaml")
    ).first.click()
    code = run.page.locator("ha-automation-editor ha-code-editor .cm-content").first
    code.wait_for(timeout=15_000)
    code.fill(config_yaml)
    run.page.get_by_text(save, exact=True).first.click()  # the editor's Save button
    dialog = run.page.locator("ha-dialog-automation-save")
    dialog.get_by_role("textbox").first.fill(AUTOMATION_NAME)
    dialog.get_by_role("button", name=save).last.click()
    saved = wait_until(lambda: _automation_states(run).get(AUTOMATION_NAME), 15)
    if not saved:
        fail(
            f"the automation {AUTOMATION_NAME!r} was saved in the editor, but Home Assistant "
            f"did not load it (is automations.yaml included?); it has {list(_automation_states(run))}"
        )
    try:
        run.goto("/config/automation/dashboard")
        run.page.reload()
        run.wait_connected()
        run.page.wait_for_load_state("networkidle")
        if not wait_until(lambda: AUTOMATION_NAME in run.text(), 15):
            fail(f"the automation {AUTOMATION_NAME!r} is not listed after a reload of the page")
        expect_clean(run, "the automations page")
        say(f"  the automation {AUTOMATION_NAME!r}, saved in the editor, is listed after a reload")
    finally:
        # The demo stays untouched: the saved automation goes again.
        run.page.evaluate(
            "(i) => document.querySelector('home-assistant').hass"
            ".callApi('DELETE', 'config/automation/config/' + i)",
            str(saved.get("id")),
        )


# An error of the integration, or a string the frontend could not format (it reports
# those to Home Assistant's log), logged while the pages were shown.
LOG_PROBLEM = re.compile(
    r"^\S+ \S+ (?:ERROR|CRITICAL) .*cniot|Failed to format translation|MISSING_VALUE|MALFORMED"
)


# What a user types into Add integration, the UI language, and the platform whose menu
# option must then read plainly (None: any). The frontend's search (Fuse, threshold 0.2,
# distance 100) only matches a word that starts within the first 20 characters of a custom
# integration's name, so the name leads with the vendors (README, "Installation").
SEARCHES: tuple[tuple[str, str, str | None], ...] = (
    ("Gizwits", "en", "gizwits"),
    ("Xlink", "en", "xlink"),
    ("TP-LINK", "en", "tums"),
    ("cniot", "en", None),
    ("机智云", "zh-Hans", "gizwits"),
    ("云智易", "zh-Hans", "xlink"),
    ("TP-LINK", "zh-Hans", "tums"),
)


def set_language(run: Run, language: str) -> None:
    """The user's profile language, as the profile page stores it in the browser."""
    run.page.evaluate(
        "(l) => localStorage.setItem('selectedLanguage', JSON.stringify(l))", language
    )


def search_and_open(run: Run, term: str, name: str) -> None:
    """Add integration: type ``term``, find the integration by its name, open it."""
    run.goto("/config/integrations/dashboard")
    label = str(
        run.page.evaluate(
            "() => document.querySelector('home-assistant').hass"
            ".localize('ui.panel.config.integrations.add_integration')"
        )
    )
    run.page.get_by_role("button", name=label).first.click()
    dialog = run.page.locator("dialog-add-integration")
    search = dialog.locator("ha-input-search input, search-input input").first
    search.wait_for(timeout=15_000)
    search.fill(term)
    row = dialog.get_by_text(name, exact=True).first
    try:
        row.wait_for(timeout=10_000)
    except PlaywrightError:
        fail(f"Add integration: typing {term!r} does not list {name!r}")
    row.click()


def check_add_integration(run: Run) -> None:
    """Each vendor's name typed into Add integration finds cniot, whose menu offers it."""
    demo = need_demo(run)
    manifest = json.loads((ROOT / "custom_components" / DOMAIN / "manifest.json").read_text())
    name = str(manifest["name"])
    try:
        for term, language, vendor in SEARCHES:
            set_language(run, language)
            search_and_open(run, term, name)
            tree = demo.zh if language == "zh-Hans" else demo.en
            options = translation(tree, "config", "step", "user", "menu_options") or {}
            wanted = [options[vendor]] if vendor else list(options.values())
            flow = run.page.locator("dialog-data-entry-flow")
            for text in wanted:
                try:
                    flow.get_by_text(text, exact=True).first.wait_for(timeout=15_000)
                except PlaywrightError:
                    fail(f"after {term!r} ({language}) the first step does not offer {text!r}")
                if vendor and term.lower() not in text.lower():
                    fail(f"the {vendor} option {text!r} does not name {term!r}")
            expect_clean(run, f"the first step after {term!r} ({language})")
            say(f"  {language}: {term!r} finds {name!r}, which offers {' / '.join(wanted)}")
            run.close_dialogs()
    finally:
        set_language(run, "en")
        run.goto("/config/dashboard")


def check_log(run: Run) -> None:
    """Home Assistant's log has no cniot error and no unformattable string."""
    log = str(
        run.page.evaluate(
            "() => document.querySelector('home-assistant').hass"
            ".fetchWithAuth('/api/error_log').then((r) => r.text())"
        )
    )
    if "Home Assistant" not in log and "homeassistant" not in log:
        fail(f"/api/error_log did not return the log: {log[:200]!r}")
    problems = [line for line in log.splitlines() if LOG_PROBLEM.search(line)]
    if problems:
        fail(
            f"{len(problems)} problems in Home Assistant's log:\n    "
            + "\n    ".join(line[:300] for line in problems[:10])
        )
    say("  Home Assistant's log: no cniot error, no string the frontend could not format")


CHECKS: dict[str, Callable[[Run], None]] = {
    "device_pages": check_device_pages,
    "device_page_zh": check_device_page_zh,
    "icons": check_icons,
    "brand": check_brand,
    "add_integration": check_add_integration,
    "camera": check_camera,
    "picture_card": check_picture_card,
    "switch": check_switch,
    "tums_options": check_tums_options,
    "gizwits_options": check_gizwits_options,
    "gizwits_action": check_gizwits_action,
    "energy": check_energy,
    "energy_devices": check_energy_devices,
    "repairs": check_repairs,
    "automation": check_automation,
    "log": check_log,  # last: it covers what the other checks showed
}


def run_checks(run: Run, names: Iterable[str], username: str, password: str) -> None:
    """Log in, then run each check; a failure is recorded and the next check runs."""
    for name, step in [("login", None), *((n, CHECKS[n]) for n in names)]:
        say(f"check {name}")
        try:
            if step is None:
                login(run, username, password)
                run.demo = load_demo(run)
            else:
                step(run)
        except (CheckFailedError, PlaywrightError) as err:
            message = str(err) if isinstance(err, CheckFailedError) else err.message
            run.failures.append((name, message))
            say(f"  FAILED: {message}")
            run.save(name)
            if step is None:
                return  # nothing else can run without a login
        run.close_dialogs()  # the options form is left unsaved: nothing changes


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="e2e_helper", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=HA_URL, help="Home Assistant (default %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / ".e2e", help="where failures go")
    parser.add_argument("--user", default=USERNAME)
    parser.add_argument("--password", default=PASSWORD)
    parser.add_argument("--chromium", default=CHROMIUM, help="the browser (%(default)s)")
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    parser.add_argument(
        "--only", action="append", choices=sorted(CHECKS), help="run only this check (repeatable)"
    )
    args = parser.parse_args(argv)
    # scripts/e2e stops this with SIGTERM: leave through the context managers, which
    # close the browser and Playwright's driver.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    names = args.only or list(CHECKS)
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium,
            headless=not args.headed,
            # Let the camera's stream start muted without a click, as the dialog intends.
            args=["--autoplay-policy=no-user-gesture-required"],
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
            context.set_default_timeout(30_000)
            run = Run(page=context.new_page(), url=args.url.rstrip("/"), out=args.out)
            run_checks(run, names, args.user, args.password)
        finally:
            browser.close()
    took = time.monotonic() - started
    if run.failures:
        say(f"FAILED {len(run.failures)} of {len(names) + 1} checks ({took:.0f} s):")
        for name, message in run.failures:
            say(f"  {name}: {message.splitlines()[0]}")
        say(f"screenshots and page texts: {args.out}")
        return 1
    say(f"OK: {len(names) + 1} checks passed in {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
