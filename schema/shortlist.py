"""The replay shortlist: groups of sessions that struggled the same way, one to watch for each.

Computed on request with ``signals.shortlist.shortlist`` from the highest-scoring sessions of
the range (the session index of ``schema.loaders``), their page views and their signals (the
day bundles). The worker stores no shortlist; if it starts to, reading that would be quicker.
"""

from __future__ import annotations

import heapq
from typing import Any

import strawberry
from strawberry.types import Info

from schema.context import Context, IsAnalyst
from schema.pagination import and_all, keyset_key
from schema.sessions import Session, SessionFilter, index_entries
from schema.types import DateRange, check_limit
from signals.model import PageView, Signal
from signals.score import Score
from signals.shortlist import SessionSummary, shortlist

MAX_GROUPS = 50
MAX_PER_GROUP = 50
MAX_CANDIDATES = 500
"""The shortlist is built from this many of the range's highest-scoring sessions."""


@strawberry.type(description="Sessions with the same struggle: same page, element and signals.")
class ShortlistGroup:
    template: str
    element: str = strawberry.field(description="Selector of the element; empty for the page.")
    pattern: list[str] = strawberry.field(description="The kinds of signal, sorted.")
    reason: str = strawberry.field(description="Why the group is worth watching, in words.")
    size: int
    representative: Session = strawberry.field(description="The group's highest-scoring one.")
    sessions: list[Session] = strawberry.field(description="Members, highest score first.")


def _score(doc: dict[str, Any]) -> Score:
    stored = doc.get("score_breakdown")
    if isinstance(stored, dict) and "total" in stored:
        return Score.from_dict(stored)
    return Score(total=float(doc.get("score") or 0.0), breakdown={}, counts={})


def _page_view(doc: dict[str, Any]) -> PageView:
    return PageView(
        id=doc["_id"],
        session_id=doc["session_id"],
        path=doc.get("path", "/"),
        template=doc.get("template", "/"),
        start_ts=int(doc["started_at"]),
        end_ts=doc.get("ended_at"),
        site=doc.get("site_id", ""),
        window_id=doc.get("window_id", ""),
    )


async def summaries(context: Context, sessions: list[dict[str, Any]]) -> list[SessionSummary]:
    """Each candidate session with its page views and signals, loaded in one query each."""
    ids = [d["_id"] for d in sessions]
    views = await context.loaders.page_views.load_many(ids)
    signals = await context.loaders.signals.load_many(ids)
    return [
        SessionSummary(
            session_id=doc["_id"],
            page_views=[_page_view(v) for v in session_views],
            signals=[Signal.from_dict(s) for s in session_signals],
            score=_score(doc),
        )
        for doc, session_views, session_signals in zip(sessions, views, signals, strict=True)
    ]


async def candidate_sessions(
    context: Context, site_id: str, date_range: DateRange
) -> list[dict[str, Any]]:
    """The range's highest-scoring sessions with a score above 0, from the session index (or
    the stored sessions for a site never aggregated)."""
    entries = await index_entries(context, site_id, SessionFilter(range=date_range))
    if entries is None:
        return (
            await context.store.sessions.find(
                and_all({"site_id": site_id}, date_range.condition(), {"score": {"$gt": 0}})
            )
            .sort([("score", -1), ("_id", -1)])
            .limit(MAX_CANDIDATES)
            .to_list(None)
        )
    scored = (e for e in entries if (e.get("score") or 0) > 0)
    found = heapq.nlargest(MAX_CANDIDATES, scored, key=lambda e: keyset_key("score", e))
    return [context.loaders.remember(e) for e in found]


@strawberry.type
class ShortlistQueries:
    @strawberry.field(
        permission_classes=[IsAnalyst],
        description="Sessions worth replaying, grouped by the struggle they share, most worth "
        "watching first, each group with its reason.",
    )
    async def replay_shortlist(
        self,
        info: Info[Context, Any],
        site_id: str,
        range: DateRange,
        first: int = 10,
        per_group: int = 5,
    ) -> list[ShortlistGroup]:
        check_limit(first, MAX_GROUPS, "first")
        check_limit(per_group, MAX_PER_GROUP, "perGroup")
        await info.context.require_site(site_id)
        candidates = await candidate_sessions(info.context, site_id, range)
        by_id = {d["_id"]: d for d in candidates}
        groups = shortlist(await summaries(info.context, candidates), limit=first)
        return [
            ShortlistGroup(
                template=g.template,
                element=g.element,
                pattern=list(g.pattern),
                reason=g.reason,
                size=g.size,
                representative=Session.from_doc(by_id[g.representative]),
                sessions=[Session.from_doc(by_id[s]) for s in g.session_ids[:per_group]],
            )
            for g in groups
        ]
