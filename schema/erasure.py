"""Erasure of a session or of everything about one visitor, and false-positive marks on signals.

Erasure itself is ``workers.retention.erase_sessions``, the one implementation the retention
sweep shares: it deletes every stored document of the sessions, marks them erased for batches
still queued, and writes an ``audit_log`` entry with counts only. The mutations then recompute
the affected daily aggregates and heatmaps at once, so the answer reflects the erasure.
"""

from __future__ import annotations

import dataclasses
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
from workers import retention

logger = logging.getLogger(__name__)

# How long an erasure waits for a batch of the session being stored before it answers
# ``unavailable`` (erasing again then completes it); the worker's own wait is a minute.
LOCK_WAIT_S = 10.0


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


async def recompute(store: Store, pairs: set[tuple[str, str]]) -> int:
    """Recompute the aggregates of each (site, day) from what is left."""
    # Imported here: the worker package is optional for the API (it loads no redaction engine).
    try:
        from workers.aggregate import recompute_days
    except ImportError:  # pragma: no cover - the worker package ships with the API
        logger.warning("aggregates not recomputed after an erasure: workers.aggregate missing")
        return 0
    by_site: dict[str, list[str]] = {}
    for site_id, day in sorted(pairs):
        by_site.setdefault(site_id, []).append(day)
    # One read of the site's stored documents for all its days (each read scans on FerretDB v1).
    for site_id, days in by_site.items():
        await recompute_days(_StoreOnly(store), site_id, days)  # type: ignore[arg-type]
    return len(pairs)


async def erase(
    context: Context,
    who: Principal,
    session_ids: list[str],
    scope: str,
    visitor: dict[str, Any] | None = None,
) -> ErasureResult:
    """Erase through ``workers.retention``, then recompute the touched aggregates now."""
    store = context.store
    # Known shortcoming: retention.erase_sessions finds these pairs too but returns only their
    # count; returning the pairs would save this second lookup.
    pairs = await retention.affected_days(store, session_ids)
    counts = await retention.erase_sessions(
        store,
        context.queue(),
        session_ids,
        who.key_id,
        role=who.role.value,
        scope=scope,
        visitor=visitor,
        lock_wait_s=LOCK_WAIT_S,
    )
    recomputed = await recompute(store, pairs)
    deleted = {f.name: counts.get(f.name, 0) for f in dataclasses.fields(ErasureResult)}
    return ErasureResult(**{**deleted, "aggregates_recomputed": recomputed})


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
        # The site may be gone while documents of it are left: those must still be erasable.
        await info.context.require_site(session_id.split(":", 1)[0], must_exist=False)
        return await erase(info.context, who, [session_id], "session")

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
        return await erase(info.context, who, ids, "visitor", {**sites, "visitor_id": visitor_id})

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
