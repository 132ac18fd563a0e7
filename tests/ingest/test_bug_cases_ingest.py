"""Ingestion cases 17-28 from public bug reports, each asserting the case's `expected` outcome."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from ingest_case_files import load_case

from ingest.dom import DomMirror
from ingest.envelope import Limits, parse_body
from ingest.errors import InvalidBatch
from ingest.prepare import Prepared, prepare_batch
from ingest.rrweb import to_events
from ingest.sessions import SessionState, WindowState


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _body(case_batch: dict[str, Any]) -> bytes:
    fields = ("session_id", "window_id", "seq", "sent_at")
    envelope = {"site_key": "city-web", **{k: case_batch[k] for k in fields}}
    envelope["events"] = case_batch["events"]
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


class Window:
    """Feeds a case's batches through parse_body and prepare_batch, storing by event id."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.window = WindowState()
        self.mirrors: dict[int, DomMirror] = {}
        self.session: SessionState | None = None
        self.shift: int | None = None
        self.stored: dict[str, dict[str, Any]] = {}
        self.stored_events: dict[str, dict[str, Any]] = {}
        self.seen_batch_ids: set[str] = set()

    def receive(self, case_batch: dict[str, Any]) -> Prepared | None:
        if case_batch.get("batch_id") in self.seen_batch_ids:
            return None
        self.seen_batch_ids.add(case_batch.get("batch_id", ""))
        batch = parse_body(_body(case_batch), "application/json", None, self.limits)
        prepared = prepare_batch(
            batch,
            _ms(case_batch["received_at"]),
            self.session,
            self.window,
            self.shift,
            self.mirrors,
        )
        self.session, self.shift = prepared.session, prepared.shift_ms
        for raw_id, raw in zip(prepared.raw_ids, prepared.raw_events, strict=True):
            self.stored.setdefault(raw_id, raw)
        for event_id, event in zip(prepared.event_ids, prepared.events, strict=True):
            self.stored_events.setdefault(event_id, event)
        return prepared


def test_17_oversized_snapshot_is_rejected_with_warning_and_later_events_flagged() -> None:
    case = load_case("bugs/17")
    limits = Limits(max_event_bytes=case["expected"]["config"]["max_event_bytes"])
    first, second = case["events"]

    batch = parse_body(_body(first), "application/json", None, limits)
    window = Window(limits)
    window.receive(first)
    later = window.receive(second)

    assert [e["type"] for e in batch.events] == [4]
    assert batch.rejected == [{"index": 1, "field": "event", "reason": "event_too_large"}]
    assert [w["code"] for w in batch.warnings] == ["event_too_large"]
    assert later is not None
    assert [(e["kind"], e["node"], e["flags"]) for e in later.events] == [
        ("click", 181, ["orphaned"]),
        ("mutation", None, ["orphaned"]),
    ]
    assert later.events[1]["data"]["nodes"] == [182]
    assert later.flags == case["expected"]["session_flags"] == ["missing_full_snapshot"]


def test_18_batch_limit_is_measured_in_utf8_bytes() -> None:
    case = load_case("bugs/18")
    expected = case["expected"]
    events = case["events"][0]["events"]
    text = json.dumps(events, ensure_ascii=False)
    assert (len(text), len(text.encode("utf-8"))) == (
        expected["json_chars"],
        expected["utf8_bytes"],
    )

    limits = Limits(max_batch_bytes=expected["config"]["max_batch_bytes"])
    with pytest.raises(InvalidBatch) as caught:
        parse_body(_body(case["events"][0]), "application/json", None, limits)

    assert expected["result"] == "reject_413"
    assert (caught.value.status, caught.value.field) == (413, "events")
    limit_at_size = Limits(max_batch_bytes=expected["utf8_bytes"])
    batch = parse_body(_body(case["events"][0]), "application/json", None, limit_at_size)
    assert batch.size_bytes == expected["utf8_bytes"]


def test_19_iframe_mutation_before_snapshot_leaves_no_orphans() -> None:
    case = load_case("bugs/19")
    mirror = DomMirror()

    events = to_events(case["events"], mirror)

    assert case["expected"]["accept"] is True
    assert [e["kind"] for e in events] == ["load", "mutation", "snapshot"]
    assert len(mirror.orphans) == case["expected"]["orphans_after_processing"] == 0
    assert mirror.ancestors(62) == [61, 60, 59, 6, 5, 3, 1]
    assert all(e["flags"] == [] for e in events)


def test_20_equal_timestamps_keep_arrival_order_and_final_text() -> None:
    case = load_case("bugs/20")
    body = json.dumps(
        {"site_key": "c", "session_id": "s", "window_id": "w", "seq": 1, "events": case["events"]}
    ).encode()
    batch = parse_body(body, "application/json", None)
    mirrors: dict[int, DomMirror] = {}

    prepared = prepare_batch(batch, 1700000001000, mirrors=mirrors)

    assert mirrors[0].get(102).text == case["expected"]["final_text_id_102"]
    texts = [e["data"]["texts"][0]["value"] for e in prepared.raw_events[2:4]]
    assert texts == ["Intermediate - incorrect", "Final - correct"]


def test_22_retried_and_rebuilt_batches_store_each_event_once() -> None:
    case = load_case("bugs/22")
    window = Window()

    for batch in case["events"]:
        window.receive(batch)

    expected = case["expected"]
    assert len(window.stored) == expected["stored_event_count"] == 5
    clicks = [e for e in window.stored_events.values() if e["kind"] == "click"]
    assert len(clicks) == expected["clicks_after_dedup"] == 2
    assert sorted(c["ts"] for c in clicks) == [1700000001000, 1700000006000]


def test_22_retry_arriving_late_maps_to_the_same_ids_even_without_batch_id() -> None:
    case = load_case("bugs/22")
    first, retry, _ = case["events"]
    window = Window()

    original = window.receive({**first, "batch_id": "a"})
    again = window.receive({**retry, "batch_id": "b"})

    assert original is not None and again is not None
    assert again.raw_ids == original.raw_ids
    assert again.page_life == original.page_life == 0 and not again.duplicated_tab


def test_23_two_recorders_are_deduplicated_to_one_snapshot_and_three_clicks() -> None:
    case = load_case("bugs/23")
    body = json.dumps(
        {"site_key": "c", "session_id": "s", "window_id": "w", "seq": 1, "events": case["events"]}
    ).encode()

    prepared = prepare_batch(parse_body(body, "application/json", None), 1700000004000)

    kinds = [e["kind"] for e in prepared.events]
    assert kinds.count("snapshot") == case["expected"]["full_snapshots_after_dedup"] == 1
    assert kinds.count("click") == case["expected"]["clicks_after_dedup"] == 3
    assert kinds.count("load") == 1
    assert prepared.duplicates_dropped == 5


def test_25_outlier_timestamps_are_clamped_flagged_and_do_not_stretch_the_session() -> None:
    case = load_case("bugs/25")
    body = json.dumps(
        {"site_key": "c", "session_id": "s", "window_id": "w", "seq": 1, "events": case["events"]}
    ).encode()

    prepared = prepare_batch(parse_body(body, "application/json", None), 1700000003000)

    times = [e["ts"] for e in prepared.events]
    expected = case["expected"]
    assert (min(times), max(times)) == (expected["session_start"], expected["session_end"])
    flagged = sorted(
        case["events"][index]["timestamp"]
        for index, flags in zip(prepared.raw_indexes, prepared.raw_flags, strict=True)
        if "ts_clamped" in flags
    )
    assert flagged == expected["flagged_event_timestamps"]
    # Each outlier took the time of the good event before it: the click at +2000 ms.
    clamped = [e for e in prepared.events if "ts_clamped" in e["flags"]]
    assert [(e["kind"], e["ts"]) for e in clamped] == [("click", 1700000002000)] * 2
    assert prepared.session.started_ts == expected["session_start"]
    assert prepared.session.last_ts == expected["session_end"]


def test_27_duplicated_tab_with_same_window_id_becomes_a_second_page_life() -> None:
    case = load_case("bugs/27")
    window = Window()

    results = [window.receive(batch) for batch in case["events"]]

    assert [r.page_life for r in results if r] == [0, 1, 0]
    assert [r.duplicated_tab for r in results if r] == [False, True, False]
    assert window.window.conflicted is case["expected"]["detect_conflict"] is True
    # The seq=2 mutation went to the original tab's DOM, not onto the copy's snapshot.
    assert window.mirrors[0].get(253).parent == 250
    assert window.mirrors[1].get(253) is None
    assert window.mirrors[1].text_of(250) == "copy"


def test_28_truncated_or_garbage_prefixed_bodies_are_400_and_the_valid_one_is_kept() -> None:
    case = load_case("bugs/28")
    query = {"site_key": "city-web", "session_id": "s", "window_id": "w", "seq": "1"}
    statuses: list[int] = []
    stored = 0

    for raw in case["events"]:
        try:
            batch = parse_body(raw["body"].encode("utf-8"), raw["content_type"], None, query=query)
        except InvalidBatch as err:
            statuses.append(err.status)
        else:
            statuses.append(200)
            stored += len(batch.events)

    assert statuses == case["expected"]["responses"] == [400, 400, 200]
    assert stored == case["expected"]["stored_events"] == 1


def test_27_page_views_are_counted_per_page_life() -> None:
    case = load_case("bugs/27")
    window = Window()

    results = [window.receive(batch) for batch in case["events"]]

    assert [r.page_view for r in results if r] == [0, 0, 0]
    assert [lf["page_view"] for lf in window.window.lives] == [0, 0]
