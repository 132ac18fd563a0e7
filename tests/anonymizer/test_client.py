"""Client metadata: IP truncation and user-agent reduction."""

from __future__ import annotations

import pytest

from anonymizer import reduce_user_agent, truncate_ip


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.255", "10.1.2.0"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::"),
        ("[2001:db8:abcd:ffff::1]", "2001:db8:abcd::"),
        ("::ffff:198.51.100.23", "198.51.100.0"),
        ("not an ip", ""),
    ],
)
def test_truncate_ip_keeps_only_the_network(address: str, expected: str) -> None:
    assert truncate_ip(address) == expected


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            {"browser": "Mobile Safari", "browser_major": "17", "os": "iOS", "device": "mobile"},
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.6367.91 Safari/537.36",
            {"browser": "Chrome", "browser_major": "124", "os": "Windows", "device": "desktop"},
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) "
            "Version/16.6 Mobile/15E148 Safari/604.1",
            {"browser": "Mobile Safari", "browser_major": "16", "os": "iOS", "device": "tablet"},
        ),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            {"browser": "Googlebot", "browser_major": "2", "os": "Other", "device": "bot"},
        ),
    ],
)
def test_user_agent_is_reduced_to_browser_os_and_device_class(
    user_agent: str, expected: dict[str, str]
) -> None:
    assert reduce_user_agent(user_agent) == expected
