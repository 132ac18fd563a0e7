"""The native format: validation, mapping, and agreement with the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ingest.envelope import parse_body
from ingest.native import to_events, validate_event

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schema" / "native-batch.schema.json").read_text()
)
BUTTON = {
    "selector": "button.refresh",
    "text": "  Refresh \n list ",
    "tag": "BUTTON",
    "attrs": {"class": "refresh", "value": "secret"},
}
EXAMPLE: dict[str, Any] = {
    "site_key": "city-web",
    "session_id": "s-8f2c",
    "window_id": "w-1a7e",
    "page_id": "p-93b0",
    "seq": 1,
    "sent_at": 1700000005000,
    "format": "native",
    "events": [
        {
            "type": "pageview",
            "ts": 1700000000000,
            "url": "https://city.example/permits/123",
            "width": 1280,
            "height": 800,
        },
        {"type": "click", "ts": 1700000001000, "x": 412, "y": 305, "target": BUTTON},
        {
            "type": "input",
            "ts": 1700000002000,
            "target": {"tag": "input", "selector": "#q"},
            "value": "pothole",
            "masked": False,
        },
        {"type": "scroll", "ts": 1700000002500, "x": 0, "y": 600},
        {"type": "visibility", "ts": 1700000003000, "visible": False},
        {
            "type": "error",
            "ts": 1700000003500,
            "message": "TypeError: x is undefined",
            "source": "app.js:10",
        },
        {
            "type": "request",
            "ts": 1700000004000,
            "url": "/api/permits",
            "status": 502,
            "method": "post",
        },
        {"type": "navigation", "ts": 1700000004500, "url": "/permits/124"},
        {"type": "custom", "ts": 1700000004600, "tag": "survey-shown"},
    ],
}


def test_example_batch_is_valid_under_the_schema_and_our_validator() -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(EXAMPLE)

    batch = parse_body(json.dumps(EXAMPLE).encode(), "application/json", None)

    assert batch.format == "native" and batch.rejected == []
    assert batch.page_id == "p-93b0"


def test_native_events_map_to_analytics_events() -> None:
    events = to_events(EXAMPLE["events"])

    assert [e["kind"] for e in events] == [
        "load",
        "click",
        "input",
        "scroll",
        "visibility",
        "error",
        "request",
        "navigation",
        "custom",
    ]
    assert events[0]["data"] == {
        "url": "https://city.example/permits/123",
        "width": 1280.0,
        "height": 800.0,
    }
    assert events[1]["target"] == {
        "tag": "button",
        "selector": "button.refresh",
        "text": "Refresh list",
        "attrs": {"class": "refresh"},
        "interactive": {"tag": "button", "attrs": {"class": "refresh"}},
    }
    assert (events[1]["x"], events[1]["y"]) == (412.0, 305.0)
    assert events[2]["data"] == {"masked": False, "length": 7}
    assert events[3]["data"] == {"x": 0.0, "y": 600.0, "document": True}
    assert events[3]["x"] is None
    assert events[6]["data"] == {"url": "/api/permits", "status": 502, "method": "POST"}
    assert [e["source_index"] for e in events] == list(range(9))


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ({"type": "teleport", "ts": 1}, ("type", "unknown or missing type")),
        ({"type": "click"}, ("ts", "missing or not a number")),
        ({"type": "click", "ts": True}, ("ts", "missing or not a number")),
        ({"type": "pageview", "ts": 1}, ("url", "required for this type")),
        ({"type": "request", "ts": 1, "url": "/x", "status": "500"}, ("status", "wrong type")),
        ({"type": "visibility", "ts": 1, "visible": 1}, ("visible", "wrong type")),
        ({"type": "click", "ts": 1, "x": "10"}, ("x", "wrong type")),
        ({"type": "click", "ts": 1, "target": {"attrs": []}}, ("target.attrs", "wrong type")),
    ],
)
def test_validator_and_schema_agree_on_bad_events(event: dict, problem: tuple[str, str]) -> None:
    assert validate_event(event) == problem

    errors = list(
        jsonschema.Draft202012Validator(SCHEMA).iter_errors({**EXAMPLE, "events": [event]})
    )
    assert errors


def test_native_example_in_the_docs_is_valid() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text()
    blocks = [b.split("```", 1)[0] for b in docs.split("```json\n")[1:]]
    example = json.loads(blocks[1])

    jsonschema.Draft202012Validator(SCHEMA).validate(example)
    batch = parse_body(json.dumps(example).encode(), "application/json", None)
    assert [e["type"] for e in batch.events] == [
        "pageview",
        "click",
        "input",
        "visibility",
        "error",
        "request",
        "navigation",
    ]
    assert batch.rejected == []
