"""rrweb events → analytics events, on the shared recordings and on hand-made events."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from ingest_case_files import load_case, rrweb_files

from ingest.dom import DomMirror
from ingest.envelope import parse_body
from ingest.model import KINDS
from ingest.prepare import prepare_batch
from ingest.rrweb import to_events, validate_event

# Counts read off each file by hand (rrweb type 3 / source 2 / interaction type, source 3, 5).
EXPECTED_COUNTS = {
    "rrweb-player-demoit-react.json": {"click": 3, "input": 0, "scroll": 12, "move": 87},
    "rrweb-integration-form-interactions.json": {"click": 2, "input": 21, "scroll": 0, "move": 0},
    "rrweb-integration-mask-input-options.json": {"click": 2, "input": 29, "scroll": 0, "move": 0},
    "rrweb-integration-clicks.json": {"click": 3, "input": 0, "scroll": 0, "move": 0},
    "rrweb-fixture-input.json": {"click": 0, "input": 3, "scroll": 0, "move": 0},
    "rrweb-fixture-scroll.json": {"click": 0, "input": 0, "scroll": 2, "move": 0},
    "rrweb-fixture-iframe.json": {"click": 0, "input": 0, "scroll": 0, "move": 0},
    "rrweb-fixture-ordering.json": {"click": 0, "input": 0, "scroll": 0, "move": 0},
}


def test_every_shared_recording_has_expected_counts() -> None:
    assert sorted(EXPECTED_COUNTS) == rrweb_files()


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_recording_maps_to_known_kinds_with_real_counts(name: str) -> None:
    raw = load_case(f"rrweb/{name}")
    mirror = DomMirror()

    events = to_events(raw, mirror)

    counts = Counter(e["kind"] for e in events)
    assert {k: counts[k] for k in EXPECTED_COUNTS[name]} == EXPECTED_COUNTS[name]
    assert {e["kind"] for e in events} <= KINDS
    assert all(validate_event(r) is None for r in raw)
    assert counts["load"] == 1 and counts["snapshot"] == 1
    assert mirror.orphans == []


def test_demo_recording_keeps_order_times_and_click_targets() -> None:
    events = to_events(load_case("rrweb/rrweb-player-demoit-react.json"))

    assert events[0]["kind"] == "load"
    assert events[0]["data"] == {
        "url": "https://demoit.app/e/react#ReactHooks.js",
        "width": 1166.0,
        "height": 705.0,
    }
    clicks = [e for e in events if e["kind"] == "click"]
    assert [c["node"] for c in clicks] == [213, 368, 36]
    last = clicks[-1]["target"]
    assert last is not None
    assert (last["tag"], last["text"]) == ("a", "ReactHooks.js")
    assert last["interactive"] == {
        "tag": "a",
        "attrs": {"href": "javascript:void(0);", "class": "active"},
    }
    scrolled = Counter(e["node"] for e in events if e["kind"] == "scroll")
    assert scrolled == {55: 7, 61: 5}
    assert not any(e["data"]["document"] for e in events if e["kind"] == "scroll")


def test_mouse_move_positions_become_one_event_each_at_their_own_time() -> None:
    raw = [
        {
            "type": 3,
            "timestamp": 1000,
            "data": {
                "source": 1,
                "positions": [
                    {"x": 1, "y": 2, "id": 5, "timeOffset": -30},
                    {"x": 3, "y": 4, "id": 5, "timeOffset": 0},
                ],
            },
        },
        {
            "type": 3,
            "timestamp": 2000,
            "data": {"source": 6, "positions": [{"x": 9, "y": 9, "id": 6, "timeOffset": -10}]},
        },
    ]

    events = to_events(raw)

    assert [(e["kind"], e["ts"], e["x"], e["y"], e["node"]) for e in events] == [
        ("move", 970, 1.0, 2.0, 5),
        ("move", 1000, 3.0, 4.0, 5),
        ("touchmove", 1990, 9.0, 9.0, 6),
    ]
    assert [e["source_index"] for e in events] == [0, 0, 1]


def test_integration_recording_without_timestamps_keeps_arrival_order_and_flags() -> None:
    events = to_events(load_case("rrweb/rrweb-integration-clicks.json"), fallback_ts_ms=5)

    assert {e["ts"] for e in events} == {5}
    assert all("ts_missing" in e["flags"] for e in events)
    kinds = [e["kind"] for e in events if e["kind"] not in ("other", "load", "snapshot")]
    assert kinds == [
        "mousedown",
        "mouseup",
        "click",
        "touchstart",
        "touchend",
        "click",
        "mousedown",
        "focus",
        "mouseup",
        "click",
    ]
    touch_click = [e for e in events if e["kind"] == "click"][1]
    assert touch_click["data"] == {"pointer": "touch"}


def test_masked_password_inputs_report_masked_and_length_but_no_value() -> None:
    events = to_events(load_case("rrweb/rrweb-integration-mask-input-options.json"))

    inputs = [e for e in events if e["kind"] == "input"]
    masked = [e for e in inputs if e["data"]["masked"]]
    assert [e["data"]["length"] for e in masked] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert {e["target"]["attrs"]["type"] for e in masked} == {"password"}
    assert all("value" not in e["data"] for e in inputs)


def test_scroll_of_the_document_node_is_marked() -> None:
    events = to_events(load_case("rrweb/rrweb-fixture-scroll.json"))

    scrolls = [(e["node"], e["data"]) for e in events if e["kind"] == "scroll"]
    assert scrolls == [
        (6, {"x": 0.0, "y": 2500.0, "document": False}),
        (1, {"x": 0.0, "y": 250.0, "document": True}),
    ]


def test_custom_plugin_and_unknown_events_are_mapped_or_kept_as_other() -> None:
    raw = [
        {"type": 5, "timestamp": 1, "data": {"tag": "visibility", "payload": {"visible": False}}},
        {
            "type": 5,
            "timestamp": 2,
            "data": {"tag": "checkout", "payload": {"email": "a@example.com"}},
        },
        {
            "type": 6,
            "timestamp": 3,
            "data": {
                "plugin": "rrweb/console@1",
                "payload": {
                    "level": "error",
                    "trace": ["at f (app.js:1:2)"],
                    "payload": ['"Boom"'],
                },
            },
        },
        {
            "type": 6,
            "timestamp": 4,
            "data": {
                "plugin": "rrweb/console@1",
                "payload": {"level": "log", "payload": ['"hello"']},
            },
        },
        {
            "type": 6,
            "timestamp": 5,
            "data": {
                "plugin": "rrweb/network@1",
                "payload": {
                    "requests": [
                        {
                            "name": "https://api.example.test/a",
                            "method": "post",
                            "responseStatus": 500,
                        },
                        {
                            "name": "https://api.example.test/b",
                            "method": "GET",
                            "responseStatus": 200,
                        },
                    ]
                },
            },
        },
        {"type": 9, "timestamp": 6, "data": {}},
        {"type": 3, "timestamp": 7, "data": {"source": 9, "id": 3}},
        {"type": 3, "timestamp": 8, "data": {"source": 4, "width": 390, "height": 844}},
    ]

    events = to_events(raw)

    assert [(e["kind"], e["data"]) for e in events] == [
        ("visibility", {"visible": False}),
        ("custom", {"tag": "checkout"}),
        ("error", {"message": "Boom", "source": "at f (app.js:1:2)"}),
        ("other", {"rrweb_type": 6, "source": "rrweb/console@1"}),
        ("request", {"url": "https://api.example.test/a", "status": 500, "method": "POST"}),
        ("other", {"rrweb_type": 9, "source": None}),
        ("other", {"rrweb_type": 3, "source": 9}),
        ("resize", {"width": 390.0, "height": 844.0}),
    ]


def test_meta_starts_a_new_page_view_and_resets_the_mirror() -> None:
    mirror = DomMirror()
    first = load_case("rrweb/rrweb-fixture-input.json")
    to_events(first, mirror)
    assert mirror.get(5) is not None

    to_events([{"type": 4, "timestamp": 9, "data": {"href": "http://localhost/next"}}], mirror)

    assert mirror.nodes == {} and not mirror.has_snapshot


def test_click_on_unknown_node_is_flagged_orphaned_without_target() -> None:
    (click,) = to_events([{"type": 3, "timestamp": 1, "data": {"source": 2, "type": 2, "id": 181}}])

    assert click["target"] is None
    assert click["flags"] == ["orphaned"]


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ([], ("event", "not an object")),
        ({"data": {}}, ("type", "missing or not an integer")),
        ({"type": True, "data": {}}, ("type", "missing or not an integer")),
        ({"type": 3, "data": []}, ("data", "not an object")),
        ({"type": 3, "data": {}, "timestamp": "1700000000000"}, ("timestamp", "not a number")),
    ],
)
def test_validate_event_names_the_bad_field(event: object, problem: tuple[str, str]) -> None:
    assert validate_event(event) == problem


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_recording_passes_parse_body_and_prepare_as_a_beacon_array(name: str) -> None:
    raw = load_case(f"rrweb/{name}")
    query = {"site_key": "city-web", "session_id": "s-1", "window_id": "w-1", "seq": "1"}
    body = json.dumps(raw).encode("utf-8")

    batch = parse_body(body, "text/plain;charset=UTF-8", None, query=query)
    prepared = prepare_batch(batch, received_at_ms=1_700_000_010_000)

    assert (len(batch.events), batch.rejected, batch.warnings) == (len(raw), [], [])
    assert prepared.duplicates_dropped == 0
    assert len(set(prepared.raw_ids)) == len(raw)
    clicks = sum(e["kind"] == "click" for e in prepared.events)
    assert clicks == EXPECTED_COUNTS[name]["click"]
    assert {e["page_view"] for e in prepared.events} == {0}
