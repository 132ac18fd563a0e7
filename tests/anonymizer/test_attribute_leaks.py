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


def mutated_attributes(redactor: Redactor, attributes: dict[str, Any]) -> dict[str, Any]:
    """An rrweb attribute mutation (incremental source 0) of node 4, as stored."""
    mutation = {
        "type": 3,
        "data": {"source": 0, "texts": [], "removes": [], "adds": [],
                 "attributes": [{"id": 4, "attributes": attributes}]},
    }  # fmt: skip
    out = redactor.redact_batch([], [mutation]).rrweb_events[0]
    return out["data"]["attributes"][0]["attributes"]  # type: ignore[no-any-return]


def test_object_form_styles_go_through_the_css_rule(redactor: Redactor) -> None:
    style = {
        "background-image": "url(/avatar?email=jane.roe%40example.com)",
        "background": ["url(/x?email=jane.roe@example.com)", "important"],
        "--who": "maria lopez jane.roe@example.com 4111 1111 1111 1111",
        "color": "red",
        "margin": False,
    }

    mutated = mutated_attributes(redactor, {"style": style})["style"]
    snapshot = stored_attributes(redactor, "div", {"style": style})["style"]  # type: ignore[dict-item]

    for stored in (mutated, snapshot):
        text = str(stored)
        assert "jane.roe" not in text and "4111 1111" not in text
        assert stored["color"] == "red" and stored["margin"] is False
        assert stored["background"][1] == "important"


@pytest.mark.parametrize(
    "url", ["javascript:login('jane@x.org','hunter2')", " JavaScript:x('hunter2')", "vbscript:y"]
)
@pytest.mark.parametrize("name", ["href", "formaction", "src"])
def test_script_urls_are_emptied_like_event_handlers(
    redactor: Redactor, url: str, name: str
) -> None:
    assert mutated_attributes(redactor, {name: url}) == {name: "javascript:"}
    assert stored_attributes(redactor, "a", {name: url}) == {name: "javascript:"}


def test_attribute_values_of_no_known_shape_are_dropped(redactor: Redactor) -> None:
    attrs = {"data-user": {"email": "jane.roe@example.com"}, "title": ["maria lopez"], "x": 3}
    assert mutated_attributes(redactor, attrs) == {"x": 3}
