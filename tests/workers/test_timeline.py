"""Page views rebuilt from stored chunks."""

from __future__ import annotations

from storage.chunks import pack
from workers.timeline import page_views_of


def chunk(window_id: str, seq: int, events: list[dict[str, object]]) -> dict[str, object]:
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
