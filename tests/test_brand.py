"""The brand images shipped in brand/ are what Home Assistant serves for the integration."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

BRAND = Path(__file__).parent.parent / "custom_components" / "cniot" / "brand"

# Home Assistant serves a custom integration's brand/ folder from 2026.3 on (its
# brands integration); 2026.2 asks the brands CDN, where cniot has no images. The
# README states this limitation.
pytestmark = pytest.mark.skipif(
    find_spec("homeassistant.components.brands") is None,
    reason="Home Assistant before 2026.3 has no local brand images",
)


@pytest.mark.parametrize("image", ["icon.png", "icon@2x.png", "logo.png"])
async def test_brand_images_are_served(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, image: str
) -> None:
    """The frontend's brand URL answers with the shipped PNG, not a placeholder."""
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    response = await client.get(f"/api/brands/integration/cniot/{image}?placeholder=no")
    assert response.status == 200
    body = await response.read()
    assert body == (BRAND / image).read_bytes()
    assert body.startswith(b"\x89PNG")
