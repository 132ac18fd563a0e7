"""Session queries: the filtered, keyset-paginated list and one session with all it holds."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import InvalidInput
from schema.context import Context, IsAnalyst
from schema.pagination import Connection, and_all, page_of, sorted_after
from schema.types import (
    DateRange,
    Event,
    PageView,
    Signal,
    SignalCount,
    check_limit,
    day_condition,
    json_value,
    ms_to_datetime,
    signal_counts,
)
from signals.model import SIGNAL_KINDS
from storage.chunks import unpack
from workers.timeline import window_events

logger = logging.getLogger(__name__)

MAX_EVENTS = 5000
MAX_REPLAY_CHUNKS = 500
MAX_PAGE_FILTER_SESSIONS = 20_000
"""A page or department filter first finds the matching session ids; beyond this many, the
caller is asked to narrow the range. Missing: session documents listing their templates and
departments would make this one indexed query."""


@strawberry.type(description="A survey response given during a session (answers redacted).")
class SessionResponse:
    id: strawberry.ID
    survey_id: str
    submitted_at: datetime | None
    updated_at: datetime | None
    template: str | None
    negative: bool
    answers: JSON

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SessionResponse:
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            survey_id=str(doc.get("survey_id", "")),
            submitted_at=ms_to_datetime(doc.get("ts")),
            updated_at=ms_to_datetime(doc.get("updated_at", doc.get("ts"))),
            template=doc.get("template"),
            negative=bool(doc.get("negative", False)),
            answers=json_value(doc.get("answers") or {}),
        )


@strawberry.type(description="The stored, redacted rrweb events of one batch of one window.")
class ReplayChunk:
    id: strawberry.ID
    window_id: str
    seq: int
    received_at: datetime | None
    events: JSON


@strawberry.type(description="A resident's visit to one site, possibly across several tabs.")
class Session:
    id: strawberry.ID
    site_id: str
    day: str
    started_at: datetime
    ended_at: datetime
    event_count: int
    page_view_count: int
    window_count: int
    device: str | None
    browser: str | None
    os: str | None
    score: float | None
    score_breakdown: JSON
    signal_counts: list[SignalCount]
    has_response: bool

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Session:
        score = doc.get("score")
        return cls(
            id=strawberry.ID(doc["_id"]),
            site_id=doc["site_id"],
            day=doc.get("day", ""),
            started_at=ms_to_datetime(doc["started_at"]),  # type: ignore[arg-type]
            ended_at=ms_to_datetime(doc["ended_at"]),  # type: ignore[arg-type]
            event_count=doc.get("event_count", 0),
            page_view_count=doc.get("page_view_count", 0),
            window_count=doc.get("window_count", 1),
            device=doc.get("device"),
            browser=doc.get("browser"),
            os=doc.get("os"),
            score=float(score) if score is not None else None,
            score_breakdown=json_value(doc.get("score_breakdown") or {}),
            signal_counts=signal_counts(doc.get("signal_counts")),
            has_response=bool(doc.get("has_response", False)),
        )

    @strawberry.field(description="The session's page views, in order.")
    async def page_views(self, info: Info[Context, Any]) -> list[PageView]:
        docs = await info.context.loaders.page_views.load(str(self.id))
        return [PageView.from_doc(d) for d in docs]

    @strawberry.field(description="The session's signals in time order, with their thresholds.")
    async def signals(
        self,
        info: Info[Context, Any],
        kinds: list[str] | None = None,
        include_false_positives: bool = True,
    ) -> list[Signal]:
        docs = await info.context.loaders.signals.load(str(self.id))
        wanted = set(checked_kinds(kinds)) if kinds else None
        return [
            Signal.from_doc(d)
            for d in docs
            if (wanted is None or d["kind"] in wanted)
            and (include_false_positives or not d.get("false_positive"))
        ]

    @strawberry.field(description="Survey responses given during the session.")
    async def survey_responses(self, info: Info[Context, Any]) -> list[SessionResponse]:
        docs = await info.context.loaders.responses.load(str(self.id))
        return [SessionResponse.from_doc(d) for d in docs]

    @strawberry.field(description="The redacted analytics-event timeline, in time order.")
    async def events(
        self, info: Info[Context, Any], first: int = 500, kinds: list[str] | None = None
    ) -> list[Event]:
        check_limit(first, MAX_EVENTS, "first")
        chunks = await info.context.store.event_chunks.find(
            {"session_id": str(self.id)},
            projection={"payload": 1, "format": 1, "window_id": 1, "seq": 1, "received_at_ms": 1},
        ).to_list(None)
        by_window: dict[str, list[dict[str, Any]]] = {}
        for chunk in chunks:
            by_window.setdefault(chunk["window_id"], []).append(chunk)
        events = [e for window in by_window.values() for e in window_events(window)]
        # sort() is stable: equal timestamps keep each window's order.
        events.sort(key=lambda e: e["ts"])
        if kinds:
            wanted = set(kinds)
            events = [e for e in events if e["kind"] in wanted]
        return [Event.from_doc(e) for e in events[:first]]

    @strawberry.field(description="Stored redacted rrweb events per window and batch, for replay.")
    async def replay(
        self, info: Info[Context, Any], window_id: str | None = None, first: int = 100
    ) -> list[ReplayChunk]:
        check_limit(first, MAX_REPLAY_CHUNKS, "first")
        query: dict[str, Any] = {"session_id": str(self.id), "format": "rrweb"}
        if window_id is not None:
            query["window_id"] = window_id
        docs = (
            await info.context.store.event_chunks.find(
                query, projection={"window_id": 1, "seq": 1, "received_at_ms": 1, "payload": 1}
            )
            .sort([("window_id", 1), ("seq", 1)])
            .limit(first)
            .to_list(None)
        )
        return [
            ReplayChunk(
                id=strawberry.ID(d["_id"]),
                window_id=d["window_id"],
                seq=d.get("seq", 0),
                received_at=ms_to_datetime(d.get("received_at_ms")),
                events=json_value(unpack(d.get("payload"))),
            )
            for d in docs
        ]


def checked_kinds(kinds: list[str]) -> list[str]:
    unknown = sorted(set(kinds) - set(SIGNAL_KINDS))
    if unknown:
        raise InvalidInput(f"unknown signal kind: {unknown[0]}", field="kinds")
    return kinds


@strawberry.enum(description="How to order sessions.")
class SessionOrder(Enum):
    NEWEST = "started_at"
    HIGHEST_SCORE = "score"


@strawberry.input(description="Conditions a session must meet; all given ones apply.")
class SessionFilter:
    range: DateRange | None = None
    template: str | None = strawberry.field(default=None, description="Visited this page.")
    department: str | None = strawberry.field(default=None, description="Visited its pages.")
    signal_kinds: list[str] | None = strawberry.field(
        default=None, description="Has at least one signal of any of these kinds."
    )
    min_score: float | None = None
    has_response: bool | None = None
    device: str | None = strawberry.field(default=None, description="desktop, mobile or tablet.")


async def session_condition(
    context: Context, site_id: str | None, f: SessionFilter | None
) -> dict[str, Any]:
    """The store filter for ``sessions`` from the site scope and the filter input."""
    f = f or SessionFilter()
    sites = await context.site_filter(site_id)
    days = day_condition(f.range)
    parts: list[dict[str, Any]] = [sites, days]
    if f.signal_kinds:
        kinds = checked_kinds(f.signal_kinds)
        parts.append({"$or": [{f"signal_counts.{k}": {"$gt": 0}} for k in kinds]})
    if f.min_score is not None:
        parts.append({"score": {"$gte": f.min_score}})
    if f.has_response is not None:
        parts.append({"has_response": True} if f.has_response else {"has_response": {"$ne": True}})
    if f.device is not None:
        parts.append({"device": f.device})
    if f.template is not None or f.department is not None:
        visit = {k: v for k, v in (("template", f.template), ("department", f.department)) if v}
        ids = await context.store.page_views.distinct("session_id", and_all(sites, days, visit))
        if len(ids) > MAX_PAGE_FILTER_SESSIONS:
            raise InvalidInput(
                f"over {MAX_PAGE_FILTER_SESSIONS} sessions visited that page; narrow the range",
                field="filter",
            )
        parts.append({"_id": {"$in": sorted(ids)}})
    return and_all(*parts)


@strawberry.type
class SessionQueries:
    @strawberry.field(permission_classes=[IsAnalyst], description="Sessions, filtered and ordered.")
    async def sessions(
        self,
        info: Info[Context, Any],
        site_id: str | None = None,
        filter: SessionFilter | None = None,
        order: SessionOrder = SessionOrder.NEWEST,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Session]:
        check_limit(first, info.context.settings.graphql_max_page_size, "first")
        field = order.value
        query = and_all(
            await session_condition(info.context, site_id, filter), sorted_after(field, after)
        )
        docs = (
            await info.context.store.sessions.find(query)
            .sort([(field, -1), ("_id", -1)])
            .limit(first + 1)
            .to_list(None)
        )
        for doc in docs:
            # A later lookup of one of these sessions by id needs no query.
            info.context.loaders.sessions.prime(doc["_id"], doc)
        edges, page_info = page_of(docs, first, field, Session.from_doc)
        return Connection(edges=edges, page_info=page_info)

    @strawberry.field(permission_classes=[IsAnalyst], description="One session by id.")
    async def session(self, info: Info[Context, Any], id: strawberry.ID) -> Session | None:
        doc = await info.context.loaders.sessions.load(str(id))
        if not await info.context.sees(doc):
            return None
        return Session.from_doc(doc)  # type: ignore[arg-type]
