"""The Gizwits vendor as the integration sees it: flow, runtime and actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from ..client.errors import CniotError
from ..const import CONF_URL
from ..vendor import FlowValidationError, ValidatedInput, VendorFlow, VendorSpec
from .client import DEFAULT_BASE_URL, GizwitsClient
from .const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    DEFAULT_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .errors import GIZWITS_ERRORS
from .runtime import GizwitsRuntime
from .services import async_setup_services


class GizwitsFlow(VendorFlow):
    """Enterprise credentials and one product; one entry per product."""

    form_placeholders = {"default_url": DEFAULT_BASE_URL}

    def user_schema(self) -> vol.Schema:
        """Enterprise and product credentials, and the API server."""
        return vol.Schema(
            {
                vol.Required(CONF_ENTERPRISE_ID): self.TEXT,
                vol.Required(CONF_ENTERPRISE_SECRET): self.PASSWORD,
                vol.Required(CONF_PRODUCT_KEY): self.TEXT,
                vol.Required(CONF_PRODUCT_SECRET): self.PASSWORD,
                vol.Required(CONF_URL, default=DEFAULT_BASE_URL): self.URL,
            }
        )

    def known_unique_id(self, user_input: Mapping[str, Any]) -> str | None:
        """The product key: a duplicate is refused before any quota is spent."""
        return str(user_input.get(CONF_PRODUCT_KEY, "")).strip() or None

    def reconfigure_schema(self, entry: ConfigEntry) -> vol.Schema:
        """The server URL; the product is the entry's identity."""
        return vol.Schema({vol.Required(CONF_URL): self.URL})

    def reauth_schema(self, entry: ConfigEntry) -> vol.Schema:
        """New secrets."""
        return vol.Schema(
            {
                vol.Required(CONF_ENTERPRISE_SECRET): self.PASSWORD,
                vol.Required(CONF_PRODUCT_SECRET): self.PASSWORD,
            }
        )

    async def async_validate(
        self, hass: HomeAssistant, user_input: Mapping[str, Any]
    ) -> ValidatedInput:
        """Get a token and the product's datapoints."""
        url = self.url(user_input)
        fields = {
            key: str(user_input[key]).strip()
            for key in (
                CONF_ENTERPRISE_ID,
                CONF_ENTERPRISE_SECRET,
                CONF_PRODUCT_KEY,
                CONF_PRODUCT_SECRET,
            )
        }
        client = GizwitsClient(
            async_get_clientsession(hass),
            url,
            enterprise_id=fields[CONF_ENTERPRISE_ID],
            enterprise_secret=fields[CONF_ENTERPRISE_SECRET],
            product_key=fields[CONF_PRODUCT_KEY],
            product_secret=fields[CONF_PRODUCT_SECRET],
        )
        try:
            await client.async_authenticate()
            schema = await client.async_get_schema()
        except CniotError as err:
            raise FlowValidationError(GIZWITS_ERRORS.flow_error(err)) from err
        return ValidatedInput(
            unique_id=fields[CONF_PRODUCT_KEY],
            title=schema.name or fields[CONF_PRODUCT_KEY],
            data={**fields, CONF_URL: url},
        )


GIZWITS_SPEC = VendorSpec(
    runtime_factory=GizwitsRuntime,
    flow=GizwitsFlow(),
    default_scan_interval=DEFAULT_SCAN_INTERVAL,
    min_scan_interval=MIN_SCAN_INTERVAL,
    setup_services=async_setup_services,
    redact=frozenset(
        {
            CONF_ENTERPRISE_SECRET,
            CONF_PRODUCT_SECRET,
            "token",
            "latitude",
            "longitude",
            "country",
            "region",
            "city",
        }
    ),
)
