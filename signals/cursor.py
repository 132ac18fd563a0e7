"""Thrashed cursor: the mouse shaken left and right fast, without clicking or dragging."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from ingest.model import Event
from signals.model import THRASHED_CURSOR, Signal, SignalFactory
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds
from signals.timeline import Timeline


@dataclass
class _Flag:
    start_ms: int
    end_ms: int
    reversals: int
    accel_px_s2: float
    first_move: Event


def thrashed_cursor_in(
    events: Sequence[Event],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    page_view_id: str | None = None,
    left_at_ms: int | None = None,
) -> list[Signal]:
    """`thrashed_cursor` signals; windows flagged less than `thrash_merge_ms` apart are merged.

    The mouse must be sampled often enough to show the reversals: rrweb's default of one position
    per 50 ms gives at most 4 in a 225 ms window, so the recorder should sample every 20 ms.
    """
    timeline = Timeline(events, left_at_ms)
    moves = [m for m in timeline.of_kind("move") if _finite(m.get("x")) and _finite(m.get("y"))]
    move_times = [int(m["ts"]) for m in moves]
    reversal_times = _reversal_times(moves, thresholds.thrash_min_step_px)
    accelerations = _accelerations(moves)
    accel_times = [t for t, _ in accelerations]
    accel_sums = list(accumulate((a for _, a in accelerations), initial=0.0))
    blocked = _blocked_spans(timeline)

    flags: list[_Flag] = []
    for start in reversal_times:
        end = start + thresholds.thrash_window_ms
        reversals = bisect_right(reversal_times, end) - bisect_left(reversal_times, start)
        if reversals < thresholds.thrash_min_reversals:
            continue
        low, high = bisect_left(accel_times, start), bisect_right(accel_times, end)
        accel = (accel_sums[high] - accel_sums[low]) / (high - low) if high > low else 0.0
        if accel <= thresholds.thrash_min_accel_px_s2:
            continue
        if any(b_start <= end and start <= b_end for b_start, b_end in blocked):
            continue
        first = moves[bisect_left(move_times, start)]
        _add(flags, _Flag(start, end, reversals, accel, first), thresholds.thrash_merge_ms)

    factory = SignalFactory(thresholds, page_view_id)
    return [
        factory.make(
            THRASHED_CURSOR,
            f.start_ms,
            f.end_ms,
            f.first_move,
            reversals=f.reversals,
            peak_accel_px_s2=round(f.accel_px_s2),
        )
        for f in flags
    ]


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _add(flags: list[_Flag], flag: _Flag, merge_ms: int) -> None:
    last = flags[-1] if flags else None
    if last is not None and flag.start_ms - last.end_ms < merge_ms:
        last.end_ms = max(last.end_ms, flag.end_ms)
        last.reversals = max(last.reversals, flag.reversals)
        last.accel_px_s2 = max(last.accel_px_s2, flag.accel_px_s2)
        return
    flags.append(flag)


def _reversal_times(moves: list[Event], min_step_px: float) -> list[int]:
    """Times at which the horizontal direction flips; steps under `min_step_px` are jitter."""
    times: list[int] = []
    direction = 0
    for previous, move in zip(moves, moves[1:], strict=False):
        dx = float(move["x"]) - float(previous["x"])  # type: ignore[arg-type]
        if abs(dx) < min_step_px:
            continue
        step = 1 if dx > 0 else -1
        if direction and step != direction:
            times.append(int(move["ts"]))
        direction = step
    return times


def _accelerations(moves: list[Event]) -> list[tuple[int, float]]:
    """(time, |change of velocity| / time) between consecutive moves, in px/s²."""
    out: list[tuple[int, float]] = []
    velocity: tuple[float, float] | None = None
    for previous, move in zip(moves, moves[1:], strict=False):
        dt_s = (int(move["ts"]) - int(previous["ts"])) / 1000
        if dt_s <= 0:
            continue
        current = (
            (float(move["x"]) - float(previous["x"])) / dt_s,  # type: ignore[arg-type]
            (float(move["y"]) - float(previous["y"])) / dt_s,  # type: ignore[arg-type]
        )
        if velocity is not None:
            change = math.hypot(current[0] - velocity[0], current[1] - velocity[1])
            out.append((int(move["ts"]), change / dt_s))
        velocity = current
    return out


def _blocked_spans(timeline: Timeline) -> list[tuple[int, int]]:
    """Spans in which shaking is not frustration: a button held (drag, draw) and clicks."""
    spans: list[tuple[int, int]] = []
    down: int | None = None
    for event in timeline.events:
        kind, ts = event.get("kind"), int(event.get("ts", 0))
        if kind == "mousedown":
            down = ts if down is None else down
        elif kind == "mouseup":
            spans.append((down if down is not None else ts, ts))
            down = None
        if kind in ("click", "dblclick", "contextmenu"):
            spans.append((ts, ts))
    if down is not None:
        spans.append((down, timeline.observed_until_ms))
    return spans
