"""The TUMS vendor's runtime for one application (config entry)."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import time
from functools import partial
from typing import Any
from urllib.parse import quote

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..client.errors import CniotError
from ..compat import get_device
from ..const import CONF_URL, DOMAIN, LOGGER, VENDOR_TUMS
from ..devices import DynamicDevicesRuntime, EntityCandidate
from ..errors import async_translated
from ..features import FeatureTracker
from ..vendor import CniotConfigEntry
from .camera import TumsCamera, has_camera
from .capability import CapabilityCache
from .client import REAUTH_ERRORS, TRANSLATED_CODES, TumsClient
from .const import (
    CONF_ACCESS_KEY,
    CONF_RTSP_PASSWORD,
    CONF_RTSP_TEMPLATE,
    CONF_RTSP_USERNAME,
    CONF_SECRET_KEY,
    CONF_TERMINAL_ID,
    DEFAULT_NTP_SERVER,
    DEFAULT_REBOOT_TIME,
    ISSUE_RESTRICTED,
    MANUFACTURER,
    RESTRICTED_NAMES_SHOWN,
)
from .coordinator import (
    TumsCoordinator,
    TumsData,
    TumsDeviceCoordinator,
    TumsFirmwareCoordinator,
    TumsPassengerFlowCoordinator,
    TumsSettingsCoordinator,
    TumsSolarCoordinator,
    storage_ref_device,
    tier_item,
)
from .descriptions import (
    DEVICE_BINARY_SENSORS,
    DEVICE_BUTTONS,
    DEVICE_SENSORS,
    PASSENGER_FLOW_SENSORS,
    SETTINGS_SELECTS,
    SETTINGS_SWITCHES,
    SETTINGS_TIMES,
    SOLAR_SENSORS,
    TIER_PASSENGER_FLOW,
    TIER_SETTINGS,
    TIER_SOLAR,
    solar_restart_button,
    solar_schedule_candidates,
    storage_indexes,
    storage_sensors,
)
from .entity import (
    OverviewSensor,
    TumsBinarySensor,
    TumsButton,
    TumsSensor,
    TumsTierSelect,
    TumsTierSensor,
    TumsTierSwitch,
    TumsTierTime,
    account_identifier,
    device_identifier,
    parent_key,
)
from .events import PUSH_DETECTION_KEY, PUSH_EVENT_KEY, TumsDetectionSensor, TumsPushEvent
from .models import AlarmType, ApplicationType, Device, FailItem, OpenStatus, TimingMode
from .push import push_event_types
from .update import TumsFirmwareUpdate
from .webhook import TumsPush

BATCH = 100


@dataclass(slots=True)
class _Candidates:
    """One device's entity candidates on one platform, and what they were built from."""

    inputs: tuple[Any, ...]
    built: list[EntityCandidate]
    # Every one of them was added (is known): nothing to offer until the inputs change.
    added: bool = False


class TumsRuntime(DynamicDevicesRuntime):
    """One TUMS application (an AK/SK)."""

    platforms = (
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.CAMERA,
        Platform.EVENT,
        Platform.SELECT,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TIME,
        Platform.UPDATE,
    )

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        self.access_key: str = entry.data[CONF_ACCESS_KEY]
        self.client = TumsClient(
            async_get_clientsession(hass),
            entry.data[CONF_URL],
            access_key=self.access_key,
            secret_key=entry.data[CONF_SECRET_KEY],
            terminal_id=entry.data[CONF_TERMINAL_ID],
        )
        self.capabilities = CapabilityCache(self.client)
        self.coordinator = TumsDeviceCoordinator(hass, entry, self.client, self._async_refreshed)
        self.firmware = TumsFirmwareCoordinator(hass, entry, self.coordinator)
        self.solar = TumsSolarCoordinator(hass, entry, self.coordinator)
        self.settings = TumsSettingsCoordinator(hass, entry, self.coordinator)
        # Passenger flow is a project-application feature (1.4.7).
        self.passenger_flow: TumsPassengerFlowCoordinator | None = (
            TumsPassengerFlowCoordinator(hass, entry, self.coordinator)
            if self.coordinator.app_type is ApplicationType.PROJECT
            else None
        )
        self._restricted: set[str] = set()
        self._names: dict[str, str] = {}  # device names last seen in the list
        self._candidates: dict[Platform, dict[str, _Candidates]] = {}
        self._inputs_memo: tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]] | None = None
        self.push = TumsPush(self)

    @property
    def features(self) -> FeatureTracker:
        """The optional features of this application, and which are unavailable."""
        return self.coordinator.features

    @property
    def tiers(self) -> dict[str, TumsCoordinator[Any]]:
        """The tiers beyond the device list, by name."""
        tiers: dict[str, TumsCoordinator[Any]] = {
            "firmware": self.firmware,
            TIER_SOLAR: self.solar,
            TIER_SETTINGS: self.settings,
        }
        if self.passenger_flow is not None:
            tiers[TIER_PASSENGER_FLOW] = self.passenger_flow
        return tiers

    async def async_setup(self) -> None:
        """The first device list; failures make the entry retry.

        The other tiers start in the background: their entities appear as
        their first answers arrive, so a large fleet does not hold up startup.
        """
        await self.coordinator.async_config_entry_first_refresh()
        # Devices name the account as their via_device; it must exist before the binary
        # sensors and buttons (set up before the overview sensors) add their entities.
        dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.entry.entry_id,
            identifiers={(DOMAIN, account_identifier(self.access_key))},
            name=self.entry.title,
            manufacturer=MANUFACTURER,
            model="TUMS application",
            entry_type=dr.DeviceEntryType.SERVICE,
        )
        self.entry.async_on_unload(self.coordinator.async_add_listener(self.async_add_new_entities))
        self.entry.async_on_unload(self.features.add_listener(self._async_features_changed))
        self.entry.async_on_unload(self.firmware.async_add_listener(self._async_firmware_changed))
        for name, tier in self.tiers.items():
            self.entry.async_on_unload(tier.async_add_listener(self.async_add_new_entities))
            # A background task: startup does not wait for it, unloading cancels it.
            self.entry.async_create_background_task(
                self.hass, tier.async_refresh(), f"cniot tums {name} first refresh"
            )
        if not self.push.enabled:
            self._async_remove_push_entities()
        await self.push.async_start()

    async def async_unload(self) -> None:
        """Stop real-time events; drop this entry's repair issues with it."""
        await self.push.async_stop()
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        self._restricted = set()
        self.features.async_unload()

    @callback
    def _async_refreshed(self, data: TumsData) -> None:
        self.async_prune(_identifiers(self.access_key, data))
        self._async_sync_restricted(data)
        self._async_sync_names(data)

    @callback
    def _async_sync_names(self, data: TumsData) -> None:
        """Carry renames in the cloud (or by the rename action) into the device registry."""
        registry: dr.DeviceRegistry | None = None
        names = self._names
        for key in names.keys() - data.devices.keys():
            del names[key]
        for key, device in data.devices.items():
            name = device.name or key
            previous = names.get(key)
            if previous == name:
                continue
            names[key] = name
            if previous is None:
                continue  # first sight: the entities' device info names the device
            registry = registry or dr.async_get(self.hass)
            entry = get_device(
                registry, (DOMAIN, device_identifier(self.access_key, key)), self.entry.entry_id
            )
            if entry is not None and entry.name != name:
                registry.async_update_device(entry.id, name=name)

    @callback
    def _async_features_changed(self) -> None:
        """A feature turned (un)available: its entities look again, data changed or not."""
        for coordinator in (self.coordinator, *self.tiers.values()):
            if coordinator.data is not None:
                coordinator.async_update_listeners()

    @callback
    def _async_firmware_changed(self) -> None:
        """The device list has no versions: the firmware tier keeps the registry current."""
        registry = dr.async_get(self.hass)
        for key, info in (self.firmware.data or {}).items():
            device = get_device(
                registry, (DOMAIN, device_identifier(self.access_key, key)), self.entry.entry_id
            )
            if (
                device is not None
                and info.current_version
                and (device.sw_version != info.current_version)
            ):
                registry.async_update_device(device.id, sw_version=info.current_version)

    @property
    def _issue_id(self) -> str:
        return f"{ISSUE_RESTRICTED}_{self.entry.entry_id}"

    @callback
    def _async_sync_restricted(self, data: TumsData) -> None:
        """Devices without a paid or trial subscription share one repair issue per entry.

        One issue per device would flood Repairs for a fleet of expired trials.
        """
        restricted = {
            key
            for key, device in data.devices.items()
            if device.open_status is OpenStatus.RESTRICTED
        }
        if restricted == self._restricted:
            return
        self._restricted = restricted
        if not restricted:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
            return
        names = sorted(data.devices[key].name or key for key in restricted)
        shown = ", ".join(names[:RESTRICTED_NAMES_SHOWN])
        if len(names) > RESTRICTED_NAMES_SHOWN:
            shown += ", …"
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_RESTRICTED,
            translation_placeholders={
                "count": str(len(names)),
                "names": shown,
                "entry": self.entry.title,
            },
        )

    def present_identifiers(self) -> set[str]:
        """The account and every listed device."""
        return _identifiers(self.access_key, self.coordinator.data)

    # -- entities --------------------------------------------------------------------

    def entity_candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """The entities the current data of all tiers supports, but for settled devices.

        Every tier's update asks again. A device whose inputs are the very objects
        of the last time, and whose entities were all added then, is skipped: at
        fleet scale that is nearly every device.
        """
        if platform is Platform.SENSOR:
            yield from self._overview_candidates()
        known = self._known.get(platform)
        cached = self._candidates.get(platform, {})
        fresh: dict[str, _Candidates] = {}
        for key, inputs in self._device_inputs().items():
            entry = cached.get(key)
            if entry is None or entry.inputs != inputs:
                ident = device_identifier(self.access_key, key)
                prefix = f"tums_{self.access_key}_{key}_"
                built = [
                    (prefix + entity_key, ident, factory)
                    for entity_key, factory in self._device_entities(platform, key, inputs[0])
                ]
                entry = _Candidates(inputs, built)
            fresh[key] = entry
            if entry.added:
                continue
            yield from entry.built
            # The consumer has handled each one before asking for the next.
            entry.added = known is not None and all(uid in known for uid, _i, _f in entry.built)
        self._candidates[platform] = fresh

    def _device_inputs(self) -> dict[str, tuple[Any, ...]]:
        """Per listed device, everything its set of entities depends on.

        Worked out once per change of any tier's data, not once per platform.
        """
        sources = (
            self.coordinator.data,
            self.firmware.data,
            self.solar.data,
            self.settings.data,
            self.passenger_flow.data if self.passenger_flow is not None else None,
            self.push.enabled,
        )
        memo = self._inputs_memo
        if memo is not None and all(a is b for a, b in zip(memo[0], sources, strict=True)):
            return memo[1]
        tiers = [data or {} for data in sources[1:5]]
        inputs = {
            key: (device, *(tier.get(key) for tier in tiers), sources[5])
            for key, device in sources[0].devices.items()
        }
        self._inputs_memo = (sources, inputs)
        return inputs

    def _overview_candidates(self) -> Iterator[EntityCandidate]:
        if not self.features.available("overview"):
            return
        account = account_identifier(self.access_key)
        for category, count in self.coordinator.data.overview.counts.items():
            for kind in ("total", "online", "error"):
                if getattr(count, kind) is not None:
                    yield (
                        f"tums_{self.access_key}_overview_{category}_{kind}",
                        account,
                        partial(OverviewSensor, self, category, kind),
                    )

    def _device_entities(
        self, platform: Platform, key: str, device: Device
    ) -> Iterator[tuple[str, Any]]:
        """(entity key, factory) of one device's entities on a platform."""
        solar = tier_item(self.solar, key)
        settings = tier_item(self.settings, key)
        counts = tier_item(self.passenger_flow, key) if self.passenger_flow is not None else None
        if platform is Platform.SENSOR:
            for sensor in DEVICE_SENSORS:
                if sensor.exists_fn(device):
                    yield sensor.key, partial(TumsSensor, self, key, sensor)
            if solar is not None:
                for tier_sensor in SOLAR_SENSORS:
                    if tier_sensor.exists_fn(solar):
                        yield (
                            tier_sensor.key,
                            partial(TumsTierSensor, self, self.solar, key, tier_sensor),
                        )
            if counts is not None and self.passenger_flow is not None:
                for counter in PASSENGER_FLOW_SENSORS:
                    yield (
                        counter.key,
                        partial(TumsTierSensor, self, self.passenger_flow, key, counter),
                    )
            if settings is not None:
                for index in storage_indexes(settings):
                    for storage in storage_sensors(index):
                        yield (
                            storage.key,
                            partial(TumsTierSensor, self, self.settings, key, storage),
                        )
        elif platform is Platform.BINARY_SENSOR:
            for binary in DEVICE_BINARY_SENSORS:
                yield binary.key, partial(TumsBinarySensor, self, key, binary)
            if self.push.enabled and has_camera(device):
                yield PUSH_DETECTION_KEY, partial(TumsDetectionSensor, self, key)
        elif platform is Platform.EVENT:
            if self.push.enabled and (event_types := push_event_types(device)):
                yield PUSH_EVENT_KEY, partial(TumsPushEvent, self, key, event_types)
        elif platform is Platform.BUTTON:
            buttons = (
                [*DEVICE_BUTTONS, *(solar_restart_button(n) for n in solar.loads)]
                if solar
                else DEVICE_BUTTONS
            )
            for button in buttons:
                if button.exists_fn(self, device):
                    yield button.key, partial(TumsButton, self, key, button)
        elif platform is Platform.UPDATE:
            firmware = tier_item(self.firmware, key)
            if firmware is not None and firmware.current_version:
                yield "firmware", partial(TumsFirmwareUpdate, self, key)
        elif platform is Platform.CAMERA:
            if has_camera(device):
                yield "camera", partial(TumsCamera, self, key)
        elif solar is not None:
            yield from solar_schedule_candidates(self, platform, key, solar)
        elif settings is not None:
            yield from self._settings_entities(platform, key, settings)

    def _settings_entities(
        self, platform: Platform, key: str, settings: Any
    ) -> Iterator[tuple[str, Any]]:
        if platform is Platform.SWITCH:
            for switch in SETTINGS_SWITCHES:
                if switch.exists_fn(settings):
                    yield switch.key, partial(TumsTierSwitch, self, self.settings, key, switch)
        elif platform is Platform.SELECT:
            for select in SETTINGS_SELECTS:
                if select.exists_fn(settings):
                    yield select.key, partial(TumsTierSelect, self, self.settings, key, select)
        elif platform is Platform.TIME:
            for time_entity in SETTINGS_TIMES:
                if time_entity.exists_fn(settings):
                    yield (
                        time_entity.key,
                        partial(TumsTierTime, self, self.settings, key, time_entity),
                    )

    @callback
    def _async_remove_push_entities(self) -> None:
        """With real-time events off, their entities would never change again."""
        registry = er.async_get(self.hass)
        suffixes = (f"_{PUSH_EVENT_KEY}", f"_{PUSH_DETECTION_KEY}")
        for entity in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            if entity.unique_id.endswith(suffixes):
                registry.async_remove(entity.entity_id)

    def device_trigger_types(self, device: dr.DeviceEntry) -> list[str]:
        """The device's pushed event types, while real-time events are on."""
        if not self.push.enabled:
            return []
        key = self.key_for_identifiers(
            ident for domain, ident in device.identifiers if domain == DOMAIN
        )
        listed = self.coordinator.data.devices.get(key) if key is not None else None
        return push_event_types(listed) if listed is not None else []

    def key_for_identifiers(self, identifiers: Iterable[str]) -> str | None:
        """The device key behind a registry device's identifiers."""
        prefix = device_identifier(self.access_key, "")
        for ident in identifiers:
            key = ident.removeprefix(prefix)
            if key in self.coordinator.data.devices:
                return key
        return None

    # -- operations ------------------------------------------------------------------

    async def _call_translated_reauth_if_revoked[T](self, call: Awaitable[T]) -> T:
        # Only an unknown or revoked key (not a bad signature or clock) needs new credentials.
        return await async_translated(
            self.hass,
            self.entry,
            call,
            VENDOR_TUMS,
            TRANSLATED_CODES,
            reauth=lambda err: err.code in REAUTH_ERRORS,
        )

    async def _batched(
        self, call: Any, devices: Sequence[Device], *args: Any, **kwargs: Any
    ) -> list[FailItem]:
        failures: list[FailItem] = []
        for start in range(0, len(devices), BATCH):
            failures += await self._call_translated_reauth_if_revoked(
                call(devices[start : start + BATCH], *args, **kwargs)
            )
        return failures

    async def async_reboot(self, devices: Sequence[Device]) -> None:
        """Reboot devices (100 per call); name every device the cloud refused."""
        failures = await self._batched(self.client.async_reboot, devices)
        await self.coordinator.async_request_refresh()
        self.raise_failures(failures)

    async def async_rename(self, device: Device, name: str) -> None:
        """Rename a device in the cloud."""
        await self._call_translated_reauth_if_revoked(self.client.async_rename(device, name))
        await self.coordinator.async_request_refresh()

    async def async_upgrade(self, devices: Sequence[Device]) -> None:
        """Start firmware upgrades, then follow them every 15 seconds."""
        failures = await self._batched(self.client.async_upgrade, devices)
        self.raise_failures(failures)
        await self.firmware.async_watch()

    async def async_check_firmware(self, devices: Sequence[Device]) -> None:
        """Ask devices to look for new firmware; the firmware tier reads the answer."""
        failures = await self._batched(self.client.async_check_newest_firmware, devices)
        await self.firmware.async_watch()
        self.raise_failures(failures)

    async def async_reset_ptz(self, device: Device) -> None:
        """Send a PTZ camera back to its origin."""
        await self._call_translated_reauth_if_revoked(self.client.async_reset_ptz(device))

    async def async_manual_timing(self, device: Device) -> None:
        """Set the device's clock from the cloud's (and switch it to manual time)."""
        await self._call_translated_reauth_if_revoked(self.client.async_manual_timing(device))
        settings = tier_item(self.settings, device.key)
        if settings is not None and settings.time_sync is not None:
            self.settings.async_apply(
                device.key,
                # The device keeps its NTP server for a later switch back.
                time_sync=replace(settings.time_sync, mode=str(TimingMode.MANUAL)),
            )

    async def async_solar_load_reset(self, device: Device, load: int) -> None:
        """Restart a solar system's load."""
        if not await self._call_translated_reauth_if_revoked(
            self.client.async_solar_load_reset(device, load)
        ):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="tums_solar_reset_failed",
                translation_placeholders={"name": device.name or device.key},
            )

    async def async_set_record_loop(self, device: Device, enabled: bool) -> None:
        """Loop recording on or off."""
        storage = _storage_device(self, device)
        await self._call_translated_reauth_if_revoked(
            self.client.async_set_record_loop(storage, enabled)
        )
        self.settings.async_apply(device.key, record_loop=enabled)

    async def async_set_time_sync(self, device: Device, mode: str) -> None:
        """Manual time or NTP (keeping the known server, else a public one)."""
        settings = tier_item(self.settings, device.key)
        current = settings.time_sync if settings else None
        server = (current.server if current else None) or DEFAULT_NTP_SERVER
        timing_mode = TimingMode(mode)
        await self._call_translated_reauth_if_revoked(
            self.client.async_set_time_sync(
                device, timing_mode, server if timing_mode is TimingMode.NTP else None
            )
        )
        if current is not None:
            self.settings.async_apply(
                device.key,
                time_sync=replace(current, mode=str(timing_mode), server=current.server or server),
            )

    async def async_set_timing_reboot(
        self,
        device: Device,
        *,
        enabled: bool | None = None,
        at: time | None = None,
        day: int | None = None,
    ) -> None:
        """Change part of the reboot schedule; the rest stays as it is."""
        settings = tier_item(self.settings, device.key)
        current = settings.timing_reboot if settings else None
        new_enabled = enabled if enabled is not None else bool(current and current.enabled)
        new_time = (
            at.strftime("%H:%M:%S")
            if at is not None
            else (current.time if current and current.time else DEFAULT_REBOOT_TIME)
        )
        new_day = day if day is not None else (current.day if current and current.day else 0)
        await self._call_translated_reauth_if_revoked(
            self.client.async_set_timing_reboot(
                device, new_enabled, time_of_day=new_time, day=new_day
            )
        )
        if current is not None:
            self.settings.async_apply(
                device.key,
                timing_reboot=replace(current, enabled=new_enabled, time=new_time, day=new_day),
            )

    async def async_format_storage(self, device: Device, index: int) -> None:
        """Erase one SD card or disk."""
        await self._call_translated_reauth_if_revoked(
            self.client.async_format_sd_card(_storage_device(self, device), index)
        )
        await self.settings.async_read_soon(device.key)

    async def async_trigger_alarm(self, device: Device, on: bool) -> None:
        """Start or stop the alarm output by hand."""
        await self._call_translated_reauth_if_revoked(self.client.async_trigger_alarm(device, on))

    async def async_set_detection(
        self, devices: Sequence[Device], alarm_types: Sequence[AlarmType], enabled: bool
    ) -> None:
        """Turn detections on or off for many cameras."""
        self.raise_failures(
            await self._batched(self.client.async_set_detection, devices, alarm_types, enabled)
        )

    async def async_set_alarm_io(
        self, devices: Sequence[Device], *, output: bool, enabled: bool
    ) -> None:
        """Enable or disable alarm inputs or outputs."""
        call = self.client.async_set_alarm_output if output else self.client.async_set_alarm_input
        self.raise_failures(await self._batched(call, devices, enabled))

    async def async_set_solar_supply(
        self,
        device: Device,
        *,
        start: tuple[int, int],
        end: tuple[int, int],
        on: bool,
        load: str | None,
    ) -> None:
        """Set when a solar system supplies its load."""
        await self._call_translated_reauth_if_revoked(
            self.client.async_set_solar_supply_time(
                device, start=start, end=end, on=on, load_num=load
            )
        )

    async def async_stream_url(
        self, device: Device, stream_type: str, resolution: int | None
    ) -> str:
        """The SDK stream URL (1.4.5.2) for TP-LINK's players."""
        return await self._call_translated_reauth_if_revoked(
            self.client.async_request_stream_url(
                device,
                device.channel_id or 1,
                stream_type=stream_type,
                resolution=resolution,
            )
        )

    async def async_flv_url(self, device: Device) -> str:
        """A fresh live HTTP-FLV URL (2 hours, one pull at a time)."""
        return await self._call_translated_reauth_if_revoked(
            self.client.async_get_flv_url(device, device.channel_id or 1)
        )

    async def async_flv_close_reason(self, url: str) -> str | None:
        """Why the cloud closed a pull, if it can say."""
        try:
            return await self.client.async_get_flv_close_reason(url)
        except CniotError as err:
            LOGGER.debug("No close reason for a stream: %s", type(err).__name__)
            return None

    def rtsp_url(self, device: Device) -> str | None:
        """The local RTSP URL from the options' template, if the user set one."""
        template = self.entry.options.get(CONF_RTSP_TEMPLATE)
        if not template:
            return None
        ip = device.ip
        parent = parent_key(device)
        if parent is not None and (nvr := self.coordinator.data.devices.get(parent)):
            ip = nvr.ip
        if not ip:
            return None
        return str(template).format(
            ip=ip,
            channel=device.channel_id or 1,
            username=quote(str(self.entry.options.get(CONF_RTSP_USERNAME, "")), safe=""),
            password=quote(str(self.entry.options.get(CONF_RTSP_PASSWORD, "")), safe=""),
        )

    def raise_failures(self, failures: list[FailItem]) -> None:
        """A translated error naming each device a batch call failed for."""
        if not failures:
            return
        lookup: dict[str, Device] = {}
        for known in self.coordinator.data.devices.values():
            lookup[known.key] = known
            lookup[known.ref.key] = known
        names = []
        for item in failures:
            keys = [item.ref.key if item.ref else None, item.key, item.qr_code, item.mac]
            found = next((lookup[k] for k in keys if k and k in lookup), None)
            names.append(found.name if found and found.name else (item.key or "?"))
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="tums_batch_failed",
            translation_placeholders={"devices": ", ".join(dict.fromkeys(names))},
        )

    async def async_diagnostics(self) -> dict[str, Any]:
        """The application's devices, overview and every tier as parsed."""
        data = self.coordinator.data
        return {
            "base_url": self.client.base_url,
            "request_count": self.client.request_count,
            "clock_offset": self.client.clock_offset,
            "app_type": str(self.coordinator.app_type),
            "push": self.push.diagnostics(),
            "last_update_success": self.coordinator.last_update_success,
            "overview": asdict(data.overview),
            "unavailable_features": self.features.diagnostics(),
            "devices": [asdict(device) for device in data.devices.values()],
            "tiers": {
                name: {
                    "last_update_success": tier.last_update_success,
                    "interval": str(tier.update_interval),
                    # Per-device tiers wake at the interval and read each device once a sweep.
                    "sweep": str(getattr(tier, "sweep", tier.update_interval)),
                    "data": {key: asdict(item) for key, item in (tier.data or {}).items()},
                }
                for name, tier in self.tiers.items()
            },
        }


def _storage_device(runtime: TumsRuntime, device: Device) -> Device:
    """Storage calls go to an IPC itself, or to an NVR through one of its channels."""
    target = storage_ref_device(device, runtime.coordinator.data.devices)
    if target is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="tums_no_storage",
            translation_placeholders={"name": device.name or device.key},
        )
    return target


def _identifiers(access_key: str, data: TumsData) -> set[str]:
    return {account_identifier(access_key)} | {
        device_identifier(access_key, key) for key in data.devices
    }
