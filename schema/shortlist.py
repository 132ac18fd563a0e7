"""The replay shortlist: groups of sessions that struggled the same way, one to watch for each.

Computed on request from the highest-scoring sessions of the range: from the session index
(``workers.aggregate.write_dashboard``), whose entries carry each session's struggle, or for a
site never aggregated with ``signals.shortlist.shortlist`` from the stored sessions, their page
views and signals.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from schema.context import Context, IsAnalyst
from schema.pagination import and_all
from schema.sessions import Session, SessionFilter, index_entries
from schema.types import DateRange, check_limit
from signals.aggregates import session_summary
from signals.shortlist import Group, SessionSummary, shortlist
from signals.shortlist import _reason as reason

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


async def summaries(context: Context, sessions: list[dict[str, Any]]) -> list[SessionSummary]:
    """Each candidate session with its page views and signals, loaded in one query each."""
    ids = [d["_id"] for d in sessions]
    views = await context.loaders.page_views.load_many(ids)
    signals = await context.loaders.signals.load_many(ids)
    return [
        session_summary(doc, session_views, session_signals)
        for doc, session_views, session_signals in zip(sessions, views, signals, strict=True)
    ]


async def candidate_sessions(
    context: Context, site_id: str, date_range: DateRange
) -> tuple[list[dict[str, Any]], bool]:
    """The range's highest-scoring sessions with a score above 0, from the session index (or
    the stored sessions for a site never aggregated), and whether they came from the index."""
    entries = await index_entries(
        context, site_id, SessionFilter(range=date_range), "score", limit=MAX_CANDIDATES
    )
    if entries is None:
        stored = (
            await context.store.sessions.find(
                and_all({"site_id": site_id}, date_range.condition(), {"score": {"$gt": 0}})
            )
            .sort([("score", -1), ("_id", -1)])
            .limit(MAX_CANDIDATES)
            .to_list(None)
        )
        return stored, False
    # Every session with a score above 0 sorts before the others: the first ones are the same.
    return [e for e in entries if (e.get("score") or 0) > 0], True


def indexed_shortlist(entries: list[dict[str, Any]], limit: int) -> list[Group]:
    """``signals.shortlist.shortlist`` of index entries, from the struggle each one carries
    (``signals.aggregates.session_struggle``): the same groups, no children read."""
    members: dict[tuple[str, str, tuple[str, ...]], list[tuple[float, str]]] = {}
    texts: dict[tuple[str, str, tuple[str, ...]], str] = {}
    for entry in entries:
        if entry.get("struggle") is None:
            continue
        template, element, kinds, text, total = entry["struggle"]
        key = (template, element, tuple(kinds))
        members.setdefault(key, []).append((float(total), entry["_id"]))
        texts.setdefault(key, text)
    groups = []
    for key, found in members.items():
        ranked = sorted(found, key=lambda m: (-m[0], m[1]))
        groups.append(
            Group(
                template=key[0],
                element=key[1],
                pattern=key[2],
                representative=ranked[0][1],
                representative_score=ranked[0][0],
                size=len(ranked),
                session_ids=[sid for _, sid in ranked],
                reason=reason(key, texts[key], len(ranked)),
            )
        )
    groups.sort(
        key=lambda g: (
            -sum(total for total, _ in members[(g.template, g.element, g.pattern)]),
            g.template,
            g.element,
            g.pattern,
        )
    )
    return groups[:limit]


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
        candidates, indexed = await candidate_sessions(info.context, site_id, range)
        by_id = {d["_id"]: d for d in candidates}
        if indexed:
            groups = indexed_shortlist(candidates, first)
        else:
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
