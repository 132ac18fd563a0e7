"""Secrets a fresh user found left raw (issue #4), taken from the noren cases through the field
kinds they arrived in: interface text and attributes, JS errors, console payloads, URLs, surveys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anonymizer import Redactor

NOREN = Path(__file__).resolve().parents[2] / "tests/data/pii/noren"

# noren id → (secret values in its text, interface words that must stay in every field kind).
CASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "api-003": (("AIzaSyDdVgKwhZl-fffffffffffffffff",), ("Google", "for maps")),
    "cookie-013": (("1234567890abcdefghijklmnop",), ("JSON response:", "sessionId", "userId")),
    "cookie-014": (
        ("abcdef123456789ghijklmnop",),
        ("Browser storage:", "localStorage.setItem('sessionToken', '"),
    ),
    "cookie-015": (
        ("shop123456789", "settings_abcdef"),
        ("HTTP trace: > Cookie: cart_id=", "; user_pref="),
    ),
    "api-006": (
        ("abcdefghijklmnopqrstuvwx",),
        ("Slack webhook: https://hooks.slack.com/services/",),
    ),
    "misc-015": (
        ("YWJjZGVmZ2hpamtsbW5vcA",),
        ("Kubernetes secret: metadata:", "name: my-secret", "token: ", "(base64)"),
    ),
}


def noren_text(case_id: str) -> str:
    """The text of one noren record, looked up by id across the copied files."""
    for path in sorted(NOREN.glob("*.json")):
        for record in json.loads(path.read_text()):
            if record["id"] == case_id:
                return str(record["text"])
    raise KeyError(case_id)


def noren_jwt() -> str:
    """The labelled JWT of noren jwt-001."""
    text = noren_text("jwt-001")
    return text[text.index("eyJ") :]


def click(text: str) -> dict:
    return {
        "ts": 1,
        "kind": "click",
        "node": 7,
        "target": {"tag": "button", "selector": "button.primary", "text": text, "attrs": {}},
        "data": {},
        "flags": [],
    }


def error(message: str) -> dict:
    return {"ts": 1, "kind": "error", "node": None, "target": None, "data": {"message": message}}


def snapshot(text: str) -> dict:
    """A page whose paragraph carries `text` as text node, title, aria-label and placeholder."""
    attrs = {"title": text, "aria-label": text, "placeholder": text}
    paragraph = {
        "type": 2,
        "id": 3,
        "tagName": "p",
        "attributes": attrs,
        "childNodes": [{"type": 3, "id": 4, "textContent": text}],
    }
    body = {"type": 2, "id": 2, "tagName": "body", "attributes": {}, "childNodes": [paragraph]}
    return {"type": 2, "timestamp": 1, "data": {"node": body, "initialOffset": {"left": 0}}}


def console(*payload: str) -> dict:
    return {
        "type": 6,
        "data": {
            "plugin": "rrweb/console@1",
            "payload": {"level": "error", "payload": list(payload)},
        },
    }


def assert_secret_gone(case_id: str, stored: str) -> None:
    secrets, kept = CASES[case_id]
    for secret in secrets:
        assert secret in noren_text(case_id)
        assert secret not in stored
    for words in kept:
        assert words in stored
    assert "<SECRET>" in stored or "<TOKEN>" in stored


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_secret_in_clicked_interface_text_is_replaced(redactor: Redactor, case_id: str) -> None:
    stored = redactor.redact_batch([click(noren_text(case_id))], []).events[0]["target"]["text"]
    assert_secret_gone(case_id, stored)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_secret_in_text_node_and_text_attributes_is_replaced(
    redactor: Redactor, case_id: str
) -> None:
    out = redactor.redact_batch([], [snapshot(noren_text(case_id))]).rrweb_events[0]
    paragraph = out["data"]["node"]["childNodes"][0]
    assert_secret_gone(case_id, paragraph["childNodes"][0]["textContent"])
    for name in ("title", "aria-label", "placeholder"):
        assert_secret_gone(case_id, paragraph["attributes"][name])


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_secret_in_js_error_message_is_replaced(redactor: Redactor, case_id: str) -> None:
    stored = redactor.redact_batch([error(noren_text(case_id))], []).events[0]["data"]["message"]
    assert_secret_gone(case_id, stored)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_secret_in_console_payload_is_replaced(redactor: Redactor, case_id: str) -> None:
    out = redactor.redact_batch([], [console(noren_text(case_id))]).rrweb_events[0]
    assert_secret_gone(case_id, out["data"]["payload"]["payload"][0])


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_secret_in_survey_answer_is_replaced(redactor: Redactor, case_id: str) -> None:
    stored, audit = redactor.redact_survey_text(noren_text(case_id))
    assert_secret_gone(case_id, stored)
    assert audit["by_entity"].get("SECRET", 0) + audit["by_entity"].get("TOKEN", 0) >= 1


def test_cookie_header_keeps_cookie_names_and_drops_each_value(redactor: Redactor) -> None:
    assert redactor.redact_text(noren_text("cookie-015"), "error") == (
        "HTTP trace: > Cookie: cart_id=<SECRET>; user_pref=<SECRET>"
    )


def test_base64_secret_loses_its_padding_too(redactor: Redactor) -> None:
    assert redactor.redact_text(noren_text("misc-015"), "text") == (
        "Kubernetes secret: metadata:\\n  name: my-secret\\ndata:\\n  token: <SECRET> (base64)"
    )


def test_slack_webhook_secret_in_a_page_url_path_becomes_a_placeholder(
    redactor: Redactor,
) -> None:
    text = noren_text("api-006")
    url = text[text.index("https://") :]
    event = {"ts": 1, "kind": "load", "node": None, "target": None, "data": {"url": url}}
    stored = redactor.redact_batch([event], []).events[0]["data"]["url"]
    assert stored == "https://hooks.slack.com/services/T<ID>/B<ID>/<TOKEN>"


def test_long_plain_words_in_url_paths_stay(redactor: Redactor) -> None:
    url = "https://city.example.gov/neighborhoodservicesdepartment/buildingpermitsandinspections"
    assert redactor.redact_url(url) == url


def test_jwt_after_an_escaped_newline_in_a_console_payload_is_replaced(
    redactor: Redactor,
) -> None:
    jwt = noren_jwt()
    own_line = f"refresh failed for token\n{jwt}"
    escaped = f'"refresh failed for token\\n{jwt}"'
    tabbed = f'{{\\n\\t\\"jwt\\": \\"{jwt}\\"\\n}}'
    out = redactor.redact_batch([], [console(own_line, escaped, tabbed)]).rrweb_events[0]
    assert out["data"]["payload"]["payload"] == [
        "refresh failed for token\n<JWT>",
        '"refresh failed for token\\n<JWT>"',
        '{\\n\\t\\"jwt\\": \\"<JWT>\\"\\n}',
    ]


def test_jwt_after_an_escaped_newline_in_an_error_message_is_replaced(
    redactor: Redactor,
) -> None:
    message = f"Error: 401 at /api/me\\n  token={noren_jwt()}\\n  at fetch"
    assert redactor.redact_batch([error(message)], []).events[0]["data"]["message"] == (
        "Error: 401 at /api/me\\n  token=<JWT>\\n  at fetch"
    )


@pytest.mark.parametrize("key", ["account", "acct", "account_number", "accountNumber"])
def test_account_number_query_values_are_removed_from_page_urls(
    redactor: Redactor, key: str
) -> None:
    url = f"https://city.example.gov/utilities/pay?{key}=884213&step=2"
    assert redactor.redact_url(url) == (
        f"https://city.example.gov/utilities/pay?{key}=<REDACTED>&step=2"
    )


def test_account_words_in_other_query_keys_keep_their_values(redactor: Redactor) -> None:
    url = "https://city.example.gov/utilities/pay?account_type=business&step=2"
    assert redactor.redact_url(url) == url


def test_set_cookie_attributes_keep_their_values(redactor: Redactor) -> None:
    assert redactor.redact_text(noren_text("cookie-010"), "error") == (
        "Set-Cookie: secure_session=<SECRET>; Domain=.example.com; "
        "Expires=Thu, 01 Jan 2025 00:00:00 GMT"
    )


def test_digit_only_cookie_values_are_removed_too(redactor: Redactor) -> None:
    assert redactor.redact_text(noren_text("cookie-001"), "text") == (
        "Cookie: session_id=<SECRET>; user_id=<SECRET>"
    )


@pytest.mark.parametrize("secret", ["hZkQwPrTyXmLbNvCsDfGjKtR", "qwrtzpsdfghjklmnbvcxyqwrt"])
def test_letter_only_secrets_poor_in_vowels_in_url_paths_become_placeholders(
    redactor: Redactor, secret: str
) -> None:
    url = f"https://hooks.slack.com/services/TAAAAAAAA/BBBBBBBBB/{secret}"
    assert redactor.redact_url(url) == (
        "https://hooks.slack.com/services/TAAAAAAAA/BBBBBBBBB/<TOKEN>"
    )


def test_long_compound_words_with_umlauts_in_url_paths_stay(redactor: Redactor) -> None:
    url = "https://stadt.example.de/strassenverkehrsbehoerde/Straßenverkehrsbehörde"
    assert redactor.redact_url(url) == url
