"""Device look-ups for tests that work on every supported Home Assistant release."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er


def lookup_device(
    registry: dr.DeviceRegistry, identifiers: set[tuple[str, str]]
) -> dr.DeviceEntry | None:
    """The device carrying any of ``identifiers`` (each test has one entry per identifier).

    ``DeviceRegistry.async_get_device`` is deprecated from 2026.8 on; its per-entry
    replacement needs the entry.
    """
    # 2026.8 keeps the devices in a mapping of ids to entries; 2026.10 wraps it in a view
    # that iterates the entries and reports mapping use as deprecated.
    devices = registry.devices
    entries = devices.values() if isinstance(devices, Mapping) else devices
    for device in entries:
        if device.identifiers & identifiers:
            return device
    return None


def entity_id_of(hass: HomeAssistant, domain: str, unique_id_suffix: str) -> str:
    """The entity ID of the entity whose unique ID ends with ``unique_id_suffix``.

    Tests name entities by unique ID: newer releases put a device's area into the
    entity IDs they derive, so those differ between the supported releases.
    """
    found = [
        entry.entity_id
        for entry in er.async_get(hass).entities.values()
        if entry.domain == domain and entry.unique_id.endswith(unique_id_suffix)
    ]
    assert len(found) == 1, (domain, unique_id_suffix, found)
    return found[0]


def data_when_removed(
    hass: HomeAssistant, device: dr.DeviceEntry, data: Callable[[], object]
) -> list[object]:
    """What ``data()`` returned each time ``device`` left the registry.

    Pruning from a coordinator listener runs after the refresh has published its data;
    pruning inside the fetch would still see the data of the refresh before.
    """
    seen: list[object] = []

    @callback
    def _removed(event: Event[dr.EventDeviceRegistryUpdatedData]) -> None:
        if event.data["action"] == "remove" and event.data["device_id"] == device.id:
            seen.append(data())

    hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, _removed)
    return seen
