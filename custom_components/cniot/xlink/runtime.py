"""The Xlink vendor's runtime for one account (config entry)."""

from __future__ import annotations

from collections.abc import Awaitable, Iterator, Mapping
from dataclasses import asdict
from functools import partial
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.event import async_call_later

from ..client.errors import CniotError
from ..const import CONF_DATAPOINTS, CONF_PASSWORD, CONF_URL, DOMAIN
from ..devices import DynamicDevicesRuntime, EntityCandidate
from ..vendor import CniotConfigEntry
from .client import XlinkClient
from .const import (
    CONF_CORP_ID,
    CONF_LOGIN,
    CONF_MODE,
    CONF_TOKENS,
    CONTROL_REFRESH_DELAY,
    VENDOR_XLINK,
)
from .coordinator import XlinkCoordinator, XlinkData
from .entity import (
    PLATFORM_CLASSES,
    PRODUCT_SENSORS,
    ProductSensor,
    XlinkConnectivity,
    XlinkLastUpdate,
    XlinkProbe,
    datapoint_key,
    datapoint_of,
    describe,
    device_identifier,
    product_identifier,
    xlink_unique_id,
)
from .errors import XLINK_ERRORS
from .models import MAX_TEXT, DatapointValueError, TokenSet


def client_for(hass: HomeAssistant, data: Mapping[str, Any]) -> XlinkClient:
    """A client for the entry's (or the flow's) settings."""
    return XlinkClient(
        async_get_clientsession(hass),
        data[CONF_URL],
        mode=data[CONF_MODE],
        login=data[CONF_LOGIN],
        password=data[CONF_PASSWORD],
        corp_id=data.get(CONF_CORP_ID) or None,
        tokens=TokenSet.from_json(data.get(CONF_TOKENS)),
    )


class XlinkRuntime(DynamicDevicesRuntime):
    """One Xlink account: enterprise member, access key or app user."""

    vendor = VENDOR_XLINK
    platforms = (
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.NUMBER,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TEXT,
    )

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        self.client = client_for(hass, entry.data)
        self.client.on_tokens = self._store_tokens
        self.scope = entry.entry_id  # identifiers and unique IDs are per entry
        self.coordinator = XlinkCoordinator(
            hass, entry, self.client, partial(_identifiers, self.scope)
        )
        self._pending_refresh: dict[int, CALLBACK_TYPE] = {}

    @callback
    def _store_tokens(self, tokens: TokenSet) -> None:
        """Keep the rotated tokens: the old refresh token is spent."""
        self.hass.config_entries.async_update_entry(
            self.entry, data={**self.entry.data, CONF_TOKENS: tokens.as_json()}
        )

    async def async_setup(self) -> None:
        """Login, products, definitions, devices and values; failures make the entry retry."""
        self.async_track_registered(self.coordinator.absence)
        await self.coordinator.async_config_entry_first_refresh()
        self._async_remove_hidden()
        self.entry.async_on_unload(self.coordinator.async_add_listener(self._async_on_update))

    @callback
    def _async_remove_hidden(self) -> None:
        """Datapoints hidden in the options lose their entities altogether."""
        hidden = {
            key
            for key, setting in self.entry.options.get(CONF_DATAPOINTS, {}).items()
            if setting.get("hidden")
        }
        if not hidden:
            return
        registry = er.async_get(self.hass)
        for entity in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            point = datapoint_of(self.scope, entity.unique_id)
            if point is not None and datapoint_key(*point) in hidden:
                registry.async_remove(entity.entity_id)

    async def async_unload(self) -> None:
        """Drop scheduled read-backs."""
        for cancel in self._pending_refresh.values():
            cancel()
        self._pending_refresh.clear()

    @callback
    def _async_on_update(self) -> None:
        """New data: pruning, then new entities."""
        self.async_prune(self.coordinator.data.absent)
        self.async_add_new_entities()

    def present_identifiers(self) -> set[str]:
        """Every product and listed device."""
        return _identifiers(self.scope, self.coordinator.data)

    def entity_candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """Product counters, and per device its status, probe and datapoints.

        The one place unique IDs are built: each entity is handed its own.
        """
        data = self.coordinator.data
        overrides: Mapping[str, Any] = self.entry.options.get(CONF_DATAPOINTS, {})
        if platform is Platform.SENSOR:
            for pid in data.products:
                for description in PRODUCT_SENSORS:
                    uid = xlink_unique_id(self.scope, pid, description.key)
                    yield (
                        uid,
                        product_identifier(self.scope, pid),
                        partial(ProductSensor, self, pid, description, uid),
                    )
        described = {
            pid: [
                describe(point, overrides.get(datapoint_key(pid, point.index)))
                for point in product.datapoints
            ]
            for pid, product in data.products.items()
        }
        for device_id, device in data.devices.items():
            pid = device.product_id
            ident = device_identifier(self.scope, pid, device_id)
            unique = partial(xlink_unique_id, self.scope, pid, device_id)
            if platform is Platform.BINARY_SENSOR:
                uid = unique("online")
                yield uid, ident, partial(XlinkConnectivity, self, device_id, uid)
            if platform is Platform.SENSOR:
                uid = unique("last_update")
                yield uid, ident, partial(XlinkLastUpdate, self, device_id, uid)
            if platform is Platform.BUTTON:
                uid = unique("probe")
                yield uid, ident, partial(XlinkProbe, self, device_id, uid)
            for item in described.get(pid, []):
                if item is None or item[0] is not platform:
                    continue
                uid = unique(item[1].key)
                yield uid, ident, partial(PLATFORM_CLASSES[platform], self, device_id, item[1], uid)

    def device_for(self, device: DeviceEntry) -> int | None:
        """The Xlink device ID behind a registry device of this entry."""
        ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
        for device_id, item in self.coordinator.data.devices.items():
            if device_identifier(self.scope, item.product_id, device_id) in ids:
                return device_id
        return None

    def validate(self, device_id: int, values: Mapping[int, Any]) -> dict[int, Any]:
        """Check values against the datapoint definitions before anything is sent."""
        data = self.coordinator.data
        product = data.products[data.devices[device_id].product_id]
        checked: dict[int, Any] = {}
        for index, value in values.items():
            point = product.get(index)
            if point is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="datapoint_unknown",
                    translation_placeholders={"datapoint": str(index)[:64]},
                )
            try:
                checked[index] = point.validate(value)
            except DatapointValueError as err:
                low, high = point.bounds
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key=f"datapoint_{err.reason}",
                    translation_placeholders={
                        "datapoint": point.name,
                        "value": _short(value),
                        "minimum": f"{low:g}",
                        "maximum": f"{high:g}",
                        "step": "1",
                        "options": "",
                        "length": str(MAX_TEXT // 2 if err.reason == "length" else MAX_TEXT),
                    },
                ) from err
        return checked

    async def async_control(self, device_id: int, values: Mapping[int, Any]) -> None:
        """Write datapoints, show them at once, and read the device back shortly."""
        checked = self.validate(device_id, values)
        await self._call_translated(self.client.async_control(device_id, checked))
        data = self.coordinator.data
        product = data.products[data.devices[device_id].product_id]
        decoded = {i: p.decode(v) for i, v in checked.items() if (p := product.get(i))}
        self.coordinator.apply_values(device_id, decoded)
        self._schedule_read_back(device_id)

    async def async_probe(self, device_id: int) -> None:
        """Ask the device for its values (wakes it) and show them."""
        values = await self._call_translated(self.client.async_probe(device_id))
        data = self.coordinator.data
        product = data.products[data.devices[device_id].product_id]
        decoded = product.decode({str(index): value for index, value in values.items()})
        self.coordinator.apply_values(device_id, decoded, online=True)

    async def _call_translated[T](self, call: Awaitable[T]) -> T:
        return await XLINK_ERRORS.async_guard(self.hass, self.entry, call)

    def _schedule_read_back(self, device_id: int) -> None:
        if cancel := self._pending_refresh.pop(device_id, None):
            cancel()

        async def _refresh(_now: Any) -> None:
            self._pending_refresh.pop(device_id, None)
            device = self.coordinator.data.devices.get(device_id)
            if device is None:
                return
            try:
                values = await self.client.async_get_values(device.product_id, [device_id])
            except CniotError:
                # The next regular poll will tell; a failed read-back is not an error.
                return
            if device_id in values:
                self.coordinator.apply_state(device_id, values[device_id])

        self._pending_refresh[device_id] = async_call_later(
            self.hass, CONTROL_REFRESH_DELAY, HassJob(_refresh, cancel_on_shutdown=True)
        )

    async def async_diagnostics(self) -> dict[str, Any]:
        """Products, devices and values as parsed; token timing but no token."""
        data = self.coordinator.data
        tokens = self.client.tokens
        return {
            "base_url": self.client.base_url,
            "mode": self.client.mode,
            "request_count": self.client.request_count,
            "logins": self.client.logins,
            "refreshes": self.client.refreshes,
            "token_expires_at": tokens.expires_at if tokens else None,
            "last_update_success": self.coordinator.last_update_success,
            "catalog": [{"id": p.product_id, "name": p.name} for p in data.catalog],
            "products": [asdict(product) for product in data.products.values()],
            "devices": [asdict(device) for device in data.devices.values()],
            "states": {str(i): asdict(state) for i, state in data.states.items()},
        }


def _identifiers(scope: str, data: XlinkData) -> set[str]:
    return {product_identifier(scope, pid) for pid in data.products} | {
        device_identifier(scope, device.product_id, device_id)
        for device_id, device in data.devices.items()
    }


def _short(value: Any) -> str:
    """A value as text for a message, at most 64 characters."""
    try:
        text = str(value)
    except ValueError:
        text = f"<{type(value).__name__}>"
    return text[:64]
