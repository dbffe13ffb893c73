"""The TUMS vendor as the integration sees it: config flow, runtime and actions."""

from __future__ import annotations

from collections.abc import Mapping
import string
from typing import Any
from urllib.parse import urlsplit
import uuid

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..client.errors import CniotError
from ..client.http import normalize_base_url
from ..const import CONF_URL, LOGGER
from ..entity_limit import entity_budget
from ..split import SplitPlan, part_unique_id
from ..vendor import FlowValidationError, ValidatedInput, VendorFlow, VendorSpec
from .client import TumsClient
from .client_core import DEFAULT_BASE_URL
from .const import (
    CONF_ACCESS_KEY,
    CONF_APP_TYPE,
    CONF_CLOUDHOOK_URL,
    CONF_DETECTION_RESET,
    CONF_PUSH,
    CONF_PUSH_KEY,
    CONF_PUSH_URL,
    CONF_REGION_AREAS,
    CONF_REGIONS,
    CONF_RTSP_PASSWORD,
    CONF_RTSP_TEMPLATE,
    CONF_RTSP_USERNAME,
    CONF_SECRET_KEY,
    CONF_TERMINAL_ID,
    CONF_WEBHOOK_ID,
    DEFAULT_DETECTION_RESET,
    DEFAULT_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .coordinator import flatten
from .errors import TUMS_ERRORS
from .ids import entry_title
from .push import EVENT_TYPES
from .runtime import TumsRuntime, entry_client
from .services import async_setup_services
from .split import plan_split
from .tiers import async_remove_entry as async_remove_firmware_store
from .webhook import async_delete_cloudhook, async_drop_push_memory, async_unsubscribe_removed

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector()
_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# How long a camera's motion sensor stays on after a detection, in seconds.
_DETECTION_SECONDS = vol.All(
    NumberSelector(
        NumberSelectorConfig(
            min=5, max=3600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
        )
    ),
    vol.Coerce(int),
)


# The placeholders a local RTSP URL template may use, in the order the help text lists them.
RTSP_PLACEHOLDERS = ("ip", "channel", "username", "password")
RTSP_FIELDS = frozenset(RTSP_PLACEHOLDERS)
RTSP_EXAMPLE = "rtsp://{username}:{password}@{ip}:554/stream1"
# Shown literally: the frontend would substitute these names in a translation itself.
RTSP_ALLOWED = ", ".join(f"{{{name}}}" for name in RTSP_PLACEHOLDERS)
_RTSP_SAMPLE: dict[str, Any] = dict(
    zip(sorted(RTSP_FIELDS), ("1", "192.0.2.1", "p", "u"), strict=True)
)


def valid_rtsp_template(template: str) -> bool:
    """rtsp:// (or rtsps://) with a host part, and no placeholder but the four known."""
    if not template.lower().startswith(("rtsp://", "rtsps://")):
        return False
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        sample = template.format(**_RTSP_SAMPLE)
    except ValueError, KeyError, IndexError, AttributeError:
        return False
    return names <= RTSP_FIELDS and bool(urlsplit(sample).hostname)


class TumsFlow(VendorFlow):
    """AK/SK of one application; its type (device or project) is detected."""

    form_placeholders = {"default_url": DEFAULT_BASE_URL}
    options_placeholders = {"allowed": RTSP_ALLOWED, "rtsp_example": RTSP_EXAMPLE}

    def user_schema(self) -> vol.Schema:
        """Access key, secret key and the API server."""
        return vol.Schema(
            {
                vol.Required(CONF_ACCESS_KEY): _TEXT,
                vol.Required(CONF_SECRET_KEY): _PASSWORD,
                vol.Required(CONF_URL, default=DEFAULT_BASE_URL): _URL,
            }
        )

    def known_unique_id(self, user_input: Mapping[str, Any]) -> str | None:
        """The access key: a duplicate is refused before the cloud is asked."""
        return str(user_input.get(CONF_ACCESS_KEY, "")).strip() or None

    def reconfigure_schema(self, entry: ConfigEntry) -> vol.Schema:
        """The API server; the access key is the entry's identity."""
        return vol.Schema({vol.Required(CONF_URL): _URL})

    def options_schema(self, entry: ConfigEntry) -> dict[vol.Marker, Any]:
        """Real-time events, and a local RTSP URL template for streaming without the cloud."""
        return {
            vol.Required(CONF_PUSH, default=False): BooleanSelector(),
            vol.Required(CONF_DETECTION_RESET, default=DEFAULT_DETECTION_RESET): _DETECTION_SECONDS,
            vol.Required(CONF_REGION_AREAS, default=False): BooleanSelector(),
            vol.Optional(CONF_RTSP_TEMPLATE): _TEXT,
            vol.Optional(CONF_RTSP_USERNAME): _TEXT,
            vol.Optional(CONF_RTSP_PASSWORD): _PASSWORD,
        }

    def validate_options(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        """The template must be an rtsp:// URL using only the known placeholders."""
        template = user_input.get(CONF_RTSP_TEMPLATE)
        if template and not valid_rtsp_template(str(template)):
            return {CONF_RTSP_TEMPLATE: "invalid_rtsp_template"}
        return {}

    def reauth_schema(self, entry: ConfigEntry) -> vol.Schema:
        """A new secret key for the same access key."""
        return vol.Schema({vol.Required(CONF_SECRET_KEY): _PASSWORD})

    async def async_validate(
        self, hass: HomeAssistant, user_input: Mapping[str, Any]
    ) -> ValidatedInput:
        """Sign a call with the keys and find out the application type."""
        access_key = str(user_input[CONF_ACCESS_KEY]).strip()
        secret_key = str(user_input[CONF_SECRET_KEY]).strip()
        # Kept for the entry's lifetime: the cloud knows this client by it.
        terminal_id = str(user_input.get(CONF_TERMINAL_ID) or uuid.uuid4().hex)
        url = str(user_input[CONF_URL]).strip()
        try:
            # The cloud is HTTPS only: a bare host name means https.
            url = normalize_base_url(url if "://" in url else f"https://{url}")
        except ValueError as err:
            raise FlowValidationError("invalid_url", CONF_URL) from err
        try:
            client = TumsClient(
                async_get_clientsession(hass),
                url,
                access_key=access_key,
                secret_key=secret_key,
                terminal_id=terminal_id,
            )
        except ValueError as err:
            # Keys with spaces or commas cannot go into the signed header.
            raise FlowValidationError("invalid_auth") from err
        try:
            app_type = await client.async_detect_application_type()
        except CniotError as err:
            raise FlowValidationError(TUMS_ERRORS.flow_error(err)) from err
        return ValidatedInput(
            # A part of a split application (reauth, reconfigure) keeps its own.
            unique_id=part_unique_id(access_key, user_input, CONF_REGIONS),
            title=entry_title(app_type, access_key),
            data={
                CONF_ACCESS_KEY: access_key,
                CONF_SECRET_KEY: secret_key,
                CONF_URL: client.base_url,
                CONF_TERMINAL_ID: terminal_id,
                CONF_APP_TYPE: str(app_type),
            },
        )


async def async_plan_split(hass: HomeAssistant, data: Mapping[str, Any]) -> SplitPlan | None:
    """The application listed once: its parts, if one entry cannot hold it.

    A listing that fails offers no split: the entry is created whole, as before.
    """
    client = TumsClient(
        async_get_clientsession(hass),
        data[CONF_URL],
        access_key=data[CONF_ACCESS_KEY],
        secret_key=data[CONF_SECRET_KEY],
        terminal_id=data[CONF_TERMINAL_ID],
    )
    try:
        devices = await client.async_get_devices(data[CONF_APP_TYPE])
    except CniotError as err:
        LOGGER.debug("no split offered: the device list failed (%s)", type(err).__name__)
        return None
    return plan_split(data[CONF_APP_TYPE], flatten(devices).values(), entity_budget())


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: its push subscription, stored data and cloudhook go with it."""
    await async_unsubscribe_removed(hass, entry, entry_client(hass, entry))
    await async_remove_firmware_store(hass, entry)
    await async_drop_push_memory(hass, entry.entry_id)
    await async_delete_cloudhook(hass, entry)


TUMS_SPEC = VendorSpec(
    runtime_factory=TumsRuntime,
    flow=TumsFlow(),
    trigger_types=frozenset(EVENT_TYPES),
    default_scan_interval=DEFAULT_SCAN_INTERVAL,
    min_scan_interval=MIN_SCAN_INTERVAL,
    setup_services=async_setup_services,
    remove_entry=async_remove_entry,
    redact=frozenset(
        {
            # The access key names the application; its unique IDs and device identifiers
            # carry it too (diagnostics mask it there).
            CONF_ACCESS_KEY,
            CONF_SECRET_KEY,
            CONF_TERMINAL_ID,
            CONF_RTSP_PASSWORD,
            CONF_RTSP_USERNAME,
            "sk",
            "url",
            # The push key signs pushes; the webhook id and its URL let anyone post to it.
            CONF_PUSH_KEY,
            CONF_WEBHOOK_ID,
            CONF_PUSH_URL,
            CONF_CLOUDHOOK_URL,
            "server_url",
        }
    ),
)
