"""What a runtime of a datapoint vendor shares: entities, writes, hiding and the action."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import (
    CALLBACK_TYPE,
    HassJob,
    HomeAssistant,
    ServiceCall,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.event import async_call_later
import voluptuous as vol

from ..absence import AbsenceCounter
from ..actions import async_register_actions, device_target
from ..client.errors import DatapointValueError
from ..const import ATTR_DEVICE_ID, CONF_DATAPOINTS, DOMAIN
from ..devices import DynamicDevicesRuntime, EntityCandidate
from ..vendor import CniotConfigEntry
from . import DatapointChoice
from .appliances import (
    KIND_CLIMATE,
    KIND_FAN,
    ClimatePoints,
    FanPoints,
    mode_map,
    resolve_climate,
    resolve_fan,
    setting_in_effect,
)
from .climate import CLIMATE_KEY, DatapointClimate
from .describe import DatapointDescription, Point, Shape, describe
from .entity import PLATFORM_CLASSES, DatapointDevice
from .fan import FAN_KEY, DatapointFan

# Pause between a write and reading the device back: it shows what the device made of it.
READ_BACK_DELAY = 2.0


class Validating(Protocol):
    """A vendor's datapoint definition, as writes check values against it."""

    def validate(self, value: Any) -> Any:
        """The value to send, or DatapointValueError."""


class DatapointCoordinator(Protocol):
    """What the shared setup uses of the vendor's coordinator."""

    absence: AbsenceCounter[Any]
    data: Any  # with ``absent``: device identifier -> polls in a row without it

    async def async_config_entry_first_refresh(self) -> None:
        """The first refresh; a failure makes the entry retry."""

    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Listen for updates."""


@dataclass(frozen=True, slots=True)
class Appliances:
    """A product's appliance mappings in effect."""

    climate: ClimatePoints | None
    fan: FanPoints | None


# (device key, product key, device identifier, unique-ID prefix) of each listed device.
type DatapointDeviceRow = tuple[Any, str, str, str]


class DatapointRuntime(DynamicDevicesRuntime):
    """A runtime whose devices report datapoints: one entity per datapoint and device.

    The vendor says which devices it has (``datapoint_devices``), what each product's
    datapoints are (``points``), how a device is shown (``datapoint_device``), and how
    values are sent, shown and read back; unique IDs are ``{prefix}_{point.key}``.
    """

    platforms: tuple[Platform, ...] = (*PLATFORM_CLASSES, Platform.CLIMATE, Platform.FAN)
    coordinator: DatapointCoordinator
    # The ``{vendor}_set_datapoints`` action's field holding ``{ref: value}``.
    action_field: ClassVar[str]

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        self._read_backs: dict[Hashable, CALLBACK_TYPE] = {}
        self._appliances: tuple[tuple[Any, ...], dict[str, Appliances]] | None = None

    @classmethod
    def action_schema(cls) -> vol.Schema:
        """The set-datapoints action's data."""
        return vol.Schema(
            {
                vol.Required(ATTR_DEVICE_ID): cv.string,
                vol.Required(cls.action_field): cls.action_values,
            }
        )

    @classmethod
    def async_setup_actions(cls, hass: HomeAssistant) -> None:
        """Register the vendor's set-datapoints action."""

        async def _set_datapoints(hass: HomeAssistant, call: ServiceCall) -> None:
            runtime, key = device_target(hass, call.data[ATTR_DEVICE_ID], cls, cls.device_key)
            await runtime.async_control(key, call.data[cls.action_field])

        name = f"{cls.vendor}_set_datapoints"
        action = (cls.action_schema(), _set_datapoints, SupportsResponse.NONE)
        async_register_actions(hass, {name: action})

    @staticmethod
    @abstractmethod
    def action_values(value: Any) -> dict[Any, Any]:
        """Check the action's ``{ref: value}`` (refs as the vendor names datapoints)."""

    async def async_setup(self) -> None:
        """The first refresh (a failure makes the entry retry), then entities as data comes."""
        self.async_track_registered(self.coordinator.absence)
        await self.coordinator.async_config_entry_first_refresh()
        self.async_remove_hidden()
        self.entry.async_on_unload(self.coordinator.async_add_listener(self._async_on_update))

    @callback
    def _async_on_update(self) -> None:
        """New data: devices missing for long go, new ones get their entities."""
        self.async_prune(self.coordinator.data.absent)
        self.async_add_new_entities()

    @abstractmethod
    def datapoint_devices(self) -> Iterable[DatapointDeviceRow]:
        """Every listed device: its key, product, identifier and unique-ID prefix."""

    @abstractmethod
    def points(self) -> Mapping[str, Sequence[Point]]:
        """Each product's datapoints that can have an entity."""

    @abstractmethod
    def datapoint_device(self, key: Any) -> DatapointDevice:
        """One device as its datapoint entities see it."""

    @abstractmethod
    def definition(self, key: Any, ref: Any) -> Validating | None:
        """The definition of a device's datapoint, to check a written value against."""

    @abstractmethod
    async def _async_send(self, key: Any, values: Mapping[Any, Any]) -> None:
        """Send checked values to a device."""

    @abstractmethod
    def _show_written(self, key: Any, values: Mapping[Any, Any]) -> None:
        """Show sent values at once, before the device is read back."""

    @abstractmethod
    async def _async_read_back(self, key: Any) -> None:
        """Read one device's values again (a failure is left to the next poll)."""

    # -- entities ------------------------------------------------------------------

    def product_name(self, product: str) -> str:
        """A product's name for the options flow (the vendor may know a better one)."""
        return product

    def appliances(self) -> dict[str, Appliances]:
        """Each product's appliance mappings in effect (the user's, or the proposals).

        Made once per set of datapoint lists: every update asks, once per platform. The
        options cannot change under it (saving them reloads the entry).
        """
        products = tuple(self.points().items())
        cached = self._appliances
        if (
            cached is not None
            and len(cached[0]) == len(products)
            and all(a[0] == b[0] and a[1] is b[1] for a, b in zip(cached[0], products, strict=True))
        ):
            return cached[1]
        options = self.entry.options
        found: dict[str, Appliances] = {}
        for product, points in products:
            climate = resolve_climate(
                setting_in_effect(KIND_CLIMATE, options, product, points), points
            )
            fan = resolve_fan(setting_in_effect(KIND_FAN, options, product, points), points)
            if climate is not None or fan is not None:
                found[product] = Appliances(climate, fan)
        self._appliances = (products, found)
        return found

    def _absorbed(self) -> dict[str, set[str]]:
        """Per product, the option keys of datapoints an appliance entity shows instead."""
        return {
            product: {
                point.option
                for mapping in (found.climate, found.fan)
                if mapping is not None and not mapping.keep
                for point in mapping.mapped
            }
            for product, found in self.appliances().items()
        }

    def described(self, platform: Platform) -> dict[str, list[DatapointDescription]]:
        """Each product's descriptions of one platform, with the user's settings."""
        overrides: Mapping[str, Any] = self.entry.options.get(CONF_DATAPOINTS, {})
        absorbed = self._absorbed()
        described: dict[str, list[DatapointDescription]] = {}
        for product, points in self.points().items():
            gone = absorbed.get(product, set())
            items = [
                describe(point, overrides.get(point.option))
                for point in points
                if point.option not in gone
            ]
            described[product] = [item[1] for item in items if item and item[0] is platform]
        return described

    def datapoint_candidates(
        self,
        platform: Platform,
        descriptions: Sequence[DatapointDescription],
        key: Any,
        identifier: str,
        prefix: str,
    ) -> Iterator[EntityCandidate]:
        """A device's datapoint entities of one platform."""
        for description in descriptions:
            uid = f"{prefix}_{description.key}"
            yield uid, identifier, partial(self._entity, platform, key, description, uid)

    def _entity(
        self, platform: Platform, key: Any, description: DatapointDescription, uid: str
    ) -> Any:
        return PLATFORM_CLASSES[platform](self.datapoint_device(key), description, uid)

    def appliance_candidates(
        self, platform: Platform, row: DatapointDeviceRow
    ) -> Iterator[EntityCandidate]:
        """A device's appliance entities (climate, fan), where its product has a mapping."""
        key, product, identifier, prefix = row
        if platform not in (Platform.CLIMATE, Platform.FAN):
            return
        if (found := self.appliances().get(product)) is None:
            return
        if platform is Platform.CLIMATE and (climate := found.climate) is not None:
            uid = f"{prefix}_{CLIMATE_KEY}"
            names = [point.name for point in self.points().get(product, ())]
            modes = mode_map(climate.mode.options if climate.mode else (), names)
            yield uid, identifier, partial(self._climate, key, climate, modes, uid)
        if platform is Platform.FAN and (fan := found.fan) is not None:
            uid = f"{prefix}_{FAN_KEY}"
            yield uid, identifier, partial(self._fan, key, fan, uid)

    def _climate(self, key: Any, climate: ClimatePoints, modes: Any, uid: str) -> Any:
        return DatapointClimate(self.datapoint_device(key), climate, modes, uid)

    def _fan(self, key: Any, fan: FanPoints, uid: str) -> Any:
        return DatapointFan(self.datapoint_device(key), fan, uid)

    @callback
    def async_remove_hidden(self) -> None:
        """Datapoints hidden in the options lose their entities altogether.

        So do datapoints an appliance entity shows instead, and the appliance entities
        of products no longer mapped: their datapoints' own entities come back.
        """
        hidden = {
            key
            for key, setting in self.entry.options.get(CONF_DATAPOINTS, {}).items()
            if setting.get("hidden")
        }
        points = self.points()
        absorbed = self._absorbed()
        appliances = self.appliances()
        doomed: set[str] = set()  # datapoint entities, of whatever platform
        unmapped: set[tuple[str, str]] = set()  # (platform, unique ID) of appliance entities
        for _key, product, _ident, prefix in self.datapoint_devices():
            gone = hidden | absorbed.get(product, set())
            doomed.update(
                f"{prefix}_{point.key}" for point in points.get(product, ()) if point.option in gone
            )
            found = appliances.get(product, Appliances(None, None))
            if found.climate is None:
                unmapped.add((Platform.CLIMATE, f"{prefix}_{CLIMATE_KEY}"))
            if found.fan is None:
                unmapped.add((Platform.FAN, f"{prefix}_{FAN_KEY}"))
        appliance_platforms = {Platform.CLIMATE, Platform.FAN}
        registry = er.async_get(self.hass)
        for entity in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            if (entity.domain, entity.unique_id) in unmapped or (
                entity.domain not in appliance_platforms and entity.unique_id in doomed
            ):
                registry.async_remove(entity.entity_id)

    def device_key(self, device: DeviceEntry) -> Any:
        """The vendor's key for one of this entry's registry devices; None if not listed."""
        ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
        return next((row[0] for row in self.datapoint_devices() if row[2] in ids), None)

    # -- writes --------------------------------------------------------------------

    def writable_keys(self, key: Any) -> str:
        """The device's writable datapoints as ``key (name)``, for an unknown key's error."""
        products = {row[0]: row[1] for row in self.datapoint_devices()}
        points = [point for point in self.points().get(products.get(key, ""), ()) if point.writable]
        shown = [
            f"{point.ref} ({point.name})" if str(point.ref) != point.name else str(point.ref)
            for point in points[:_MAX_LISTED]
        ]
        if len(points) > _MAX_LISTED:
            shown.append(f"… +{len(points) - _MAX_LISTED}")
        return ", ".join(shown) or "-"

    def validate(self, key: Any, values: Mapping[Any, Any]) -> dict[Any, Any]:
        """Check values against the datapoint definitions before anything is sent."""
        checked: dict[Any, Any] = {}
        for ref, value in values.items():
            definition = self.definition(key, ref)
            if definition is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="datapoint_unknown",
                    translation_placeholders={
                        "datapoint": _short(ref),
                        "valid": self.writable_keys(key),
                    },
                )
            try:
                checked[ref] = definition.validate(value)
            except DatapointValueError as err:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key=f"datapoint_{err.reason}",
                    translation_placeholders={
                        "datapoint": err.label,
                        "value": _short(value),
                        **err.placeholders,
                    },
                ) from err
        return checked

    async def async_control(self, key: Any, values: Mapping[Any, Any]) -> None:
        """Write datapoints, show them at once, and read the device back shortly."""
        checked = self.validate(key, values)
        await self._async_send(key, checked)
        self._show_written(key, checked)
        self.schedule_read_back(key)

    def schedule_read_back(self, key: Hashable) -> None:
        """Read the device back shortly; a newer write postpones it."""
        if cancel := self._read_backs.pop(key, None):
            cancel()

        async def _read(_now: Any) -> None:
            self._read_backs.pop(key, None)
            await self._async_read_back(key)

        self._read_backs[key] = async_call_later(
            self.hass, READ_BACK_DELAY, HassJob(_read, cancel_on_shutdown=True)
        )

    async def async_unload(self) -> None:
        """Drop scheduled read-backs."""
        for cancel in self._read_backs.values():
            cancel()
        self._read_backs.clear()


# An unknown key's error lists at most this many valid ones (a message, not a manual).
_MAX_LISTED = 20


def _short(value: Any) -> str:
    """A value as text for a message, at most 64 characters."""
    try:
        text = str(value)
    except ValueError:
        # An integer past Python's int-to-str limit cannot be printed at all.
        text = f"<{type(value).__name__}>"
    return text[:64]


def datapoint_choices(entry: ConfigEntry) -> dict[str, DatapointChoice] | None:
    """The entry's datapoints by option key, for the options flow; None while not loaded."""
    runtime = getattr(entry, "runtime_data", None)
    if entry.state is not ConfigEntryState.LOADED or not isinstance(runtime, DatapointRuntime):
        return None
    return {
        point.option: DatapointChoice(
            label=point.label, name=point.name, numeric=point.shape is Shape.NUMBER
        )
        for points in runtime.points().values()
        for point in points
    }
