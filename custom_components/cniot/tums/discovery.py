"""Which TUMS entities the data of all tiers supports, and which are settled.

Every tier's update asks again, for every platform; at fleet scale nearly every
device is unchanged, so a device's candidates are kept with the data they were
built from and offered again only when that data changes.

The cache pays for itself (measured 2026-12-07, 1,000 devices, 10,000 entities): one
scan of every platform costs 21.7 ms of event loop without it and 1.1 ms with it, and
a scan follows every refresh of each of the five coordinators; the bench's changed
device-list refresh took 51.2 ms without it and 36.3 ms with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from homeassistant.const import Platform

from ..devices import EntityCandidate
from .camera import TumsCamera, has_camera
from .coordinator import tier_item
from .descriptions import (
    DEVICE_BINARY_SENSORS,
    DEVICE_BUTTONS,
    DEVICE_SENSORS,
    PASSENGER_FLOW_SENSORS,
    SETTINGS_SELECTS,
    SETTINGS_SWITCHES,
    SETTINGS_TIMES,
    SOLAR_SENSORS,
    solar_loads,
    solar_restart_button,
    solar_schedule_entities,
    storage_indexes,
    storage_sensors,
)
from .entity import (
    ENERGY_TODAY_FIELDS,
    FleetSensor,
    OverviewSensor,
    TumsBinarySensor,
    TumsButton,
    TumsEnergyTodaySensor,
    TumsSensor,
    TumsTierSelect,
    TumsTierSensor,
    TumsTierSwitch,
    TumsTierTime,
)
from .events import PUSH_DETECTION_KEY, PUSH_EVENT_KEY, TumsDetectionSensor, TumsPushEvent
from .ids import (
    account_identifier,
    device_identifier,
    device_unique_id,
    fleet_unique_id,
    overview_unique_id,
)
from .interface import TumsEntityRuntime
from .models import Device
from .push import push_event_types
from .tiers import TumsPassengerFlowCoordinator
from .update import TumsFirmwareUpdate


@dataclass(slots=True)
class _Candidates:
    """One device's entity candidates on one platform, and what they were built from."""

    inputs: tuple[Any, ...]
    built: list[EntityCandidate]
    # Every one of them was added (is known): nothing to offer until the inputs change.
    added: bool = False


class TumsEntityDiscovery:
    """The entity candidates of one application, with the cache of settled devices."""

    def __init__(
        self,
        runtime: TumsEntityRuntime,
        passenger_flow: TumsPassengerFlowCoordinator | None,
        known: Mapping[Platform, Mapping[str, str]],
    ) -> None:
        self.runtime = runtime
        self.passenger_flow = passenger_flow
        # The runtime's unique IDs already added, per platform (it updates them).
        self._known = known
        self._candidates: dict[Platform, dict[str, _Candidates]] = {}
        self._inputs_memo: tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]] | None = None
        # Each platform's entities of one device.
        self._platform_entities: Mapping[
            Platform, Callable[[str, Device], Iterator[tuple[str, Any]]]
        ] = {
            Platform.SENSOR: self._sensors,
            Platform.BINARY_SENSOR: self._binary_sensors,
            Platform.EVENT: self._events,
            Platform.BUTTON: self._buttons,
            Platform.UPDATE: self._updates,
            Platform.CAMERA: self._cameras,
            Platform.SWITCH: self._switches,
            Platform.SELECT: self._selects,
            Platform.TIME: self._times,
        }

    def candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """The entities the current data of all tiers supports, but for settled devices.

        Every tier's update asks again. A device whose inputs are the very objects
        of the last time, and whose entities were all added then, is skipped: at
        fleet scale that is nearly every device.
        """
        if platform is Platform.SENSOR:
            yield from self._overview_candidates()
        known = self._known.get(platform)
        access_key = self.runtime.access_key
        cached = self._candidates.get(platform, {})
        fresh: dict[str, _Candidates] = {}
        for key, inputs in self._device_inputs().items():
            entry = cached.get(key)
            if entry is None or entry.inputs != inputs:
                ident = device_identifier(access_key, key)
                built: list[EntityCandidate] = []
                for entity_key, factory in self._device_entities(platform, key, inputs[0]):
                    # The one place a device entity's unique ID is built; handed to it.
                    uid = device_unique_id(access_key, key, entity_key)
                    built.append((uid, ident, partial(factory, unique_id=uid)))
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
            self.runtime.coordinator.data,
            self.runtime.firmware.data,
            self.runtime.solar.data,
            self.runtime.settings.data,
            self.passenger_flow.data if self.passenger_flow is not None else None,
            self.runtime.push.enabled,
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
        account = account_identifier(self.runtime.access_key)
        for kind, online in (("online", True), ("offline", False)):
            uid = fleet_unique_id(self.runtime.access_key, kind)
            yield uid, account, partial(FleetSensor, self.runtime, online, unique_id=uid)
        if not self.runtime.features.available("overview"):
            return
        for category, count in self.runtime.coordinator.data.overview.counts.items():
            for kind in ("total", "online", "error"):
                if getattr(count, kind) is not None:
                    uid = overview_unique_id(self.runtime.access_key, category, kind)
                    yield (
                        uid,
                        account,
                        partial(OverviewSensor, self.runtime, category, kind, unique_id=uid),
                    )

    def _device_entities(
        self, platform: Platform, key: str, device: Device
    ) -> Iterator[tuple[str, Any]]:
        """(entity key, factory) of one device's entities on a platform."""
        entities = self._platform_entities.get(platform)
        return entities(key, device) if entities is not None else iter(())

    def _described(
        self, cls: Any, tier: Any, key: str, descriptions: Iterable[Any], state: object
    ) -> Iterator[tuple[str, Any]]:
        """A tier's described entities of one device, those its state supports."""
        for description in descriptions:
            if description.exists_fn(state):
                yield description.key, partial(cls, self.runtime, tier, key, description)

    def _sensors(self, key: str, device: Device) -> Iterator[tuple[str, Any]]:
        for sensor in DEVICE_SENSORS:
            if sensor.exists_fn(device):
                yield sensor.key, partial(TumsSensor, self.runtime, key, sensor)
        if (solar := tier_item(self.runtime.solar, key)) is not None:
            for tier_sensor in SOLAR_SENSORS:
                if tier_sensor.exists_fn(solar):
                    # Energy today restores the day's highest value across restarts.
                    kind = (
                        TumsEnergyTodaySensor
                        if tier_sensor.key in ENERGY_TODAY_FIELDS
                        else TumsTierSensor
                    )
                    yield (
                        tier_sensor.key,
                        partial(kind, self.runtime, self.runtime.solar, key, tier_sensor),
                    )
        flow = self.passenger_flow
        if flow is not None and tier_item(flow, key) is not None:
            for counter in PASSENGER_FLOW_SENSORS:
                yield counter.key, partial(TumsTierSensor, self.runtime, flow, key, counter)
        if (settings := tier_item(self.runtime.settings, key)) is not None:
            for index in storage_indexes(settings):
                for storage in storage_sensors(index):
                    yield (
                        storage.key,
                        partial(TumsTierSensor, self.runtime, self.runtime.settings, key, storage),
                    )

    def _binary_sensors(self, key: str, device: Device) -> Iterator[tuple[str, Any]]:
        for binary in DEVICE_BINARY_SENSORS:
            yield binary.key, partial(TumsBinarySensor, self.runtime, key, binary)
        if self.runtime.push.enabled and has_camera(device):
            yield PUSH_DETECTION_KEY, partial(TumsDetectionSensor, self.runtime, key)

    def _events(self, key: str, device: Device) -> Iterator[tuple[str, Any]]:
        if self.runtime.push.enabled and (event_types := push_event_types(device)):
            yield PUSH_EVENT_KEY, partial(TumsPushEvent, self.runtime, key, event_types)

    def _buttons(self, key: str, device: Device) -> Iterator[tuple[str, Any]]:
        solar = tier_item(self.runtime.solar, key)
        buttons = (
            [*DEVICE_BUTTONS, *(solar_restart_button(n) for n in solar.loads)]
            if solar
            else DEVICE_BUTTONS
        )
        for button in buttons:
            if button.exists_fn(self.runtime, device):
                yield button.key, partial(TumsButton, self.runtime, key, button)

    def _updates(self, key: str, _device: Device) -> Iterator[tuple[str, Any]]:
        firmware = tier_item(self.runtime.firmware, key)
        if firmware is not None and firmware.current_version:
            yield "firmware", partial(TumsFirmwareUpdate, self.runtime, key)

    def _cameras(self, key: str, device: Device) -> Iterator[tuple[str, Any]]:
        if has_camera(device):
            yield "camera", partial(TumsCamera, self.runtime, key)

    # A solar system's schedule, else a camera's settings: a device is never both.

    def _switches(self, key: str, _device: Device) -> Iterator[tuple[str, Any]]:
        if (solar := tier_item(self.runtime.solar, key)) is not None:
            for load in solar_loads(solar):
                switch, _times = solar_schedule_entities(load)
                yield from self._described(
                    TumsTierSwitch, self.runtime.solar, key, (switch,), solar
                )
        elif (settings := tier_item(self.runtime.settings, key)) is not None:
            yield from self._described(
                TumsTierSwitch, self.runtime.settings, key, SETTINGS_SWITCHES, settings
            )

    def _selects(self, key: str, _device: Device) -> Iterator[tuple[str, Any]]:
        if tier_item(self.runtime.solar, key) is not None:
            return
        if (settings := tier_item(self.runtime.settings, key)) is not None:
            yield from self._described(
                TumsTierSelect, self.runtime.settings, key, SETTINGS_SELECTS, settings
            )

    def _times(self, key: str, _device: Device) -> Iterator[tuple[str, Any]]:
        if (solar := tier_item(self.runtime.solar, key)) is not None:
            for load in solar_loads(solar):
                _switch, times = solar_schedule_entities(load)
                yield from self._described(TumsTierTime, self.runtime.solar, key, times, solar)
        elif (settings := tier_item(self.runtime.settings, key)) is not None:
            yield from self._described(
                TumsTierTime, self.runtime.settings, key, SETTINGS_TIMES, settings
            )
