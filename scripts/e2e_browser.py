"""The library of scripts/e2e_helper.py: the browser session, page text, demo data.

Home Assistant's UI is Web Components; Playwright's CSS locators pierce open shadow
roots, and TEXT_JS walks them for the page's text. Registries come through the
frontend's own WebSocket connection, so nothing here needs a token of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import json
from pathlib import Path
import re
import time
from typing import Any, NoReturn

from playwright.sync_api import Error as PlaywrightError, Locator, Page

from scripts.e2e_text import bad_text, name_pattern, translation

DOMAIN = "cniot"
HA_URL = "http://127.0.0.1:8123"
USERNAME = "demo"
PASSWORD = "demo-cniot"  # noqa: S105 - the documented login of a loopback-only demo
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "custom_components" / DOMAIN / "translations"
VENDORS = ("gateway", "gizwits", "tums", "xlink")
# The TUMS simulator's demo camera (simulator/tums/state.py), the one checked first.
TUMS_DEMO_CAMERA = "16E0091709B04C926"

# Every piece of text under a root, open shadow roots included, plus the attributes
# Home Assistant's components render as text (labels, helpers, alt texts).
TEXT_JS = """() => {
  const out = [];
  const attrs = ['label', 'helper', 'alt', 'title', 'aria-label', 'placeholder'];
  const walk = (root) => {
    const tw = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = tw.currentNode; n; n = tw.nextNode()) {
      if (n.nodeType === Node.TEXT_NODE) {
        const parent = n.parentNode ? n.parentNode.nodeName : '';
        const t = n.textContent.trim();
        if (t && parent !== 'STYLE' && parent !== 'SCRIPT') out.push(t);
        continue;
      }
      for (const a of attrs) {
        const v = n.getAttribute ? n.getAttribute(a) : null;
        if (v) out.push(v);
      }
      if (n.shadowRoot) walk(n.shadowRoot);
    }
  };
  walk(document.body);
  return out.join('\\n');
}"""

# Images and videos inside the more-info dialog (through shadow roots).
MEDIA_JS = """() => {
  const found = {imgs: [], videos: []};
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'IMG') found.imgs.push({src: el.src, width: el.naturalWidth});
      if (el.tagName === 'VIDEO') found.videos.push({
        time: el.currentTime, paused: el.paused, ready: el.readyState,
        poster: el.poster || '', player: el.getRootNode().host ? el.getRootNode().host.tagName : ''
      });
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  const dialog = document.querySelector('home-assistant').shadowRoot
    .querySelector('ha-more-info-dialog');
  if (dialog) walk(dialog.shadowRoot || dialog);
  return found;
}"""

# Load a picture as an <img> would (same origin, the page's cookies); its natural width.
IMAGE_WIDTH_JS = """(src) => new Promise((resolve) => {
  const img = new Image();
  img.onload = () => resolve(img.naturalWidth);
  img.onerror = () => resolve(0);
  img.src = src;
})"""

# Every <img> of the page, through shadow roots: its address and natural width.
IMAGES_JS = """() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'IMG') found.push({src: el.src, width: el.naturalWidth});
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}"""


class CheckFailedError(Exception):
    """A check found something a user would see wrong."""


def fail(message: str) -> NoReturn:
    """Fail the running check with a message for the report."""
    raise CheckFailedError(message)


def say(message: str) -> None:
    """Progress output, in the style of scripts/e2e."""
    print(f"[e2e] {message}", flush=True)  # noqa: T201


@dataclass
class Demo:
    """What the checks look up once: registries, entries by vendor, translations."""

    entities: list[dict[str, Any]]
    devices: dict[str, dict[str, Any]]
    entries: dict[str, dict[str, Any]]
    vendor_of_entry: dict[str, str]
    en: dict[str, Any]
    zh: dict[str, Any]

    def vendor_of_device(self, device: Mapping[str, Any]) -> str | None:
        """The vendor in a cniot device identifier (``vendor:entry:id``)."""
        for domain, identifier in device.get("identifiers", []):
            if domain == DOMAIN:
                return str(identifier).split(":", 1)[0]
        return None

    def device_entities(self, device_id: str) -> list[dict[str, Any]]:
        """Enabled, visible cniot entities of a device."""
        return [
            e
            for e in self.entities
            if e["device_id"] == device_id and not e["disabled_by"] and not e["hidden_by"]
        ]

    def entity(self, predicate: Callable[[Mapping[str, Any]], bool]) -> list[dict[str, Any]]:
        """Enabled cniot entities matching a predicate."""
        return [e for e in self.entities if not e["disabled_by"] and predicate(e)]


@dataclass
class Run:
    """One browser session and the results of its checks."""

    page: Page
    url: str
    out: Path
    demo: Demo | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)

    def goto(self, path: str) -> None:
        """Open a frontend page and wait until it is connected and idle."""
        self.page.goto(self.url + path)
        self.wait_connected()
        self.page.wait_for_load_state("networkidle")

    def wait_connected(self, timeout: float = 60) -> None:
        """Wait until the frontend has its Home Assistant connection."""
        self.page.wait_for_function(
            "() => { const h = document.querySelector('home-assistant');"
            " return !!(h && h.hass && h.hass.connected && h.hass.states); }",
            timeout=timeout * 1000,
        )

    def ws(self, message: Mapping[str, Any]) -> Any:
        """A WebSocket command on the frontend's own connection."""
        return self.page.evaluate(
            "(m) => document.querySelector('home-assistant').hass.callWS(m)", dict(message)
        )

    def states(self) -> dict[str, str]:
        """Every entity's state as the frontend holds it."""
        value = self.page.evaluate(
            "() => Object.fromEntries(Object.entries("
            "document.querySelector('home-assistant').hass.states)"
            ".map(([e, s]) => [e, s.state]))"
        )
        return {str(k): str(v) for k, v in dict(value).items()}

    def state(self, entity_id: str) -> str | None:
        """An entity's state as the frontend holds it."""
        value = self.page.evaluate(
            "(e) => { const s = document.querySelector('home-assistant').hass.states[e];"
            " return s ? s.state : null; }",
            entity_id,
        )
        return None if value is None else str(value)

    def attributes(self, entity_id: str) -> dict[str, Any]:
        """An entity's attributes as the frontend holds them."""
        value = self.page.evaluate(
            "(e) => { const s = document.querySelector('home-assistant').hass.states[e];"
            " return s ? s.attributes : {}; }",
            entity_id,
        )
        return dict(value) if isinstance(value, dict) else {}

    def text(self) -> str:
        """All text of the page, shadow DOM included."""
        return str(self.page.evaluate(TEXT_JS))

    def more_info(self, entity_id: str) -> Locator:
        """Open an entity's more-info dialog, as a click on the entity does."""
        self.page.evaluate(
            "(e) => document.querySelector('home-assistant').dispatchEvent(new CustomEvent("
            "'hass-more-info', {detail: {entityId: e}, bubbles: true, composed: true}))",
            entity_id,
        )
        dialog = self.page.locator("ha-more-info-dialog")
        dialog.get_by_role("dialog").first.wait_for(state="visible", timeout=15_000)
        return dialog

    def close_dialogs(self) -> None:
        """Close whatever dialog is open (Escape, as a user would)."""
        for _ in range(3):
            self.page.keyboard.press("Escape")
            time.sleep(0.3)

    def save(self, name: str) -> None:
        """Keep a screenshot and the page text for a failed check."""
        self.out.mkdir(parents=True, exist_ok=True)
        try:
            self.page.screenshot(path=str(self.out / f"{name}.png"), full_page=True)
            (self.out / f"{name}.txt").write_text(self.text(), encoding="utf-8")
        except PlaywrightError as err:
            say(f"  (could not save the page for {name}: {err.message.splitlines()[0]})")


# --- helpers ----------------------------------------------------------------------------


def expect_clean(run: Run, where: str) -> None:
    """Fail when the page shows a translation error or raw key."""
    bad = bad_text(run.text())
    if bad:
        fail(f"{where} shows untranslated text:\n    " + "\n    ".join(bad[:10]))


def wait_until(
    probe: Callable[[], Any], timeout: float, interval: float = 0.5
) -> Any:  # the probe's truthy result, or its last one
    """Call probe until it returns something truthy or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def login(run: Run, username: str, password: str) -> None:
    """Log in through Home Assistant's own login page."""
    run.page.goto(run.url + "/")
    run.page.wait_for_url("**/auth/authorize**", timeout=60_000)
    run.page.get_by_role("textbox", name="Username").fill(username)
    run.page.get_by_role("textbox", name="Password").fill(password)
    run.page.get_by_role("button", name="Log in").click()
    run.wait_connected()
    # Home Assistant 2026.11 asks to confirm the http: settings it moved from YAML to
    # storage, and restarts with its old ones 5 minutes later if nobody does.
    dialog = run.page.locator("dialog-http-pending-config")
    try:
        dialog.get_by_role("button", name="Confirm").click(timeout=8_000)
        say("  confirmed the HTTP server configuration Home Assistant asked about")
    except PlaywrightError:
        pass


def load_demo(run: Run) -> Demo:
    """Registries, entries by vendor and the translation files."""
    entities = [
        e for e in run.ws({"type": "config/entity_registry/list"}) if e["platform"] == DOMAIN
    ]
    devices = {d["id"]: d for d in run.ws({"type": "config/device_registry/list"})}
    entries = {e["entry_id"]: e for e in run.ws({"type": "config_entries/get", "domain": DOMAIN})}
    demo = Demo(
        entities=entities,
        devices={},
        entries=entries,
        vendor_of_entry={},
        en=json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8")),
        zh=json.loads((TRANSLATIONS / "zh-Hans.json").read_text(encoding="utf-8")),
    )
    for device_id, device in devices.items():
        vendor = demo.vendor_of_device(device)
        if vendor is not None:
            demo.devices[device_id] = device
            for entry_id in device.get("config_entries", []):
                demo.vendor_of_entry[entry_id] = vendor
    missing = [v for v in VENDORS if v not in demo.vendor_of_entry.values()]
    if missing:
        fail(f"no devices of {', '.join(missing)}: is every demo entry loaded?")
    return demo


def need_demo(run: Run) -> Demo:
    """The demo data, loaded by the first check."""
    if run.demo is None:
        fail("the demo's registries could not be read")
    return run.demo


def entity_name(demo: Demo, entity: Mapping[str, Any]) -> re.Pattern[str] | None:
    """What the device page must show as the entity's name (None: Home Assistant's own)."""
    key = entity.get("translation_key")
    if key:
        domain = entity["entity_id"].split(".", 1)[0]
        template = translation(demo.en, "entity", domain, key, "name")
        if not isinstance(template, str):
            fail(f"{entity['entity_id']}: translation_key {key!r} has no name in en.json")
        return name_pattern(template)
    name = entity.get("original_name")
    return re.compile("^" + re.escape(name) + "$") if name else None
