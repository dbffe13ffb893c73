"""Every vendor over HTTPS: a trusted certificate works end to end, an untrusted one is explained.

The simulators serve TLS with a certificate made for the test run. Home Assistant's
shared aiohttp session verifies certificates with ``homeassistant.util.ssl``'s client
context; trusting the test CA there is what adding a private CA to Home Assistant does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
import logging
import ssl
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import ssl as ssl_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cniot.client.errors import CniotCertificateError, CniotSslError
from custom_components.cniot.client.http import JsonTransport, retry_once
from custom_components.cniot.const import CONF_PASSWORD, CONF_URL, CONF_VENDOR, DOMAIN
from custom_components.cniot.gateway.const import VENDOR_GATEWAY
from custom_components.cniot.gizwits.const import (
    CONF_ENTERPRISE_ID,
    CONF_ENTERPRISE_SECRET,
    CONF_PRODUCT_KEY,
    CONF_PRODUCT_SECRET,
    VENDOR_GIZWITS,
)
from custom_components.cniot.tums.const import CONF_ACCESS_KEY, CONF_SECRET_KEY, VENDOR_TUMS
from custom_components.cniot.xlink.const import CONF_LOGIN, CONF_MODE, VENDOR_XLINK
from simulator.base import VendorSimulator
from simulator.gateway import GatewaySimulator
from simulator.gateway.scenario import default_scenario
from simulator.gizwits import GizwitsSimulator
from simulator.gizwits.state import AC_PRODUCT_KEY, AC_PRODUCT_SECRET
from simulator.tls import Certificate, make_certificate
from simulator.tums import TumsSimulator
from simulator.xlink import XlinkSimulator

from .conftest import SIM_EPOCH
from .gizwits.conftest import gizwits_data
from .tums.conftest import tums_data
from .xlink.conftest import xlink_data


@dataclass(frozen=True, slots=True)
class Vendor:
    """How to run one vendor's simulator and what its entry and config form hold."""

    simulator: Callable[[], VendorSimulator]
    data: Callable[[str], dict[str, Any]]
    form_keys: tuple[str, ...]


VENDORS: dict[str, Vendor] = {
    VENDOR_GATEWAY: Vendor(
        lambda: GatewaySimulator(scenario=default_scenario(), drift=False, clock=lambda: SIM_EPOCH),
        lambda url: {CONF_VENDOR: VENDOR_GATEWAY, CONF_URL: url},
        (CONF_URL,),
    ),
    VENDOR_GIZWITS: Vendor(
        GizwitsSimulator,
        lambda url: gizwits_data(url, AC_PRODUCT_KEY, AC_PRODUCT_SECRET),
        (
            CONF_ENTERPRISE_ID,
            CONF_ENTERPRISE_SECRET,
            CONF_PRODUCT_KEY,
            CONF_PRODUCT_SECRET,
            CONF_URL,
        ),
    ),
    VENDOR_TUMS: Vendor(TumsSimulator, tums_data, (CONF_ACCESS_KEY, CONF_SECRET_KEY, CONF_URL)),
    VENDOR_XLINK: Vendor(
        XlinkSimulator, xlink_data, (CONF_MODE, CONF_LOGIN, CONF_PASSWORD, CONF_URL)
    ),
}


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    """One test CA and server certificate for the module (key generation takes a while)."""
    return make_certificate()


@pytest.fixture
def trust_certificate(certificate: Certificate) -> Generator[None]:
    """Home Assistant's verifying client context, with the test CA added."""
    original = ssl_util.client_context
    # Built here, outside the event loop: loading certificates blocks.
    trusted = certificate.trust(
        ssl_util.create_client_context(
            ssl_util.SSLCipherList.PYTHON_DEFAULT, ssl_util.SSL_ALPN_HTTP11
        )
    )

    def client_context(
        cipher: ssl_util.SSLCipherList = ssl_util.SSLCipherList.PYTHON_DEFAULT,
        alpn: Any = ssl_util.SSL_ALPN_NONE,
    ) -> ssl.SSLContext:
        if cipher is ssl_util.SSLCipherList.PYTHON_DEFAULT and alpn == ssl_util.SSL_ALPN_HTTP11:
            return trusted
        return original(cipher, alpn)

    with patch.object(ssl_util, "client_context", client_context):
        yield


@pytest.fixture
async def refused_handshakes(hass: HomeAssistant) -> AsyncGenerator[list[BaseException]]:
    """The simulator's side of a refused handshake is no test failure.

    In debug mode (as tests run) asyncio reports the server's aborted TLS handshake to
    the loop's exception handler, which the ``hass`` fixture turns into an error. Only
    that report is dropped; a real server would run in another process.
    """
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    assert handler is not None
    refused: list[BaseException] = []

    def drop_server_handshake(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") == "Error on transport creation for incoming connection":
            refused.append(context["exception"])
        else:
            handler(loop, context)

    loop.set_exception_handler(drop_server_handshake)
    yield refused
    loop.set_exception_handler(handler)


@pytest.fixture(params=sorted(VENDORS))
def vendor(request: pytest.FixtureRequest) -> str:
    """Each vendor in turn."""
    return str(request.param)


@pytest.fixture
async def https_sim(vendor: str, certificate: Certificate) -> Any:
    """The vendor's simulator, serving HTTPS only."""
    sim = VENDORS[vendor].simulator()
    url = await sim.start(host="127.0.0.1", port=0, tls=certificate)
    assert url.startswith("https://")
    try:
        yield sim
    finally:
        await sim.stop()


async def _flow(hass: HomeAssistant, vendor: str, url: str) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": vendor}
    )
    assert result["type"] is FlowResultType.FORM
    data = VENDORS[vendor].data(url)
    form = {key: data[key] for key in VENDORS[vendor].form_keys}
    return await hass.config_entries.flow.async_configure(result["flow_id"], form)


@pytest.mark.usefixtures("trust_certificate", "entity_registry_enabled_by_default")
async def test_config_flow_and_setup_over_https(
    hass: HomeAssistant, vendor: str, https_sim: VendorSimulator
) -> None:
    """With the CA trusted, the flow validates over HTTPS and the new entry loads its devices."""
    assert https_sim.url is not None
    result = await _flow(hass, vendor, https_sim.url)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_URL] == https_sim.url
    await hass.async_block_till_done(wait_background_tasks=True)
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    available = [
        state
        for item in entities
        if (state := hass.states.get(item.entity_id)) is not None and state.state != "unavailable"
    ]
    assert len(available) >= 3
    # Every request the integration made reached the vendor paths over TLS.
    assert https_sim.requests
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("refused_handshakes")
async def test_untrusted_certificate_in_the_flow(
    hass: HomeAssistant, vendor: str, https_sim: VendorSimulator
) -> None:
    """An untrusted certificate gets its own error in the form, in both languages."""
    assert https_sim.url is not None
    result = await _flow(hass, vendor, https_sim.url)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "certificate_error"}
    # The handshake failed: no request reached the server.
    assert not https_sim.requests
    for language, words in (("en", "certificate is not trusted"), ("zh-Hans", "证书不受信任")):
        texts = await async_get_translations(hass, language, "config", {DOMAIN})
        assert words in texts[f"component.{DOMAIN}.config.error.certificate_error"]


@pytest.mark.usefixtures("refused_handshakes")
async def test_untrusted_certificate_at_setup(
    hass: HomeAssistant,
    vendor: str,
    https_sim: VendorSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An existing entry retries with the translated reason, and logs no traceback."""
    assert https_sim.url is not None
    entry = MockConfigEntry(domain=DOMAIN, data=VENDORS[vendor].data(https_sim.url))
    entry.add_to_hass(hass)
    caplog.set_level(logging.INFO)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "TLS certificate is not trusted" in entry.reason
    assert "self-signed certificate" in entry.reason
    assert not https_sim.requests
    # What a user's log shows (INFO and up): the reason, and no traceback.
    shown = [record for record in caplog.records if record.levelno >= logging.INFO]
    assert any("TLS certificate is not trusted" in record.getMessage() for record in shown)
    for record in shown:
        assert record.exc_info is None, record.getMessage()
        assert "Traceback" not in record.getMessage()
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("refused_handshakes")
async def test_untrusted_certificate_is_not_retried(
    hass: HomeAssistant, certificate: Certificate
) -> None:
    """A refused certificate is typed, names the reason, and is tried once, not twice."""
    sim = XlinkSimulator()
    url = await sim.start(tls=certificate)
    transport = JsonTransport(async_get_clientsession(hass), url)
    try:
        with pytest.raises(CniotCertificateError) as caught:
            await retry_once(lambda: transport.request("GET", "/v2/ping"))
    finally:
        await sim.stop()
    assert caught.value.reason == "self-signed certificate in certificate chain"
    assert transport.request_count == 1


async def test_https_to_a_plain_http_server(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """https:// to a plain-HTTP port: a TLS error of its own in the form, not "cannot connect"."""
    assert gateway_sim.url is not None
    url = gateway_sim.url.replace("http://", "https://")
    transport = JsonTransport(async_get_clientsession(hass), url)
    with pytest.raises(CniotSslError) as caught:
        await transport.request("GET", "/")
    assert not isinstance(caught.value, CniotCertificateError)
    result = await _flow(hass, VENDOR_GATEWAY, url)
    assert result["errors"] == {"base": "ssl_error"}
    # An existing entry with that URL retries, saying why in its own words.
    entry = MockConfigEntry(domain=DOMAIN, data=VENDORS[VENDOR_GATEWAY].data(url))
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "secure (TLS) connection failed" in entry.reason
    await hass.config_entries.async_unload(entry.entry_id)
