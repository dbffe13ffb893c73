"""The Xlink vendor as the integration sees it: flow, options and runtime."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from ..client.errors import CniotError, CniotInvalidResponseError
from ..client.http import normalize_base_url
from ..client.paging import gather_or_raise
from ..const import CONF_PASSWORD, CONF_URL, LOGGER
from ..entity_limit import entity_budget
from ..split import Group, SplitPlan, part_unique_id, plan_parts
from ..vendor import FlowValidationError, ValidatedInput, VendorFlow, VendorSpec, entry_runtime
from .client import DEFAULT_BASE_URL
from .const import (
    CONF_CORP_ID,
    CONF_LOGIN,
    CONF_MODE,
    CONF_PRODUCTS,
    CONF_TOKENS,
    DEFAULT_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    MODE_CORP,
    MODE_USER,
    MODES,
)
from .entity import PRODUCT_SENSORS, product_name
from .errors import XLINK_ERRORS
from .models import Product
from .runtime import XlinkRuntime, client_for

_MODE = SelectSelector(
    SelectSelectorConfig(
        options=list(MODES), mode=SelectSelectorMode.LIST, translation_key="xlink_mode"
    )
)


class XlinkFlow(VendorFlow):
    """One entry per account: enterprise member, access key or app user."""

    form_placeholders = {"default_url": DEFAULT_BASE_URL}

    def user_schema(self) -> vol.Schema:
        """Login mode, credentials, the brand's corp ID (app users) and the server."""
        return vol.Schema(
            {
                vol.Required(CONF_MODE, default=MODE_CORP): _MODE,
                vol.Required(CONF_LOGIN): self.TEXT,
                vol.Required(CONF_PASSWORD): self.PASSWORD,
                vol.Optional(CONF_CORP_ID): self.TEXT,
                vol.Required(CONF_URL, default=DEFAULT_BASE_URL): self.URL,
            }
        )

    def known_account(self, user_input: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The login on its server: its entry's unique ID (the enterprise) needs a call.

        A duplicate is refused before the cloud is asked, as the stored entry shows it.
        """
        try:
            url = normalize_base_url(str(user_input[CONF_URL]))
        except KeyError, ValueError:
            return None
        mode = str(user_input.get(CONF_MODE, ""))
        account = {
            CONF_MODE: mode,
            CONF_LOGIN: str(user_input.get(CONF_LOGIN, "")).strip(),
            CONF_URL: url,
        }
        if mode == MODE_USER:
            account[CONF_CORP_ID] = str(user_input.get(CONF_CORP_ID) or "").strip()
        return account

    def reconfigure_schema(self, entry: ConfigEntry) -> vol.Schema:
        """The server URL; the account is the entry's identity."""
        return vol.Schema({vol.Required(CONF_URL): self.URL})

    def reauth_schema(self, entry: ConfigEntry) -> vol.Schema:
        """A new password (or access key secret)."""
        return vol.Schema({vol.Required(CONF_PASSWORD): self.PASSWORD})

    def options_schema(self, entry: ConfigEntry) -> dict[vol.Marker, Any]:
        """Which products to import, once the entry has listed them."""
        if (runtime := entry_runtime(entry, XlinkRuntime)) is None:
            return {}
        catalog = runtime.coordinator.data.catalog
        options = [
            SelectOptionDict(value=p.product_id, label=f"{product_name(p)} ({p.product_id})")
            for p in catalog
        ]
        return {
            vol.Optional(CONF_PRODUCTS): SelectSelector(
                SelectSelectorConfig(options=options, multiple=True)
            )
        }

    async def async_validate(
        self, hass: HomeAssistant, user_input: Mapping[str, Any]
    ) -> ValidatedInput:
        """Log in afresh, and read the enterprise or the user's devices."""
        url = self.url(user_input)
        mode = str(user_input[CONF_MODE])
        corp_id = str(user_input.get(CONF_CORP_ID) or "").strip()
        if mode == MODE_USER and not corp_id:
            raise FlowValidationError("corp_id_required", CONF_CORP_ID)
        data: dict[str, Any] = {
            CONF_MODE: mode,
            CONF_LOGIN: str(user_input[CONF_LOGIN]).strip(),
            CONF_PASSWORD: str(user_input[CONF_PASSWORD]),
            CONF_URL: url,
        }
        if mode == MODE_USER:
            data[CONF_CORP_ID] = corp_id
        client = client_for(hass, data)
        try:
            tokens = await client.async_authenticate(force=True)
            if mode == MODE_USER:
                await client.async_get_subscribed()
                unique_id = f"{corp_id}:{tokens.user_id}"
                title = f"Xlink {corp_id} user {tokens.user_id}"
            else:
                corp = await client.async_get_corp()
                corp_key = str(corp.get("id") or tokens.corp_id or "")
                if not corp_key:
                    raise CniotInvalidResponseError("the enterprise has no id")
                unique_id = corp_key
                title = str(corp.get("company") or f"Xlink {corp_key}")
        except CniotError as err:
            raise FlowValidationError(XLINK_ERRORS.flow_error(err)) from err
        return ValidatedInput(
            # A part of a split enterprise (reauth, reconfigure) keeps its own.
            unique_id=part_unique_id(unique_id, user_input, CONF_PRODUCTS),
            title=title,
            # The login's tokens serve the entry's first setup.
            data={**data, CONF_TOKENS: (client.tokens or tokens).as_json()},
        )


# Enabled entities of a device beside one per datapoint: online and probe (its last
# update is disabled by default). Each product adds its counters (PRODUCT_SENSORS).
FIXED_PER_DEVICE = 2


async def async_plan_split(hass: HomeAssistant, data: Mapping[str, Any]) -> SplitPlan | None:
    """The enterprise's products counted once: parts of whole products, if one entry is too few.

    An app user's subscribed devices are not split; a listing that fails offers no
    split either (the entry is created whole, as before).
    """
    if data[CONF_MODE] == MODE_USER:
        return None
    client = client_for(hass, data)

    async def group(product: Product) -> Group:
        points, devices = await gather_or_raise(
            client.async_get_datapoints(product.product_id),
            client.async_get_devices(product.product_id),
        )
        count = len(devices)
        name = f"{product_name(product)} ({product.product_id})"
        entities = count * (FIXED_PER_DEVICE + len(points)) + len(PRODUCT_SENSORS)
        return Group(product.product_id, name, count, entities)

    try:
        products = sorted(await client.async_get_products(), key=lambda p: p.product_id)
        groups = await gather_or_raise(*(group(product) for product in products))
    except CniotError as err:
        LOGGER.debug("no split offered: the product lists failed (%s)", type(err).__name__)
        return None
    return plan_parts(groups, entity_budget(), CONF_PRODUCTS, frozenset({CONF_TOKENS}))


XLINK_SPEC = VendorSpec(
    runtime_factory=XlinkRuntime,
    flow=XlinkFlow(),
    default_scan_interval=DEFAULT_SCAN_INTERVAL,
    min_scan_interval=MIN_SCAN_INTERVAL,
    redact=frozenset(
        {CONF_LOGIN, CONF_TOKENS, "access_token", "refresh_token", "authorize", "email", "phone"}
    ),
)
