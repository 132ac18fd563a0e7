"""Thrashed cursor: fast left-right shaking with no click and no button held."""

from __future__ import annotations

import math

from ingest.model import Event
from signals.cursor import thrashed_cursor_in
from tests.signals.events import T0, click, ev, load, move


def shake(start_ms: int, duration_ms: int, amplitude_px: float = 80) -> list[Event]:
    """Moves every 16 ms along a triangle wave that turns every 40 ms."""
    moves = []
    for step in range(duration_ms // 16):
        phase = (step % 5) / 5
        moves.append(move(start_ms + step * 16, 300 + amplitude_px * (1 - abs(2 * phase - 1)), 400))
    return moves


def glide(start_ms: int, duration_ms: int) -> list[Event]:
    """A smooth reach across the page (minimum-jerk profile), sampled every 16 ms."""
    moves = []
    for step in range(duration_ms // 16 + 1):
        s = step * 16 / duration_ms
        progress = 10 * s**3 - 15 * s**4 + 6 * s**5
        moves.append(move(start_ms + step * 16, 100 + 900 * progress, 300 + 40 * math.sin(s)))
    return moves


def test_shaking_the_mouse_for_a_second_makes_one_signal() -> None:
    (signal,) = thrashed_cursor_in([load(), *shake(1000, 1000)])

    assert signal.kind == "thrashed_cursor"
    assert T0 + 1000 <= signal.ts < T0 + 1100
    assert signal.end_ts >= T0 + 1900
    assert signal.details["reversals"] >= 5


def test_flags_less_than_a_second_apart_are_merged_and_further_ones_are_not() -> None:
    close = [*shake(1000, 400), *shake(1900, 400)]
    apart = [*shake(1000, 400), *shake(4000, 400)]

    assert len(thrashed_cursor_in(close)) == 1
    assert len(thrashed_cursor_in(apart)) == 2


def test_a_smooth_reach_is_not_thrashing() -> None:
    assert thrashed_cursor_in([load(), *glide(1000, 600), *glide(2000, 400)]) == []


def test_shaking_while_a_button_is_held_is_a_drag_not_thrashing() -> None:
    events = [ev("mousedown", 990, 70, x=300, y=400), *shake(1000, 1000), ev("mouseup", 2010, 70)]

    assert thrashed_cursor_in(events) == []


def test_a_click_inside_the_window_rules_it_out() -> None:
    moves = shake(1000, 240)

    assert thrashed_cursor_in([*moves[:8], click(1130), *moves[8:]]) == []


def test_tiny_jitter_below_the_step_size_is_not_a_reversal() -> None:
    assert thrashed_cursor_in(shake(1000, 1000, amplitude_px=2)) == []
