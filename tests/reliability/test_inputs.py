"""Input boundaries: server URLs in the config flow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from hypothesis import given, settings, strategies as st
import pytest
import yarl

from custom_components.cniot.client.http import normalize_base_url
from custom_components.cniot.const import CONF_URL, DOMAIN

TRANSLATIONS = Path(__file__).parents[2] / "custom_components/cniot/translations"

BAD_URLS = [
    "ftp://192.168.1.10",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "gopher://host:70",
    "http://",
    "https:///path",
    "http://exa mple.com",
    "http://host\x00name",
    "http://user:secret@host",
    "http://host/?q=1",
    "http://host/#frag",
    "http://[::1",
    "http://host:99999",
    "http://-bad-.example",
    "http://a..b",
    "",
]
VENDOR_INPUT: dict[str, dict[str, Any]] = {
    "gateway": {},
    "gizwits": {
        "enterprise_id": "e",
        "enterprise_secret": "s",
        "product_key": "pk",
        "product_secret": "p",
    },
    "tums": {"access_key": "AK", "secret_key": "SK"},
}


@given(
    text=st.text(max_size=40)
    | st.builds(
        "{}{}{}".format,
        st.sampled_from(["http://", "https://", "ftp://", "", "HTTP://", "http:/"]),
        st.text(max_size=20),
        st.sampled_from(["", ":8501", ":0", ":x", "/api", "/a b", "?x", "#y"]),
    )
)
@settings(deadline=None)
def test_normalize_base_url(text: str) -> None:
    """Any text becomes an http(s) URL with a valid host, or is refused with ValueError."""
    try:
        url = normalize_base_url(text, default_port=8501)
    except ValueError:
        return
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https")
    assert parts.hostname
    assert not parts.username
    assert not parts.query
    assert not parts.fragment
    # The HTTP library takes it as it is.
    assert yarl.URL(url).host


@pytest.mark.parametrize("vendor", sorted(VENDOR_INPUT))
@pytest.mark.parametrize("url", BAD_URLS)
async def test_config_flow_refuses_urls(hass: HomeAssistant, vendor: str, url: str) -> None:
    """Refused in the form, under the URL field, before anything is sent."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": vendor}
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            "aiohttp.ClientSession._request",
            lambda *a, **k: pytest.fail("nothing may be sent for a refused URL"),
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**VENDOR_INPUT[vendor], CONF_URL: url}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "invalid_url"}


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_invalid_url_is_translated(language: str) -> None:
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text())
    assert strings["config"]["error"]["invalid_url"]
