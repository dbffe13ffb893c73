"""Warn before Home Assistant refuses an entry's entities.

Home Assistant adds at most 10,000 enabled entities per config entry
(``MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY``); past that, new ones are silently
left out, with one log line per platform. A repair issue says so while the
entry is still short of the limit, and what to do.
"""

from __future__ import annotations

from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.entity_platform import MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY

from .const import DOMAIN, LOGGER

ISSUE_ENTITY_LIMIT: Final = "entity_limit"
# Raised at this share of the limit: room left for the devices still to come.
WARN_SHARE: Final = 0.9
# Entities are registered in bursts of thousands: count once the burst is over.
COOLDOWN: Final = 5.0


def entity_budget() -> int:
    """Enabled entities one entry may plan for: the share of the limit a repair warns at."""
    return int(MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY * WARN_SHARE)


def entity_limit() -> int:
    """Home Assistant's limit of enabled entities per entry (read here, and only here)."""
    return MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY


def issue_id(entry: ConfigEntry) -> str:
    """The entry's issue."""
    return f"{ISSUE_ENTITY_LIMIT}_{entry.entry_id}"


@callback
def async_check_entity_limit(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raise or clear the entry's issue from its enabled entities now."""
    limit = MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
    enabled = er.async_get(hass).entities.get_enabled_count_for_config_entry_id(entry.entry_id)
    if enabled < limit * WARN_SHARE:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING if enabled < limit else ir.IssueSeverity.ERROR,
        translation_key=ISSUE_ENTITY_LIMIT,
        translation_placeholders={
            "entry": entry.title,
            "count": str(enabled),
            "limit": str(limit),
        },
    )


@callback
def async_track_entity_limit(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Check now, and again whenever the entry's entities are added or enabled."""
    registry = er.async_get(hass)

    @callback
    def check() -> None:
        async_check_entity_limit(hass, entry)

    debouncer = Debouncer(hass, LOGGER, cooldown=COOLDOWN, immediate=False, function=check)

    @callback
    def changed(event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        if event.data["action"] == "remove":
            debouncer.async_schedule_call()
            return
        found = registry.async_get(event.data["entity_id"])
        if found is not None and found.config_entry_id == entry.entry_id:
            debouncer.async_schedule_call()

    entry.async_on_unload(hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, changed))
    entry.async_on_unload(debouncer.async_shutdown)
    entry.async_on_unload(lambda: ir.async_delete_issue(hass, DOMAIN, issue_id(entry)))
    async_check_entity_limit(hass, entry)
