"""Analytics event fields with a kind of their own: a request's method and a custom event's tag."""

from __future__ import annotations

from typing import Any

import pytest

from anonymizer import Redactor


def event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "ts": 1,
        "kind": kind,
        "node": None,
        "target": None,
        "x": None,
        "y": None,
        "data": data,
        "flags": [],
    }


def stored_data(redactor: Redactor, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return dict(redactor.redact_batch([event(kind, data)], []).events[0]["data"])


@pytest.mark.parametrize("method", ["POST MARIA LOPEZ jane.roe@example.com", "maria", "GET x"])
def test_a_request_method_that_is_no_http_method_is_dropped(
    redactor: Redactor, method: str
) -> None:
    data = {"url": "https://city.example.gov/api/permits", "status": 500, "method": method}
    assert stored_data(redactor, "request", data) == {**data, "method": None}


@pytest.mark.parametrize(("method", "kept"), [("post", "POST"), ("PATCH", "PATCH"), (None, None)])
def test_http_methods_are_kept_as_their_token(
    redactor: Redactor, method: str | None, kept: str | None
) -> None:
    data = {"url": "https://city.example.gov/api/permits", "status": 500, "method": method}
    assert stored_data(redactor, "request", data)["method"] == kept


@pytest.mark.parametrize(
    ("tag", "kept"),
    [
        ("signup maria lopez jane.roe@example.com", "signup <PERSON> <EMAIL_ADDRESS>"),
        ("signup MARIA LOPEZ", "signup <PERSON>"),
        ("checkout-step-2", "checkout-step-2"),
        ("permit form submitted", "permit form submitted"),
    ],
)
def test_custom_event_tags_get_the_label_text_rule(redactor: Redactor, tag: str, kept: str) -> None:
    assert stored_data(redactor, "custom", {"tag": tag}) == {"tag": kept}


def test_native_request_and_custom_events_through_ingest_and_redaction(redactor: Redactor) -> None:
    from ingest.native import to_events

    raw = [
        {
            "type": "request",
            "ts": 1,
            "url": "https://city.example.gov/api",
            "status": 502,
            "method": "POST MARIA LOPEZ jane.roe@example.com",
        },
        {"type": "custom", "ts": 2, "tag": "POST MARIA LOPEZ jane.roe@example.com"},
    ]

    out = redactor.redact_batch(to_events(raw), []).events

    assert out[0]["data"] == {"url": "https://city.example.gov/api", "status": 502, "method": None}
    assert out[1]["data"] == {"tag": "POST <PERSON> <EMAIL_ADDRESS>"}
