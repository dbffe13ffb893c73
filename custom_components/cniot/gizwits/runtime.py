"""The Gizwits vendor's runtime for one product (config entry)."""

from __future__ import annotations

from collections.abc import Awaitable, Iterator, Mapping, Sequence
from dataclasses import asdict, replace
from functools import partial
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..actions import TranslatedInvalid
from ..client.errors import CniotError, CniotVendorError
from ..const import CONF_URL, DOMAIN
from ..datapoints.describe import Point
from ..datapoints.entity import DatapointDevice
from ..datapoints.runtime import DatapointDeviceRow, DatapointRuntime
from ..devices import EntityCandidate
from ..errors import clear_entry_issues, raise_entry_issue
from ..features import FeatureTracker
from ..vendor import CniotConfigEntry
from .client import GizwitsClient
from .const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    ERROR_REMOTE_CONTROL,
    ISSUE_REMOTE_CONTROL,
    ISSUE_WHITELIST,
    VENDOR_GIZWITS,
)
from .coordinator import FEATURE_CONTROL, GizwitsCoordinator, GizwitsData
from .descriptions import device_identifier, device_info, point_of, product_identifier
from .entity import (
    DEVICE_BINARY_SENSORS,
    PRODUCT_SENSORS,
    GizwitsConnectivity,
    GizwitsDeviceFlag,
    GizwitsLastOnline,
    ProductSensor,
)
from .errors import GIZWITS_ERRORS
from .models import Datapoint, DeviceState
from .quota import QuotaBudget

BUDGETS_KEY = "gizwits_budgets"


def shared_budget(hass: HomeAssistant, enterprise_id: str) -> QuotaBudget:
    """The quota budget of one enterprise, shared by all its products' entries."""
    budgets: dict[str, QuotaBudget] = hass.data.setdefault(DOMAIN, {}).setdefault(BUDGETS_KEY, {})
    return budgets.setdefault(enterprise_id, QuotaBudget())


class GizwitsRuntime(DatapointRuntime):
    """One Gizwits product of one enterprise."""

    vendor = VENDOR_GIZWITS
    coordinator: GizwitsCoordinator
    action_field = "attrs"

    @staticmethod
    def action_values(value: Any) -> dict[str, Any]:
        """The set-datapoints action's ``{name: value}``."""
        if (
            not isinstance(value, dict)
            or not value
            or not all(isinstance(k, str) and k for k in value)
        ):
            raise TranslatedInvalid("invalid_attrs")
        return value

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        super().__init__(hass, entry)
        data = entry.data
        self.client = GizwitsClient(
            async_get_clientsession(hass),
            data[CONF_URL],
            enterprise_id=data[CONF_ENTERPRISE_ID],
            enterprise_secret=data[CONF_ENTERPRISE_SECRET],
            product_key=data[CONF_PRODUCT_KEY],
            product_secret=data[CONF_PRODUCT_SECRET],
        )
        self.budget = shared_budget(hass, data[CONF_ENTERPRISE_ID])
        self.coordinator = GizwitsCoordinator(hass, entry, self.client, self.budget, _identifiers)
        self._points: tuple[object, list[Point]] | None = None

    @property
    def features(self) -> FeatureTracker:
        """The product's optional features (reports, control), and which are unavailable."""
        return self.coordinator.features

    async def async_unload(self) -> None:
        """Give the quota share back, drop scheduled read-backs and this entry's repairs."""
        await super().async_unload()
        self.coordinator.release()
        self.coordinator.features.async_unload()
        clear_entry_issues(self.hass, self.entry, ISSUE_WHITELIST, ISSUE_REMOTE_CONTROL)

    def present_identifiers(self) -> set[str]:
        """The product and every listed device."""
        return _identifiers(self.coordinator.data)

    def datapoint_devices(self) -> Iterator[DatapointDeviceRow]:
        """Every listed device; unique IDs are ``{product_key}_{did}_{key}``."""
        pk = self.coordinator.data.product_key
        for did in self.coordinator.data.devices:
            yield did, pk, device_identifier(pk, did), f"{pk}_{did}"

    def points(self) -> Mapping[str, Sequence[Point]]:
        """The product's datapoints, made once per schema."""
        data = self.coordinator.data
        if self._points is None or self._points[0] is not data.schema:
            points = [p for dp in data.schema.datapoints if (p := point_of(dp)) is not None]
            self._points = (data.schema, points)
        return {data.product_key: self._points[1]}

    def product_name(self, product: str) -> str:
        """The product's name in its schema."""
        return self.coordinator.data.schema.name or product

    def datapoint_device(self, key: str) -> DatapointDevice:
        """One device for its datapoint entities; values are readings with timestamps."""
        data = self.coordinator.data
        info = device_info(data.product_key, data.schema, data.devices[key])
        return DatapointDevice(self.coordinator, key, info, self.async_control, readings=False)

    def entity_candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """Product counters, and per device its status and its datapoints.

        The one place unique IDs are built (``{product_key}_[{did}_]{key}``): each
        entity is handed its own.
        """
        data = self.coordinator.data
        coordinator = self.coordinator
        pk = data.product_key
        if platform is Platform.SENSOR:
            features = self.coordinator.features
            for product_sensor in PRODUCT_SENSORS:
                feature = product_sensor.feature
                # A report unavailable from the start gets no entity (until it works).
                if product_sensor.exists_fn(data) and (
                    feature is None or features.available(feature)
                ):
                    uid = f"{pk}_{product_sensor.key}"
                    yield (
                        uid,
                        product_identifier(pk),
                        partial(ProductSensor, coordinator, product_sensor, uid),
                    )
        descriptions = self.described(platform).get(pk, [])
        for row in self.datapoint_devices():
            did, _pk, ident, prefix = row
            yield from self.appliance_candidates(platform, row)
            if platform is Platform.BINARY_SENSOR:
                uid = f"{prefix}_online"
                yield uid, ident, partial(GizwitsConnectivity, coordinator, did, uid)
                for flag in DEVICE_BINARY_SENSORS:
                    uid = f"{prefix}_{flag.key}"
                    yield uid, ident, partial(GizwitsDeviceFlag, coordinator, did, flag, uid)
            if platform is Platform.SENSOR:
                uid = f"{prefix}_last_online"
                yield uid, ident, partial(GizwitsLastOnline, coordinator, did, uid)
            yield from self.datapoint_candidates(platform, descriptions, did, ident, prefix)

    def definition(self, key: str, ref: str) -> Datapoint | None:
        """The schema's datapoint called ``ref``."""
        return self.coordinator.data.schema.get(ref)

    async def _async_send(self, key: str, values: Mapping[str, Any]) -> None:
        await self._control(self.client.async_control(key, values))

    def _show_written(self, key: str, values: Mapping[str, Any]) -> None:
        previous = self.coordinator.data.states.get(key) or DeviceState(timestamp=None, attrs={})
        optimistic = replace(previous, attrs={**previous.attrs, **values})
        self.coordinator.apply_state(key, optimistic, fetched=False)

    async def _async_read_back(self, key: str) -> None:
        try:
            state = await self.client.async_get_latest(key)
        except CniotError:
            # The next regular poll will tell; a failed read-back is not an error.
            return
        if state is not None:
            self.coordinator.apply_state(key, state, fetched=True)

    async def async_send_raw(self, did: str, raw: Sequence[int]) -> None:
        """Send raw bytes to a device, then read it back shortly."""
        await self._control(self.client.async_send_raw(did, raw))
        self.schedule_read_back(did)

    async def _control(self, call: Awaitable[None]) -> None:
        """A control call; a refusal marks the control feature (diagnostics, one log line).

        Commands still go out while it is marked: each is the user's own retry, and
        "enable remote control, then try again" must work at once.
        """
        features = self.coordinator.features
        try:
            await self._call_tracking_remote_control(call)
        except HomeAssistantError as err:
            cause = err.__cause__
            if isinstance(cause, CniotError):
                features.failed(FEATURE_CONTROL, cause)
            raise
        features.succeeded(FEATURE_CONTROL)

    async def _call_tracking_remote_control[T](self, call: Awaitable[T]) -> T:
        """The shared mapping, plus the repair issue of remote control being off."""
        try:
            result = await GIZWITS_ERRORS.async_guard(self.hass, self.entry, call)
        except HomeAssistantError as err:
            cause = err.__cause__
            if isinstance(cause, CniotVendorError) and cause.code == ERROR_REMOTE_CONTROL:
                raise_entry_issue(self.hass, self.entry, ISSUE_REMOTE_CONTROL, warning=True)
            raise
        clear_entry_issues(self.hass, self.entry, ISSUE_REMOTE_CONTROL)
        return result

    async def async_diagnostics(self) -> dict[str, Any]:
        """Schema, devices and values as parsed, plus quota state."""
        data = self.coordinator.data
        return {
            "base_url": self.client.base_url,
            "request_count": self.client.request_count,
            "last_update_success": self.coordinator.last_update_success,
            "quota": {
                "limit": self.budget.limit,
                "remaining": self.budget.remaining,
                "reset_at": self.budget.reset_at,
                "paused_until": self.budget.paused_until,
                "entries_sharing": len(self.budget.consumers),
                "effective_interval": data.interval,
            },
            "schema": asdict(data.schema),
            "devices": [asdict(device) for device in data.devices.values()],
            "states": {did: asdict(state) for did, state in data.states.items()},
            "summary": asdict(data.summary) if data.summary else None,
            "unavailable_features": self.coordinator.features.diagnostics(),
            "malformed_entries": self.client.malformed.diagnostics(),
        }


def _identifiers(data: GizwitsData) -> set[str]:
    pk = data.product_key
    return {product_identifier(pk)} | {device_identifier(pk, did) for did in data.devices}
