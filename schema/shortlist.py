"""The replay shortlist: the sessions most worth watching, grouped, each group explained.

The worker may store shortlists in ``shortlist`` as ``{_id: "<site>|<day>", site_id, day,
groups: [{key, title, explanation, session_ids: [..], reasons: {session id: text}}]}``; groups
of the same key are merged over the range. Without stored ones, the shortlist is computed here
from the sessions' ``score`` and ``signal_counts``: each session joins the group of its most
frequent signal kind, and each group lists its highest-scoring sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.types import Info

from schema.context import Context, IsAnalyst
from schema.pagination import and_all
from schema.sessions import Session
from schema.types import DateRange, check_limit
from signals.model import SIGNAL_KINDS
from storage.mongo import Store

COLLECTION = "shortlist"
MAX_PER_GROUP = 50
MAX_CANDIDATES = 1000
"""Computed shortlists look at this many of the highest-scoring sessions in the range."""

LABELS = {
    "rage_click": "rage clicks",
    "dead_click": "dead clicks",
    "slow_click": "slow clicks",
    "error_click": "error clicks",
    "thrashed_cursor": "thrashed cursor",
    "excessive_scroll": "excessive scrolling",
    "quick_back": "quick backs",
    "page_loop": "page loops",
    "form_abandonment": "abandoned forms",
}


@strawberry.type(description="A session on the shortlist and why it is there.")
class ShortlistEntry:
    session: Session
    reason: str


@strawberry.type(description="Sessions that share their main kind of trouble.")
class ShortlistGroup:
    key: str
    title: str
    explanation: str
    session_count: int = strawberry.field(description="Sessions in the group, shown or not.")
    entries: list[ShortlistEntry]


@dataclass
class _Group:
    key: str
    title: str
    explanation: str
    docs: list[dict[str, Any]] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)


def dominant_kind(counts: dict[str, int]) -> str | None:
    """The most frequent signal kind; ties go to the earlier kind in ``SIGNAL_KINDS``."""
    order = {k: i for i, k in enumerate(SIGNAL_KINDS)}
    present = [(n, -order.get(k, len(order)), k) for k, n in counts.items() if n]
    return max(present)[2] if present else None


def reason_of(doc: dict[str, Any]) -> str:
    counts = doc.get("signal_counts") or {}
    parts = [
        f"{n} {LABELS.get(k, k)}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n
    ]
    return f"{', '.join(parts)}; score {float(doc.get('score') or 0):.1f}"


def computed_groups(docs: list[dict[str, Any]]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for doc in docs:
        kind = dominant_kind(doc.get("signal_counts") or {})
        if kind is None:
            continue
        label = LABELS.get(kind, kind)
        group = groups.setdefault(
            kind,
            _Group(
                key=kind,
                title=label.capitalize(),
                explanation=f"Sessions whose most frequent signal was {label}, "
                "highest frustration score first.",
            ),
        )
        group.docs.append(doc)
        group.reasons[doc["_id"]] = reason_of(doc)
    return list(groups.values())


async def stored_groups(
    context: Context, docs: list[dict[str, Any]]
) -> list[_Group]:
    groups: dict[str, _Group] = {}
    reasons: dict[str, dict[str, str]] = {}
    ids: dict[str, list[str]] = {}
    for doc in sorted(docs, key=lambda d: d.get("day", "")):
        for raw in doc.get("groups") or []:
            key = str(raw.get("key", ""))
            # The newest day's title and explanation win.
            groups[key] = _Group(
                key=key,
                title=str(raw.get("title", key)),
                explanation=str(raw.get("explanation", "")),
            )
            ids.setdefault(key, []).extend(raw.get("session_ids") or [])
            reasons.setdefault(key, {}).update(raw.get("reasons") or {})
    for key, group in groups.items():
        loaded = await context.loaders.sessions.load_many(sorted(set(ids[key])))
        group.docs = [d for d in loaded if d is not None]
        group.reasons = {d["_id"]: reasons[key].get(d["_id"]) or reason_of(d) for d in group.docs}
    return list(groups.values())


def shown(group: _Group, per_group: int) -> ShortlistGroup:
    ranked = sorted(group.docs, key=lambda d: (-(d.get("score") or 0), d["_id"]))
    return ShortlistGroup(
        key=group.key,
        title=group.title,
        explanation=group.explanation,
        session_count=len(group.docs),
        entries=[
            ShortlistEntry(session=Session.from_doc(d), reason=group.reasons[d["_id"]])
            for d in ranked[:per_group]
        ],
    )


async def drop_from_shortlists(store: Store, session_ids: list[str]) -> int:
    """Remove erased sessions from stored shortlists; returns the documents changed."""
    if not session_ids:
        return 0
    erased = set(session_ids)
    changed = 0
    cursor = store.db[COLLECTION].find({"groups.session_ids": {"$in": session_ids}})
    for doc in await cursor.to_list(None):
        for group in doc.get("groups") or []:
            group["session_ids"] = [s for s in group.get("session_ids") or [] if s not in erased]
            for sid in erased & set(group.get("reasons") or {}):
                del group["reasons"][sid]
        await store.db[COLLECTION].replace_one({"_id": doc["_id"]}, doc)
        changed += 1
    return changed


@strawberry.type
class ShortlistQueries:
    @strawberry.field(
        permission_classes=[IsAnalyst],
        description="Sessions worth replaying, grouped by their main trouble, with reasons.",
    )
    async def replay_shortlist(
        self, info: Info[Context, Any], site_id: str, range: DateRange, per_group: int = 5
    ) -> list[ShortlistGroup]:
        check_limit(per_group, MAX_PER_GROUP, "perGroup")
        await info.context.require_site(site_id)
        where = and_all({"site_id": site_id}, range.condition())
        stored = await info.context.store.db[COLLECTION].find(where).to_list(None)
        if stored:
            groups = await stored_groups(info.context, stored)
        else:
            docs = (
                await info.context.store.sessions.find(and_all(where, {"score": {"$gt": 0}}))
                .sort([("score", -1), ("_id", -1)])
                .limit(MAX_CANDIDATES)
                .to_list(None)
            )
            groups = computed_groups(docs)
        result = [shown(g, per_group) for g in groups if g.docs]
        result.sort(key=lambda g: (-sum(e.session.score or 0 for e in g.entries), g.key))
        return result
