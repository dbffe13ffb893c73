"""The Gizwits vendor's runtime for one product (config entry)."""

from __future__ import annotations

from collections.abc import Awaitable, Iterator, Mapping, Sequence
from dataclasses import asdict, replace
from functools import partial
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.event import async_call_later

from ..client.errors import CniotError, CniotVendorError
from ..const import CONF_DATAPOINTS, CONF_URL, DOMAIN
from ..devices import DynamicDevicesRuntime, EntityCandidate
from ..features import FeatureTracker
from ..vendor import CniotConfigEntry
from .client import GizwitsClient
from .const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    CONTROL_REFRESH_DELAY,
    ERROR_REMOTE_CONTROL,
    ISSUE_REMOTE_CONTROL,
    ISSUE_WHITELIST,
    VENDOR_GIZWITS,
)
from .coordinator import FEATURE_CONTROL, GizwitsCoordinator, GizwitsData
from .descriptions import describe, device_identifier, product_identifier
from .entity import (
    DEVICE_BINARY_SENSORS,
    PLATFORM_CLASSES,
    PRODUCT_SENSORS,
    GizwitsConnectivity,
    GizwitsDeviceFlag,
    GizwitsLastOnline,
    ProductSensor,
)
from .errors import GIZWITS_ERRORS
from .models import DatapointValueError, DeviceState
from .quota import QuotaBudget

BUDGETS_KEY = "gizwits_budgets"


def shared_budget(hass: HomeAssistant, enterprise_id: str) -> QuotaBudget:
    """The quota budget of one enterprise, shared by all its products' entries."""
    budgets: dict[str, QuotaBudget] = hass.data.setdefault(DOMAIN, {}).setdefault(BUDGETS_KEY, {})
    return budgets.setdefault(enterprise_id, QuotaBudget())


class GizwitsRuntime(DynamicDevicesRuntime):
    """One Gizwits product of one enterprise."""

    vendor = VENDOR_GIZWITS
    platforms = (
        Platform.BINARY_SENSOR,
        Platform.NUMBER,
        Platform.SELECT,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TEXT,
    )

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
        self._pending_refresh: dict[str, CALLBACK_TYPE] = {}

    @property
    def features(self) -> FeatureTracker:
        """The product's optional features (reports, control), and which are unavailable."""
        return self.coordinator.features

    async def async_setup(self) -> None:
        """Token, datapoints, devices and their values; failures make the entry retry."""
        self.async_track_registered(self.coordinator.absence)
        await self.coordinator.async_config_entry_first_refresh()
        self._async_remove_hidden()
        self.entry.async_on_unload(self.coordinator.async_add_listener(self._async_on_update))

    @callback
    def _async_remove_hidden(self) -> None:
        """Datapoints hidden in the options lose their entities altogether."""
        hidden = {
            name
            for name, setting in self.entry.options.get(CONF_DATAPOINTS, {}).items()
            if setting.get("hidden")
        }
        if not hidden:
            return
        registry = er.async_get(self.hass)
        data = self.coordinator.data
        # Unique IDs are {product_key}_{did}_{datapoint}; keys and dids have no "_".
        for entity in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            parts = entity.unique_id.split("_", 2)
            if (
                len(parts) == 3
                and parts[0] == data.product_key
                and parts[1] in data.devices
                and parts[2] in hidden
            ):
                registry.async_remove(entity.entity_id)

    async def async_unload(self) -> None:
        """Give the quota share back, drop scheduled refreshes and this entry's repairs."""
        for cancel in self._pending_refresh.values():
            cancel()
        self._pending_refresh.clear()
        self.coordinator.release()
        self.coordinator.features.async_unload()
        for issue in (ISSUE_WHITELIST, ISSUE_REMOTE_CONTROL):
            ir.async_delete_issue(self.hass, DOMAIN, f"{issue}_{self.entry.entry_id}")

    @callback
    def _async_on_update(self) -> None:
        self.async_prune(self.coordinator.data.absent)
        self.async_add_new_entities()

    def present_identifiers(self) -> set[str]:
        """The product and every listed device."""
        return _identifiers(self.coordinator.data)

    def entity_candidates(self, platform: Platform) -> Iterator[EntityCandidate]:
        """Product counters, and per device its status and its datapoints.

        The one place unique IDs are built (``{product_key}_[{did}_]{key}``, which
        ``_async_remove_hidden`` reads back): each entity is handed its own.
        """
        data = self.coordinator.data
        pk = data.product_key
        overrides: Mapping[str, Any] = self.entry.options.get(CONF_DATAPOINTS, {})
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
                        partial(ProductSensor, self, product_sensor, uid),
                    )
        described = [describe(dp, overrides.get(dp.name)) for dp in data.schema.datapoints]
        for did in data.devices:
            ident = device_identifier(pk, did)
            if platform is Platform.BINARY_SENSOR:
                uid = f"{pk}_{did}_online"
                yield uid, ident, partial(GizwitsConnectivity, self, did, uid)
                for flag in DEVICE_BINARY_SENSORS:
                    uid = f"{pk}_{did}_{flag.key}"
                    yield uid, ident, partial(GizwitsDeviceFlag, self, did, flag, uid)
            if platform is Platform.SENSOR:
                uid = f"{pk}_{did}_last_online"
                yield uid, ident, partial(GizwitsLastOnline, self, did, uid)
            for item in described:
                if item is None or item[0] is not platform:
                    continue
                description = item[1]
                uid = f"{pk}_{did}_{description.key}"
                yield uid, ident, partial(PLATFORM_CLASSES[platform], self, did, description, uid)

    def did_for_device(self, device: DeviceEntry) -> str | None:
        """The did behind one of this product's devices."""
        pk = self.coordinator.data.product_key
        ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
        for did in self.coordinator.data.devices:
            if device_identifier(pk, did) in ids:
                return did
        return None

    def validate_attrs(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Check values against the datapoint definitions before anything is sent."""
        schema = self.coordinator.data.schema
        checked: dict[str, Any] = {}
        for name, value in attrs.items():
            datapoint = schema.get(name)
            if datapoint is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="datapoint_unknown",
                    translation_placeholders={"datapoint": _short(name)},
                )
            try:
                checked[name] = datapoint.validate(value)
            except DatapointValueError as err:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key=f"datapoint_{err.reason}",
                    translation_placeholders={
                        "datapoint": datapoint.display_name or name,
                        "value": _short(value),
                        "minimum": _fmt(datapoint.minimum),
                        "maximum": _fmt(datapoint.maximum),
                        "step": _fmt(datapoint.step),
                        "options": ", ".join(datapoint.options),
                        "length": str(datapoint.length or 0),
                    },
                ) from err
        return checked

    async def async_control(self, did: str, attrs: Mapping[str, Any]) -> None:
        """Write datapoints, show them at once, and read the device back shortly."""
        checked = self.validate_attrs(attrs)
        await self._control(self.client.async_control(did, checked))
        data = self.coordinator.data
        previous = data.states.get(did) or DeviceState(timestamp=None, attrs={})
        optimistic = replace(previous, attrs={**previous.attrs, **checked})
        self.coordinator.apply_state(did, optimistic, fetched=False)
        self._schedule_device_refresh(did)

    async def async_send_raw(self, did: str, raw: Sequence[int]) -> None:
        """Send raw bytes to a device, then read it back shortly."""
        await self._control(self.client.async_send_raw(did, raw))
        self._schedule_device_refresh(did)

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
        issue_id = f"{ISSUE_REMOTE_CONTROL}_{self.entry.entry_id}"
        try:
            result = await GIZWITS_ERRORS.async_guard(self.hass, self.entry, call)
        except HomeAssistantError as err:
            cause = err.__cause__
            if isinstance(cause, CniotVendorError) and cause.code == ERROR_REMOTE_CONTROL:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=ISSUE_REMOTE_CONTROL,
                    translation_placeholders={"name": self.entry.title},
                )
            raise
        ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        return result

    def _schedule_device_refresh(self, did: str) -> None:
        if cancel := self._pending_refresh.pop(did, None):
            cancel()

        async def _refresh(_now: Any) -> None:
            self._pending_refresh.pop(did, None)
            try:
                state = await self.client.async_get_latest(did)
            except CniotError:
                # The next regular poll will tell; a failed read-back is not an error.
                return
            if state is not None:
                self.coordinator.apply_state(did, state, fetched=True)

        self._pending_refresh[did] = async_call_later(
            self.hass, CONTROL_REFRESH_DELAY, HassJob(_refresh, cancel_on_shutdown=True)
        )

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
        }


def _identifiers(data: GizwitsData) -> set[str]:
    pk = data.product_key
    return {product_identifier(pk)} | {device_identifier(pk, did) for did in data.devices}


def _short(value: Any) -> str:
    """A value as text for a message, at most 64 characters."""
    try:
        text = str(value)
    except ValueError:
        # An integer past Python's int-to-str limit cannot be printed at all.
        text = f"<{type(value).__name__}>"
    return text[:64]


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"
