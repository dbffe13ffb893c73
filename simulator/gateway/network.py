"""Network helpers of the gateway simulator: IPv4 addresses, LAN networks, port specs."""

from __future__ import annotations

from collections.abc import Sequence
import ipaddress

from .state import Lan


def parse_ipv4(value: str) -> ipaddress.IPv4Address | None:
    """A dotted-quad IPv4 address, or None."""
    try:
        return ipaddress.IPv4Address(value)
    except ValueError:
        return None


def lan_network(lan: Lan) -> ipaddress.IPv4Network | None:
    """The LAN's subnet, or None when its address or mask is unusable."""
    try:
        return ipaddress.IPv4Network(f"{lan.ip}/{lan.mask}", strict=False)
    except ValueError:
        return None


def lan_problem(lan: Lan) -> str | None:
    """Why a LAN configuration is unusable, or None when it is fine."""
    network = lan_network(lan)
    if network is None or network.prefixlen > 30 or network.prefixlen < 8:
        return "invalid address or mask"
    addresses = [parse_ipv4(value) for value in (lan.ip, lan.start, lan.end)]
    ip, start, end = addresses
    if ip is None or start is None or end is None:
        return "invalid address"
    if any(
        address not in network or address in (network.network_address, network.broadcast_address)
        for address in (ip, start, end)
    ):
        return "addresses must be hosts of the LAN subnet"
    if start > end:
        return "DHCP range start is after its end"
    return None


def parse_port_spec(value: str) -> list[tuple[int, int]] | None:
    """``1935,22000-22010`` as ranges, or None when malformed or out of 1..65535."""
    ranges: list[tuple[int, int]] = []
    for item in value.split(","):
        low_text, sep, high_text = item.strip().partition("-")
        low_text, high_text = low_text.strip(), high_text.strip()
        if not low_text.isdecimal() or (sep and not high_text.isdecimal()):
            return None
        low = int(low_text)
        high = int(high_text) if sep else low
        if not 1 <= low <= high <= 65535:
            return None
        ranges.append((low, high))
    return ranges


def format_port_spec(ranges: Sequence[tuple[int, int]]) -> str:
    """The canonical text of a port list."""
    return ",".join(str(low) if low == high else f"{low}-{high}" for low, high in ranges)
