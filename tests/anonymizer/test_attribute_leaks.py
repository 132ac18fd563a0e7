"""The attribute rule: event handlers, srcdoc, label attributes and whole-value identifiers."""

from __future__ import annotations

from typing import Any

import pytest

from anonymizer import Redactor


def stored_attributes(redactor: Redactor, tag: str, attributes: dict[str, str]) -> dict[str, Any]:
    element = {"type": 2, "tagName": tag, "attributes": attributes, "childNodes": [], "id": 4}
    body = {"type": 2, "tagName": "body", "attributes": {}, "childNodes": [element], "id": 3}
    snapshot = {"type": 2, "data": {"node": {"type": 0, "childNodes": [body], "id": 1}}}
    out = redactor.redact_batch([], [snapshot]).rrweb_events[0]
    return out["data"]["node"]["childNodes"][0]["childNodes"][0]["attributes"]


def test_event_handler_attributes_are_dropped_whole(redactor: Redactor) -> None:
    attrs = {
        "onclick": "login('x@y.z','hunter2')",
        "onMouseOver": "track('jane')",
        "type": "button",
        "open": "",
    }
    assert stored_attributes(redactor, "button", attrs) == {"type": "button", "open": ""}


def test_srcdoc_is_dropped_and_the_frame_source_kept(redactor: Redactor) -> None:
    attrs = {"srcdoc": "<p>Hello Maria Lopez, jane.roe@example.com</p>", "src": "/frame"}
    assert stored_attributes(redactor, "iframe", attrs) == {"src": "/frame"}


@pytest.mark.parametrize("name", ["alt", "title", "name", "aria-label", "placeholder"])
def test_lower_case_names_in_label_attributes_are_replaced(redactor: Redactor, name: str) -> None:
    attrs = {name: "Photo of maria lopez"}
    assert stored_attributes(redactor, "img", attrs) == {name: "Photo of <PERSON>"}


@pytest.mark.parametrize(
    "text", ["Photo of city hall at night", "Grace period ends Friday", "Search permits"]
)
def test_ordinary_label_attributes_are_kept(redactor: Redactor, text: str) -> None:
    attrs = {"alt": text, "title": text, "name": "search_query"}
    assert stored_attributes(redactor, "img", attrs) == attrs


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("jane.roe@example.com", "<EMAIL_ADDRESS>"),
        ("(555) 010-4477", "<PHONE_NUMBER>"),
        ("+1 555 010 4477", "<PHONE_NUMBER>"),
        ("123-45-6789", "<US_SSN>"),
    ],
)
def test_class_and_id_that_are_entirely_personal_data_are_replaced(
    redactor: Redactor, value: str, label: str
) -> None:
    assert stored_attributes(redactor, "div", {"class": value, "id": value}) == {
        "class": label,
        "id": label,
    }


def test_ordinary_class_and_id_values_are_kept(redactor: Redactor) -> None:
    attrs = {"class": "btn btn-primary col-md-6 mt-2", "id": "permit-2024-form", "role": "main"}
    assert stored_attributes(redactor, "div", attrs) == attrs
