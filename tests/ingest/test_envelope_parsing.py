"""parse_body: content types, gzip, byte limits, depth, envelope ids, partial rejection, chunks."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from ingest_case_files import load_case

from ingest.chunks import reassemble
from ingest.envelope import Limits, parse_body
from ingest.errors import InvalidBatch

IDS = {"site_key": "city-web", "session_id": "s-1", "window_id": "w-1", "seq": 3}
META = {"type": 4, "data": {"href": "https://city.example/permits", "width": 1280, "height": 800}}


def envelope(events: list[Any], **fields: Any) -> bytes:
    body = {**IDS, "sent_at": "2023-11-14T22:13:21.100Z", "events": events, **fields}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def rejected(body: bytes, **kwargs: Any) -> InvalidBatch:
    with pytest.raises(InvalidBatch) as caught:
        parse_body(body, kwargs.pop("content_type", "application/json"), None, **kwargs)
    return caught.value


def test_envelope_fields_are_read_and_sent_at_becomes_epoch_ms() -> None:
    batch = parse_body(
        envelope([{**META, "timestamp": 1}], visitor_id="v-9", page_id="p-1"),
        "application/json",
        None,
    )

    assert (batch.site_key, batch.session_id, batch.window_id, batch.seq) == (
        "city-web",
        "s-1",
        "w-1",
        3,
    )
    assert (batch.visitor_id, batch.page_id, batch.format) == ("v-9", "p-1", "rrweb")
    assert batch.sent_at_ms == 1700000001100
    assert batch.events == [{**META, "timestamp": 1}] and batch.indexes == [0]


def test_beacon_text_plain_with_bare_rrweb_array_takes_ids_from_query() -> None:
    body = json.dumps([{**META, "timestamp": 5}]).encode()
    query = {
        "site_key": "city-web",
        "session_id": "s-2",
        "window_id": "w-2",
        "seq": "7",
        "sent_at": "1700000000000",
    }

    batch = parse_body(body, "text/plain;charset=UTF-8", None, query=query)

    assert (batch.session_id, batch.window_id, batch.seq, batch.sent_at_ms) == (
        "s-2",
        "w-2",
        7,
        1700000000000,
    )
    assert batch.format == "rrweb" and len(batch.events) == 1


def test_native_format_is_detected_from_string_types() -> None:
    body = envelope([{"type": "pageview", "ts": 1, "url": "https://city.example/"}])

    assert parse_body(body, "application/json", None).format == "native"


def test_gzip_body_is_accepted_with_or_without_the_header() -> None:
    raw = envelope([{**META, "timestamp": 1}])

    assert len(parse_body(gzip.compress(raw), "application/json", "gzip").events) == 1
    assert len(parse_body(gzip.compress(raw), "text/plain", None).events) == 1


def test_truncated_gzip_is_a_400() -> None:
    packed = gzip.compress(envelope([{**META, "timestamp": 1}]))

    with pytest.raises(InvalidBatch) as caught:
        parse_body(packed[: len(packed) // 2], "application/json", "gzip")

    assert (caught.value.status, caught.value.reason) == (400, "truncated gzip data")


def test_gzip_bomb_is_a_413_before_it_is_inflated() -> None:
    bomb = gzip.compress(b"[" + b" " * 5_000_000 + b"]")
    limits = Limits(max_decompressed_bytes=100_000)

    with pytest.raises(InvalidBatch) as caught:
        parse_body(bomb, "application/json", "gzip", limits)

    assert (caught.value.status, caught.value.field) == (413, "body")


@pytest.mark.parametrize(
    ("content_type", "encoding", "field"),
    [
        ("application/x-www-form-urlencoded", None, "content-type"),
        ("multipart/form-data; boundary=x", None, "content-type"),
        ("application/json; charset=latin-1", None, "content-type"),
        ("application/json", "br", "content-encoding"),
    ],
)
def test_unsupported_types_and_encodings_are_415(
    content_type: str, encoding: str | None, field: str
) -> None:
    with pytest.raises(InvalidBatch) as caught:
        parse_body(envelope([]), content_type, encoding)

    assert (caught.value.status, caught.value.field) == (415, field)


def test_request_limit_counts_utf8_bytes_not_characters() -> None:
    body = envelope([{**META, "timestamp": 1, "data": {"href": "é" * 300}}])
    assert len(body.decode("utf-8")) < 700 < len(body)

    error = rejected(body, limits=Limits(max_request_bytes=700))

    assert (error.status, error.field) == (413, "body")


def test_deep_nesting_is_rejected_before_parsing() -> None:
    body = b'{"events": ' + b"[" * 5000 + b"]" * 5000 + b"}"

    error = rejected(body)

    assert (error.status, error.reason) == (400, "nesting too deep")


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = "[" * 1000 + '"' + "{" * 1000
    body = envelope([{**META, "timestamp": 1, "data": {"href": text}}])

    assert len(parse_body(body, "application/json", None).events) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"site_key": None}, "site_key"),
        ({"session_id": "has space"}, "session_id"),
        ({"window_id": "x" * 129}, "window_id"),
        ({"seq": -1}, "seq"),
        ({"seq": "three"}, "seq"),
        ({"seq": 1.5}, "seq"),
        ({"seq": True}, "seq"),
        ({"sent_at": "yesterday"}, "sent_at"),
        ({"format": "har"}, "format"),
        ({"events": {"type": 4}}, "events"),
    ],
)
def test_bad_envelope_fields_are_400_naming_the_field(change: dict, field: str) -> None:
    body = {**IDS, "events": [{**META, "timestamp": 1}], **change}
    if body.get("site_key") is None:
        del body["site_key"]

    error = rejected(json.dumps(body).encode())

    assert (error.status, error.field) == (400, field)


def test_error_messages_never_carry_field_values() -> None:
    secret = "jane.doe@example.com"
    body = json.dumps({**IDS, "session_id": secret, "events": []}).encode()

    error = rejected(body)

    assert secret not in str(error) and secret not in repr(error.args)
    assert str(error) == "400 session_id: must be 1-128 letters, digits or ._:-"


def test_partly_bad_batch_keeps_good_events_and_reports_bad_ones_by_index() -> None:
    events = [
        {**META, "timestamp": 1},
        "junk",
        {"type": "4"},
        {"type": 3, "data": {"source": 2}, "timestamp": 2},
        {"type": 3, "data": [], "timestamp": 3},
    ]

    batch = parse_body(envelope(events), "application/json", None)

    assert batch.indexes == [0, 3]
    assert batch.rejected == [
        {"index": 1, "field": "event", "reason": "not an object"},
        {"index": 2, "field": "type", "reason": "missing or not an integer"},
        {"index": 4, "field": "data", "reason": "not an object"},
    ]


def test_batch_with_no_acceptable_event_is_a_400() -> None:
    error = rejected(envelope(["junk", 1]))

    assert (error.status, error.field, error.reason) == (400, "events", "no acceptable event")


def test_empty_event_list_is_accepted() -> None:
    assert parse_body(envelope([]), "application/json", None).events == []


def test_too_many_events_is_a_413() -> None:
    error = rejected(envelope([{**META, "timestamp": 1}] * 11), limits=Limits(max_events=10))

    assert (error.status, error.field) == (413, "events")


def _chunks(event: dict, size: int, chunk_id: str = "c-1") -> list[dict]:
    text = json.dumps(event)
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    return [
        {"chunk_id": chunk_id, "chunk_index": i, "chunk_count": len(pieces), "data": p}
        for i, p in enumerate(pieces)
    ]


def test_chunked_event_is_reassembled_at_its_first_fragment() -> None:
    snapshot = {"type": 2, "timestamp": 2, "data": {"node": {"type": 0, "id": 1, "childNodes": []}}}
    fragments = _chunks(snapshot, 20)
    events = [
        {**META, "timestamp": 1},
        *reversed(fragments),
        {"type": 3, "timestamp": 3, "data": {"source": 0}},
    ]

    batch = parse_body(envelope(events), "application/json", None)

    assert batch.events == [{**META, "timestamp": 1}, snapshot, events[-1]]
    assert batch.indexes == [0, 1, len(events) - 1]
    assert batch.rejected == [] and batch.warnings == []


def test_incomplete_chunk_set_is_kept_pending_and_reported() -> None:
    fragments = _chunks({"type": 2, "timestamp": 2, "data": {"node": {}}}, 10)
    events = [{**META, "timestamp": 1}, *fragments[:-1], {"kind": "chunk", "chunk_id": "c-2"}]

    batch = parse_body(envelope(events), "application/json", None)

    assert batch.indexes == [0]
    assert batch.fragments == [(i + 1, f) for i, f in enumerate(fragments[:-1])]
    assert batch.rejected == [
        {"index": len(fragments), "field": "event", "reason": "invalid_chunk"}
    ]
    assert batch.warnings == [{"code": "chunk_incomplete", "count": 1}]


def test_chunks_sent_in_separate_requests_are_accepted_and_join_later() -> None:
    snapshot = {"type": 2, "timestamp": 2, "data": {"node": {"type": 0, "id": 1}}}
    pending: list[tuple[int, dict]] = []

    for fragment in _chunks(snapshot, 25):
        body = json.dumps({**IDS, "kind": "chunk", **fragment}).encode()
        batch = parse_body(body, "application/json", None)
        assert batch.events == []
        pending.extend(batch.fragments)

    joined = reassemble(pending, max_depth=50)
    assert [event for _, event in joined.events] == [snapshot]
    assert joined.pending == [] and joined.problems == []


def test_posthog_capture_needs_our_site_key_and_never_keeps_its_token() -> None:
    raw = json.dumps(load_case("rrweb/posthog-capture-envelope-fullsnapshot.json")).encode()

    error = rejected(raw)
    batch = parse_body(raw, "application/json", None, query={"site_key": "city-web", "seq": "0"})

    assert (error.status, error.field) == (400, "site_key")
    assert batch.session_id == "1870e0e4f40d73-07e335ea680392-1e525634-384000-1870e0e4f412a52"
    assert batch.window_id == "1870e0e4f422d99-042f3b7593666e-1e525634-384000-1870e0e4f432e59"
    assert [e["type"] for e in batch.events] == [2]
    kept = json.dumps([batch.events, batch.visitor_id, batch.site_key])
    assert "phc_" not in kept and "64H9Wag8" not in kept


def test_lone_surrogate_escapes_are_replaced_not_rejected() -> None:
    body = envelope([{**META, "timestamp": 1}]).replace(b"permits", b"perm\\ud83dits")

    batch = parse_body(body, "application/json", None)

    assert batch.events[0]["data"]["href"] == "https://city.example/perm\ufffdits"


def test_a_posthog_capture_without_a_seq_takes_its_earliest_event_time() -> None:
    capture = load_case("rrweb/posthog-capture-envelope-fullsnapshot.json")
    raw = json.dumps(capture).encode()

    batch = parse_body(raw, "application/json", None, query={"site_key": "city-web"})
    given = parse_body(raw, "application/json", None, query={"site_key": "city-web", "seq": "7"})

    assert batch.seq == min(e["timestamp"] for e in batch.events) > 0
    assert given.seq == 7
