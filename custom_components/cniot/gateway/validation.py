"""Checks on user input for the gateway API, done before anything is sent."""

from __future__ import annotations

import ipaddress
import re

MAX_PORT = 65535
# The document gives no limits; these keep a request to something a backend can store.
MAX_PORT_ITEMS = 64
MAX_PORT_SPEC_LENGTH = 256
_SN_RE = re.compile(r"^[A-Za-z0-9_-]{4,64}$")


def validate_ipv4(value: str) -> str:
    """A dotted IPv4 address of a host, or ValueError.

    0.0.0.0, broadcast, multicast, loopback and reserved addresses cannot be the target
    of a port mapping.
    """
    try:
        address = ipaddress.IPv4Address(value.strip())
    except ipaddress.AddressValueError as err:
        raise ValueError("invalid IPv4 address") from err
    if (
        address.is_unspecified
        or address.is_multicast
        or address.is_loopback
        or address.is_reserved
        or address == ipaddress.IPv4Address("255.255.255.255")
    ):
        raise ValueError("not a host address")
    return str(address)


def validate_port_spec(value: str) -> str:
    """A list such as ``1935,22000-22010``: ports or ascending ranges, 1-65535."""
    if len(value) > MAX_PORT_SPEC_LENGTH:
        raise ValueError("port list too long")
    items = [item.strip() for item in value.split(",")]
    if not value.strip() or any(not item for item in items):
        raise ValueError("empty port list item")
    if len(items) > MAX_PORT_ITEMS:
        raise ValueError("too many ports")
    normal: list[str] = []
    for item in items:
        low_text, sep, high_text = item.partition("-")
        # isascii: str.isdigit() also accepts superscripts and other scripts' digits.
        if not (low_text + high_text).isascii():
            raise ValueError("ports must be ASCII digits")
        if not low_text.isdigit() or (sep and not high_text.isdigit()):
            raise ValueError("ports must be numbers or ranges")
        low = int(low_text)
        high = int(high_text) if sep else low
        if not 1 <= low <= MAX_PORT or not 1 <= high <= MAX_PORT or low > high:
            raise ValueError("port out of range")
        normal.append(f"{low}-{high}" if sep else str(low))
    return ",".join(normal)


def validate_serial(value: str) -> str:
    """Serial numbers are letters, digits, ``-`` and ``_``."""
    text = value.strip()
    if not _SN_RE.match(text):
        raise ValueError("invalid serial number")
    return text
