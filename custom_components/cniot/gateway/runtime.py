"""The gateway vendor's runtime: client, coordinator and its entities."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from functools import partial
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry

from ..client.errors import CniotError
from ..const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, DOMAIN
from ..devices import DynamicDevicesRuntime, EntityCandidate
from ..features import Feature, FeatureTracker, Reason
from ..vendor import CniotConfigEntry
from .client import DEFAULT_SET_PATH, GatewayClient
from .const import CONF_SET_PATH, ISSUE_SET_PATH, VENDOR_GATEWAY
from .coordinator import GatewayCoordinator, GatewayData
from .descriptions import (
    CHANNEL_BINARY_SENSORS,
    CHANNEL_SENSORS,
    CHANNEL_SWITCHES,
    GATEWAY_BINARY_SENSORS,
    GATEWAY_SENSORS,
    GATEWAY_SWITCHES,
)
from .entity import (
    BackendFleetSensor,
    ChannelBinarySensor,
    ChannelEntity,
    ChannelSensor,
    ChannelSwitch,
    GatewayBinarySensor,
    GatewayEntity,
    GatewaySensor,
    GatewaySwitch,
    GatewayTracker,
    backend_identifier,
    channel_device_info,
    channel_identifier,
    gateway_device_info,
    gateway_identifier,
    gateway_unique_id,
)
from .errors import GATEWAY_ERRORS

# The split of gateway calls (see features.py). Core: devices/list, the one poll,
# which carries every gateway's and channel's state. Feature: the settings write,
# whose path the vendor document does not name (configurable in the options).
# Port-mapping and registration calls are actions only; their errors go to the caller.
FEATURE_SETTINGS = "settings"
GATEWAY_FEATURES = (Feature(FEATURE_SETTINGS, (DEFAULT_SET_PATH,)),)

type _GatewayEntityType = Callable[[GatewayCoordinator, str, Any, str], GatewayEntity]
type _ChannelEntityType = Callable[[GatewayCoordinator, str, str, Any, str], ChannelEntity]


class GatewayRuntime(DynamicDevicesRuntime):
    """One gateway backend."""

    vendor = VENDOR_GATEWAY
    platforms = (
        Platform.BINARY_SENSOR,
        Platform.DEVICE_TRACKER,
        Platform.SENSOR,
        Platform.SWITCH,
    )

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        self.client = GatewayClient(
            async_get_clientsession(hass),
            entry.data[CONF_URL],
            username=entry.data.get(CONF_USERNAME),
            password=entry.data.get(CONF_PASSWORD),
            set_path=entry.options.get(CONF_SET_PATH, DEFAULT_SET_PATH),
        )
        self.scope = entry.entry_id  # identifiers and unique IDs are per entry
        self.coordinator = GatewayCoordinator(
            hass, entry, self.client, partial(_identifiers, self.scope)
        )
        self.features = FeatureTracker(hass, entry, VENDOR_GATEWAY, GATEWAY_FEATURES, {})
        # (alias, model, firmware) last written to the device registry, per gateway.
        self._device_info_seen: dict[str, tuple[str | None, ...]] = {}
        # Which descriptions feed which entity class, per platform; switches write.
        self._gateway_entities: Mapping[Platform, tuple[Sequence[Any], _GatewayEntityType]] = {
            Platform.SENSOR: (GATEWAY_SENSORS, GatewaySensor),
            Platform.BINARY_SENSOR: (GATEWAY_BINARY_SENSORS, GatewayBinarySensor),
            Platform.SWITCH: (GATEWAY_SWITCHES, partial(GatewaySwitch, self.async_write)),
        }
        self._channel_entities: Mapping[Platform, tuple[Sequence[Any], _ChannelEntityType]] = {
            Platform.SENSOR: (CHANNEL_SENSORS, ChannelSensor),
            Platform.BINARY_SENSOR: (CHANNEL_BINARY_SENSORS, ChannelBinarySensor),
            Platform.SWITCH: (CHANNEL_SWITCHES, partial(ChannelSwitch, self.async_write)),
        }

    async def async_setup(self) -> None:
        """Fetch the first device list; failures make the entry retry."""
        self.async_track_registered(self.coordinator.absence)
        await self.coordinator.async_config_entry_first_refresh()
        self.entry.async_on_unload(self.coordinator.async_add_listener(self._async_on_update))

    async def async_unload(self) -> None:
        """Drop the entry's repair issues; a reload tries every feature again."""
        self.features.async_unload()
        ir.async_delete_issue(self.hass, DOMAIN, f"{ISSUE_SET_PATH}_{self.entry.entry_id}")

    @callback
    def _async_on_update(self) -> None:
        self.async_prune(self.coordinator.data.absent)
        self.async_add_new_entities()
        self._async_sync_device_info()

    @callback
    def _async_sync_device_info(self) -> None:
        """Carry renames and firmware upgrades at the backend into the device registry."""
        registry = dr.async_get(self.hass)
        gateways = self.coordinator.data.gateways
        for sn in self._device_info_seen.keys() - gateways.keys():
            del self._device_info_seen[sn]
        for sn, gateway in gateways.items():
            seen = (gateway.alias, gateway.model, gateway.version)
            if self._device_info_seen.get(sn) == seen:
                continue
            self._device_info_seen[sn] = seen
            device = registry.async_get_device_by_identifier(
                (DOMAIN, gateway_identifier(self.scope, sn)), self.entry.entry_id
            )
            if device is not None:
                info = gateway_device_info(self.scope, gateway, self.client.base_url)
                registry.async_update_device(
                    device.id, name=info["name"], model=gateway.model, sw_version=gateway.version
                )
            for key, channel in gateway.channels.items():
                channel_device = registry.async_get_device_by_identifier(
                    (DOMAIN, channel_identifier(self.scope, sn, key)), self.entry.entry_id
                )
                if channel_device is not None:
                    name = channel_device_info(self.scope, gateway, channel, self.client.base_url)[
                        "name"
                    ]
                    registry.async_update_device(channel_device.id, name=name)

    def entity_candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """Every entity the current data supports on a platform.

        The one place unique IDs are built: each entity is handed its own.
        """
        gateway_descs, gateway_cls = self._gateway_entities.get(platform, ((), GatewaySensor))
        channel_descs, channel_cls = self._channel_entities.get(platform, ((), ChannelSensor))
        if platform is Platform.SENSOR:
            for kind, online in (("online", True), ("offline", False)):
                uid = gateway_unique_id(self.scope, "fleet", kind)
                yield (
                    uid,
                    backend_identifier(self.scope),
                    partial(BackendFleetSensor, self.coordinator, online, uid),
                )
        for sn, gateway in self.coordinator.data.gateways.items():
            ident = gateway_identifier(self.scope, sn)
            for desc in gateway_descs:
                if desc.exists_fn(gateway):
                    uid = gateway_unique_id(self.scope, sn, desc.key)
                    yield uid, ident, partial(gateway_cls, self.coordinator, sn, desc, uid)
            if platform is Platform.DEVICE_TRACKER and gateway.latitude is not None:
                uid = gateway_unique_id(self.scope, sn, "location")
                yield uid, ident, partial(GatewayTracker, self.coordinator, sn, uid)
            for key, channel in gateway.channels.items():
                ident = channel_identifier(self.scope, sn, key)
                for c_desc in channel_descs:
                    if c_desc.exists_fn(channel):
                        uid = gateway_unique_id(self.scope, sn, key, c_desc.key)
                        yield (
                            uid,
                            ident,
                            partial(channel_cls, self.coordinator, sn, key, c_desc, uid),
                        )

    def present_identifiers(self) -> set[str]:
        """Device identifiers of every gateway and channel now reported."""
        return _identifiers(self.scope, self.coordinator.data)

    async def async_write(self, sn: str, changes: Mapping[str, Any]) -> None:
        """Write settings to one gateway, then refresh.

        The settings path is a feature: absent or forbidden, it is recorded (one INFO
        line, diagnostics, a repair issue) and the switches keep showing their state.
        Every write is tried, since each is the user's own retry.
        """
        try:
            await self.client.async_set(sn, changes)
        except CniotError as err:
            # Checked first: a refused settings path must not ask for new credentials.
            if self.features.failed(FEATURE_SETTINGS, err):
                raise self._settings_error(err) from err
            raise GATEWAY_ERRORS.action_failure(self.hass, self.entry, err) from err
        self.features.succeeded(FEATURE_SETTINGS)
        ir.async_delete_issue(self.hass, DOMAIN, f"{ISSUE_SET_PATH}_{self.entry.entry_id}")
        # Read back at once: a debounced request inside the 10 s cooldown would wait, and the
        # frontend would snap the toggle back to the old state meanwhile.
        await self.coordinator.async_refresh()

    def _settings_error(self, err: CniotError) -> HomeAssistantError:
        if self.features.reason(FEATURE_SETTINGS) is Reason.ABSENT:
            # The path is configurable: the user can point it at the right one.
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"{ISSUE_SET_PATH}_{self.entry.entry_id}",
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_SET_PATH,
                translation_placeholders={"name": self.entry.title},
            )
            return HomeAssistantError(
                translation_domain=DOMAIN, translation_key="set_path_not_found"
            )
        return GATEWAY_ERRORS.action_error(err)

    async def async_diagnostics(self) -> dict[str, Any]:
        """The backend's view: every gateway as parsed, plus client counters."""
        data = self.coordinator.data
        return {
            "base_url": self.client.base_url,
            "request_count": self.client.request_count,
            "last_update_success": self.coordinator.last_update_success,
            "gateways": [asdict(gateway) for gateway in data.gateways.values()],
            "boot_times": {sn: ts.isoformat() for sn, ts in data.boot_times.items()},
            "unavailable_features": self.features.diagnostics(),
            "malformed_entries": self.client.malformed.diagnostics(),
        }

    def sn_for_device(self, device: DeviceEntry) -> str | None:
        """The serial of a gateway device; None for a channel, which no action targets.

        The actions' pickers offer gateways only; deleting or mapping a gateway through
        one of its channels would act on a device the user did not pick.
        """
        ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
        return next(
            (
                sn
                for sn in self.coordinator.data.gateways
                if gateway_identifier(self.scope, sn) in ids
            ),
            None,
        )


def _identifiers(scope: str, data: GatewayData) -> set[str]:
    """Device identifiers of every gateway and channel in a refresh."""
    present: set[str] = {backend_identifier(scope)}  # the backend's own device, always
    for sn, gateway in data.gateways.items():
        present.add(gateway_identifier(scope, sn))
        present.update(channel_identifier(scope, sn, key) for key in gateway.channels)
    return present
