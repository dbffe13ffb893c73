"""The brand images shipped in brand/ are what Home Assistant serves for the integration."""

from __future__ import annotations

import colorsys
from importlib.util import find_spec, module_from_spec, spec_from_file_location
from pathlib import Path
import shutil
from types import ModuleType

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from PIL import Image, ImageChops, ImageStat
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

ROOT = Path(__file__).parent.parent
BRAND = ROOT / "custom_components" / "cniot" / "brand"
SHIPPED = sorted(path.name for path in BRAND.glob("*.png"))

# Home Assistant serves a custom integration's brand/ folder from 2026.3 on (its
# brands integration); 2026.2 asks the brands CDN, where cniot has no images. The
# README states this limitation.
needs_local_brands = pytest.mark.skipif(
    find_spec("homeassistant.components.brands") is None,
    reason="Home Assistant before 2026.3 has no local brand images",
)

# The image names Home Assistant's brands integration serves (its const.IMAGES).
KNOWN = {
    f"{dark}{kind}{hdpi}.png"
    for dark in ("", "dark_")
    for kind in ("icon", "logo")
    for hdpi in ("", "@2x")
}
ICONS = {"icon.png": 256, "icon@2x.png": 512}
# The home-assistant/brands README: a logo's shortest side is 128-256 pixels, 256-512
# for the hDPI version.
LOGO_SHORT_SIDE = {"logo.png": (128, 256), "logo@2x.png": (256, 512)}
# A visible pixel darker than this (luminance, 0-255) is lost on a dark background.
DARK_LUMINANCE = 64
# The dark background the dark_ variants are made for, and the WCAG contrast ratio
# (AA, normal text) their dominant colour (the icon's tile) reaches against it.
DARK_BACKGROUND = (0x11, 0x11, 0x11)
MIN_CONTRAST = 4.5
WHITE = (255, 255, 255)
# Every light image and the dark variant Home Assistant serves for it.
LIGHT_IMAGES = sorted({"icon.png", "icon@2x.png", "logo.png", "logo@2x.png"} & set(SHIPPED))


def _open(name: str, folder: Path = BRAND) -> Image.Image:
    with Image.open(folder / name) as image:
        image.load()
        return image


def _light(name: str) -> str:
    return name.removeprefix("dark_")


def _visible_dark_share(image: Image.Image) -> float:
    """The share of an image's visible pixels too dark to read on a dark background."""
    luminance = image.convert("L")
    visible = image.getchannel("A").point(lambda value: 255 if value > 0 else 0)
    dark = luminance.point(lambda value: 255 if value < DARK_LUMINANCE else 0)
    dark_visible = Image.composite(dark, Image.new("L", image.size), visible)
    return ImageStat.Stat(dark_visible).sum[0] / ImageStat.Stat(visible).sum[0]


def _relative_luminance(colour: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance (0-1) of an sRGB colour."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast(first: float, second: float) -> float:
    """WCAG 2 contrast ratio of two relative luminances."""
    return (max(first, second) + 0.05) / (min(first, second) + 0.05)


def _opaque_colours(image: Image.Image) -> list[tuple[int, tuple[int, int, int]]]:
    """(count, colour) of an image's fully opaque pixels, most frequent first."""
    colours = image.convert("RGBA").getcolors(image.width * image.height)
    assert colours is not None
    return sorted(
        (
            (count, (pixel[0], pixel[1], pixel[2]))
            for count, pixel in colours
            if isinstance(pixel, tuple) and pixel[3] == 255
        ),
        reverse=True,
    )


def _mean_opaque_contrast(image: Image.Image) -> float:
    """Contrast against DARK_BACKGROUND of the mean luminance of the opaque pixels."""
    colours = _opaque_colours(image)
    total = sum(count for count, _ in colours)
    mean = sum(count * _relative_luminance(colour) for count, colour in colours) / total
    return _contrast(mean, _relative_luminance(DARK_BACKGROUND))


def _dominant_colour(image: Image.Image) -> tuple[int, int, int]:
    """The most frequent opaque colour (the icon's tile)."""
    return _opaque_colours(image)[0][1]


def _dominant_contrast(image: Image.Image) -> float:
    """Contrast of the dominant opaque colour against DARK_BACKGROUND."""
    dominant = _relative_luminance(_dominant_colour(image))
    return _contrast(dominant, _relative_luminance(DARK_BACKGROUND))


def _hue(colour: tuple[int, int, int]) -> float:
    """HSL hue in degrees."""
    return colorsys.rgb_to_hls(*(channel / 255 for channel in colour))[0] * 360


def _light_counterpart(dark_name: str) -> str:
    """The light image a dark variant is made from (logo.png for dark_logo@2x.png
    when there is no logo@2x.png)."""
    light = _light(dark_name)
    return light if light in SHIPPED else light.replace("@2x", "")


def _generator() -> ModuleType:
    spec = spec_from_file_location("brand_images", ROOT / "scripts" / "brand_images.py")
    assert spec is not None
    assert spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_local_brands
@pytest.mark.parametrize("image", sorted({"icon.png", "icon@2x.png", "logo.png", *SHIPPED}))
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


@needs_local_brands
@pytest.mark.parametrize("image", sorted(KNOWN))
async def test_every_brand_url_gets_fitting_art(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, image: str
) -> None:
    """Each image name is answered with fitting art.

    A logo request never gets an icon (for ``dark_logo@2x.png`` Home Assistant tries
    ``dark_icon@2x.png`` before ``logo.png``), and a dark request gets a dark variant.
    """
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    response = await client.get(f"/api/brands/integration/cniot/{image}?placeholder=no")
    assert response.status == 200
    body = await response.read()
    served = next(name for name in SHIPPED if (BRAND / name).read_bytes() == body)
    assert ("logo" in served) == ("logo" in image)
    assert served.startswith("dark_") == image.startswith("dark_")


def test_brand_folder_holds_the_images_home_assistant_serves() -> None:
    assert {"icon.png", "icon@2x.png", "logo.png"} <= set(SHIPPED)
    assert {path.name for path in BRAND.iterdir()} <= KNOWN


@pytest.mark.parametrize("name", SHIPPED)
def test_image_is_a_transparent_rgba_png(name: str) -> None:
    assert (BRAND / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    image = _open(name)
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.getchannel("A").getextrema()[0] == 0, "no transparent background"
    assert image.getchannel("A").getbbox() is not None, "fully transparent"


@pytest.mark.parametrize("name", [name for name in SHIPPED if "icon" in name])
def test_icon_is_square_at_its_size(name: str) -> None:
    size = ICONS[_light(name)]
    assert _open(name).size == (size, size)


@pytest.mark.parametrize("name", [name for name in SHIPPED if "logo" in name])
def test_logo_is_landscape_with_its_short_side_in_range(name: str) -> None:
    low, high = LOGO_SHORT_SIDE[_light(name)]
    width, height = _open(name).size
    assert low <= min(width, height) <= high
    assert width >= height


@pytest.mark.parametrize("name", [name for name in SHIPPED if "logo" in name])
def test_logo_is_trimmed(name: str) -> None:
    """No empty (transparent) rows or columns around the logo's content.

    Icons are not checked: their padding is part of the square design.
    """
    image = _open(name)
    assert image.getchannel("A").getbbox() == (0, 0, image.width, image.height)


@pytest.mark.parametrize("name", LIGHT_IMAGES)
def test_light_image_has_a_dark_variant(name: str) -> None:
    """icon.png -> dark_icon.png, icon@2x.png -> dark_icon@2x.png, logo.png ->
    dark_logo.png (and logo@2x.png -> dark_logo@2x.png when there is one)."""
    assert f"dark_{name}" in SHIPPED


def test_dark_logo_has_an_hdpi_file() -> None:
    """Without dark_logo@2x.png, Home Assistant would answer it with dark_icon@2x.png or
    the light logo.png."""
    assert "dark_logo.png" in SHIPPED
    assert "dark_logo@2x.png" in SHIPPED


@pytest.mark.parametrize("name", [name for name in SHIPPED if name.startswith("dark_")])
def test_dark_variant_is_its_light_image_with_more_contrast(name: str) -> None:
    """Same size and alpha, other pixels, more contrast on DARK_BACKGROUND."""
    dark, light = _open(name), _open(_light_counterpart(name))
    assert dark.size == light.size
    assert dark.getchannel("A").tobytes() == light.getchannel("A").tobytes()
    assert dark.tobytes() != light.tobytes()
    assert _mean_opaque_contrast(dark) > _mean_opaque_contrast(light)
    assert _dominant_contrast(dark) > _dominant_contrast(light)
    assert _visible_dark_share(dark) < 0.01


@pytest.mark.parametrize("name", [name for name in SHIPPED if name.startswith("dark_")])
def test_dark_variant_lifts_the_tile_to_aa_contrast_in_the_same_hue(name: str) -> None:
    """The dominant colour (the red tile) reaches MIN_CONTRAST on DARK_BACKGROUND, keeps
    its hue, and the white cloud stays white."""
    dark, light = _open(name), _open(_light_counterpart(name))
    light_tile, dark_tile = _dominant_colour(light), _dominant_colour(dark)
    assert _dominant_contrast(light) < MIN_CONTRAST <= _dominant_contrast(dark)
    assert abs(_hue(dark_tile) - _hue(light_tile)) < 1
    assert sum(dark_tile) > sum(light_tile)
    # The light image's opaque white pixels are opaque white in the dark variant.
    red, green, blue, alpha = light.split()
    white = ImageChops.multiply(
        ImageChops.darker(ImageChops.darker(red, green), blue).point(
            lambda value: 255 if value == 255 else 0
        ),
        alpha.point(lambda value: 255 if value == 255 else 0),
    )
    assert white.getbbox() is not None
    assert ImageStat.Stat(dark.convert("RGB"), mask=white).extrema == [(255, 255)] * 3


def test_images_are_what_the_script_generates(tmp_path: Path) -> None:
    """scripts/brand_images.py regenerates the shipped trimmed and dark files as they are."""
    for name in ("icon.png", "icon@2x.png", "logo.png"):
        shutil.copy(BRAND / name, tmp_path / name)
    _generator().generate(tmp_path)
    generated = sorted(path.name for path in tmp_path.glob("*.png"))
    assert generated == SHIPPED
    for name in generated:
        assert _open(name, tmp_path).tobytes() == _open(name).tobytes(), name


def test_script_is_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second run of scripts/brand_images.py writes and removes nothing."""
    for name in ("icon.png", "icon@2x.png", "logo.png"):
        shutil.copy(BRAND / name, tmp_path / name)
    generator = _generator()
    generator.generate(tmp_path)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}

    def no_write(*args: object, **kwargs: object) -> None:
        raise AssertionError("the second run wrote a file")

    monkeypatch.setattr(Image.Image, "save", no_write)
    monkeypatch.setattr(Path, "unlink", no_write)
    generator.generate(tmp_path)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
