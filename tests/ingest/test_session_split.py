"""Session parts, page lives and page views with path templates."""

from __future__ import annotations

import pytest

from ingest.model import Event
from ingest.sessions import (
    SessionState,
    WindowState,
    assign_page_life,
    page_views,
    path_template,
    split_session,
)

MINUTE = 60_000


def test_session_splits_after_30_minutes_idle() -> None:
    parts, state = split_session(SessionState(), [0, 10 * MINUTE, 40 * MINUTE + 1, 41 * MINUTE])

    assert parts == [0, 0, 1, 1]
    assert state == SessionState(part=1, started_ts=40 * MINUTE + 1, last_ts=41 * MINUTE)


def test_session_is_capped_at_4_hours_even_when_active() -> None:
    times = list(range(0, 5 * 60 * MINUTE, 10 * MINUTE))

    parts, _ = split_session(SessionState(), times)

    assert parts.count(0) == 25  # 0 .. 240 min inclusive
    assert parts[25:] == [1] * 5


def test_session_state_carries_across_batches_and_late_events_stay() -> None:
    _, state = split_session(SessionState(), [0, MINUTE])

    parts, state = split_session(state, [30 * MINUTE, 2 * MINUTE, 62 * MINUTE])

    assert parts == [0, 0, 1]
    assert state.part == 1


def _event(kind: str) -> Event:
    return {"kind": kind, "ts": 0, "data": {}}


def test_page_views_start_at_load_and_navigation_not_at_snapshot() -> None:
    kinds = ["click", "load", "snapshot", "click", "navigation", "click", "load", "snapshot"]

    assert page_views([_event(k) for k in kinds]) == [0, 0, 0, 0, 1, 1, 2, 2]
    assert page_views([_event("click"), _event("load")], current=4) == [4, 5]


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("https://city.example/permits/12345/edit?tab=2#top", "/permits/:id/edit"),
        ("https://city.example/cases/550e8400-e29b-41d4-a716-446655440000/", "/cases/:id"),
        ("/files/ab12cd34ef56/download", "/files/:id/download"),
        ("/users/jane.doe%40example.com/profile", "/users/:id/profile"),
        ("/reset/eyJhbGciOiJIUzI1NiJ9abc123", "/reset/:id"),
        ("/app#/cases/PRM-2024-0042/view", "/app/#/cases/:id/view"),
        ("/about-us/contact/", "/about-us/contact"),
        ("https://city.example", "/"),
        ("not a url [", "/not a url ["),
    ],
)
def test_path_template_replaces_id_like_segments(url: str, template: str) -> None:
    assert path_template(url) == template


def test_page_life_tells_retry_reload_and_duplicated_tab_apart() -> None:
    window = WindowState()

    assert assign_page_life(window, 1, "page-a") == (0, False)
    assert assign_page_life(window, 1, "page-a") == (0, False)  # a retry
    assert assign_page_life(window, 2, None) == (0, False)
    assert assign_page_life(window, 3, "page-b") == (0, False)  # reload in the same tab
    assert assign_page_life(window, 3, "page-c") == (1, True)  # a copy sent seq 3 again
    assert window.conflicted


def test_page_id_separates_lives_exactly() -> None:
    window = WindowState()

    assert assign_page_life(window, 1, "f", page_id="p1") == (0, False)
    assert assign_page_life(window, 7, None, page_id="p2") == (1, True)
    assert assign_page_life(window, 8, None, page_id="p1") == (0, False)
