"""Retention and erasure: delete sessions and everything stored about them, on schedule or request.

The retention sweep runs as a worker cron: per site, sessions that ended more than
``retention_days`` ago go, with their page views, event chunks, signals, survey responses and
events and redaction audits; day-stamped documents left without a session go too. FerretDB v1
has no TTL indexes, so the sweep does this on MongoDB as well, the same way on both.

Erasure (`erase_sessions`, `erase_visitor`) is what the GraphQL mutations call. Both mark the
touched (site, day) aggregates dirty, so the worker recomputes them from what is left, and both
write an ``audit_log`` entry with counts only.

This module stays light (no redaction engine): the API imports it for the erasure mutations.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import LockError

from api.errors import Unavailable
from storage.mongo import Store
from workers.dirty import mark_days, mark_of

logger = logging.getLogger(__name__)

LOCK_PREFIX = "stuckpoint:lock:"
# A batch of an erased session still in the queue is dropped while this marker lives.
ERASED_PREFIX = "stuckpoint:erased:"
ERASED_TTL_S = 7 * 24 * 3600  # as long as a raw batch can wait (settings.raw_batch_ttl_s)

DAY_MS = 86_400_000
DEFAULT_RETENTION_DAYS = 90
SWEEP_BATCH = 500

# Collections holding a session's documents, all with a `session_id` field.
BY_SESSION = (
    "page_views",
    "event_chunks",
    "signals",
    "responses",
    "survey_events",
    "redaction_audit",
    "batches",
)
# Collections that also carry the visitor id, erased by visitor as well as by session.
BY_VISITOR = ("responses", "survey_events")
# Collections with a `day` of their own: the sweep also removes old ones left without a session.
BY_DAY = ("page_views", "signals", "responses", "survey_events", "redaction_audit")


def day_of(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def lock_key(session_id: str) -> str:
    """The Redis lock a worker holds while it writes one session."""
    return LOCK_PREFIX + session_id


async def affected_days(store: Store, session_ids: list[str]) -> set[tuple[str, str]]:
    """The (site, day) pairs whose aggregates count these sessions."""
    pairs: set[tuple[str, str]] = set()
    for name, key in (("sessions", "_id"), ("page_views", "session_id"), ("signals", "session_id")):
        docs = (
            await store.db[name]
            .find({key: {"$in": session_ids}}, projection={"site_id": 1, "day": 1})
            .to_list(None)
        )
        pairs.update((d["site_id"], d["day"]) for d in docs if d.get("day") and d.get("site_id"))
    return pairs


async def mark_dirty(redis: Redis, pairs: set[tuple[str, str]]) -> None:
    if pairs:
        await mark_days(redis, [mark_of(site, day) for site, day in pairs])


async def write_audit(
    store: Store, who: str, role: str, action: str, counts: dict[str, int], **details: Any
) -> None:
    """One ``audit_log`` entry, shaped like schema.audit_log's; ids and counts only."""
    await store.audit_log.insert_one(
        {
            "_id": secrets.token_hex(12),
            "who": who,
            "role": role,
            "when": int(time.time() * 1000),
            "action": action,
            "counts": counts,
            **details,
        }
    )


async def delete_sessions(
    store: Store, session_ids: list[str], visitor: dict[str, Any] | None = None
) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Delete the sessions and their documents; return counts and the (site, day) pairs hit.

    The session documents go last, so a sweep interrupted half way finds them again.
    """
    pairs = await affected_days(store, session_ids)
    # A visitor's survey answers outside the sessions stored (answered before any batch was
    # processed, or the session expired): their redaction audits name only the session.
    answered: list[str] = []
    if visitor:
        docs = await store.responses.find(visitor, {"session_id": 1}).to_list(None)
        answered = sorted({d["session_id"] for d in docs if d.get("session_id")} - set(session_ids))
        audits = await store.redaction_audit.find(
            {"session_id": {"$in": answered}}, {"site_id": 1, "day": 1}
        ).to_list(None)
        pairs |= {(d["site_id"], d["day"]) for d in audits if d.get("site_id") and d.get("day")}
    counts: dict[str, int] = {}
    for name in BY_SESSION:
        ids = [*session_ids, *answered] if name == "redaction_audit" else session_ids
        query: dict[str, Any] = {"session_id": {"$in": ids}}
        if visitor and name in BY_VISITOR:
            query = {"$or": [query, visitor]}
        counts[name] = (await store.db[name].delete_many(query)).deleted_count
    # The browser session's split state (workers/sessions.py) goes with its sessions.
    browser_sessions = sorted({sid.split("~", 1)[0] for sid in session_ids})
    counts["session_parts"] = (
        await store.db["session_parts"].delete_many({"_id": {"$in": browser_sessions}})
    ).deleted_count
    result = await store.sessions.delete_many({"_id": {"$in": session_ids}})
    counts["sessions"] = result.deleted_count
    return counts, pairs


async def erase_sessions(
    store: Store,
    redis: Redis,
    session_ids: Sequence[str],
    actor: str,
    *,
    role: str = "system",
    scope: str = "session",
    visitor: dict[str, Any] | None = None,
    lock_wait_s: float = 60.0,
    marker_ttl_s: int = ERASED_TTL_S,
) -> dict[str, int]:
    """Erase sessions (ids ``<site>:<client id>``) and everything stored about them.

    Returns deleted documents per collection and ``site_days``, the aggregates marked for
    recompute. ``visitor`` (e.g. ``{"site_id": s, "visitor_id": v}``) also erases survey
    records of that visitor outside these sessions. Raises ``Unavailable`` when a batch of one
    of the sessions is still being written after ``lock_wait_s``; erasing again completes it.
    """
    ids = sorted(set(session_ids))
    if ids:
        # Markers first: a batch still queued for these sessions is dropped, not stored.
        async with redis.pipeline(transaction=False) as pipe:
            for session_id in ids:
                pipe.set(ERASED_PREFIX + session_id, b"1", ex=marker_ttl_s)
            await pipe.execute()
        # Then wait for any batch already being written: it holds the session's lock.
        for session_id in ids:
            lock = redis.lock(
                lock_key(session_id), timeout=lock_wait_s, blocking_timeout=lock_wait_s
            )
            try:
                async with lock:
                    pass
            except LockError as err:
                raise Unavailable(
                    "a batch of this session is being stored; erase again in a minute",
                    retry_after_s=int(lock_wait_s),
                ) from err

    counts, pairs = await delete_sessions(store, ids, visitor)
    await mark_dirty(redis, pairs)
    await write_audit(store, actor, role, "erasure", counts, scope=scope, site_days=len(pairs))
    logger.info("erased %d sessions (%d documents)", counts["sessions"], sum(counts.values()))
    return {**counts, "site_days": len(pairs)}


async def erase_visitor(
    store: Store,
    redis: Redis,
    visitor_id: str,
    actor: str,
    *,
    site_ids: Sequence[str] | None = None,
    role: str = "system",
) -> dict[str, int]:
    """Erase every session of one visitor id (within ``site_ids`` when given)."""
    sites: dict[str, Any] = {"site_id": {"$in": list(site_ids)}} if site_ids is not None else {}
    visitor = {**sites, "visitor_id": visitor_id}
    docs = await store.sessions.find(visitor, projection={"_id": 1}).to_list(None)
    return await erase_sessions(
        store, redis, [d["_id"] for d in docs], actor, role=role, scope="visitor", visitor=visitor
    )


async def expire_site(
    store: Store, redis: Redis, site_id: str, cutoff_ms: int, batch: int = SWEEP_BATCH
) -> dict[str, int]:
    """Delete one site's data older than ``cutoff_ms``; returns counts per collection."""
    totals: Counter[str] = Counter()
    pairs: set[tuple[str, str]] = set()
    while True:
        docs = (
            await store.sessions.find(
                {"site_id": site_id, "ended_at": {"$lt": cutoff_ms}}, projection={"_id": 1}
            )
            .limit(batch)
            .to_list(None)
        )
        if not docs:
            break
        counts, hit = await delete_sessions(store, [d["_id"] for d in docs])
        totals.update(counts)
        pairs |= hit

    # Documents whose session is already gone (or never written) still expire by their day.
    cutoff_day = day_of(cutoff_ms)
    old = {"site_id": site_id, "day": {"$lt": cutoff_day}}
    # Their days are recomputed: the dashboard's rollups (the audit's too) drop what went.
    for name in ("page_views", "signals", "redaction_audit"):
        docs = await store.db[name].find(old, projection={"day": 1}).to_list(None)
        pairs |= {(site_id, d["day"]) for d in docs if d.get("day")}
    for name in BY_DAY:
        totals[name] += (await store.db[name].delete_many(old)).deleted_count
    chunks = {"site_id": site_id, "received_at_ms": {"$lt": cutoff_ms}}
    totals["event_chunks"] += (await store.event_chunks.delete_many(chunks)).deleted_count

    await mark_dirty(redis, pairs)
    counts = {name: n for name, n in totals.items() if n}
    if counts:
        await write_audit(
            store,
            "retention",
            "system",
            "retention",
            counts,
            site_id=site_id,
            cutoff_day=cutoff_day,
            site_days=len(pairs),
        )
    return counts


async def sweep_retention(ctx: dict[str, Any]) -> int:
    """Worker cron: apply every site's ``retention_days``; returns the documents deleted."""
    resources = ctx["resources"]
    store: Store = resources.store
    started = time.monotonic()
    now_ms = int(time.time() * 1000)
    deleted = 0
    sites = await store.sites.find({}, projection={"retention_days": 1}).to_list(None)
    for site in sites:
        days = int(site.get("retention_days") or DEFAULT_RETENTION_DAYS)
        counts = await expire_site(store, resources.queue, site["_id"], now_ms - days * DAY_MS)
        deleted += sum(counts.values())
    logger.info(
        "retention: %d documents deleted across %d sites in %.0f ms",
        deleted,
        len(sites),
        (time.monotonic() - started) * 1000,
    )
    return deleted
