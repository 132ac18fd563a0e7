"""The URL rule, asserted on exact stored URLs."""

from __future__ import annotations

import pytest

from anonymizer import PolicyConfig, Redactor
from anonymizer.urls import entropy_bits, is_secret_key, looks_like_token


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://city.example.gov/parks/events?page=2&lang=es",
            "https://city.example.gov/parks/events?page=2&lang=es",
        ),
        (
            "https://city.example.gov/reset?token=abc123def456&lang=en",
            "https://city.example.gov/reset?token=<REDACTED>&lang=en",
        ),
        (
            "https://city.example.gov/login?sessionId=1a2b3c&next=%2Fpermits",
            "https://city.example.gov/login?sessionId=<REDACTED>&next=%2Fpermits",
        ),
        (
            "https://city.example.gov/auth/callback?code=4%2F0AX4XfWh&state=xyz",
            "https://city.example.gov/auth/callback?code=<REDACTED>&state=<REDACTED>",
        ),
        (
            "https://city.example.gov/users/550e8400-e29b-41d4-a716-446655440000/orders/12345678",
            "https://city.example.gov/users/<UUID>/orders/<ID>",
        ),
        (
            "https://city.example.gov/news/2025/03/road-work",
            "https://city.example.gov/news/2025/03/road-work",
        ),
        ("http://192.168.10.24:8080/admin", "http://<IP_ADDRESS>:8080/admin"),
        ("https://jane:hunter2@city.example.gov/files", "https://city.example.gov/files"),
        (
            "https://city.example.gov/d/Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZg/view",
            "https://city.example.gov/d/<TOKEN>/view",
        ),
        (
            "https://city.example.gov/search?q=call+me+at+415-555-0134",
            "https://city.example.gov/search?q=call%20me%20at%20<PHONE_NUMBER>",
        ),
        (
            "https://city.example.gov/p?ref=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig",
            "https://city.example.gov/p?ref=<JWT>",
        ),
        ("mailto:jane.roe@example.com", "mailto:<EMAIL_ADDRESS>"),
        ("tel:+14155550134", "tel:<PHONE_NUMBER>"),
        ("data:image/png;base64,iVBORw0KGgo=", "data:,"),
        ("/permits?email=jane%40example.com", "/permits?email=<EMAIL_ADDRESS>"),
        ("https://city.example.gov/#section-2", "https://city.example.gov/#section-2"),
        ("https://city.example.gov/?", "https://city.example.gov/?"),
        (
            "https://city.example.gov/permits?e=jane.roe%2540example.com",
            "https://city.example.gov/permits?e=<EMAIL_ADDRESS>",
        ),
        (
            "https://city.example.gov/cb#access_token=ya29.a0AfH6SMBx&expires_in=3599",
            "https://city.example.gov/cb#access_token=<REDACTED>&expires_in=3599",
        ),
    ],
)
def test_url_rule_stores_the_exact_expected_url(
    redactor: Redactor, url: str, expected: str
) -> None:
    assert redactor.redact_url(url) == expected


def test_url_is_never_replaced_as_a_whole(redactor: Redactor) -> None:
    url = "https://portal.example.gov/u/jane.roe@example.com?ssn=536-22-8714"
    assert redactor.redact_url(url) == "https://portal.example.gov/u/<EMAIL_ADDRESS>?ssn=<US_SSN>"


def test_overlong_url_is_cut_at_the_cap_before_analysis(redactor: Redactor) -> None:
    url = "https://city.example.gov/a?x=" + "b" * 10_000
    assert len(redactor.redact_url(url)) <= PolicyConfig().url_max_chars + len("<TOKEN>")


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("token", True),
        ("access_token", True),
        ("apiKey", True),
        ("X-Amz-Signature", True),
        ("PHPSESSID", False),
        ("keyword", False),
        ("page", False),
        ("sessionId", True),
    ],
)
def test_secret_key_names_are_matched_word_by_word(key: str, secret: bool) -> None:
    assert is_secret_key(key, PolicyConfig()) is secret


def test_tokens_are_long_mixed_and_varied_but_slugs_are_not() -> None:
    config = PolicyConfig()
    assert looks_like_token("a8Fk2LmQ9zXw4RtY", config)
    assert not looks_like_token("environmental-services", config)
    assert not looks_like_token("2025", config)
    assert round(entropy_bits("aabb"), 3) == 1.0
