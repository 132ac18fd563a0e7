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
