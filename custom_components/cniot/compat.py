"""The one bridge between the oldest supported Home Assistant (2026.2) and the current one.

From 2026.8 on a device belongs to a single config entry: devices are looked up per
entry, and a child names its parent by registry id (``via_device_id``) instead of by
identifier (``via_device``). The integration's device builders name parents by
identifier, as before; these helpers turn that into what the running release takes.

Delete this module, and use the 2026.8 API directly, once ``hacs.json`` requires 2026.8.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

if TYPE_CHECKING:
    # Type checking runs against the current release only. There ``voluptuous`` is an
    # alias of probatio, whose types HA's signatures name, and these classes live in
    # the modules below; their packages re-export them without ``__all__``.
    from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
    from homeassistant.components.button.const import ButtonDeviceClass
    from homeassistant.components.camera.const import CameraEntityFeature
    from homeassistant.components.device_tracker.entity import TrackerEntity
    import probatio as vol
else:
    # At run time these imports work on every supported release.
    from homeassistant.components.binary_sensor import BinarySensorDeviceClass
    from homeassistant.components.button import ButtonDeviceClass
    from homeassistant.components.camera import CameraEntityFeature
    from homeassistant.components.device_tracker import TrackerEntity
    import voluptuous as vol

__all__ = [
    "BinarySensorDeviceClass",
    "ButtonDeviceClass",
    "CameraEntityFeature",
    "TrackerEntity",
    "vol",
]

# Home Assistant >= 2026.8: per-entry device lookups and ``via_device_id``.
PER_ENTRY_DEVICES: Final = hasattr(dr.DeviceRegistry, "async_get_device_by_identifier")

_VIA_DEVICE: Final = "via_device"


def with_parent(info: DeviceInfo, parent: tuple[str, str]) -> DeviceInfo:
    """Name ``info``'s parent device by its identifier."""
    cast("dict[str, Any]", info)[_VIA_DEVICE] = parent
    return info


def parent_of(info: DeviceInfo | dr.ChildDeviceInfo) -> tuple[str, str] | None:
    """The identifier of the parent that ``with_parent`` named, if any."""
    parent: tuple[str, str] | None = cast("dict[str, Any]", info).get(_VIA_DEVICE)
    return parent


def for_registry[InfoT: DeviceInfo | dr.ChildDeviceInfo](
    registry: dr.DeviceRegistry, entry_id: str, info: InfoT
) -> InfoT:
    """``info`` as the running release's device registry takes it.

    On 2026.8 and later the parent identifier becomes the parent's registry id. A
    parent not registered yet links nothing on any release (devices.py registers
    parents first), where 2026.2 would warn that the link stops working.
    """
    parent = parent_of(info)
    if parent is None:
        return info
    if (device := get_device(registry, parent, entry_id)) is not None and not PER_ENTRY_DEVICES:
        return info
    linked: dict[str, Any] = {k: v for k, v in info.items() if k != _VIA_DEVICE}
    if device is not None:
        linked["via_device_id"] = device.id
    return cast("InfoT", linked)


def get_device(
    registry: dr.DeviceRegistry, identifier: tuple[str, str], entry_id: str
) -> dr.DeviceEntry | None:
    """The entry's device with ``identifier``."""
    if PER_ENTRY_DEVICES:
        return registry.async_get_device_by_identifier(identifier, entry_id)
    device = registry.async_get_device(identifiers={identifier})
    return device if device is not None and entry_id in entry_ids(device) else None


def main_device(registry: dr.DeviceRegistry, device_id: str) -> dr.DeviceEntry | None:
    """The (main, not child) device with this registry id."""
    device = registry.async_get(device_id)
    return device if isinstance(device, dr.DeviceEntry) else None


def entry_ids(device: dr.DeviceEntry) -> set[str]:
    """The config entries a device belongs to (one, from 2026.8 on)."""
    if PER_ENTRY_DEVICES:
        return {device.config_entry_id}
    return set(device.config_entries)
