"""Page metrics: per-template totals over a date range, and time series by day or by hour.

Daily numbers come from the ``aggregates`` the worker keeps per (site, day, template); hourly
ones are counted from ``page_views`` (there is no hourly aggregate), so their range is short.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from api.errors import InvalidInput
from schema.context import Context
from schema.pagination import and_all
from schema.types import DateRange, SignalCount, signal_counts
from signals.aggregates import HOUR_MS, hour_counts
from signals.model import SIGNAL_KINDS

MAX_HOURLY_DAYS = 7
AGGREGATE_FIELDS = {
    "template": 1,
    "department": 1,
    "day": 1,
    "sessions": 1,
    "page_views": 1,
    "frustrated_page_views": 1,
    "signals": 1,
}


@strawberry.type(description="How many signals of one kind, and how many per page view.")
class SignalMetric:
    kind: str
    count: int
    rate: float = strawberry.field(description="Signals of this kind per page view.")


@strawberry.type(description="One page template's numbers over a date range.")
class PageMetrics:
    site_id: str
    template: str
    department: str | None
    sessions: int = strawberry.field(
        description="Sum of daily session counts: a session seen on two days counts twice."
    )
    page_views: int
    frustrated_page_views: int
    frustration_rate: float
    signals: list[SignalMetric]


@strawberry.type(description="The numbers of one day or one hour.")
class MetricPoint:
    start: datetime
    page_views: int
    frustrated_page_views: int
    frustration_rate: float
    signals: list[SignalCount]
    known_sessions: strawberry.Private[int | None] = None
    # (site, first day, last day) of a site series: its sessions are counted only if asked for.
    range_key: strawberry.Private[tuple[str, str, str] | None] = None

    @strawberry.field(
        description="Sessions that saw the page then; for a whole site, sessions started that day."
    )
    async def sessions(self, info: Info[Context, Any]) -> int:
        if self.known_sessions is not None or self.range_key is None:
            return self.known_sessions or 0
        per_day = await info.context.loaders.sessions_per_day.load(self.range_key)
        return per_day.get(self.start.date().isoformat(), 0)


@strawberry.enum
class Interval(Enum):
    DAY = "day"
    HOUR = "hour"


@strawberry.enum(description="What to order pages by; the signal ones need `signalKind`.")
class PageOrder(Enum):
    PAGE_VIEWS = "page_views"
    SESSIONS = "sessions"
    FRUSTRATED_PAGE_VIEWS = "frustrated_page_views"
    FRUSTRATION_RATE = "frustration_rate"
    SIGNAL_COUNT = "signal_count"
    SIGNAL_RATE = "signal_rate"


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def page_metrics(site_id: str, docs: list[dict[str, Any]]) -> list[PageMetrics]:
    """Sum aggregate documents per template."""
    totals: dict[str, dict[str, Any]] = {}
    for doc in docs:
        row = totals.setdefault(
            doc["template"],
            {"department": doc.get("department"), "sessions": 0, "page_views": 0, "frustrated": 0},
        )
        row["sessions"] += int(doc.get("sessions", 0))
        row["page_views"] += int(doc.get("page_views", 0))
        row["frustrated"] += int(doc.get("frustrated_page_views", 0))
        row.setdefault("signals", Counter()).update(doc.get("signals") or {})
    return [
        PageMetrics(
            site_id=site_id,
            template=template,
            department=row["department"],
            sessions=row["sessions"],
            page_views=row["page_views"],
            frustrated_page_views=row["frustrated"],
            frustration_rate=_rate(row["frustrated"], row["page_views"]),
            signals=[
                SignalMetric(kind=k, count=n, rate=_rate(n, row["page_views"]))
                for k, n in sorted(row.get("signals", Counter()).items())
                if n
            ],
        )
        for template, row in totals.items()
    ]


def sort_key(order: PageOrder, signal_kind: str | None) -> Any:
    if order in (PageOrder.SIGNAL_COUNT, PageOrder.SIGNAL_RATE):
        if signal_kind not in SIGNAL_KINDS:
            raise InvalidInput("ordering by a signal needs a known signalKind", field="signalKind")
        wants_rate = order is PageOrder.SIGNAL_RATE

        def by_signal(m: PageMetrics) -> float:
            found = next((s for s in m.signals if s.kind == signal_kind), None)
            return 0 if found is None else (found.rate if wants_rate else found.count)

        return by_signal
    return lambda m: getattr(m, order.value)


async def site_per_day(
    context: Context, site_id: str, date_range: DateRange, field: str
) -> dict[str, Any] | None:
    """Day -> the site's per-day ``field`` (``schema.loaders``) over the range; None when the
    site's days were never aggregated."""
    first, last = date_range.checked()
    return await context.loaders.per_day(f"{site_id}|days", field, first, last)


async def site_hours(
    context: Context, site_id: str, date_range: DateRange
) -> dict[str, Any] | None:
    """Day -> the site's hourly rows over the range (``site|hours``, or ``site|days`` for days
    written by an earlier version); None when the site's days were never aggregated."""
    first, last = date_range.checked()
    return await context.loaders.moved_per_day(
        f"{site_id}|days", f"{site_id}|hours", "hours", first, last
    )


async def page_per_day(
    context: Context, site_id: str, template: str, date_range: DateRange
) -> dict[str, Any] | None:
    """Day -> one template's detail (elements, heatmaps, hours) over the range; None when the
    site's days were never aggregated."""
    first, last = date_range.checked()
    found = await context.loaders.per_day(f"{site_id}|page|{template}", "days", first, last)
    if found is None:
        # A template without any day aggregated, or a site never aggregated (None).
        return None if await context.loaders.site_days(site_id) is None else {}
    return {day: value[0] for day, value in found.items()}


async def aggregate_docs(
    context: Context, site_id: str, date_range: DateRange, extra: dict[str, Any]
) -> list[dict[str, Any]]:
    """The site's daily rows per (template, department) over the range, matching ``extra``."""
    await context.require_site(site_id)
    per_day = await site_per_day(context, site_id, date_range, "pages")
    if per_day is not None:
        rows = [row for day_rows in per_day.values() for row in day_rows]
        return [r for r in rows if all(r.get(k) == v for k, v in extra.items())]
    query = and_all({"site_id": site_id}, date_range.condition(), extra)
    return await context.store.aggregates.find(query, projection=AGGREGATE_FIELDS).to_list(None)


def _point(
    start: datetime,
    sessions: int | None,
    views: int,
    frustrated: int,
    c: Counter[str],
    range_key: tuple[str, str, str] | None = None,
) -> MetricPoint:
    return MetricPoint(
        start=start,
        known_sessions=sessions,
        range_key=range_key,
        page_views=views,
        frustrated_page_views=frustrated,
        frustration_rate=_rate(frustrated, views),
        signals=signal_counts(dict(c)),
    )


async def daily_series(
    context: Context, site_id: str, date_range: DateRange, template: str | None
) -> list[MetricPoint]:
    extra = {"template": template} if template is not None else {}
    docs = await aggregate_docs(context, site_id, date_range, extra)
    views: Counter[str] = Counter()
    frustrated: Counter[str] = Counter()
    sessions: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = {}
    for doc in docs:
        views[doc["day"]] += int(doc.get("page_views", 0))
        frustrated[doc["day"]] += int(doc.get("frustrated_page_views", 0))
        sessions[doc["day"]] += int(doc.get("sessions", 0))
        kinds.setdefault(doc["day"], Counter()).update(doc.get("signals") or {})
    # Summing templates would count a session once per page it saw: a site series counts the
    # sessions themselves, in one query, and only when the client asks for them.
    first, last = date_range.checked()
    key = (site_id, first, last) if template is None else None
    return [
        _point(
            datetime.fromisoformat(day).replace(tzinfo=UTC),
            sessions[day] if template is not None else None,
            views[day],
            frustrated[day],
            kinds.get(day, Counter()),
            key,
        )
        for day in date_range.days()
    ]


async def hourly_series(
    context: Context, site_id: str, date_range: DateRange, template: str | None
) -> list[MetricPoint]:
    await context.require_site(site_id)
    date_range.checked(max_days=MAX_HOURLY_DAYS)
    if template is None:
        per_day = await site_hours(context, site_id, date_range)
    else:
        details = await page_per_day(context, site_id, template, date_range)
        per_day = None if details is None else {d: v["hours"] for d, v in details.items()}
    if per_day is None:
        rows = await hourly_rows_from_page_views(context, site_id, date_range, template)
    else:
        rows = [row for day_rows in per_day.values() for row in day_rows]
    by_hour = {int(r[0]): r for r in rows}

    first = datetime.combine(date_range.from_, datetime.min.time(), tzinfo=UTC)
    points = []
    for i in range(len(date_range.days()) * 24):
        start = first + timedelta(hours=i)
        _, views, frustrated, sessions, kinds = by_hour.get(
            int(start.timestamp() * 1000) // HOUR_MS, [0, 0, 0, 0, {}]
        )
        points.append(_point(start, sessions, views, frustrated, Counter(kinds)))
    return points


async def hourly_rows_from_page_views(
    context: Context, site_id: str, date_range: DateRange, template: str | None
) -> list[list[Any]]:
    """``signals.aggregates.hour_counts`` rows counted from the stored page views."""
    query = and_all(
        {"site_id": site_id},
        date_range.condition(max_days=MAX_HOURLY_DAYS),
        {"template": template} if template is not None else {},
    )
    docs = await context.store.page_views.find(
        query,
        projection={"started_at": 1, "session_id": 1, "signal_counts": 1, "template": 1},
    ).to_list(None)
    return hour_counts(docs).get(template or "", [])


async def series(
    context: Context, site_id: str, date_range: DateRange, template: str | None, interval: Interval
) -> list[MetricPoint]:
    if interval is Interval.HOUR:
        return await hourly_series(context, site_id, date_range, template)
    return await daily_series(context, site_id, date_range, template)
