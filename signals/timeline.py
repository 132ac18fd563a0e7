"""A page view's events sorted by time, with quick look-ups of how the page reacted."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from ingest.model import POINTER_KINDS, Event

_MUTATION_PARTS = ("nodes", "adds", "removes", "texts", "attributes")
CLAMPED = "ts_clamped"
"""Ingest's flag for an event whose outlier time was replaced by a neighbour's.

Known shortcoming: the worker keeps only a count of clamped events per stored chunk, so events
rebuilt from stored rrweb chunks lack this flag; storing the clamped events' identities with the
chunk and flagging them when the chunk is mapped again would carry it through."""
_POINTER_KINDS = frozenset(POINTER_KINDS | {"move", "touchmove"})


def _is_change(event: Event) -> bool:
    """A mutation that changed something (rrweb also records empty ones), or a field change."""
    if event.get("kind") == "input":
        return True
    data = event.get("data") or {}
    parts = [data.get(key) for key in _MUTATION_PARTS if key in data]
    if not parts:
        return True
    return any(bool(part) for part in parts)


def _reaction_category(event: Event) -> str | None:
    kind = event.get("kind")
    if kind in ("mutation", "input"):
        return "change" if _is_change(event) else None
    if kind == "scroll":
        return "scroll"
    if kind == "selection":
        return "selection"
    if kind == "visibility" or (kind in ("focus", "blur") and event.get("node") is None):
        return "visibility"
    if kind in ("navigation", "load"):
        return "navigation"
    return None


def _without_repeats(events: list[Event]) -> list[Event]:
    """Drop pointer events identical to an earlier one (kind, time, node, position).

    Nobody clicks twice in the same millisecond at the same spot: such repeats come from a
    second recorder or a retried upload that slipped past ingest, and would fake rage clicks.
    """
    seen: set[tuple[object, ...]] = set()
    kept: list[Event] = []
    for event in events:
        if event.get("kind") in _POINTER_KINDS:
            key = (
                event.get("kind"),
                event.get("ts"),
                event.get("node"),
                event.get("x"),
                event.get("y"),
            )
            if key in seen:
                continue
            seen.add(key)
        kept.append(event)
    return kept


def is_clamped(event: Event) -> bool:
    """Whether ingest replaced the event's (outlier) time: its real moment is unknown."""
    return CLAMPED in (event.get("flags") or ())


def clamped_events(events: Iterable[Event]) -> int:
    """How many events carry a clamped time (timing rules leave them out)."""
    return sum(1 for event in events if is_clamped(event))


class Timeline:
    """Events of one page view in time order (stable for equal times).

    Events with a clamped time are left out: their time is borrowed from a neighbour, so they
    could fake a burst, an answer or an error right after a click.
    """

    def __init__(self, events: Iterable[Event], left_at_ms: int | None = None) -> None:
        timed = [event for event in events if not is_clamped(event)]
        self.events: list[Event] = _without_repeats(
            sorted(timed, key=lambda e: int(e.get("ts", 0)))
        )
        self.left_at_ms = left_at_ms
        self._times: dict[str, list[int]] = {}
        for event in self.events:
            category = _reaction_category(event)
            if category is not None:
                self._times.setdefault(category, []).append(int(event.get("ts", 0)))
        if left_at_ms is not None:
            self._times.setdefault("navigation", []).append(left_at_ms)
            self._times["navigation"].sort()

    def of_kind(self, *kinds: str) -> list[Event]:
        return [e for e in self.events if e.get("kind") in kinds]

    def first(self, categories: Iterable[str], after_ms: int, until_ms: int) -> int | None:
        """Time of the first reaction of these categories in (after_ms, until_ms], or None."""
        found: list[int] = []
        for category in categories:
            times = self._times.get(category, [])
            index = bisect_right(times, after_ms)
            if index < len(times) and times[index] <= until_ms:
                found.append(times[index])
        return min(found) if found else None

    def any_within(self, categories: Iterable[str], start_ms: int, end_ms: int) -> bool:
        """Whether a reaction of these categories falls in [start_ms, end_ms]."""
        for category in categories:
            times = self._times.get(category, [])
            index = bisect_left(times, start_ms)
            if index < len(times) and times[index] <= end_ms:
                return True
        return False

    @property
    def observed_until_ms(self) -> int:
        """The latest moment we know anything about this page view."""
        last = int(self.events[-1].get("ts", 0)) if self.events else 0
        return max(last, self.left_at_ms or 0)
