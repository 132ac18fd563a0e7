"""Client metadata: the IP address truncated to its network, the user agent reduced to classes."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from user_agents import parse

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def truncate_ip(address: str) -> str:
    """Zero the host part: /24 for IPv4 (also IPv4-mapped IPv6), /48 for IPv6; "" if invalid."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return str(network.network_address)


@lru_cache(maxsize=4096)
def reduce_user_agent(user_agent: str) -> dict[str, str]:
    """Browser family and major version, OS family, device class; nothing finer."""
    parsed = parse(user_agent[:1024])
    if parsed.is_bot:
        device = "bot"
    elif parsed.is_tablet:
        device = "tablet"
    elif parsed.is_mobile:
        device = "mobile"
    elif parsed.is_pc:
        device = "desktop"
    else:
        device = "other"
    major = parsed.browser.version[0] if parsed.browser.version else None
    return {
        "browser": parsed.browser.family,
        "browser_major": str(major) if major is not None else "",
        "os": parsed.os.family,
        "device": device,
    }
