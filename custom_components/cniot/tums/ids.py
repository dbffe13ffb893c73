"""Every TUMS registry ID, built here and nowhere else: device identifiers and unique IDs.

Both carry the application's access key: a camera two applications see is a device
(and a set of entities) of each.
"""

from __future__ import annotations

from .codes import ApplicationType
from .models import Device


def device_identifier(access_key: str, key: str) -> str:
    """Device registry identifier of one TUMS device (qrCode, else MAC; children by parent)."""
    return f"tums:{access_key}:{key}"


def account_identifier(access_key: str) -> str:
    """Device registry identifier of the account's service device."""
    return f"tums:account:{access_key}"


def device_unique_id(access_key: str, key: str, entity_key: str) -> str:
    """Unique ID of one entity of one device."""
    return f"tums_{access_key}_{key}_{entity_key}"


def overview_unique_id(access_key: str, category: str, kind: str) -> str:
    """Unique ID of one application overview count (on the account's device)."""
    return f"tums_{access_key}_overview_{category}_{kind}"


def fleet_unique_id(access_key: str, kind: str) -> str:
    """Unique ID of the application's count of devices online or offline."""
    return f"tums_{access_key}_fleet_{kind}"


def parent_key(device: Device) -> str | None:
    """The key of the device a child (NVR channel, sub-device) hangs off."""
    if not device.is_child:
        return None
    return device.parent_qr_code or device.parent_mac


def entry_title(app_type: ApplicationType | str, access_key: str) -> str:
    """What the vendor calls it and the kind of application; the key's start tells two apart.

    The API gives applications no name. The title also names the account's service device
    and so the entity IDs; the unique ID stays the access key.
    """
    kind = "device" if str(app_type) == ApplicationType.DEVICE else "project"
    return f"TP-LINK Cloud {kind} application {access_key[:4]}"


def legacy_title(access_key: str) -> str:
    """The title entries were given before readable titles: the key's first 8 characters."""
    return f"TUMS {access_key[:8]}"
