"""Reassemble large events that a recorder sent in pieces.

A fragment is an object with `chunk_id`, `chunk_index` (or `index`), `chunk_count` (or `count`)
and `data`, a slice of the event's JSON text; `{"kind": "chunk", ...}` marks one too. PostHog
sends the same shape inside `$snapshot_data`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from ingest.body import nesting_depth

MAX_CHUNKS = 1000


@dataclass
class Reassembled:
    """Result of reassembling the fragments found among a batch's events."""

    # (index of the first fragment, the event) for every complete set.
    events: list[tuple[int, Any]] = field(default_factory=list)
    # (index, reason) for fragments that could not be used.
    problems: list[tuple[int, str]] = field(default_factory=list)
    # (index, fragment) of sets still missing pieces: kept so later batches can complete them.
    pending: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    incomplete_sets: int = 0


def is_fragment(event: Any) -> bool:
    return isinstance(event, dict) and ("chunk_id" in event or event.get("kind") == "chunk")


def fragment_part(fragment: dict[str, Any]) -> tuple[str, int, int, str] | None:
    """(chunk id, index, count, data) of a well-formed fragment, else None."""
    chunk_id = fragment.get("chunk_id", fragment.get("id"))
    index = fragment.get("chunk_index", fragment.get("index"))
    count = fragment.get("chunk_count", fragment.get("count", fragment.get("total")))
    data = fragment.get("data")
    if not isinstance(chunk_id, (str, int)) or isinstance(chunk_id, bool):
        return None
    if not isinstance(index, int) or not isinstance(count, int) or not isinstance(data, str):
        return None
    if isinstance(index, bool) or isinstance(count, bool):
        return None
    if not 0 < count <= MAX_CHUNKS or not 0 <= index < count:
        return None
    return str(chunk_id), index, count, data


def reassemble(fragments: list[tuple[int, dict[str, Any]]], max_depth: int) -> Reassembled:
    """Join fragments (given with their batch index) into events; incomplete sets are pending.

    Fragments of one set may come in several batches: `ingest.chunk_store` keeps the pending
    ones in Redis (per site, session, window and `chunk_id`) and calls this again with all of them.
    """
    result = Reassembled()
    sets: dict[str, dict[int, tuple[int, str]]] = {}
    counts: dict[str, int] = {}

    originals: dict[int, dict[str, Any]] = dict(fragments)
    for position, fragment in fragments:
        part = fragment_part(fragment)
        if part is None:
            result.problems.append((position, "invalid_chunk"))
            continue
        chunk_id, index, count, data = part
        if counts.setdefault(chunk_id, count) != count:
            result.problems.append((position, "invalid_chunk"))
            continue
        # A repeated fragment (a retry) replaces the earlier copy.
        sets.setdefault(chunk_id, {})[index] = (position, data)

    for chunk_id, parts in sets.items():
        positions = sorted(p for p, _ in parts.values())
        if len(parts) != counts[chunk_id]:
            result.incomplete_sets += 1
            result.pending.extend((p, originals[p]) for p in positions)
            continue
        text = "".join(parts[i][1] for i in range(counts[chunk_id]))
        event = _load(text, max_depth)
        if event is None:
            result.problems.extend((p, "invalid_chunk") for p in positions)
            continue
        result.events.append((positions[0], event))
    return result


def _load(text: str, max_depth: int) -> Any:
    raw = text.encode("utf-8", "surrogatepass")
    if nesting_depth(raw) > max_depth:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
