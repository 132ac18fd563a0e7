"""Leaks and crashes a fresh-user run found: each a kind of input, not a single value."""

from __future__ import annotations

from anonymizer import Redactor

CARD = "5213591727586604"
PHONE = "(555) 010-4477"


def snapshot_with(node: dict[str, object]) -> dict[str, object]:
    body = {"type": 2, "tagName": "body", "attributes": {}, "childNodes": [node], "id": 3}
    return {"type": 2, "data": {"node": {"type": 0, "childNodes": [body], "id": 1}}, "timestamp": 1}


def test_comment_and_cdata_text_is_dropped(redactor: Redactor) -> None:
    comment = {"type": 5, "textContent": f"debug: card {CARD}", "id": 4}
    result = redactor.redact_batch([], [snapshot_with(comment)])

    stored = result.rrweb_events[0]["data"]["node"]["childNodes"][0]["childNodes"][0]
    assert stored["textContent"] == ""
    assert CARD not in str(result.rrweb_events)


def test_urls_in_custom_event_payloads_get_the_url_rule(redactor: Redactor) -> None:
    href = "/pii/call%20" + PHONE.replace(" ", "%20") + "?token=abc123secretvalue"
    custom = {"type": 5, "data": {"tag": "navigation", "payload": {"href": href}}, "timestamp": 1}
    result = redactor.redact_batch([], [custom])

    stored = result.rrweb_events[0]["data"]["payload"]["href"]
    assert stored.startswith("/pii/")
    assert "010-4477" not in stored and "abc123secretvalue" not in stored


def test_a_url_inside_a_url_path_is_replaced_not_recursed(redactor: Redactor) -> None:
    assert redactor.redact_url("https://city.example.gov/out/www.usa.gov/info") == (
        "https://city.example.gov/out/<URL>/info"
    )


def test_a_meta_href_that_is_not_a_string_is_emptied(redactor: Redactor) -> None:
    meta = {"type": 4, "data": {"href": 123, "width": 1280, "height": 800}, "timestamp": 1}
    assert redactor.redact_batch([], [meta]).rrweb_events[0]["data"]["href"] == ""
