"""Erasure of a session or of everything about one visitor, and false-positive marks on signals.

Erasure deletes every stored document of the sessions, recomputes the affected daily aggregates
and heatmaps, and writes an ``audit_log`` entry with counts only.
Missing: a raw batch of the session still waiting in the queue would be processed after the
erasure and bring a part of the session back; raw batches have no session index to find them
by. They expire after ``raw_batch_ttl_s``; erasing again after that is complete.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.types import Info

from api.auth import Principal
from api.errors import NotFound
from schema.audit_log import write_audit
from schema.context import Context, IsAnalyst, IsPrivacyOfficer
from schema.types import Signal
from storage.mongo import Store

logger = logging.getLogger(__name__)

BY_SESSION = (
    "page_views",
    "event_chunks",
    "signals",
    "responses",
    "survey_events",
    "redaction_audit",
    "batches",
)
BY_VISITOR = ("responses", "survey_events")


@strawberry.type(description="How many stored documents an erasure deleted, per collection.")
class ErasureResult:
    sessions: int
    session_parts: int
    page_views: int
    event_chunks: int
    signals: int
    responses: int
    survey_events: int
    redaction_audit: int
    batches: int
    aggregates_recomputed: int = strawberry.field(description="(site, day) pairs recomputed.")


@dataclass
class _StoreOnly:
    """What ``workers.aggregate.recompute_day`` reads from its resources: the store."""

    store: Store


async def _affected_days(store: Store, session_ids: list[str]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for name in ("sessions", "page_views", "signals"):
        key = "_id" if name == "sessions" else "session_id"
        docs = (
            await store.db[name]
            .find({key: {"$in": session_ids}}, projection={"site_id": 1, "day": 1})
            .to_list(None)
        )
        pairs.update((d["site_id"], d["day"]) for d in docs if d.get("day"))
    return pairs


async def recompute(store: Store, pairs: set[tuple[str, str]]) -> int:
    """Recompute the aggregates of each (site, day) from what is left."""
    # Imported here: the worker's module pulls in the redaction engine, and is optional.
    try:
        from workers.aggregate import recompute_day
    except ImportError:  # pragma: no cover - the worker package ships with the API
        logger.warning("aggregates not recomputed after an erasure: workers.aggregate missing")
        return 0
    for site_id, day in sorted(pairs):
        await recompute_day(_StoreOnly(store), site_id, day)  # type: ignore[arg-type]
    return len(pairs)


async def erase_sessions(
    store: Store, who: Principal, session_ids: list[str], scope: str, extra: dict[str, Any]
) -> ErasureResult:
    pairs = await _affected_days(store, session_ids)
    counts: dict[str, int] = {}
    for name in BY_SESSION:
        query: dict[str, Any] = {"session_id": {"$in": session_ids}}
        if name in BY_VISITOR and extra:
            query = {"$or": [query, extra]}
        counts[name] = (await store.db[name].delete_many(query)).deleted_count
    counts["sessions"] = (
        await store.sessions.delete_many({"_id": {"$in": session_ids}})
    ).deleted_count
    # The worker's split state of each browser session ("<site>:<client id>", before "~part").
    browser_sessions = sorted({sid.split("~", 1)[0] for sid in session_ids})
    counts["session_parts"] = (
        await store.db["session_parts"].delete_many({"_id": {"$in": browser_sessions}})
    ).deleted_count

    recomputed = await recompute(store, pairs)
    await write_audit(store, who, "erasure", counts, scope=scope, site_days=len(pairs))
    return ErasureResult(**counts, aggregates_recomputed=recomputed)


@strawberry.type
class ErasureMutations:
    @strawberry.mutation(
        permission_classes=[IsPrivacyOfficer],
        description="Delete one session and everything stored about it.",
    )
    async def erase_session(self, info: Info[Context, Any], id: strawberry.ID) -> ErasureResult:
        who = await info.context.principal()
        session_id = str(id)
        # Session ids are "<site>:<client id>": the site is known even when the session
        # document is already gone and only some of its documents are left.
        await info.context.require_site(session_id.split(":", 1)[0])
        return await erase_sessions(info.context.store, who, [session_id], "session", {})

    @strawberry.mutation(
        permission_classes=[IsPrivacyOfficer],
        description="Delete every session of one visitor id, and everything stored about them.",
    )
    async def erase_visitor(
        self, info: Info[Context, Any], visitor_id: str, site_id: str | None = None
    ) -> ErasureResult:
        who = await info.context.principal()
        sites = await info.context.site_filter(site_id)
        store = info.context.store
        docs = await store.sessions.find(
            {**sites, "visitor_id": visitor_id}, projection={"_id": 1}
        ).to_list(None)
        ids = sorted(d["_id"] for d in docs)
        extra = {**sites, "visitor_id": visitor_id}
        return await erase_sessions(store, who, ids, "visitor", extra)

    @strawberry.mutation(
        permission_classes=[IsAnalyst],
        description="Mark a signal as a false positive (or clear the mark); the day's page "
        "aggregates are recomputed without it.",
    )
    async def mark_false_positive(
        self, info: Info[Context, Any], signal_id: strawberry.ID, false_positive: bool = True
    ) -> Signal:
        store = info.context.store
        doc = await store.signals.find_one({"_id": str(signal_id)})
        if not await info.context.sees(doc):
            raise NotFound("no such signal", field="signalId")
        await store.signals.update_one(
            {"_id": doc["_id"]},  # type: ignore[index]
            {"$set": {"false_positive": false_positive}},
        )
        doc["false_positive"] = false_positive  # type: ignore[index]
        # The day's aggregates leave false positives out; the session's own counts and score
        # follow when the worker next processes the session.
        if doc.get("day"):  # type: ignore[union-attr]
            await recompute(store, {(doc["site_id"], doc["day"])})  # type: ignore[index]
        who = await info.context.principal()
        await write_audit(
            store, who, "signal_marked", {"signals": 1}, false_positive=false_positive
        )
        return Signal.from_doc(doc)  # type: ignore[arg-type]
