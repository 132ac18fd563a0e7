"""Event identity, dedupe, clock-skew correction, outlier clamping and stable ordering.

All functions take raw events of either format: rrweb keeps its time in `timestamp`, the native
format in `ts`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

RECORDER_WINDOW_MS = 100  # two recorders emit their Meta/FullSnapshot pairs this close together
SKEW_QUANTUM_MS = 1_000
MIN_SKEW_MS = 2_000  # below this, sent_at vs receive time is mostly network latency
MAX_SPREAD_MS = 3_600_000  # an event this far from its batch's median time is an outlier
MAX_FUTURE_MS = 60_000  # nor may it be later than this after the server received it
PAGE_START_TYPES = frozenset({2, 4, "pageview", "load"})


def event_time(event: dict[str, Any]) -> int | None:
    """The event's time in epoch ms (`timestamp` for rrweb, `ts` for native), or None."""
    value = event.get("timestamp", event.get("ts"))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    if not -1e15 < value < 1e15:
        return None
    return int(value)


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON bytes of a value (sorted keys), for hashing and comparing."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        # orjson stops at 255 levels of nesting; a deep DOM snapshot can go further.
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8", "surrogatepass")


def _canonical(event: dict[str, Any]) -> bytes:
    """Type, time and data of an event; extra wrapper fields (like rrweb's `sessionId`) ignored."""
    if "timestamp" in event or isinstance(event.get("type"), int):
        return canonical_json([event.get("type"), event.get("timestamp"), event.get("data")])
    return canonical_json(event)


def event_id(
    site_key: str,
    session_id: str,
    window_id: str,
    event: dict[str, Any],
    *,
    seq: int = 0,
    index: int = 0,
) -> str:
    """A stable id for storage (`_id`): equal for the same event sent twice, 32 hex chars.

    Events without a time cannot be told from legitimate repeats by content alone, so their
    position (`seq`, `index`) is part of the id: a retried batch still maps onto the same ids.
    """
    digest = hashlib.blake2b(digest_size=16)
    for part in (site_key, session_id, window_id):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    if event_time(event) is None:
        digest.update(f"{seq}:{index}\x00".encode())
    digest.update(_canonical(event))
    return digest.hexdigest()


def dedupe(events: list[dict[str, Any]], recorder_window_ms: int = RECORDER_WINDOW_MS) -> list[int]:
    """Indexes of the events to keep: exact repeats and a second recorder's page starts dropped.

    An exact repeat has the same type, time and data. A page start (rrweb Meta or FullSnapshot,
    native pageview) with the same data as one of the same type less than `recorder_window_ms`
    earlier comes from a second recorder attached to the same page.
    """
    kept: list[int] = []
    seen: set[bytes] = set()
    starts: dict[tuple[Any, bytes], int] = {}

    for index, event in enumerate(events):
        ts = event_time(event)
        if ts is not None:
            key = _canonical(event)
            if key in seen:
                continue
            seen.add(key)

        kind = event.get("type")
        if ts is not None and kind in PAGE_START_TYPES:
            body = canonical_json({k: v for k, v in event.items() if k not in ("timestamp", "ts")})
            previous = starts.get((kind, body))
            if previous is not None and abs(ts - previous) < recorder_window_ms:
                continue
            starts[(kind, body)] = ts
        kept.append(index)
    return kept


def clock_shift_ms(
    sent_at_ms: int | None,
    received_at_ms: int,
    previous_shift_ms: int | None = None,
    quantum_ms: int = SKEW_QUANTUM_MS,
    min_shift_ms: int = MIN_SKEW_MS,
) -> int:
    """How much to add to a batch's browser times to put them on the server's clock.

    `received - sent_at` is the browser's clock error plus the network delay, which is never
    negative; so the session's shift is the smallest estimate seen so far. Estimates within
    `min_shift_ms` of zero are delay, not skew, and count as zero; others are quantised to
    `quantum_ms` so that small jitter never moves events of one session against each other.
    """
    if sent_at_ms is None:
        return previous_shift_ms or 0
    offset = received_at_ms - sent_at_ms
    shift = 0 if abs(offset) < min_shift_ms else round(offset / quantum_ms) * quantum_ms
    return shift if previous_shift_ms is None else min(shift, previous_shift_ms)


def correct_times(
    events: list[dict[str, Any]],
    received_at_ms: int,
    shift_ms: int = 0,
    max_spread_ms: int = MAX_SPREAD_MS,
    max_future_ms: int = MAX_FUTURE_MS,
) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Shift times by `shift_ms`, clamp outliers; return copies of the events and their flags.

    An outlier is more than `max_spread_ms` from the batch's median time or more than
    `max_future_ms` after `received_at_ms`. It takes the time of the nearest earlier good event
    (or the next one) and the flag `ts_clamped`, so it cannot stretch its session.
    """
    times = [event_time(e) for e in events]
    shifted = [t + shift_ms if t is not None else None for t in times]
    reference = _middle_time(sorted(t for t in shifted if t is not None), received_at_ms)
    latest = received_at_ms + max_future_ms
    if reference > latest:
        reference = received_at_ms

    def outlier(t: int) -> bool:
        return abs(t - reference) > max_spread_ms or t > latest

    good = [t if t is not None and not outlier(t) else None for t in shifted]
    out: list[dict[str, Any]] = []
    flags: list[list[str]] = []
    for index, event in enumerate(events):
        t = shifted[index]
        copy = dict(event)
        event_flags: list[str] = []
        if t is not None and outlier(t):
            t = _nearest(good, index, reference)
            event_flags.append("ts_clamped")
        if t is not None and times[index] != t:
            copy["timestamp" if "timestamp" in event else "ts"] = t
        out.append(copy)
        flags.append(event_flags)
    return out, flags


def _middle_time(times: list[int], received_at_ms: int) -> int:
    """The batch's median time; of two middle values, the one nearer to the receive time."""
    if not times:
        return received_at_ms
    middle = times[(len(times) - 1) // 2 : len(times) // 2 + 1]
    return min(middle, key=lambda t: abs(t - received_at_ms))


def _nearest(good: list[int | None], index: int, fallback: int) -> int:
    for t in reversed(good[:index]):
        if t is not None:
            return t
    for t in good[index + 1 :]:
        if t is not None:
            return t
    return fallback


def arrival_order(events: list[dict[str, Any]]) -> list[int]:
    """Indexes of a batch's events sorted by time, arrival order breaking ties (stable).

    Events without a time keep the time of the event before them, so they stay where they came.
    """
    keys: list[tuple[int, int]] = []
    last = 0
    for index, event in enumerate(events):
        ts = event_time(event)
        last = ts if ts is not None else last
        keys.append((last, index))
    return [index for _, index in sorted(keys)]


def order_key(window_id: str, seq: int, ts_ms: int, arrival: int) -> tuple[str, int, int, int]:
    """Sort key for stored events of a session: window, batch seq, time, arrival position."""
    return (window_id, seq, ts_ms, arrival)
