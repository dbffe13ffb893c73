"""Polling of one Xlink account: its products' device lists and batched values.

A cycle costs, per product, ``ceil(devices / PAGE_SIZE)`` device-list pages and
``ceil(devices / BATCH_SIZE)`` virtual-device batches; an app user's cycle one
subscription list instead of the pages. The product list is read at setup and
then hourly; datapoint definitions whenever the product list changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import time
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..absence import AbsenceCounter
from ..client.errors import (
    CniotConfigurationError,
    CniotError,
)
from ..client.paging import gather_or_raise
from ..const import CONF_SCAN_INTERVAL, DOMAIN, LOGGER
from ..errors import clear_entry_issues, raise_entry_issue
from .client import LOCKED_CODES, XlinkClient, pages_for
from .const import (
    CONF_PRODUCTS,
    DEFAULT_SCAN_INTERVAL,
    ISSUE_LOCKED,
    ISSUE_PERMISSION,
    MODE_USER,
)
from .errors import XLINK_ERRORS
from .models import DeviceValues, Product, XlinkDevice

if TYPE_CHECKING:
    from ..vendor import CniotConfigEntry

CATALOG_INTERVAL = 3600.0
PRODUCT_GONE = 4041005


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A device's virtual device: online flag, freshness and decoded values by index."""

    online: bool | None
    last_update: datetime | None
    values: Mapping[int, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class XlinkData:
    """The account as last seen. Compared between refreshes to skip idle writes."""

    catalog: tuple[Product, ...]
    products: dict[str, Product]
    devices: dict[int, XlinkDevice]
    states: dict[int, DeviceState]
    # Device identifier -> successful polls in a row without it (absence.py).
    absent: Mapping[str, int] = field(default_factory=dict)

    def online(self, device_id: int) -> bool | None:
        """The virtual device's flag, else the list's."""
        state = self.states.get(device_id)
        if state is not None and state.online is not None:
            return state.online
        device = self.devices.get(device_id)
        return device.online if device else None

    def values_of(self, device_id: int) -> Mapping[int, Any] | None:
        """The device's decoded values by datapoint index."""
        state = self.states.get(device_id)
        return state.values if state else None

    def current(self, device_id: int) -> bool:
        """Values of an offline device are not current."""
        listed = device_id in self.devices and device_id in self.states
        return listed and self.online(device_id) is True

    def source_of(self, device_id: int) -> object:
        """The device as listed and its virtual device."""
        return self.devices.get(device_id), self.states.get(device_id)


class XlinkCoordinator(DataUpdateCoordinator[XlinkData]):
    """Products (hourly), then per product its devices and their values, every cycle."""

    config_entry: CniotConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: XlinkClient,
        identifiers: Callable[[XlinkData], Collection[str]],
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} xlink {entry.title}",
            update_interval=timedelta(
                seconds=float(entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL))
            ),
            always_update=False,
        )
        self.client = client
        self.absence = AbsenceCounter(identifiers)
        self._catalog: tuple[Product, ...] | None = None
        self._catalog_at = 0.0
        self._definitions: dict[str, Product] = {}
        self._pages: dict[str, int] = {}

    @property
    def selected(self) -> frozenset[str]:
        """Product IDs chosen in the options, else the entry's part's; empty means all."""
        entry = self.config_entry
        return frozenset(entry.options.get(CONF_PRODUCTS) or entry.data.get(CONF_PRODUCTS) or ())

    async def _async_update_data(self) -> XlinkData:
        try:
            data = await self._poll()
        except CniotError as err:
            if isinstance(err, CniotConfigurationError):
                self._raise_issue(err.code)
            raise XLINK_ERRORS.update_error(err) from err
        clear_entry_issues(self.hass, self.config_entry, ISSUE_LOCKED, ISSUE_PERMISSION)
        complete = not self.client.malformed.count  # a missing device may be a bad entry
        return replace(data, absent=self.absence.count(self.data, data, complete=complete))

    async def _poll(self) -> XlinkData:
        now = time.monotonic()
        user = self.client.mode == MODE_USER
        subscribed: list[XlinkDevice] = []
        self.client.start_listing()
        if user:
            # The subscription list is both the catalog and the device list.
            subscribed = await self.client.async_get_subscribed()
            catalog = tuple(
                Product(product_id=pid, name=None)
                for pid in dict.fromkeys(device.product_id for device in subscribed)
            )
        elif self._catalog is None or now - self._catalog_at >= CATALOG_INTERVAL:
            catalog = tuple(await self.client.async_get_products())
            self._catalog_at = now
        else:
            catalog = self._catalog
        if catalog != self._catalog:
            # New products, or hourly: read the definitions again.
            self._definitions = {}
        self._catalog = catalog
        chosen = [p for p in catalog if not self.selected or p.product_id in self.selected]
        missing = [p for p in chosen if p.product_id not in self._definitions]
        points = await gather_or_raise(
            *(self.client.async_get_datapoints(p.product_id) for p in missing)
        )
        for product, datapoints in zip(missing, points, strict=True):
            self._definitions[product.product_id] = replace(product, datapoints=datapoints)
        products = {p.product_id: self._definitions[p.product_id] for p in chosen}

        async def read(product: Product) -> tuple[list[XlinkDevice], dict[int, DeviceValues]]:
            pid = product.product_id
            if user:
                listed = [d for d in subscribed if d.product_id == pid]
            else:
                try:
                    listed = await self.client.async_get_devices(
                        pid, expected_pages=self._pages.get(pid, 1)
                    )
                except CniotConfigurationError as err:
                    if err.code != PRODUCT_GONE:
                        raise
                    # Deleted since the catalog was read: its devices go.
                    self._catalog_at = 0.0
                    return [], {}
                self._pages[pid] = pages_for(len(listed))
            if not listed:
                return listed, {}
            values = await self.client.async_get_values(pid, [d.device_id for d in listed])
            return listed, values

        results = await gather_or_raise(*(read(product) for product in products.values()))
        self.client.finish_listing()
        devices: dict[int, XlinkDevice] = {}
        states: dict[int, DeviceState] = {}
        for product, (listed, values) in zip(products.values(), results, strict=True):
            for device in listed:
                devices[device.device_id] = device
                raw = values.get(device.device_id)
                if raw is not None:
                    states[device.device_id] = DeviceState(
                        online=raw.online,
                        last_update=raw.last_update,
                        values=product.decode(raw.values),
                    )
        return XlinkData(catalog=catalog, products=products, devices=devices, states=states)

    def _raise_issue(self, code: int) -> None:
        issue = ISSUE_LOCKED if code in LOCKED_CODES else ISSUE_PERMISSION
        raise_entry_issue(self.hass, self.config_entry, issue, placeholders={"code": str(code)})

    def apply_values(
        self, device_id: int, values: Mapping[int, Any], *, online: bool | None = None
    ) -> None:
        """Publish new (decoded) values for one device: written, probed or read back."""
        previous = self.data.states.get(device_id) or DeviceState(online=None, last_update=None)
        state = replace(
            previous,
            values={**previous.values, **values},
            online=previous.online if online is None else online,
        )
        self.async_set_updated_data(
            replace(self.data, states={**self.data.states, device_id: state})
        )

    def apply_state(self, device_id: int, raw: DeviceValues) -> None:
        """Publish a freshly read virtual device."""
        device = self.data.devices.get(device_id)
        product = self.data.products.get(device.product_id) if device else None
        if product is None:
            return
        state = DeviceState(
            online=raw.online, last_update=raw.last_update, values=product.decode(raw.values)
        )
        self.async_set_updated_data(
            replace(self.data, states={**self.data.states, device_id: state})
        )
