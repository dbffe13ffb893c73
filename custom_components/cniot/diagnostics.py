"""Diagnostics, with secrets and exact locations redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_PASSWORD, CONF_USERNAME, CONF_VENDOR
from .vendor import CniotConfigEntry
from .vendors import VENDORS

# Redacted for every vendor; each vendor adds its own keys.
ALWAYS_REDACT = frozenset(
    {
        CONF_PASSWORD,
        CONF_USERNAME,
        "secret",
        "token",
        "latitude",
        "longitude",
        "lat",
        "lon",
    }
)


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CniotConfigEntry
) -> dict[str, Any]:
    """Diagnostics for a config entry."""
    spec = VENDORS[entry.data[CONF_VENDOR]]
    redact = ALWAYS_REDACT | spec.redact
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), redact),
            "options": async_redact_data(dict(entry.options), redact),
        },
        "vendor": async_redact_data(await entry.runtime_data.async_diagnostics(), redact),
    }
