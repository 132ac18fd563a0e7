"""Raw rrweb events: snapshots, mutations, inputs, and the shared bug cases."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from anonymizer import Redactor

DATA = Path(__file__).parent / "data"


def load_case(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def inputs_for(events: list[dict[str, Any]], node_id: int) -> list[str]:
    return [
        e["data"]["text"]
        for e in events
        if e["type"] == 3 and e["data"].get("source") == 5 and e["data"]["id"] == node_id
    ]


def test_password_field_stays_masked_after_a_reveal_toggle(redactor: Redactor) -> None:
    case = load_case("13-password-reveal-toggle.json")
    before = copy.deepcopy(case["events"])
    result = redactor.redact_batch([], case["events"])
    assert case["events"] == before
    assert inputs_for(result.rrweb_events, 142) == case["expected"]["stored_input_texts_for_id_142"]
    stored = json.dumps(result.rrweb_events)
    assert not any(secret in stored for secret in case["expected"]["plaintext_must_not_appear"])


def test_value_attribute_mutation_of_a_textarea_is_masked(redactor: Redactor) -> None:
    case = load_case("14-textarea-value-attribute.json")
    result = redactor.redact_batch([], case["events"])
    mutation = result.rrweb_events[2]["data"]["attributes"][0]["attributes"]
    assert mutation == {"value": case["expected"]["stored_value_attribute_for_id_150"]}
    stored = json.dumps(result.rrweb_events)
    assert not any(secret in stored for secret in case["expected"]["plaintext_must_not_appear"])


def test_hidden_and_text_input_values_are_masked_to_their_length(redactor: Redactor) -> None:
    case = load_case("15-hidden-input-values.json")
    result = redactor.redact_batch([], case["events"])
    form = result.rrweb_events[1]["data"]["node"]["childNodes"][1]["childNodes"][1]["childNodes"][0]
    values = {str(node["id"]): node["attributes"]["value"] for node in form["childNodes"]}
    assert values == case["expected"]["stored_values"]


def element(
    node_id: int, tag: str, attrs: dict[str, Any], children: list[Any] | None = None
) -> dict:
    return {
        "type": 2,
        "id": node_id,
        "tagName": tag,
        "attributes": attrs,
        "childNodes": children or [],
    }


def text_node(node_id: int, text: str) -> dict:
    return {"type": 3, "id": node_id, "textContent": text}


def test_snapshot_text_attributes_urls_scripts_and_canvas(redactor: Redactor) -> None:
    body = element(
        2,
        "body",
        {},
        [
            element(
                3,
                "p",
                {"title": "Contact jane.roe@example.com"},
                [text_node(4, "Hi Maria Gonzalez")],
            ),
            element(5, "script", {}, [text_node(6, "var token = 'abc';")]),
            element(7, "a", {"href": "https://city.example.gov/u/jane.roe@example.com?lang=en"}),
            element(8, "img", {"src": "data:image/png;base64,AAAA", "alt": "Photo of the park"}),
            element(9, "canvas", {"rr_dataURL": "data:image/png;base64,BBBB", "width": "300"}),
            element(10, "div", {"data-user": "jane.roe@example.com", "class": "card"}),
            element(11, "input", {"type": "submit", "value": "Pay Water Bill"}),
            element(12, "input", {"type": "email", "value": "jane.roe@example.com"}),
        ],
    )
    snapshot = {
        "type": 2,
        "timestamp": 1,
        "data": {"node": body, "initialOffset": {"left": 0, "top": 0}},
    }
    node = redactor.redact_batch([], [snapshot]).rrweb_events[0]["data"]["node"]
    p, script, a, img, canvas, div, submit, email = node["childNodes"]
    assert p["attributes"] == {"title": "Contact <EMAIL_ADDRESS>"}
    assert p["childNodes"][0]["textContent"] == "Hi <PERSON>"
    assert script["childNodes"][0]["textContent"] == ""
    assert a["attributes"]["href"] == "https://city.example.gov/u/<EMAIL_ADDRESS>?lang=en"
    assert img["attributes"] == {"src": "data:,", "alt": "Photo of the park"}
    assert canvas["attributes"] == {"width": "300"}
    assert div["attributes"] == {"data-user": "<EMAIL_ADDRESS>", "class": "card"}
    assert submit["attributes"]["value"] == "Pay Water Bill"
    assert email["attributes"]["value"] == "*" * len("jane.roe@example.com")


def test_mutations_adds_texts_and_attributes(redactor: Redactor) -> None:
    snapshot = {"type": 2, "data": {"node": element(1, "body", {}, [element(2, "div", {})])}}
    mutation = {
        "type": 3,
        "data": {
            "source": 0,
            "adds": [
                {"parentId": 2, "nextId": None, "node": element(3, "span", {}, [text_node(4, "x")])}
            ],
            "texts": [{"id": 4, "value": "Signed in as jane.roe@example.com"}],
            "attributes": [
                {"id": 3, "attributes": {"aria-label": "Call 415-555-0134", "hidden": None}}
            ],
            "removes": [{"parentId": 1, "id": 9}],
        },
    }
    canvas = {
        "type": 3,
        "data": {"source": 9, "id": 5, "type": 0, "commands": [{"property": "fillText"}]},
    }
    out = redactor.redact_batch([], [snapshot, mutation, canvas]).rrweb_events
    data = out[1]["data"]
    assert data["texts"] == [{"id": 4, "value": "Signed in as <EMAIL_ADDRESS>"}]
    assert data["attributes"] == [
        {"id": 3, "attributes": {"aria-label": "Call <PHONE_NUMBER>", "hidden": None}}
    ]
    assert data["removes"] == [{"parentId": 1, "id": 9}]
    assert out[2]["data"]["commands"] == []


def test_meta_href_and_console_plugin_are_redacted(redactor: Redactor) -> None:
    meta = {
        "type": 4,
        "data": {"href": "https://city.example.gov/reset?token=s3cr3t", "width": 1, "height": 1},
    }
    console = {
        "type": 6,
        "data": {
            "plugin": "rrweb/console@1",
            "payload": {"level": "error", "payload": ["no user jane.roe@example.com"]},
        },
    }
    out = redactor.redact_batch([], [meta, console]).rrweb_events
    assert out[0]["data"]["href"] == "https://city.example.gov/reset?token=<REDACTED>"
    assert out[1]["data"]["payload"]["payload"] == ["no user <EMAIL_ADDRESS>"]
