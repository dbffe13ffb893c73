"""TUMS actions: operations a TUMS console user runs on devices."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..actions import TranslatedInvalid, async_register_actions, device_and_runtime
from ..const import ATTR_DEVICE_ID, DOMAIN
from .camera import has_camera
from .codes import AlarmType, DeviceCategory, StreamResolution, StreamType
from .models import Device
from .runtime import TumsRuntime

ATTR_NAME = "name"
ATTR_STREAM_TYPE = "stream_type"
ATTR_RESOLUTION = "resolution"
ATTR_INDEX = "index"
ATTR_CONFIRM = "confirm"
ATTR_ON = "on"
ATTR_ALARM_TYPES = "alarm_types"
ATTR_ENABLED = "enabled"
ATTR_PORT = "port"
ATTR_START = "start"
ATTR_END = "end"
ATTR_LOAD = "load"

SERVICE_REBOOT = "tums_reboot"
SERVICE_RENAME = "tums_rename_device"
SERVICE_UPGRADE = "tums_upgrade_firmware"
SERVICE_CHECK_FIRMWARE = "tums_check_firmware"
SERVICE_STREAM_URL = "tums_get_stream_url"
SERVICE_FORMAT = "tums_format_storage"
SERVICE_TRIGGER_ALARM = "tums_trigger_alarm"
SERVICE_DETECTION = "tums_set_detection"
SERVICE_ALARM_IO = "tums_set_alarm_io"
SERVICE_SOLAR_SCHEDULE = "tums_set_solar_schedule"

# "10个中文字符、32个英文字符" (1.4.3.20): a Chinese character takes a tenth of the
# limit, a Latin one a thirty-second. Weights 16 and 5 of 160 keep that exact.
NAME_BUDGET = 160
WIDE_WEIGHT = 16
NARROW_WEIGHT = 5
MAX_ALARM_TYPES = 10
ALARM_TYPE_OPTIONS = [alarm.name.lower() for alarm in AlarmType]
RESOLUTION_OPTIONS = [resolution.name.lower() for resolution in StreamResolution]
STREAM_TYPE_OPTIONS = [str(stream) for stream in StreamType]


def name_fits(name: str) -> bool:
    """Within 10 Chinese or 32 Latin characters, mixed in proportion."""
    weight = sum(NARROW_WEIGHT if char.isascii() else WIDE_WEIGHT for char in name)
    return weight <= NAME_BUDGET


def _name(value: object) -> str:
    text = cv.string(value).strip()
    if not text or not name_fits(text):
        raise vol.Invalid("1 to 10 Chinese or 32 Latin characters")
    return text


def _confirmed(value: object) -> bool:
    if cv.boolean(value) is not True:
        raise TranslatedInvalid("tums_format_unconfirmed")
    return True


_DEVICES = vol.All(cv.ensure_list, [cv.string], vol.Length(min=1))

SCHEMAS: dict[str, vol.Schema] = {
    SERVICE_REBOOT: vol.Schema({vol.Required(ATTR_DEVICE_ID): _DEVICES}),
    SERVICE_RENAME: vol.Schema(
        {vol.Required(ATTR_DEVICE_ID): cv.string, vol.Required(ATTR_NAME): _name}
    ),
    SERVICE_UPGRADE: vol.Schema({vol.Required(ATTR_DEVICE_ID): _DEVICES}),
    SERVICE_CHECK_FIRMWARE: vol.Schema({vol.Required(ATTR_DEVICE_ID): _DEVICES}),
    SERVICE_STREAM_URL: vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): cv.string,
            vol.Optional(ATTR_STREAM_TYPE, default="video"): vol.In(STREAM_TYPE_OPTIONS),
            vol.Optional(ATTR_RESOLUTION): vol.In(RESOLUTION_OPTIONS),
        }
    ),
    SERVICE_FORMAT: vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): cv.string,
            vol.Optional(ATTR_INDEX, default=1): vol.All(vol.Coerce(int), vol.Range(1, 16)),
            vol.Required(ATTR_CONFIRM): _confirmed,
        }
    ),
    SERVICE_TRIGGER_ALARM: vol.Schema(
        {vol.Required(ATTR_DEVICE_ID): cv.string, vol.Required(ATTR_ON): cv.boolean}
    ),
    SERVICE_DETECTION: vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required(ATTR_ALARM_TYPES): vol.All(
                cv.ensure_list,
                [vol.In(ALARM_TYPE_OPTIONS)],
                vol.Length(min=1, max=MAX_ALARM_TYPES),
            ),
            vol.Required(ATTR_ENABLED): cv.boolean,
        }
    ),
    SERVICE_ALARM_IO: vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required(ATTR_PORT): vol.In(["input", "output"]),
            vol.Required(ATTR_ENABLED): cv.boolean,
        }
    ),
    SERVICE_SOLAR_SCHEDULE: vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): cv.string,
            vol.Required(ATTR_START): cv.time,
            vol.Required(ATTR_END): cv.time,
            vol.Required(ATTR_ENABLED): cv.boolean,
            vol.Optional(ATTR_LOAD): vol.All(cv.string, vol.Length(min=1, max=8)),
        }
    ),
}


def _targets(hass: HomeAssistant, device_ids: list[str]) -> tuple[TumsRuntime, list[Device]]:
    runtime: TumsRuntime | None = None
    devices: list[Device] = []
    # The schema guarantees at least one device id.
    for device_id in device_ids:
        registry_device, entry_runtime = device_and_runtime(hass, device_id, TumsRuntime)
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


def _target(hass: HomeAssistant, device_id: str) -> tuple[TumsRuntime, Device]:
    runtime, [device] = _targets(hass, [device_id])
    return runtime, device


def _unsuitable(devices: list[Device], key: str = "tums_unsuitable_device") -> None:
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"devices": ", ".join(d.name or d.key for d in devices)},
    )


def _cameras(devices: list[Device]) -> None:
    if wrong := [d for d in devices if not has_camera(d)]:
        _unsuitable(wrong)


async def _reboot(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, devices = _targets(hass, call.data[ATTR_DEVICE_ID])
    if channels := [d for d in devices if d.is_child and d.channel_id is not None]:
        _unsuitable(channels, "tums_channel_reboot")
    await runtime.operations.async_reboot(devices)


async def _rename(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, device = _target(hass, call.data[ATTR_DEVICE_ID])
    await runtime.operations.async_rename(device, call.data[ATTR_NAME])


async def _upgrade(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, devices = _targets(hass, call.data[ATTR_DEVICE_ID])
    await runtime.operations.async_upgrade(devices)


async def _check_firmware(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, devices = _targets(hass, call.data[ATTR_DEVICE_ID])
    await runtime.operations.async_check_firmware(devices)


async def _stream_url(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    runtime, device = _target(hass, call.data[ATTR_DEVICE_ID])
    _cameras([device])
    resolution = call.data.get(ATTR_RESOLUTION)
    stream_type = call.data[ATTR_STREAM_TYPE]
    url = await runtime.operations.async_stream_url(
        device,
        stream_type,
        StreamResolution[resolution.upper()] if resolution else None,
    )
    return {"url": url, "stream_type": stream_type}


async def _format(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, device = _target(hass, call.data[ATTR_DEVICE_ID])
    await runtime.capabilities.async_require([device], "local_storage")
    await runtime.operations.async_format_storage(device, call.data[ATTR_INDEX])


async def _trigger_alarm(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, device = _target(hass, call.data[ATTR_DEVICE_ID])
    _cameras([device])
    # "手动触发报警输出" (1.4.8.2) drives the alarm output.
    await runtime.capabilities.async_require([device], "alarm_out_enable")
    await runtime.operations.async_trigger_alarm(device, call.data[ATTR_ON])


async def _detection(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, devices = _targets(hass, call.data[ATTR_DEVICE_ID])
    _cameras(devices)
    await runtime.capabilities.async_require(devices, "msg_push")
    types = [AlarmType[name.upper()] for name in dict.fromkeys(call.data[ATTR_ALARM_TYPES])]
    await runtime.operations.async_set_detection(devices, types, call.data[ATTR_ENABLED])


async def _alarm_io(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, devices = _targets(hass, call.data[ATTR_DEVICE_ID])
    _cameras(devices)
    output = call.data[ATTR_PORT] == "output"
    await runtime.capabilities.async_require(
        devices, "alarm_out_enable" if output else "alarm_in_enable"
    )
    await runtime.operations.async_set_alarm_io(
        devices, output=output, enabled=call.data[ATTR_ENABLED]
    )


async def _solar_schedule(hass: HomeAssistant, call: ServiceCall) -> None:
    runtime, device = _target(hass, call.data[ATTR_DEVICE_ID])
    if device.category is not DeviceCategory.SOLAR_POWER:
        _unsuitable([device])
    start, end = call.data[ATTR_START], call.data[ATTR_END]
    await runtime.operations.async_set_solar_supply(
        device,
        start=(start.hour, start.minute),
        end=(end.hour, end.minute),
        on=call.data[ATTR_ENABLED],
        load=call.data.get(ATTR_LOAD),
    )


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the TUMS actions."""
    none, only = SupportsResponse.NONE, SupportsResponse.ONLY
    async_register_actions(
        hass,
        {
            SERVICE_REBOOT: (SCHEMAS[SERVICE_REBOOT], _reboot, none),
            SERVICE_RENAME: (SCHEMAS[SERVICE_RENAME], _rename, none),
            SERVICE_UPGRADE: (SCHEMAS[SERVICE_UPGRADE], _upgrade, none),
            SERVICE_CHECK_FIRMWARE: (SCHEMAS[SERVICE_CHECK_FIRMWARE], _check_firmware, none),
            SERVICE_STREAM_URL: (SCHEMAS[SERVICE_STREAM_URL], _stream_url, only),
            SERVICE_FORMAT: (SCHEMAS[SERVICE_FORMAT], _format, none),
            SERVICE_TRIGGER_ALARM: (SCHEMAS[SERVICE_TRIGGER_ALARM], _trigger_alarm, none),
            SERVICE_DETECTION: (SCHEMAS[SERVICE_DETECTION], _detection, none),
            SERVICE_ALARM_IO: (SCHEMAS[SERVICE_ALARM_IO], _alarm_io, none),
            SERVICE_SOLAR_SCHEDULE: (SCHEMAS[SERVICE_SOLAR_SCHEDULE], _solar_schedule, none),
        },
        # Asking devices to look for firmware changes nothing; a stream URL is a credential.
        read_only={SERVICE_CHECK_FIRMWARE},
    )
