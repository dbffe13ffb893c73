"""What each TUMS entity shows, and where its data comes from."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from functools import cache

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.button import ButtonDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfEnergy,
    UnitOfInformation,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.exceptions import ServiceValidationError

from ..const import DOMAIN
from .codes import (
    DeviceCategory,
    DeviceStatus,
    OpenStatus,
    SdCardStatus,
    SolarChargeStatus,
    TimingMode,
)
from .coordinator import tier_item
from .entity import (
    TumsBinarySensorDescription,
    TumsButtonDescription,
    TumsSensorDescription,
    TumsTierSelectDescription,
    TumsTierSensorDescription,
    TumsTierSwitchDescription,
    TumsTierTimeDescription,
)
from .interface import TumsEntityRuntime
from .models import Device
from .operations import TumsOperations
from .tier_models import PassengerFlow, SdCard, SolarSupplyTime
from .tiers import DeviceSettings, SolarState

TIER_SOLAR = "solar"
TIER_PASSENGER_FLOW = "flow"
TIER_SETTINGS = "settings"

STATUS_OPTIONS = [status.name.lower() for status in DeviceStatus]
SUBSCRIPTION_OPTIONS = [status.name.lower() for status in OpenStatus]
CHARGE_OPTIONS = [status.name.lower() for status in SolarChargeStatus]
SD_OPTIONS = [str(status) for status in SdCardStatus]
TIME_SYNC_OPTIONS = [str(mode) for mode in TimingMode]
# Day 0 of the reboot schedule is every day, 1-7 Monday to Sunday.
REBOOT_DAYS = [
    "every_day",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]


def _enum_name(value: object) -> str | None:
    name = getattr(value, "name", None)
    return name.lower() if isinstance(name, str) else None


# Diagnostic and rarely used entities are disabled by default, as core does: about 3.5
# enabled per device keep a 2,000-device account under Home Assistant's 10,000 enabled
# entities per config entry (what is over is refused). The status enum is disabled too:
# the connectivity sensor and the update entity show what it does.
DEVICE_SENSORS: tuple[TumsSensorDescription, ...] = (
    TumsSensorDescription(
        key="status",
        entity_registry_enabled_default=False,
        translation_key="tums_status",
        device_class=SensorDeviceClass.ENUM,
        options=STATUS_OPTIONS,
        value_fn=lambda d: _enum_name(d.status),
    ),
    TumsSensorDescription(
        key="ip",
        entity_registry_enabled_default=False,
        translation_key="ip_address",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.ip,
        exists_fn=lambda d: d.ip is not None,
    ),
    TumsSensorDescription(
        key="subscription",
        entity_registry_enabled_default=False,
        translation_key="subscription",
        device_class=SensorDeviceClass.ENUM,
        options=SUBSCRIPTION_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: _enum_name(d.open_status),
        exists_fn=lambda d: d.open_status is not None,
    ),
)

DEVICE_BINARY_SENSORS: tuple[TumsBinarySensorDescription, ...] = (
    TumsBinarySensorDescription(
        key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        # An unreadable status is unknown, not offline.
        value_fn=lambda d: d.online if d.status is not None else None,
    ),
)


def _settings(runtime: TumsEntityRuntime, key: str) -> DeviceSettings | None:
    return tier_item(runtime.settings, key)


DEVICE_BUTTONS: tuple[TumsButtonDescription, ...] = (
    TumsButtonDescription(
        key="reboot",
        entity_registry_enabled_default=False,
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        # NVR channels cannot be rebooted at once (1.4.3.21).
        exists_fn=lambda _, d: d.channel_id is None or not d.is_child,
        press_fn=lambda ops, d: ops.async_reboot([d]),
    ),
    TumsButtonDescription(
        key="ptz_reset",
        translation_key="ptz_reset",
        # Only where getPtzDeviceResetSupport says so (1.4.4.26).
        exists_fn=lambda runtime, d: bool(
            (settings := _settings(runtime, d.key)) and settings.ptz_reset
        ),
        press_fn=lambda ops, d: ops.async_reset_ptz(d),
    ),
    TumsButtonDescription(
        key="sync_time",
        entity_registry_enabled_default=False,
        translation_key="sync_time",
        entity_category=EntityCategory.CONFIG,
        exists_fn=lambda runtime, d: bool(
            (settings := _settings(runtime, d.key)) and settings.time_sync is not None
        ),
        press_fn=lambda ops, d: ops.async_manual_timing(d),
    ),
)


@cache
def solar_restart_button(load: int) -> TumsButtonDescription:
    """Restart one load of a solar system with several (1.4.4.22)."""
    return TumsButtonDescription(
        key=f"solar_load_{load}_restart",
        translation_key="solar_load_restart",
        translation_placeholders={"load": str(load)},
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        exists_fn=lambda _, d: d.category is DeviceCategory.SOLAR_POWER,
        press_fn=lambda ops, d: ops.async_solar_load_reset(d, load),
    )


SOLAR_SENSORS: tuple[TumsTierSensorDescription[SolarState], ...] = (
    TumsTierSensorDescription(
        key="charge_status",
        translation_key="charge_status",
        tier=TIER_SOLAR,
        device_class=SensorDeviceClass.ENUM,
        options=CHARGE_OPTIONS,
        value_fn=lambda s: _enum_name(s.power.status),
    ),
    TumsTierSensorDescription(
        key="battery",
        tier=TIER_SOLAR,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda s: s.power.battery,
    ),
    TumsTierSensorDescription(
        key="temperature",
        entity_registry_enabled_default=False,
        translation_key="ambient_temperature",
        tier=TIER_SOLAR,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        value_fn=lambda s: s.power.env_temperature,
        exists_fn=lambda s: s.power.env_temperature is not None,
    ),
    TumsTierSensorDescription(
        key="input_power",
        translation_key="input_power",
        tier=TIER_SOLAR,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda s: s.power.input_power,
    ),
    TumsTierSensorDescription(
        key="output_power",
        translation_key="output_power",
        tier=TIER_SOLAR,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=lambda s: s.power.output_power,
    ),
    # Hourly averages of 1.4.4.23, summed over today's completed hours.
    TumsTierSensorDescription(
        key="input_energy_today",
        feature="solar_energy",
        translation_key="input_energy_today",
        tier=TIER_SOLAR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda s: s.energy_in,
        exists_fn=lambda s: s.energy_in is not None,
    ),
    TumsTierSensorDescription(
        key="output_energy_today",
        feature="solar_energy",
        translation_key="output_energy_today",
        tier=TIER_SOLAR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda s: s.energy_out,
        exists_fn=lambda s: s.energy_out is not None,
    ),
)

PASSENGER_FLOW_SENSORS: tuple[TumsTierSensorDescription[PassengerFlow], ...] = (
    TumsTierSensorDescription(
        key="people_in_today",
        translation_key="people_in_today",
        tier=TIER_PASSENGER_FLOW,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda f: f.current_in,
    ),
    TumsTierSensorDescription(
        key="people_out_today",
        translation_key="people_out_today",
        tier=TIER_PASSENGER_FLOW,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda f: f.current_out,
    ),
    TumsTierSensorDescription(
        key="people_passing_today",
        translation_key="people_passing_today",
        tier=TIER_PASSENGER_FLOW,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda f: f.current_pass,
    ),
    # The day query's "last" totals are the day before (1.4.7.5): a finished count.
    TumsTierSensorDescription(
        key="people_in_yesterday",
        entity_registry_enabled_default=False,
        translation_key="people_in_yesterday",
        tier=TIER_PASSENGER_FLOW,
        value_fn=lambda f: f.last_in,
    ),
    TumsTierSensorDescription(
        key="people_out_yesterday",
        entity_registry_enabled_default=False,
        translation_key="people_out_yesterday",
        tier=TIER_PASSENGER_FLOW,
        value_fn=lambda f: f.last_out,
    ),
    TumsTierSensorDescription(
        key="people_passing_yesterday",
        entity_registry_enabled_default=False,
        translation_key="people_passing_yesterday",
        tier=TIER_PASSENGER_FLOW,
        value_fn=lambda f: f.last_pass,
    ),
)


def _card(settings: DeviceSettings, index: int) -> SdCard | None:
    return next((c for c in settings.sd_cards or () if c.index == index), None)


def _recorded(settings: DeviceSettings, index: int) -> int | None:
    card = _card(settings, index)
    return card.record_duration if card else None


def _earliest(settings: DeviceSettings, index: int) -> datetime | None:
    card = _card(settings, index)
    # 0 (or nothing) means the card holds no recording yet.
    if card is None or not card.record_start or card.record_start < 0:
        return None
    return datetime.fromtimestamp(card.record_start, UTC)


@cache
def storage_sensors(index: int) -> tuple[TumsTierSensorDescription[DeviceSettings], ...]:
    """State and capacity of one SD card or disk (1.4.4.10)."""
    placeholders = {"index": str(index)}
    return (
        TumsTierSensorDescription(
            key=f"storage_{index}_status",
            translation_key="storage_status",
            translation_placeholders=placeholders,
            tier=TIER_SETTINGS,
            feature="storage",
            device_class=SensorDeviceClass.ENUM,
            options=SD_OPTIONS,
            value_fn=lambda s: (
                str(card.status) if (card := _card(s, index)) and card.status else None
            ),
        ),
        TumsTierSensorDescription(
            key=f"storage_{index}_total",
            entity_registry_enabled_default=False,
            translation_key="storage_total",
            translation_placeholders=placeholders,
            tier=TIER_SETTINGS,
            feature="storage",
            device_class=SensorDeviceClass.DATA_SIZE,
            native_unit_of_measurement=UnitOfInformation.GIGABYTES,
            suggested_display_precision=0,
            entity_category=EntityCategory.DIAGNOSTIC,
            value_fn=lambda s: card.total_gb if (card := _card(s, index)) else None,
        ),
        TumsTierSensorDescription(
            key=f"storage_{index}_free",
            entity_registry_enabled_default=False,
            translation_key="storage_free",
            translation_placeholders=placeholders,
            tier=TIER_SETTINGS,
            feature="storage",
            device_class=SensorDeviceClass.DATA_SIZE,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=UnitOfInformation.GIGABYTES,
            suggested_display_precision=0,
            entity_category=EntityCategory.DIAGNOSTIC,
            value_fn=lambda s: card.free_gb if (card := _card(s, index)) else None,
        ),
        # How much the card holds: the span recorded, and where it starts.
        TumsTierSensorDescription(
            key=f"storage_{index}_recorded",
            entity_registry_enabled_default=False,
            translation_key="storage_recorded",
            translation_placeholders=placeholders,
            tier=TIER_SETTINGS,
            feature="storage",
            device_class=SensorDeviceClass.DURATION,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=UnitOfTime.SECONDS,
            suggested_unit_of_measurement=UnitOfTime.DAYS,
            suggested_display_precision=1,
            value_fn=lambda s: _recorded(s, index),
        ),
        TumsTierSensorDescription(
            key=f"storage_{index}_earliest",
            entity_registry_enabled_default=False,
            translation_key="storage_earliest",
            translation_placeholders=placeholders,
            tier=TIER_SETTINGS,
            feature="storage",
            device_class=SensorDeviceClass.TIMESTAMP,
            entity_category=EntityCategory.DIAGNOSTIC,
            value_fn=lambda s: _earliest(s, index),
        ),
    )


def storage_indexes(settings: DeviceSettings) -> list[int]:
    """The slots the device reports, with or without a card in them."""
    return sorted({card.index for card in settings.sd_cards or () if card.index is not None})


SETTINGS_SWITCHES: tuple[TumsTierSwitchDescription[DeviceSettings], ...] = (
    TumsTierSwitchDescription(
        key="loop_recording",
        entity_registry_enabled_default=False,
        feature="record_loop",
        translation_key="loop_recording",
        tier=TIER_SETTINGS,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: s.record_loop,
        set_fn=lambda ops, d, on: ops.async_set_record_loop(d, on),
        exists_fn=lambda s: s.record_loop is not None,
    ),
    TumsTierSwitchDescription(
        key="scheduled_reboot",
        entity_registry_enabled_default=False,
        feature="timing_reboot",
        translation_key="scheduled_reboot",
        tier=TIER_SETTINGS,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: s.timing_reboot.enabled if s.timing_reboot else None,
        set_fn=lambda ops, d, on: ops.async_set_timing_reboot(d, enabled=on),
        exists_fn=lambda s: s.timing_reboot is not None,
    ),
)


def _reboot_day(settings: DeviceSettings) -> str | None:
    day = settings.timing_reboot.day if settings.timing_reboot else None
    return REBOOT_DAYS[day] if day is not None and 0 <= day < len(REBOOT_DAYS) else None


def _time_sync_mode(settings: DeviceSettings) -> str | None:
    mode = settings.time_sync.mode if settings.time_sync else None
    return mode if mode in TIME_SYNC_OPTIONS else None


SETTINGS_SELECTS: tuple[TumsTierSelectDescription[DeviceSettings], ...] = (
    TumsTierSelectDescription(
        key="time_sync_mode",
        entity_registry_enabled_default=False,
        feature="time_sync",
        translation_key="time_sync_mode",
        tier=TIER_SETTINGS,
        entity_category=EntityCategory.CONFIG,
        options=TIME_SYNC_OPTIONS,
        value_fn=_time_sync_mode,
        set_fn=lambda ops, d, option: ops.async_set_time_sync(d, option),
        exists_fn=lambda s: s.time_sync is not None,
    ),
    TumsTierSelectDescription(
        key="scheduled_reboot_day",
        entity_registry_enabled_default=False,
        feature="timing_reboot",
        translation_key="scheduled_reboot_day",
        tier=TIER_SETTINGS,
        entity_category=EntityCategory.CONFIG,
        options=REBOOT_DAYS,
        value_fn=_reboot_day,
        set_fn=lambda ops, d, option: ops.async_set_timing_reboot(d, day=REBOOT_DAYS.index(option)),
        exists_fn=lambda s: s.timing_reboot is not None,
    ),
)


def parse_time_of_day(text: str | None) -> time | None:
    """'03:00:00' as a time; None for anything else."""
    try:
        return time.fromisoformat(text) if text else None
    except ValueError:
        return None


SETTINGS_TIMES: tuple[TumsTierTimeDescription[DeviceSettings], ...] = (
    TumsTierTimeDescription(
        key="scheduled_reboot_time",
        entity_registry_enabled_default=False,
        feature="timing_reboot",
        translation_key="scheduled_reboot_time",
        tier=TIER_SETTINGS,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: parse_time_of_day(s.timing_reboot.time) if s.timing_reboot else None,
        set_fn=lambda ops, d, value: ops.async_set_timing_reboot(d, at=value),
        exists_fn=lambda s: s.timing_reboot is not None,
    ),
)


# -- solar supply schedules (1.4.4.20 / 1.4.4.21) -------------------------------------


def _schedule(state: SolarState, load: str | None) -> SolarSupplyTime | None:
    return next((s for s in state.schedules or () if s.load_num == load), None)


def _clock(hour: int | None, minute: int | None) -> time | None:
    if hour is None or minute is None or not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return time(hour, minute)


async def _write_schedule(
    ops: TumsOperations,
    device: Device,
    load: str | None,
    *,
    on: bool | None = None,
    start: time | None = None,
    end: time | None = None,
) -> None:
    """Change one part of a load's schedule; setSolarSupplyTime takes it whole."""
    state = tier_item(ops.solar, device.key)
    current = _schedule(state, load) if state else None
    start = start or (_clock(current.start_hour, current.start_minute) if current else None)
    end = end or (_clock(current.end_hour, current.end_minute) if current else None)
    on = on if on is not None else (current.on if current else None)
    if state is None or current is None or start is None or end is None or on is None:
        # Nothing readable to keep: the action writes a whole schedule instead.
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="tums_schedule_unknown"
        )
    await ops.async_set_solar_supply(
        device, start=(start.hour, start.minute), end=(end.hour, end.minute), on=on, load=load
    )
    written = replace(
        current,
        start_hour=start.hour,
        start_minute=start.minute,
        end_hour=end.hour,
        end_minute=end.minute,
        on=on,
    )
    schedules = tuple(written if s is current else s for s in state.schedules or ())
    ops.solar.async_set_updated_data(
        {**(ops.solar.data or {}), device.key: replace(state, schedules=schedules)}
    )


@cache
def solar_schedule_entities(
    load: str | None,
) -> tuple[TumsTierSwitchDescription[SolarState], tuple[TumsTierTimeDescription[SolarState], ...]]:
    """A load's schedule: on or off, and from when until when it is supplied."""
    prefix = f"solar_load_{load}" if load else "solar"
    placeholders = {"load": load or "1"}
    switch = TumsTierSwitchDescription[SolarState](
        key=f"{prefix}_schedule",
        entity_registry_enabled_default=False,
        translation_key="solar_schedule",
        translation_placeholders=placeholders,
        tier=TIER_SOLAR,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda s: item.on if (item := _schedule(s, load)) else None,
        set_fn=lambda ops, d, on: _write_schedule(ops, d, load, on=on),
        exists_fn=lambda s: _schedule(s, load) is not None,
    )
    times = (
        TumsTierTimeDescription[SolarState](
            key=f"{prefix}_schedule_start",
            entity_registry_enabled_default=False,
            translation_key="solar_schedule_start",
            translation_placeholders=placeholders,
            tier=TIER_SOLAR,
            entity_category=EntityCategory.CONFIG,
            value_fn=lambda s: (
                _clock(item.start_hour, item.start_minute) if (item := _schedule(s, load)) else None
            ),
            set_fn=lambda ops, d, value: _write_schedule(ops, d, load, start=value),
            exists_fn=lambda s: _schedule(s, load) is not None,
        ),
        TumsTierTimeDescription[SolarState](
            key=f"{prefix}_schedule_end",
            entity_registry_enabled_default=False,
            translation_key="solar_schedule_end",
            translation_placeholders=placeholders,
            tier=TIER_SOLAR,
            entity_category=EntityCategory.CONFIG,
            value_fn=lambda s: (
                _clock(item.end_hour, item.end_minute) if (item := _schedule(s, load)) else None
            ),
            set_fn=lambda ops, d, value: _write_schedule(ops, d, load, end=value),
            exists_fn=lambda s: _schedule(s, load) is not None,
        ),
    )
    return switch, times


def solar_loads(state: SolarState) -> list[str | None]:
    """The loads whose schedules the system reported (None: its single load)."""
    return sorted({s.load_num for s in state.schedules or ()}, key=lambda n: (n is not None, n))
