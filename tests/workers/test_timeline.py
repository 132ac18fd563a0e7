"""Page views rebuilt from stored chunks."""

from __future__ import annotations

from typing import Any

from bench.generator import cut_batches, generate
from storage.chunks import pack
from workers.timeline import WindowMappings, page_views_of, window_events


def chunk(window_id: str, seq: int, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "window_id": window_id,
        "seq": seq,
        "format": "rrweb",
        "received_at_ms": 1_700_000_009_000,
        "payload": pack(events),  # type: ignore[arg-type]
    }


def test_load_events_before_meta_join_the_first_page_view() -> None:
    events = [
        {"type": 0, "data": {}, "timestamp": 1_700_000_000_000},
        {"type": 1, "data": {}, "timestamp": 1_700_000_000_001},
        {
            "type": 4,
            "data": {"href": "https://city.example.test/water", "width": 1280, "height": 800},
            "timestamp": 1_700_000_000_002,
        },
        {
            "type": 4,
            "data": {"href": "https://city.example.test/permits", "width": 1280, "height": 800},
            "timestamp": 1_700_000_005_000,
        },
    ]
    views = page_views_of("demo:s1", [chunk("w1", 1, events)])

    assert [v.url for v in views] == [
        "https://city.example.test/water",
        "https://city.example.test/permits",
    ]
    assert [len(v.events) for v in views] == [3, 1]
    assert views[0].started_at == 1_700_000_000_000


def generated_chunks(seed: int) -> list[dict[str, Any]]:
    """A generated visit (bench/generator.py) as stored chunks, in sending order."""
    (visit,) = generate(1, seed, start_ms=1_700_000_000_000, max_pages=4)
    chunks = []
    for n, body in enumerate(cut_batches(visit)):
        content = chunk(body["window_id"], body["seq"], body["events"])
        content.update(_id=f"demo:s1:{body['window_id']}:{body['seq']}", hashes=[str(n)])
        chunks.append(content)
    return chunks


def test_window_mapped_chunk_by_chunk_equals_the_mapping_from_the_start() -> None:
    chunks = [c for c in generated_chunks(3) if c["window_id"] == "w0"]
    assert len(chunks) >= 5
    mappings = WindowMappings()

    for arrived in range(1, len(chunks) + 1):
        incremental = mappings.window_events("demo:s1|w0", chunks[:arrived])
        assert incremental == window_events(chunks[:arrived])

    # A chunk that arrives late (a retry) goes before the last ones: mapped from the start.
    late = [*chunks[:2], *chunks[3:]]
    mappings.window_events("demo:s1|w0", late)
    assert mappings.window_events("demo:s1|w0", chunks) == window_events(chunks)


def test_page_views_with_and_without_the_mappings_are_equal() -> None:
    chunks = generated_chunks(5)
    mappings = WindowMappings()
    for arrived in range(1, len(chunks) + 1):
        kept = page_views_of("demo:s1", chunks[:arrived], mappings)
        fresh = page_views_of("demo:s1", chunks[:arrived])
        assert [(v.id, v.url, v.events) for v in kept] == [(v.id, v.url, v.events) for v in fresh]


def native_chunk(window_id: str, seq: int, events: list[dict[str, Any]]) -> dict[str, Any]:
    """A stored native chunk: analytics events (as ``ingest.native.to_events`` makes them)."""
    return {**chunk(window_id, seq, events), "format": "native"}


def analytics(kind: str, ts: int, **data: Any) -> dict[str, Any]:
    return {"ts": ts, "kind": kind, "node": None, "target": None, "data": data, "flags": []}


def test_each_native_navigation_starts_a_page_view_of_its_own() -> None:
    start = 1_700_000_000_000
    events = [analytics("load", start, url="https://city.example.test/f")]
    for n in range(12):
        ts = start + 1_000 * (n + 1)
        events.append(analytics("click", ts - 500))
        events.append(analytics("navigation", ts, url=f"/f/step-{n}"))

    views = page_views_of("demo:s1", [native_chunk("w1", 1, events)])

    assert len(views) == 13
    assert [v.url for v in views] == ["https://city.example.test/f"] + [
        f"/f/step-{n}" for n in range(12)
    ]
    assert [v.template for v in views[:2]] == ["/f", "/f/step-0"]
    # The click before each navigation stays on the page it was made on.
    assert [[e["kind"] for e in v.events] for v in views[:2]] == [
        ["load", "click"],
        ["navigation", "click"],
    ]
    assert [v.started_at for v in views[:3]] == [start, start + 1_000, start + 2_000]


def test_an_rrweb_custom_navigation_starts_a_page_view() -> None:
    meta = {
        "type": 4,
        "data": {"href": "https://city.example.test/water", "width": 1280, "height": 800},
        "timestamp": 1_700_000_000_000,
    }
    route = {
        "type": 5,
        "data": {"tag": "navigation", "payload": {"href": "https://city.example.test/water/pay"}},
        "timestamp": 1_700_000_002_000,
    }

    views = page_views_of("demo:s1", [chunk("w1", 1, [meta, route])])

    assert [(v.url, v.started_at) for v in views] == [
        ("https://city.example.test/water", 1_700_000_000_000),
        ("https://city.example.test/water/pay", 1_700_000_002_000),
    ]
