"""The replay shortlist: groups of sessions that struggled the same way, one to watch for each.

Computed on request with ``signals.shortlist.shortlist`` from the highest-scoring sessions of
the range, their page views and their signals (three store queries). The worker stores no
shortlist; if it starts to, reading that instead would make this a single query.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from schema.context import Context, IsAnalyst
from schema.pagination import and_all
from schema.sessions import Session
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
        candidates = (
            await info.context.store.sessions.find(
                and_all({"site_id": site_id}, range.condition(), {"score": {"$gt": 0}})
            )
            .sort([("score", -1), ("_id", -1)])
            .limit(MAX_CANDIDATES)
            .to_list(None)
        )
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
