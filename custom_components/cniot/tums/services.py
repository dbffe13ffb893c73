"""TUMS actions: reboot and rename devices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..actions import ActionSchema, async_register_actions, device_and_entry
from ..const import ATTR_DEVICE_ID, DOMAIN, VENDOR_TUMS
from .models import Device

if TYPE_CHECKING:
    from .runtime import TumsRuntime

ATTR_NAME = "name"
SERVICE_REBOOT = "tums_reboot"
SERVICE_RENAME = "tums_rename_device"
# The document limits device names to 32 bytes of UTF-8.
MAX_NAME_BYTES = 32


def _name(value: object) -> str:
    text = cv.string(value).strip()
    if not text or len(text.encode()) > MAX_NAME_BYTES:
        raise vol.Invalid("1 to 32 bytes")
    return text


SCHEMAS: dict[str, vol.Schema] = {
    SERVICE_REBOOT: ActionSchema(
        {vol.Required(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string], vol.Length(min=1))}
    ),
    SERVICE_RENAME: ActionSchema(
        {vol.Required(ATTR_DEVICE_ID): cv.string, vol.Required(ATTR_NAME): _name}
    ),
}


def _targets(hass: HomeAssistant, device_ids: list[str]) -> tuple[TumsRuntime, list[Device]]:
    runtime: TumsRuntime | None = None
    devices: list[Device] = []
    # The schema guarantees at least one device id.
    for device_id in device_ids:
        registry_device, entry = device_and_entry(hass, device_id, VENDOR_TUMS)
        entry_runtime: TumsRuntime = entry.runtime_data  # type: ignore[assignment]
        if runtime is not None and entry_runtime is not runtime:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="tums_mixed_entries"
            )
        runtime = entry_runtime
        key = runtime.key_for_identifiers(
            ident for domain, ident in registry_device.identifiers if domain == DOMAIN
        )
        if key is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="device_not_found",
                translation_placeholders={"device_id": device_id},
            )
        devices.append(runtime.coordinator.data.devices[key])
    if runtime is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="device_not_found",
            translation_placeholders={"device_id": ""},
        )
    return runtime, devices


async def _reboot(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, devices = _targets(hass, call.data[ATTR_DEVICE_ID])
    channels = [d.name or d.key for d in devices if d.is_child and d.channel_id is not None]
    if channels:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="tums_channel_reboot",
            translation_placeholders={"devices": ", ".join(channels)},
        )
    await runtime.async_reboot(devices)


async def _rename(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, [device] = _targets(hass, [call.data[ATTR_DEVICE_ID]])
    await runtime.async_rename(device, call.data[ATTR_NAME])


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the TUMS actions."""
    async_register_actions(
        hass,
        {
            SERVICE_REBOOT: (SCHEMAS[SERVICE_REBOOT], _reboot, SupportsResponse.NONE),
            SERVICE_RENAME: (SCHEMAS[SERVICE_RENAME], _rename, SupportsResponse.NONE),
        },
    )
