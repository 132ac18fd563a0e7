"""GraphQL types shared by several queries, built from stored (already redacted) documents."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from api.errors import InvalidInput

MAX_RANGE_DAYS = 400
"""The longest date range one query may cover (a year, plus slack for year-on-year views)."""


def ms_to_datetime(ms: int | float | None) -> datetime | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def json_value(value: Any) -> JSON:
    """A stored value as the JSON scalar; only its static type changes."""
    return cast(JSON, value)


def utc_today() -> date:
    return datetime.now(tz=UTC).date()


@strawberry.input(description="Days from `from` to `to`, both included, in UTC.")
class DateRange:
    from_: date = strawberry.field(name="from")
    to: date

    def checked(self, max_days: int = MAX_RANGE_DAYS) -> tuple[str, str]:
        """The range as ``(first_day, last_day)`` strings; raise if reversed or too long."""
        if self.to < self.from_:
            raise InvalidInput("the range ends before it starts", field="range")
        if (self.to - self.from_).days + 1 > max_days:
            raise InvalidInput(f"the range may cover at most {max_days} days", field="range")
        return self.from_.isoformat(), self.to.isoformat()

    def days(self) -> list[str]:
        first = self.from_
        return [(first + timedelta(days=i)).isoformat() for i in range((self.to - first).days + 1)]

    def condition(self, max_days: int = MAX_RANGE_DAYS) -> dict[str, Any]:
        """The store filter on a document's ``day`` field."""
        first, last = self.checked(max_days)
        return {"day": {"$gte": first, "$lte": last}}


def day_condition(date_range: DateRange | None) -> dict[str, Any]:
    return date_range.condition() if date_range is not None else {}


def check_limit(value: int, maximum: int, name: str) -> int:
    if not 0 < value <= maximum:
        raise InvalidInput(f"{name} must be between 1 and {maximum}", field=name)
    return value


@strawberry.type(description="How many times something happened.")
class NamedCount:
    name: str
    count: int


def named_counts(counts: dict[str, int] | None) -> list[NamedCount]:
    """Counts as a list, largest first, then by name."""
    items = sorted((counts or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return [NamedCount(name=k, count=int(v)) for k, v in items]


@strawberry.type(description="How many signals of one kind.")
class SignalCount:
    kind: str
    count: int


def signal_counts(counts: dict[str, int] | None) -> list[SignalCount]:
    """Non-zero signal counts, sorted by kind."""
    return [SignalCount(kind=k, count=int(v)) for k, v in sorted((counts or {}).items()) if v]


@strawberry.type(description="One event of a session's redacted timeline.")
class Event:
    ts: datetime
    kind: str
    node: int | None
    selector: str | None
    text: str | None
    x: float | None
    y: float | None
    data: JSON | None
    flags: list[str] = strawberry.field(
        description="ts_clamped: the recorder's time was an outlier, replaced by a neighbour's "
        "(timing detectors leave the event out); ts_missing: the recorder sent no time; "
        "orphaned: a change to a DOM node no snapshot showed."
    )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Event:
        target = doc.get("target") or {}
        return cls(
            ts=ms_to_datetime(doc["ts"]),  # type: ignore[arg-type]
            kind=doc["kind"],
            node=doc.get("node"),
            selector=target.get("selector"),
            text=target.get("text"),
            x=doc.get("x"),
            y=doc.get("y"),
            data=doc.get("data") or None,
            flags=[str(f) for f in doc.get("flags") or ()],
        )


@strawberry.type(description="One page load in one window (tab) of a session.")
class PageView:
    id: strawberry.ID
    session_id: str
    url: str
    path: str
    template: str
    department: str | None
    window_id: str
    started_at: datetime
    ended_at: datetime | None
    event_count: int
    signal_counts: list[SignalCount]
    frustrated: bool

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> PageView:
        counts = doc.get("signal_counts") or {}
        return cls(
            id=strawberry.ID(doc["_id"]),
            session_id=doc.get("session_id", ""),
            url=doc.get("url", ""),
            path=doc.get("path", ""),
            template=doc.get("template", ""),
            department=doc.get("department"),
            window_id=doc.get("window_id", ""),
            started_at=ms_to_datetime(doc["started_at"]),  # type: ignore[arg-type]
            ended_at=ms_to_datetime(doc.get("ended_at")),
            event_count=doc.get("event_count", 0),
            signal_counts=signal_counts(counts),
            frustrated=bool(doc.get("frustrated", any(counts.values()))),
        )


@strawberry.type(description="A detected frustration, with the thresholds that produced it.")
class Signal:
    id: strawberry.ID
    kind: str
    session_id: str
    page_view_id: str | None
    template: str | None
    ts: datetime
    end_ts: datetime
    node: int | None
    selector: str | None
    text: str | None
    details: JSON
    thresholds: JSON
    thresholds_version: str
    false_positive: bool

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Signal:
        target = doc.get("target") or {}
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            kind=doc["kind"],
            session_id=doc.get("session_id", ""),
            page_view_id=doc.get("page_view_id"),
            template=doc.get("template"),
            ts=ms_to_datetime(doc["ts"]),  # type: ignore[arg-type]
            end_ts=ms_to_datetime(doc.get("end_ts", doc["ts"])),  # type: ignore[arg-type]
            node=doc.get("node"),
            selector=target.get("selector"),
            text=target.get("text"),
            details=json_value(doc.get("details") or {}),
            thresholds=json_value(doc.get("thresholds") or {}),
            thresholds_version=str(doc.get("thresholds_version", "")),
            false_positive=bool(doc.get("false_positive", False)),
        )
