"""Home Assistant for the benchmark, config entries for the simulators, and counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
import resource
import tempfile
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant import loader
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from homeassistant.helpers.entity import Entity
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.cniot import PLATFORMS
from custom_components.cniot.const import CONF_PASSWORD, CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from custom_components.cniot.gizwits.const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    VENDOR_GIZWITS,
)
from custom_components.cniot.tums.const import (
    CONF_ACCESS_KEY,
    CONF_APP_TYPE,
    CONF_SECRET_KEY,
    CONF_TERMINAL_ID,
    VENDOR_TUMS,
)
from custom_components.cniot.xlink.const import CONF_LOGIN, CONF_MODE, MODE_CORP, VENDOR_XLINK
from simulator.gizwits.state import (
    AC_PRODUCT_KEY,
    AC_PRODUCT_SECRET,
    DEMO_ENTERPRISE_ID,
    DEMO_ENTERPRISE_SECRET,
    PLUG_PRODUCT_KEY,
    PLUG_PRODUCT_SECRET,
)
from simulator.tums import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from simulator.xlink.state import DEMO_ACCOUNT, DEMO_PASSWORD

# The simulators' demo enterprise: two products, and the demo TUMS application.
GIZWITS_PRODUCTS = (
    ("智能空调", AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
    ("智能插座", PLUG_PRODUCT_KEY, PLUG_PRODUCT_SECRET),
)


class _Resolver(aiohttp.ThreadedResolver):
    """Home Assistant closes its resolver with ``real_close`` (the zeroconf one has it)."""

    async def real_close(self) -> None:
        await self.close()


@asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """A Home Assistant instance with the custom integration loadable, stopped afterwards."""
    # Home Assistant's resolver needs zeroconf; the simulators are IP literals anyway.
    async with AsyncExitStack() as stack:
        stack.enter_context(
            patch(
                "homeassistant.helpers.aiohttp_client._async_make_resolver",
                return_value=_Resolver(),
            )
        )
        # A configuration folder of its own: Home Assistant writes its registries and
        # stores there, which must not pile up from run to run (the default is the test
        # package's shared testing_config).
        config_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="cniot-bench-"))
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            # What the hass and enable_custom_integrations fixtures do.
            frame.async_setup(hass)
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


async def preload(hass: HomeAssistant) -> None:
    """Load cniot and its platforms' components, as a running Home Assistant has them.

    Setup is then timed from the config entry on, without first-import costs.
    """
    assert await async_setup_component(hass, DOMAIN, {})  # noqa: S101
    for platform in PLATFORMS:
        assert await async_setup_component(hass, platform.value, {})  # noqa: S101
    await hass.async_block_till_done()


def add_entry(hass: HomeAssistant, title: str, unique_id: str, data: dict[str, Any]) -> ConfigEntry:
    """A config entry, added but not set up."""
    entry: ConfigEntry = MockConfigEntry(domain=DOMAIN, title=title, unique_id=unique_id, data=data)
    entry.add_to_hass(hass)  # type: ignore[attr-defined]
    return entry


def add_fleet_entries(hass: HomeAssistant, urls: dict[str, str]) -> list[ConfigEntry]:
    """One entry per simulated account: the gateway backend, two Gizwits products, Xlink, TUMS."""
    entries = []
    if "gateway" in urls:
        url = urls["gateway"]
        entries.append(
            add_entry(hass, "Gateways", url, {CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: url})
        )
    if "gizwits" in urls:
        for title, product_key, secret in GIZWITS_PRODUCTS:
            entries.append(
                add_entry(
                    hass, title, product_key, gizwits_data(urls["gizwits"], product_key, secret)
                )
            )
    if "xlink" in urls:
        data = {
            CONF_VENDOR: VENDOR_XLINK,
            CONF_URL: urls["xlink"],
            CONF_MODE: MODE_CORP,
            CONF_LOGIN: DEMO_ACCOUNT,
            CONF_PASSWORD: DEMO_PASSWORD,
        }
        entries.append(add_entry(hass, "Xlink", "xlink-bench", data))
    if "tums" in urls:
        data = {
            CONF_VENDOR: VENDOR_TUMS,
            CONF_URL: urls["tums"],
            CONF_ACCESS_KEY: DEMO_ACCESS_KEY,
            CONF_SECRET_KEY: DEMO_SECRET_KEY,
            CONF_TERMINAL_ID: "bench0123456789abcdef0123456789ab",
            CONF_APP_TYPE: "project",
        }
        entries.append(add_entry(hass, "TUMS", DEMO_ACCESS_KEY, data))
    return entries


def gizwits_data(url: str, product_key: str, product_secret: str) -> dict[str, Any]:
    """Entry data for one product of the demo enterprise."""
    return {
        CONF_VENDOR: VENDOR_GIZWITS,
        CONF_URL: url,
        CONF_ENTERPRISE_ID: DEMO_ENTERPRISE_ID,
        CONF_ENTERPRISE_SECRET: DEMO_ENTERPRISE_SECRET,
        CONF_PRODUCT_KEY: product_key,
        CONF_PRODUCT_SECRET: product_secret,
    }


def peak_rss() -> int:
    """The process's peak resident memory so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class WriteCounter:
    """Counts state writes per entity while installed (``Entity._async_write_ha_state``)."""

    def __init__(self) -> None:
        self.writes: Counter[str] = Counter()

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Count every state write made inside the block."""
        original: Callable[[Entity], None] = Entity._async_write_ha_state  # noqa: SLF001
        writes = self.writes

        def counting(entity: Entity) -> None:
            writes[entity.entity_id or "?"] += 1
            original(entity)

        with patch.object(Entity, "_async_write_ha_state", counting):
            yield

    def take(self) -> Counter[str]:
        """The writes since the last take."""
        taken = self.writes.copy()
        self.writes.clear()
        return taken
