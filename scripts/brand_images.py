"""Regenerate the derived brand images in custom_components/cniot/brand/.

Home Assistant (2026.3 on) serves these files for the integration; they follow the
image rules of the home-assistant/brands README: PNG, transparent background, trimmed,
an icon of 256x256 (512x512 for ``@2x``), a logo whose shortest side is 128-256 pixels
(256-512 for ``@2x``), and ``dark_`` variants for a dark background where one is needed.

Sources are ``icon.png``, ``icon@2x.png`` and ``logo.png``. This script

- trims ``logo.png`` to its content (alpha > 0) and keeps its shortest side in range;
- writes the dark-theme variants ``dark_icon.png``, ``dark_icon@2x.png``,
  ``dark_logo.png`` and ``dark_logo@2x.png``: the same artwork and alpha (so the
  anti-aliasing) with
  - dark, near-neutral pixels (the logo's wordmark) inverted to light ones, and
  - every visible colour given the same HSL lightness lift, hue and saturation kept,
    ``L' = L + k * (1 - L)`` (white stays white), ``k`` being the smallest lift that
    gives the icon's tile colour (its dominant opaque colour, #C41E3A) a WCAG contrast
    of at least ``MIN_CONTRAST`` against the dark background ``DARK_BACKGROUND``
    (#111111). The icon's red tile goes from 3.23:1 to 4.50:1 (#E13D58);
  ``dark_logo@2x.png`` is needed even at the 1x pixel size: without it Home Assistant
  answers a HiDPI dark logo with ``dark_icon@2x.png`` or the light ``logo.png``.

Each step is idempotent and a file whose pixels would not change is not rewritten.
Run: ``.venv/bin/python scripts/brand_images.py [BRAND_DIR]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import colorsys
import logging
from pathlib import Path

from PIL import Image, ImageChops

_LOGGER = logging.getLogger("brand_images")

BRAND = Path(__file__).resolve().parents[1] / "custom_components" / "cniot" / "brand"

ICON_SIZES = {"icon.png": 256, "icon@2x.png": 512}
# Shortest side of a logo: (minimum, maximum) in pixels.
LOGO_SHORT_SIDE = {"logo.png": (128, 256), "logo@2x.png": (256, 512)}

# A pixel is recoloured for the dark theme when it is visible, near-neutral (its
# channels differ by at most NEUTRAL_SPREAD) and dark (no channel above DARK_MAX).
NEUTRAL_SPREAD = 32
DARK_MAX = 96

# Background the dark variants are made for, and the WCAG contrast ratio the icon's
# tile colour must reach against it (the AA level for normal text).
DARK_BACKGROUND = (0x11, 0x11, 0x11)
MIN_CONTRAST = 4.5
# Halvings of the search interval for the lightness lift (2**-40: far below 1/255).
_LIFT_STEPS = 40

type RGB = tuple[int, int, int]


def trim(image: Image.Image) -> Image.Image:
    """Crop an RGBA image to the bounding box of its visible (alpha > 0) pixels."""
    bbox = image.getchannel("A").getbbox()
    if bbox is None:
        raise ValueError("the image is fully transparent")
    return image.crop(bbox)


def fit_short_side(image: Image.Image, low: int, high: int) -> Image.Image:
    """Scale an image (aspect ratio kept) so its shortest side lies in [low, high]."""
    short = min(image.size)
    if low <= short <= high:
        return image
    scale = (low if short < low else high) / short
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _threshold(band: Image.Image, keep: int, below: bool) -> Image.Image:
    """A 0/255 mask of the band's pixels at most (``below``) or above ``keep``."""
    if below:
        return band.point(lambda value: 255 if value <= keep else 0)
    return band.point(lambda value: 255 if value > keep else 0)


def relative_luminance(colour: RGB) -> float:
    """The WCAG 2 relative luminance (0-1) of an sRGB colour."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: RGB, second: RGB) -> float:
    """The WCAG 2 contrast ratio (1-21) of two sRGB colours."""
    darker, lighter = sorted((relative_luminance(first), relative_luminance(second)))
    return (lighter + 0.05) / (darker + 0.05)


def lift_lightness(colour: RGB, lift: float) -> RGB:
    """Raise a colour's HSL lightness ``L`` to ``L + lift * (1 - L)``, hue and saturation kept."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*(channel / 255 for channel in colour))
    lightness += lift * (1 - lightness)
    red, green, blue = (
        round(channel * 255) for channel in colorsys.hls_to_rgb(hue, lightness, saturation)
    )
    return red, green, blue


def dominant_colour(image: Image.Image) -> RGB:
    """The most frequent colour of an image's fully opaque pixels."""
    rgba = image.convert("RGBA")
    colours = rgba.getcolors(rgba.width * rgba.height) or []
    opaque = [
        (count, (pixel[0], pixel[1], pixel[2]))
        for count, pixel in colours
        if isinstance(pixel, tuple) and pixel[3] == 255
    ]
    if not opaque:
        raise ValueError("the image has no opaque pixels")
    return max(opaque)[1]


def contrast_lift(
    colour: RGB, background: RGB = DARK_BACKGROUND, minimum: float = MIN_CONTRAST
) -> float:
    """The smallest lightness lift (0-1) giving ``colour`` ``minimum`` contrast on ``background``.

    ``background`` must be darker than ``colour`` can get (white, lift 1, is the limit).
    Lifting only raises every channel, so the contrast grows with the lift and a
    bisection with a fixed number of steps finds it deterministically.
    """
    if contrast_ratio(colour, background) >= minimum:
        return 0.0
    if contrast_ratio((255, 255, 255), background) < minimum:
        raise ValueError(f"no colour reaches {minimum}:1 on {background}")
    low, high = 0.0, 1.0
    for _ in range(_LIFT_STEPS):
        middle = (low + high) / 2
        if contrast_ratio(lift_lightness(colour, middle), background) >= minimum:
            high = middle
        else:
            low = middle
    return high


def _invert_dark_neutrals(image: Image.Image) -> Image.Image:
    """The same artwork with its visible dark near-neutral pixels inverted to light ones."""
    rgba = image.convert("RGBA")
    red, green, blue, alpha = rgba.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    mask = ImageChops.multiply(
        ImageChops.multiply(
            _threshold(ImageChops.subtract(brightest, darkest), NEUTRAL_SPREAD, below=True),
            _threshold(brightest, DARK_MAX, below=True),
        ),
        _threshold(alpha, 0, below=False),
    )
    rgb = rgba.convert("RGB")
    recoloured = Image.composite(ImageChops.invert(rgb), rgb, mask)
    recoloured.putalpha(alpha)
    return recoloured


def _lift_visible(image: Image.Image, lift: float) -> Image.Image:
    """The image with ``lift_lightness`` applied to every visible (alpha > 0) pixel."""
    if lift == 0:
        return image.copy()
    data = image.convert("RGBA").tobytes()
    lifted = bytearray(data)
    cache: dict[bytes, bytes] = {}
    for start in range(0, len(data), 4):
        if data[start + 3] == 0:
            continue
        pixel = data[start : start + 3]
        if pixel not in cache:
            cache[pixel] = bytes(lift_lightness((pixel[0], pixel[1], pixel[2]), lift))
        lifted[start : start + 3] = cache[pixel]
    return Image.frombytes("RGBA", image.size, bytes(lifted))


def for_dark_background(image: Image.Image, lift: float) -> Image.Image:
    """The artwork for a dark background: dark neutrals inverted, then colours lifted.

    Every alpha value is kept, so the anti-aliased edges (carried by alpha) stay as
    they are; fully transparent pixels keep their colour too. ``lift`` is the HSL
    lightness lift of ``lift_lightness`` (see ``contrast_lift``).
    """
    return _lift_visible(_invert_dark_neutrals(image), lift)


def same_pixels(first: Image.Image, second: Image.Image) -> bool:
    """Whether two images have the same size and RGBA pixels."""
    # Not ImageChops.difference(...).getbbox(): on RGBA it only looks at the alpha band.
    first, second = first.convert("RGBA"), second.convert("RGBA")
    return first.size == second.size and first.tobytes() == second.tobytes()


def save(image: Image.Image, path: Path) -> None:
    """Write an optimised RGBA PNG, unless the file already holds these pixels."""
    if path.is_file():
        with Image.open(path) as current:
            if current.format == "PNG" and same_pixels(current, image):
                return
    image.convert("RGBA").save(path, format="PNG", optimize=True)
    _LOGGER.info("wrote %s (%dx%d)", path.name, image.width, image.height)


def _open(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGBA")


def generate(brand: Path) -> None:
    """Trim the logo and (re)write the dark variants in ``brand``."""
    icons = {name: _open(brand / name) for name in ICON_SIZES}
    for name, size in ICON_SIZES.items():
        if icons[name].size != (size, size):
            width, height = icons[name].size
            raise ValueError(f"{name} is {width}x{height}, not {size}x{size}")
    tile = dominant_colour(icons["icon.png"])
    lift = contrast_lift(tile)
    _LOGGER.debug(
        "tile %s: %.2f:1 on the dark background, lifted to %s: %.2f:1",
        tile,
        contrast_ratio(tile, DARK_BACKGROUND),
        lift_lightness(tile, lift),
        contrast_ratio(lift_lightness(tile, lift), DARK_BACKGROUND),
    )

    low, high = LOGO_SHORT_SIDE["logo.png"]
    logo = fit_short_side(trim(_open(brand / "logo.png")), low, high)
    save(logo, brand / "logo.png")

    dark_logo = for_dark_background(logo, lift)
    save(dark_logo, brand / "dark_logo.png")
    low, high = LOGO_SHORT_SIDE["logo@2x.png"]
    save(fit_short_side(dark_logo, low, high), brand / "dark_logo@2x.png")

    for name, icon in icons.items():
        save(for_dark_background(icon, lift), brand / f"dark_{name}")


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("brand", nargs="?", type=Path, default=BRAND, help="brand/ folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    generate(args.brand)


if __name__ == "__main__":
    main()
