"""The one repair issue of an application's restricted devices (no paid or trial plan)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from ..vendor import CniotConfigEntry
from .codes import OpenStatus
from .const import ISSUE_RESTRICTED, RESTRICTED_NAMES_SHOWN
from .coordinator import TumsData


class RestrictedDevicesIssue:
    """Devices without a paid or trial subscription share one repair issue per entry.

    One issue per device would flood Repairs for a fleet of expired trials.
    """

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        self.issue_id = f"{ISSUE_RESTRICTED}_{entry.entry_id}"
        self._restricted: set[str] = set()

    @callback
    def async_sync(self, data: TumsData) -> None:
        """Open, update or close the issue for the devices listed now."""
        restricted = {
            key
            for key, device in data.devices.items()
            if device.open_status is OpenStatus.RESTRICTED
        }
        if restricted == self._restricted:
            return
        self._restricted = restricted
        if not restricted:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
            return
        names = sorted(data.devices[key].name or key for key in restricted)
        shown = ", ".join(names[:RESTRICTED_NAMES_SHOWN])
        if len(names) > RESTRICTED_NAMES_SHOWN:
            shown += ", …"
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_RESTRICTED,
            translation_placeholders={
                "count": str(len(names)),
                "names": shown,
                "entry": self.entry.title,
            },
        )

    @callback
    def async_delete(self) -> None:
        """The entry unloads: its issue goes with it (and comes back at the next setup)."""
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        self._restricted = set()
