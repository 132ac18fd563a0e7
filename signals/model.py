"""What detectors read (page views of analytics events) and what they produce (signals)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingest.model import Event, Target
from signals.thresholds import Thresholds

RAGE_CLICK = "rage_click"
DEAD_CLICK = "dead_click"
SLOW_CLICK = "slow_click"
ERROR_CLICK = "error_click"
THRASHED_CURSOR = "thrashed_cursor"
EXCESSIVE_SCROLL = "excessive_scroll"
QUICK_BACK = "quick_back"
PAGE_LOOP = "page_loop"
FORM_ABANDONMENT = "form_abandonment"

CLAMPED_EVENTS_IGNORED = "clamped_events_ignored"

SIGNAL_KINDS = (
    RAGE_CLICK,
    DEAD_CLICK,
    SLOW_CLICK,
    ERROR_CLICK,
    THRASHED_CURSOR,
    EXCESSIVE_SCROLL,
    QUICK_BACK,
    PAGE_LOOP,
    FORM_ABANDONMENT,
)


@dataclass(frozen=True)
class PageView:
    """One page view of a session: its page, its time span and its analytics events."""

    id: str
    session_id: str
    path: str
    template: str
    start_ts: int
    end_ts: int | None = None
    """When the page view ended (next page view, or the session's end); None while it may go on."""
    events: Sequence[Event] = ()
    site: str = ""
    window_id: str = ""

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> PageView:
        """Build from a stored document; `template` falls back to the path."""
        path = str(doc.get("path") or "/")
        return cls(
            id=str(doc["id"]),
            session_id=str(doc.get("session_id", "")),
            path=path,
            template=str(doc.get("template") or path),
            start_ts=int(doc["start_ts"]),
            end_ts=None if doc.get("end_ts") is None else int(doc["end_ts"]),
            events=tuple(doc.get("events") or ()),
            site=str(doc.get("site", "")),
            window_id=str(doc.get("window_id", "")),
        )


@dataclass(frozen=True)
class Signal:
    """One detected frustration, with the thresholds that produced it."""

    kind: str
    ts: int
    end_ts: int
    node: int | None
    target: dict[str, str] | None
    """`{"tag", "selector", "text"}` of the element concerned (already redacted), or None."""
    details: dict[str, Any]
    thresholds: dict[str, Any]
    thresholds_version: str
    page_view_id: str | None = None
    false_positive: bool = False
    flags: tuple[str, ...] = ()
    """`clamped_events_ignored`: the page view had events with clamped times, left out here."""

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "kind": self.kind,
            "ts": self.ts,
            "end_ts": self.end_ts,
            "node": self.node,
            "target": self.target,
            "details": self.details,
            "thresholds": self.thresholds,
            "thresholds_version": self.thresholds_version,
            "page_view_id": self.page_view_id,
            "false_positive": self.false_positive,
        }
        # Only when set, so signals stored before flags existed compare equal.
        if self.flags:
            doc["flags"] = list(self.flags)
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Signal:
        return cls(
            kind=str(doc["kind"]),
            ts=int(doc["ts"]),
            end_ts=int(doc.get("end_ts", doc["ts"])),
            node=doc.get("node"),
            target=doc.get("target"),
            details=dict(doc.get("details") or {}),
            thresholds=dict(doc.get("thresholds") or {}),
            thresholds_version=str(doc.get("thresholds_version", "")),
            page_view_id=doc.get("page_view_id"),
            false_positive=bool(doc.get("false_positive", False)),
            flags=tuple(str(flag) for flag in doc.get("flags") or ()),
        )


@dataclass
class SignalFactory:
    """Builds signals that all carry the same thresholds and page view id."""

    thresholds: Thresholds
    page_view_id: str | None = None
    _values: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._values = self.thresholds.to_dict()

    def make(
        self,
        kind: str,
        ts: int,
        end_ts: int,
        event: Event | None = None,
        **details: Any,
    ) -> Signal:
        """A signal about `event`'s element (node and target), or about the page if None."""
        return Signal(
            kind=kind,
            ts=ts,
            end_ts=end_ts,
            node=event.get("node") if event else None,
            target=target_summary(event.get("target")) if event else None,
            details=details,
            thresholds=dict(self._values),
            thresholds_version=self.thresholds.version,
            page_view_id=self.page_view_id,
        )


def target_summary(target: Target | None) -> dict[str, str] | None:
    """The part of an event target a signal keeps: tag, selector and (redacted) text."""
    if not target:
        return None
    return {
        "tag": str(target.get("tag", "")),
        "selector": str(target.get("selector", "")),
        "text": str(target.get("text", ""))[:100],
    }


def sort_signals(signals: list[Signal]) -> list[Signal]:
    """Signals in a stable order: by time, then kind, then node."""
    return sorted(signals, key=lambda s: (s.ts, s.kind, s.node if s.node is not None else -1))
