"""Request body → a validated `Batch`: the envelope, its ids, its events and their limits.

Accepted shapes:
- our envelope `{"site_key", "session_id", "window_id", "seq", "sent_at", "visitor_id"?,
  "page_id"?, "format": "rrweb" | "native", "events": [...]}`;
- a bare array of rrweb events, with the ids in the query string (sendBeacon cannot set headers);
- PostHog `$snapshot` captures (one object, an array of them or `{"batch": [...]}`), with the
  ids taken from `$session_id` / `$window_id` and the site key from the query string. Their
  project token and distinct id are dropped, never kept as event data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from ingest import native, rrweb
from ingest.body import measure_json, read_json
from ingest.chunks import Reassembled, is_fragment, reassemble
from ingest.errors import InvalidBatch
from ingest.numbers import may_hold_wide_int, wide_int_path

FORMATS = ("rrweb", "native")
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
MAX_SEQ = 2**53
# The seq a PostHog capture stands in for (it sends none): its earliest event time.
POSTHOG_SEQ = "_posthog_seq"


@dataclass(frozen=True)
class Limits:
    """Size limits, all in UTF-8 bytes except counts and depth."""

    max_request_bytes: int = 1_048_576  # the body as received
    max_decompressed_bytes: int = 10_485_760  # the body after gzip
    max_batch_bytes: int = 10_485_760  # the events, serialized as JSON
    max_event_bytes: int = 5_242_880  # one event, serialized as JSON
    max_events: int = 20_000
    max_depth: int = 400  # JSON nesting; orjson itself stops at 1024


class Rejection(TypedDict):
    index: int
    field: str
    reason: str


class BatchWarning(TypedDict, total=False):
    code: str
    index: int
    bytes: int
    count: int


@dataclass
class Batch:
    """What one request carried, after validation. `events` are raw events in arrival order."""

    site_key: str
    session_id: str
    window_id: str
    seq: int
    format: str
    events: list[dict[str, Any]] = field(default_factory=list)
    # Position in the request's `events` array of each kept event (rejections use the same).
    indexes: list[int] = field(default_factory=list)
    sent_at_ms: int | None = None
    visitor_id: str | None = None
    page_id: str | None = None
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[BatchWarning] = field(default_factory=list)
    # (index, fragment) of chunked events still missing pieces (see ingest/chunks.py).
    fragments: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    size_bytes: int = 0


def parse_body(
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    limits: Limits | None = None,
    query: Mapping[str, str] | None = None,
) -> Batch:
    """Validate a /collect body; raise `InvalidBatch` (4xx) when it cannot be accepted at all."""
    limits = limits or Limits()
    query = query or {}
    value = read_json(
        body,
        content_type,
        content_encoding,
        max_request_bytes=limits.max_request_bytes,
        max_decompressed_bytes=limits.max_decompressed_bytes,
        max_depth=limits.max_depth,
    )

    envelope, events = _unwrap(value)
    batch = _batch_header(envelope, query, events)
    if len(events) > limits.max_events:
        raise InvalidBatch(413, "events", "too many events")
    _fill_events(batch, events, limits)
    return batch


def _unwrap(value: Any) -> tuple[dict[str, Any], list[Any]]:
    """Split a parsed body into envelope fields and its raw event list."""
    if isinstance(value, dict) and "events" in value:
        events = value["events"]
        if not isinstance(events, list):
            raise InvalidBatch(400, "events", "not an array")
        return value, events
    if is_fragment(value):
        # One fragment of a large event sent on its own, ids beside it or in the query string.
        return value, [value]
    if isinstance(value, dict) and isinstance(value.get("batch"), list):
        return _from_posthog(value["batch"])
    if isinstance(value, dict) and "event" in value and "properties" in value:
        return _from_posthog([value])
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "properties" in v for v in value):
            return _from_posthog(value)
        return {}, value
    raise InvalidBatch(400, "body", "expected an envelope object or an event array")


def _from_posthog(captures: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    """Take rrweb events and ids out of PostHog captures; everything else is dropped."""
    envelope: dict[str, Any] = {"format": "rrweb"}
    events: list[Any] = []
    for capture in captures:
        props = capture.get("properties") if isinstance(capture, dict) else None
        if not isinstance(props, dict) or capture.get("event") != "$snapshot":
            continue
        envelope.setdefault("session_id", props.get("$session_id"))
        envelope.setdefault("window_id", props.get("$window_id"))
        data = props.get("$snapshot_data")
        events.extend(data if isinstance(data, list) else [data])
    if not events:
        raise InvalidBatch(400, "events", "no $snapshot capture")
    # PostHog sends no sequence number: the earliest event time orders a window's captures
    # (a `seq` in the query string still wins), and differs between batches, as seqs must.
    times = [e["timestamp"] for e in events if isinstance(e, dict) and _is_ms(e.get("timestamp"))]
    if times:
        envelope[POSTHOG_SEQ] = min(times)
    return envelope, events


def _is_ms(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_SEQ


def _batch_header(envelope: dict[str, Any], query: Mapping[str, str], events: list[Any]) -> Batch:
    def pick(name: str) -> Any:
        value = envelope.get(name)
        if name == "seq" and value is None and query.get(name) is None:
            return envelope.get(POSTHOG_SEQ)
        return query.get(name) if value is None else value

    return Batch(
        site_key=_id(pick("site_key"), "site_key"),
        session_id=_id(pick("session_id"), "session_id"),
        window_id=_id(pick("window_id"), "window_id"),
        seq=_seq(pick("seq")),
        format=_format(pick("format"), events),
        sent_at_ms=_epoch_ms(pick("sent_at")),
        visitor_id=_optional_id(pick("visitor_id"), "visitor_id"),
        page_id=_optional_id(pick("page_id"), "page_id"),
    )


def _fill_events(batch: Batch, events: list[Any], limits: Limits) -> None:
    """Size-check, reassemble and validate events, keeping the good ones in arrival order."""
    # One measure of the whole array; events are measured one by one only when one could be
    # over its own limit, which is rare.
    batch.size_bytes, compact = _measure(events)
    if batch.size_bytes > limits.max_batch_bytes:
        raise InvalidBatch(413, "events", "batch too large")
    sizes = [_json_bytes(e) for e in events] if batch.size_bytes > limits.max_event_bytes else None

    candidates: list[tuple[int, Any]] = []
    fragments: list[tuple[int, dict[str, Any]]] = []
    for index, event in enumerate(events):
        if is_fragment(event):
            fragments.append((index, event))
        elif sizes is not None and sizes[index] > limits.max_event_bytes:
            _too_large(batch, index, sizes[index])
        else:
            candidates.append((index, event))

    if fragments:
        joined = reassemble(fragments, limits.max_depth)
        candidates.extend(_joined_events(batch, joined, limits))
        batch.fragments = joined.pending
        if joined.incomplete_sets:
            batch.warnings.append({"code": "chunk_incomplete", "count": joined.incomplete_sets})

    check_ints = bool(fragments) or not compact or may_hold_wide_int(compact)
    _keep_valid(batch, candidates, check_ints)

    if events and not batch.events and not batch.fragments:
        too_large = all(r["reason"] == "event_too_large" for r in batch.rejected)
        raise InvalidBatch(413 if too_large else 400, "events", "no acceptable event")


def add_reassembled(batch: Batch, joined: Reassembled, limits: Limits) -> None:
    """Add events rebuilt from fragments that earlier batches brought too (see chunk_store.py),
    validated like the rest, at the index of this batch's first fragment of each set."""
    _keep_valid(batch, _joined_events(batch, joined, limits), check_ints=True)


def _keep_valid(batch: Batch, candidates: list[tuple[int, Any]], check_ints: bool) -> None:
    """Validate (index, event) pairs; keep the good ones among the batch's events, by index."""
    validate = native.validate_event if batch.format == "native" else rrweb.validate_event
    kept = list(zip(batch.indexes, batch.events, strict=True))
    for index, event in candidates:
        problem = validate(event)
        if problem is None and check_ints:
            # BSON holds 64-bit integers at most: a wider one would fail the worker every time.
            wide = wide_int_path(event)
            problem = None if wide is None else (wide, "integer_out_of_range")
        if problem is None:
            kept.append((index, event))
        else:
            batch.rejected.append({"index": index, "field": problem[0], "reason": problem[1]})
    kept.sort(key=lambda item: item[0])
    batch.indexes = [index for index, _ in kept]
    batch.events = [event for _, event in kept]
    batch.rejected.sort(key=lambda r: r["index"])


def _joined_events(batch: Batch, joined: Reassembled, limits: Limits) -> list[tuple[int, Any]]:
    """Reassembled events within the event limit; unusable fragments are rejected."""
    events: list[tuple[int, Any]] = []
    for index, event in joined.events:
        size = _json_bytes(event)
        if size > limits.max_event_bytes:
            _too_large(batch, index, size)
        else:
            events.append((index, event))
    for index, reason in joined.problems:
        batch.rejected.append({"index": index, "field": "event", "reason": reason})
    return events


def _too_large(batch: Batch, index: int, size: int) -> None:
    batch.rejected.append({"index": index, "field": "event", "reason": "event_too_large"})
    batch.warnings.append({"code": "event_too_large", "index": index, "bytes": size})


def _json_bytes(value: Any) -> int:
    return _measure(value)[0]


def _measure(value: Any) -> tuple[int, bytes]:
    # `json.dumps(value, ensure_ascii=False)` in UTF-8 is the documented size basis.
    try:
        return measure_json(value)
    except RecursionError as err:
        raise InvalidBatch(400, "body", "nesting too deep") from err


def _id(value: Any, name: str) -> str:
    if value is None or value == "":
        raise InvalidBatch(400, name, "missing")
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise InvalidBatch(400, name, "must be 1-128 letters, digits or ._:-")
    return value


def _optional_id(value: Any, name: str) -> str | None:
    return None if value is None or value == "" else _id(value, name)


def _seq(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 17:
        value = int(value)
    if value is None:
        raise InvalidBatch(400, "seq", "missing")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_SEQ:
        raise InvalidBatch(400, "seq", "must be a non-negative integer")
    return value


def _format(value: Any, events: list[Any]) -> str:
    if value is None:
        # Without a declared format, the first event's `type` tells: rrweb numbers, native names.
        first = next((e for e in events if isinstance(e, dict) and not is_fragment(e)), {})
        return "native" if isinstance(first.get("type"), str) else "rrweb"
    if value not in FORMATS:
        raise InvalidBatch(400, "format", "must be rrweb or native")
    return str(value)


def _epoch_ms(value: Any) -> int | None:
    """`sent_at` as epoch ms, from a number or an ISO 8601 string (with a time zone)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 17:
        value = int(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1e14:
        return int(value)
    if isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return int(parsed.timestamp() * 1000)
    raise InvalidBatch(400, "sent_at", "must be epoch milliseconds or an ISO 8601 time")
