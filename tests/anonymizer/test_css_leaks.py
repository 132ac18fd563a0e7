"""The CSS rule: style attributes, <style> text and rrweb style sheet and declaration events."""

from __future__ import annotations

from typing import Any

from anonymizer import Redactor

EMAIL = "jane.roe@example.com"
ORDINARY_CSS = (
    "@media (min-width: 1024px){.btn-primary{color:#1a73e8;padding:4px 8px;"
    "transform:translate(-50%,-50%);font:400 1.5rem/1.2 'Open Sans',sans-serif;z-index:1000}}"
    ".hero{background:url(/static/img/hero-2024.png) no-repeat}"
)


def snapshot(node: dict[str, Any]) -> dict[str, Any]:
    body = {"type": 2, "tagName": "body", "attributes": {}, "childNodes": [node], "id": 3}
    return {"type": 2, "data": {"node": {"type": 0, "childNodes": [body], "id": 1}}}


def stored_body_child(redactor: Redactor, node: dict[str, Any]) -> dict[str, Any]:
    out = redactor.redact_batch([], [snapshot(node)]).rrweb_events[0]
    return out["data"]["node"]["childNodes"][0]["childNodes"][0]


def incremental(redactor: Redactor, data: dict[str, Any]) -> dict[str, Any]:
    event = {"type": 3, "data": data, "timestamp": 1}
    return redactor.redact_batch([], [event]).rrweb_events[0]["data"]


def test_url_values_in_a_style_attribute_get_the_url_rule(redactor: Redactor) -> None:
    style = f"color:red;background:url(/avatar?email={EMAIL}&size=64)"
    node = {"type": 2, "tagName": "div", "attributes": {"style": style}, "childNodes": [], "id": 4}

    assert stored_body_child(redactor, node)["attributes"]["style"] == (
        "color:red;background:url(/avatar?email=<EMAIL_ADDRESS>&size=64)"
    )


def test_patterns_in_style_text_are_replaced_and_ordinary_css_kept(redactor: Redactor) -> None:
    text = {"type": 3, "id": 5, "textContent": f".me::after{{content:'{EMAIL}'}}{ORDINARY_CSS}"}
    node = {"type": 2, "tagName": "style", "attributes": {}, "childNodes": [text], "id": 4}

    stored = stored_body_child(redactor, node)["childNodes"][0]["textContent"]

    assert stored == f".me::after{{content:'<EMAIL_ADDRESS>'}}{ORDINARY_CSS}"


def test_style_sheet_rule_events_are_redacted_in_every_text(redactor: Redactor) -> None:
    rule = f".x{{content:'{EMAIL}'}}"
    data = {
        "source": 8,
        "id": 9,
        "adds": [{"rule": rule, "index": 0}, {"rule": ORDINARY_CSS, "index": 1}],
        "removes": [{"index": 2}],
        "replace": rule,
        "replaceSync": f".y{{background:url(https://cdn.example.org/a?email={EMAIL})}}",
    }

    assert incremental(redactor, data) == {
        "source": 8,
        "id": 9,
        "adds": [
            {"rule": ".x{content:'<EMAIL_ADDRESS>'}", "index": 0},
            {"rule": ORDINARY_CSS, "index": 1},
        ],
        "removes": [{"index": 2}],
        "replace": ".x{content:'<EMAIL_ADDRESS>'}",
        "replaceSync": ".y{background:url(https://cdn.example.org/a?email=<EMAIL_ADDRESS>)}",
    }


def test_style_declaration_values_are_redacted_and_properties_kept(redactor: Redactor) -> None:
    data = {
        "source": 13,
        "id": 9,
        "index": [0, 2],
        "set": {"property": "background", "value": f"url(/a?email={EMAIL})", "priority": ""},
    }
    plain = {**data, "set": {"property": "margin", "value": "0 auto", "priority": "important"}}

    assert incremental(redactor, data)["set"] == {
        "property": "background",
        "value": "url(/a?email=<EMAIL_ADDRESS>)",
        "priority": "",
    }
    assert incremental(redactor, plain) == plain
