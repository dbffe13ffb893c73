"""The Xlink vendor's runtime for one account (config entry)."""

from __future__ import annotations

from collections.abc import Awaitable, Iterator, Mapping, Sequence
from dataclasses import asdict
from functools import partial
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..actions import TranslatedInvalid
from ..client.errors import CniotError
from ..const import CONF_PASSWORD, CONF_URL
from ..datapoints.describe import Point
from ..datapoints.entity import DatapointDevice
from ..datapoints.runtime import DatapointDeviceRow, DatapointRuntime
from ..devices import EntityCandidate
from ..vendor import CniotConfigEntry
from .client import XlinkClient
from .const import CONF_CORP_ID, CONF_LOGIN, CONF_MODE, CONF_TOKENS, VENDOR_XLINK
from .coordinator import XlinkCoordinator, XlinkData
from .entity import (
    PRODUCT_SENSORS,
    ProductSensor,
    XlinkConnectivity,
    XlinkLastUpdate,
    XlinkProbe,
    device_identifier,
    device_info,
    point_of,
    product_identifier,
    product_name,
    xlink_unique_id,
)
from .errors import XLINK_ERRORS
from .models import Datapoint, TokenSet


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


class XlinkRuntime(DatapointRuntime):
    """One Xlink account: enterprise member, access key or app user."""

    vendor = VENDOR_XLINK
    coordinator: XlinkCoordinator
    platforms = (
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.CLIMATE,
        Platform.FAN,
        Platform.NUMBER,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TEXT,
    )
    action_field = "datapoints"

    @staticmethod
    def action_values(value: Any) -> dict[int, Any]:
        """``{index: value}``; indexes may come as text (``"1"``), as YAML and JSON keys do."""
        if not isinstance(value, dict) or not value:
            raise TranslatedInvalid("invalid_datapoints")
        checked: dict[int, Any] = {}
        for raw, item in value.items():
            key = int(raw.strip()) if isinstance(raw, str) and raw.strip().isdigit() else raw
            if isinstance(key, bool) or not isinstance(key, int) or key < 0:
                raise TranslatedInvalid("invalid_datapoints")
            checked[key] = item
        return checked

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        self.client = client_for(hass, entry.data)
        self.client.on_tokens = self._store_tokens
        self.scope = entry.entry_id  # identifiers and unique IDs are per entry
        self.coordinator = XlinkCoordinator(
            hass, entry, self.client, partial(_identifiers, self.scope)
        )
        self._points: tuple[object, dict[str, list[Point]]] | None = None

    @callback
    def _store_tokens(self, tokens: TokenSet) -> None:
        """Keep the rotated tokens: the old refresh token is spent."""
        self.hass.config_entries.async_update_entry(
            self.entry, data={**self.entry.data, CONF_TOKENS: tokens.as_json()}
        )

    def present_identifiers(self) -> set[str]:
        """Every product and listed device."""
        return _identifiers(self.scope, self.coordinator.data)

    def datapoint_devices(self) -> Iterator[DatapointDeviceRow]:
        """Every listed device; unique IDs are ``xlink_{entry}_{pid}_{device_id}_{key}``."""
        for device_id, device in self.coordinator.data.devices.items():
            pid = device.product_id
            ident = device_identifier(self.scope, pid, device_id)
            yield device_id, pid, ident, xlink_unique_id(self.scope, pid, device_id)

    def points(self) -> Mapping[str, Sequence[Point]]:
        """Every product's datapoints, made once per set of products."""
        products = self.coordinator.data.products
        if self._points is None or self._points[0] is not products:
            made = {
                pid: [point_of(product, point) for point in product.datapoints]
                for pid, product in products.items()
            }
            self._points = (products, made)
        return self._points[1]

    def product_name(self, product: str) -> str:
        """The product's name."""
        found = self.coordinator.data.products.get(product)
        return product_name(found) if found is not None else product

    def datapoint_device(self, key: int) -> DatapointDevice:
        """One device for its datapoint entities."""
        data = self.coordinator.data
        device = data.devices[key]
        info = device_info(self.scope, data.products[device.product_id], device)
        return DatapointDevice(self.coordinator, key, info, self.async_control)

    def entity_candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """Product counters, and per device its status, probe and datapoints.

        The one place unique IDs are built: each entity is handed its own.
        """
        data = self.coordinator.data
        coordinator = self.coordinator
        if platform is Platform.SENSOR:
            for pid in data.products:
                for description in PRODUCT_SENSORS:
                    uid = xlink_unique_id(self.scope, pid, description.key)
                    yield (
                        uid,
                        product_identifier(self.scope, pid),
                        partial(ProductSensor, coordinator, pid, description, uid),
                    )
        described = self.described(platform)
        for row in self.datapoint_devices():
            device_id, pid, ident, prefix = row
            yield from self.appliance_candidates(platform, row)
            if platform is Platform.BINARY_SENSOR:
                uid = f"{prefix}_online"
                yield uid, ident, partial(XlinkConnectivity, coordinator, device_id, uid)
            if platform is Platform.SENSOR:
                uid = f"{prefix}_last_update"
                yield uid, ident, partial(XlinkLastUpdate, coordinator, device_id, uid)
            if platform is Platform.BUTTON:
                uid = f"{prefix}_probe"
                probe = self.async_probe
                yield uid, ident, partial(XlinkProbe, coordinator, device_id, uid, probe)
            descriptions = described.get(pid, [])
            yield from self.datapoint_candidates(platform, descriptions, device_id, ident, prefix)

    def definition(self, key: int, ref: int) -> Datapoint | None:
        """The definition of datapoint ``ref`` of the device's product."""
        data = self.coordinator.data
        return data.products[data.devices[key].product_id].get(ref)

    async def _async_send(self, key: int, values: Mapping[int, Any]) -> None:
        await self._call_translated(self.client.async_control(key, values))

    def _show_written(self, key: int, values: Mapping[int, Any]) -> None:
        data = self.coordinator.data
        product = data.products[data.devices[key].product_id]
        decoded = {i: p.decode(v) for i, v in values.items() if (p := product.get(i))}
        self.coordinator.apply_values(key, decoded)

    async def _async_read_back(self, key: int) -> None:
        device = self.coordinator.data.devices.get(key)
        if device is None:
            return
        try:
            values = await self.client.async_get_values(device.product_id, [key])
        except CniotError:
            # The next regular poll will tell; a failed read-back is not an error.
            return
        if key in values:
            self.coordinator.apply_state(key, values[key])

    async def async_probe(self, device_id: int) -> None:
        """Ask the device for its values (wakes it) and show them."""
        values = await self._call_translated(self.client.async_probe(device_id))
        data = self.coordinator.data
        product = data.products[data.devices[device_id].product_id]
        decoded = product.decode({str(index): value for index, value in values.items()})
        self.coordinator.apply_values(device_id, decoded, online=True)

    async def _call_translated[T](self, call: Awaitable[T]) -> T:
        return await XLINK_ERRORS.async_guard(self.hass, self.entry, call)

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
            "malformed_entries": self.client.malformed.diagnostics(),
        }


def _identifiers(scope: str, data: XlinkData) -> set[str]:
    return {product_identifier(scope, pid) for pid in data.products} | {
        device_identifier(scope, device.product_id, device_id)
        for device_id, device in data.devices.items()
    }
