"""The gateway vendor as the integration sees it: flow, runtime and actions."""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
import posixpath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..client.errors import CniotError
from ..client.http import normalize_base_url
from ..const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from ..vendor import FlowValidationError, ValidatedInput, VendorFlow, VendorSpec
from .client import DEFAULT_PORT, DEFAULT_SET_PATH, GatewayClient
from .const import CONF_SET_PATH, DEFAULT_SCAN_INTERVAL, MIN_SCAN_INTERVAL
from .errors import GATEWAY_ERRORS
from .runtime import GatewayRuntime
from .services import async_setup_services

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector()
_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# A backend's address as the URL field's help text shows it.
EXAMPLE_URL = f"http://192.168.1.10:{DEFAULT_PORT}"


# Names of this machine's loopback interface, all one backend on the same port.
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_SCHEME_PORTS = {"http": 80, "https": 443}


def backend_key(url: str) -> str:
    """One backend's unique ID, however its URL is spelled; ``ValueError`` if invalid.

    The backend's API names no identity of its own (no serial, no instance ID), so
    the URL stands for it: scheme and host in lower case, the port always written
    (8501 for http, 443 for https when left out), an IP address in its shortest form,
    ``localhost`` as 127.0.0.1, the path without empty, ``.`` or trailing segments. A
    path is kept: a proxy may serve several backends under one host. Other aliases
    of a host (its DNS names, its LAN address) cannot be told apart without asking.
    """
    parts = urlsplit(normalize_base_url(url, default_port=DEFAULT_PORT))
    host = (parts.hostname or "").rstrip(".")
    try:
        host = ipaddress.ip_address(host).compressed
    except ValueError:
        host = host.encode("idna").decode("ascii")
    if host in _LOOPBACK:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or _SCHEME_PORTS[parts.scheme]
    path = posixpath.normpath(parts.path) if parts.path else ""
    path = "" if path in ("/", ".", "//") else path
    return urlunsplit((parts.scheme, f"{host}:{port}", path, "", ""))


class GatewayFlow(VendorFlow):
    """Backend URL, plus optional HTTP credentials for a protected proxy."""

    unique_id_follows_settings = True
    form_placeholders = {"example_url": EXAMPLE_URL, "default_port": str(DEFAULT_PORT)}

    def known_unique_id(self, user_input: Mapping[str, Any]) -> str | None:
        """The backend's key, from its URL: a second entry for it aborts before any request."""
        try:
            return backend_key(str(user_input[CONF_URL]))
        except KeyError, ValueError:
            return None  # no URL (an ignored entry), or an invalid one: the form says so

    def user_schema(self) -> vol.Schema:
        """URL and optional credentials."""
        return vol.Schema(
            {
                # No default: the backend's address is the user's to give (the form's
                # help text shows an example).
                vol.Required(CONF_URL): _URL,
                vol.Optional(CONF_USERNAME): _TEXT,
                vol.Optional(CONF_PASSWORD): _PASSWORD,
            }
        )

    def reauth_schema(self, entry: ConfigEntry) -> vol.Schema:
        """New credentials."""
        return vol.Schema(
            {vol.Required(CONF_USERNAME): _TEXT, vol.Required(CONF_PASSWORD): _PASSWORD}
        )

    def options_schema(self, entry: ConfigEntry) -> dict[vol.Marker, Any]:
        """Where settings are written; the document names no path."""
        return {vol.Required(CONF_SET_PATH, default=DEFAULT_SET_PATH): _TEXT}

    async def async_validate(
        self, hass: HomeAssistant, user_input: Mapping[str, Any]
    ) -> ValidatedInput:
        """Read one page of the device list."""
        try:
            url = normalize_base_url(str(user_input[CONF_URL]), default_port=DEFAULT_PORT)
        except ValueError as err:
            raise FlowValidationError("invalid_url", CONF_URL) from err
        username = (user_input.get(CONF_USERNAME) or "").strip() or None
        password = user_input.get(CONF_PASSWORD) or None
        client = GatewayClient(
            async_get_clientsession(hass), url, username=username, password=password
        )
        try:
            await client.async_get_devices_page(1, limit=1)
        except CniotError as err:
            raise FlowValidationError(GATEWAY_ERRORS.flow_error(err)) from err
        data: dict[str, Any] = {CONF_URL: url}
        if username:
            data[CONF_USERNAME] = username
            data[CONF_PASSWORD] = password or ""
        parts = urlsplit(url)
        return ValidatedInput(
            unique_id=backend_key(url), title=f"Gateway {parts.netloc}", data=data
        )


GATEWAY_SPEC = VendorSpec(
    runtime_factory=GatewayRuntime,
    flow=GatewayFlow(),
    default_scan_interval=DEFAULT_SCAN_INTERVAL,
    min_scan_interval=MIN_SCAN_INTERVAL,
    setup_services=async_setup_services,
    # passwd and wifiKey: the backend's names for a gateway's Wi-Fi credentials.
    redact=frozenset(
        {"password", "latitude", "longitude", "iccid", "username", "passwd", "wifiKey"}
    ),
)
