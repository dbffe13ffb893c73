"""The vendor mechanism: what each vendor package provides to the integration.

The integration's own modules (setup, platforms, diagnostics, actions) only talk
to these interfaces, so a vendor plugs in by adding one ``VendorSpec`` to the
registry in ``vendors.py``, and its steps to the config flow (``config_flow.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import voluptuous as vol

from .client.http import normalize_base_url
from .const import CONF_URL


class VendorRuntime(ABC):
    """A vendor's live state for one config entry, kept in ``entry.runtime_data``."""

    # The vendor's key (``VendorSpec.key``): entries of other vendors are not its own.
    vendor: ClassVar[str]
    platforms: tuple[Platform, ...] = ()

    def __init__(self, hass: HomeAssistant, entry: CniotConfigEntry) -> None:
        self.hass = hass
        self.entry = entry

    @abstractmethod
    async def async_setup(self) -> None:
        """Connect and fetch the first data.

        Raises ConfigEntryNotReady or ConfigEntryAuthFailed.
        """

    @abstractmethod
    def async_setup_platform(
        self, platform: Platform, async_add_entities: AddConfigEntryEntitiesCallback
    ) -> None:
        """Add this vendor's entities of one platform, now and as devices appear."""

    async def async_unload(self) -> None:  # noqa: B027
        """Release what ``async_setup`` took; listeners tied to the entry go by themselves."""

    @abstractmethod
    async def async_diagnostics(self) -> dict[str, Any]:
        """Vendor data for diagnostics, before redaction."""

    def async_device_removable(self, device: DeviceEntry) -> bool:
        """Whether the user may delete this device (it is no longer reported)."""
        return False

    def device_trigger_types(self, device: DeviceEntry) -> list[str]:
        """The spec's trigger types this device offers now; none by default."""
        return []

    def valid_trigger_types(self, device: DeviceEntry) -> list[str] | None:
        """The types a saved trigger of this device may have, by what the device is.

        Not by runtime state (an option turned off, a device briefly missing): a saved
        automation must stay valid through those. None: any of the vendor's types.
        """
        return None


type CniotConfigEntry = ConfigEntry[VendorRuntime]


def entry_runtime[R: VendorRuntime](entry: ConfigEntry[Any], runtime_cls: type[R]) -> R | None:
    """The entry's runtime as its vendor's own class; None unless set up as that vendor."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    runtime = getattr(entry, "runtime_data", None)
    return runtime if isinstance(runtime, runtime_cls) else None


class FlowValidationError(Exception):
    """A config-flow input problem, shown on the form under ``field``."""

    def __init__(self, error: str, field: str = "base") -> None:
        super().__init__(error)
        self.error = error
        self.field = field


@dataclass(frozen=True, slots=True)
class ValidatedInput:
    """What a vendor's flow validation hands back to the config flow."""

    unique_id: str
    title: str
    data: Mapping[str, Any]


class VendorFlow(ABC):
    """The vendor-specific half of the config flow: its fields and connection test."""

    # True where the unique ID derives from a setting the user may reconfigure
    # (a server's URL); False where it is an account identity.
    unique_id_follows_settings: bool = False
    # Values for the {name}s of its config-flow forms (creation, reconfigure and
    # reauth steps, and their errors). URLs and examples come from here: hassfest
    # keeps them out of the translations.
    form_placeholders: ClassVar[Mapping[str, str]] = {}
    # The same for the options settings form and the errors ``validate_options`` gives.
    options_placeholders: ClassVar[Mapping[str, str]] = {}
    # The forms' common fields.
    URL: ClassVar[TextSelector] = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
    TEXT: ClassVar[TextSelector] = TextSelector()
    PASSWORD: ClassVar[TextSelector] = TextSelector(
        TextSelectorConfig(type=TextSelectorType.PASSWORD)
    )

    @staticmethod
    def url(user_input: Mapping[str, Any]) -> str:
        """The form's API server, normalised; one that is not a URL is shown under its field."""
        try:
            return normalize_base_url(str(user_input[CONF_URL]))
        except ValueError as err:
            raise FlowValidationError("invalid_url", CONF_URL) from err

    def known_unique_id(self, user_input: Mapping[str, Any]) -> str | None:
        """The unique ID the input will have, where it is known without a network call."""
        return None

    def known_account(self, user_input: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Entry data that names the input's account, where the unique ID is not known.

        An entry whose data holds these values is the same account: the flow aborts
        before any network call.
        """
        return None

    @abstractmethod
    def user_schema(self) -> vol.Schema:
        """Fields asked for when an entry is created."""

    def reconfigure_schema(self, entry: ConfigEntry) -> vol.Schema:
        """Fields offered on reconfigure (default: the creation fields)."""
        return self.user_schema()

    @abstractmethod
    def reauth_schema(self, entry: ConfigEntry) -> vol.Schema:
        """Fields asked for when the vendor refuses the stored credentials."""

    def options_schema(self, entry: ConfigEntry) -> dict[vol.Marker, Any]:
        """Vendor-specific option fields, beside the polling interval."""
        return {}

    def validate_options(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        """Errors by field in the plain options (translation keys); none by default."""
        return {}

    @abstractmethod
    async def async_validate(
        self, hass: HomeAssistant, user_input: Mapping[str, Any]
    ) -> ValidatedInput:
        """Test the connection; raise ``FlowValidationError`` on a problem."""


@dataclass(frozen=True, slots=True)
class VendorSpec:
    """Everything the integration needs to know about one vendor."""

    # Its runtime's class; a ``DatapointRuntime`` gets the datapoint options and action.
    runtime_factory: type[VendorRuntime]
    flow: VendorFlow
    default_scan_interval: int
    min_scan_interval: int
    max_scan_interval: int = 3600
    setup_services: Callable[[HomeAssistant], None] | None = None
    # Keys redacted from its entry and diagnostics, beside the shared ones.
    redact: frozenset[str] = field(default_factory=frozenset)
    # Every device trigger type (``cniot_event`` type) its devices may offer.
    trigger_types: frozenset[str] = field(default_factory=frozenset)
    # Cleanup of what an entry stored outside its data, when the entry is deleted.
    remove_entry: Callable[[HomeAssistant, ConfigEntry], Awaitable[None]] | None = None

    @property
    def key(self) -> str:
        """The vendor's key: its config-flow step, entry data and translation prefix."""
        return self.runtime_factory.vendor


def platform_setup_entry(
    platform: Platform,
) -> Callable[
    [HomeAssistant, CniotConfigEntry, AddConfigEntryEntitiesCallback], Coroutine[Any, Any, None]
]:
    """Build a platform module's ``async_setup_entry`` that defers to the entry's vendor."""

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        entry.runtime_data.async_setup_platform(platform, async_add_entities)

    return async_setup_entry
