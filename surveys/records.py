"""What residents did with surveys: showings, dismissals and responses, and what they link to."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from storage.mongo import Store
from surveys.caps import DAY_MS, Showing, VisitorHistory
from surveys.model import DISMISSED, SHOWN, Survey
from surveys.store import SURVEY_EVENTS


def day_of(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def session_key(site_id: str, client_session_id: str) -> str:
    return f"{site_id}:{client_session_id}"


def response_id(site_id: str, survey_id: str, session_id: str, visitor_id: str) -> str:
    """One response per survey, session and visitor, so a re-post completes it, not repeats it."""
    key = "\x00".join((site_id, survey_id, session_id, visitor_id))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


async def visitor_history(
    store: Store, site_id: str, visitor_id: str, surveys: list[Survey], now_ms: int
) -> VisitorHistory:
    """Showings within the longest cap window, and surveys answered or dismissed ever."""
    ids = [s.id for s in surveys]
    since_ms = now_ms - max(s.caps.per_visitor_days for s in surveys) * DAY_MS
    history = VisitorHistory()
    base = {"site_id": site_id, "visitor_id": visitor_id, "survey_id": {"$in": ids}}

    events = store.db[SURVEY_EVENTS].find(
        {**base, "$or": [{"kind": DISMISSED}, {"kind": SHOWN, "ts": {"$gte": since_ms}}]},
        {"survey_id": 1, "session_id": 1, "kind": 1, "ts": 1},
    )
    for event in await events.to_list(None):
        if event["kind"] == DISMISSED:
            history.closed.add(event["survey_id"])
        else:
            history.shown.append(Showing(event["survey_id"], event["session_id"], event["ts"]))

    answered = store.responses.find(base, {"survey_id": 1})
    history.closed.update(doc["survey_id"] for doc in await answered.to_list(None))
    return history


async def record_event(store: Store, event: dict[str, Any]) -> str:
    """Store one showing or dismissal; returns its id.

    Known shortcoming: a tracker retry of the same post is counted twice. A client event id
    (used as `_id`) would make the post idempotent.
    """
    event_id = secrets.token_hex(12)
    await store.db[SURVEY_EVENTS].insert_one({"_id": event_id, **event, "day": day_of(event["ts"])})
    return event_id


async def find_response(store: Store, rid: str) -> dict[str, Any] | None:
    return await store.responses.find_one({"_id": rid})


async def save_response(store: Store, doc: dict[str, Any]) -> None:
    await store.responses.replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def save_redaction_audit(
    store: Store, rid: str, question_id: str, doc: dict[str, Any], audit: dict[str, Any]
) -> None:
    """Counts only (never values), like the batch audit, so the privacy officer sees them too."""
    audit_id = f"response:{rid}:{question_id}"
    await store.redaction_audit.replace_one(
        {"_id": audit_id},
        {
            "_id": audit_id,
            "site_id": doc["site_id"],
            "session_id": doc["session_id"],
            "day": doc["day"],
            "source": "survey_response",
            **audit,
        },
        upsert=True,
    )


async def nearest_signal(store: Store, session_id: str, ts: int) -> dict[str, Any] | None:
    """The session's last signal at or before `ts`: `{"id", "kind", "ts"}`, for the replay jump."""
    cursor = (
        store.signals.find(
            {"session_id": session_id, "ts": {"$lte": ts}, "false_positive": {"$ne": True}},
            {"kind": 1, "ts": 1},
        )
        .sort([("ts", -1), ("_id", -1)])
        .limit(1)
    )
    found = await cursor.to_list(None)
    if not found:
        return None
    return {"id": found[0]["_id"], "kind": found[0]["kind"], "ts": found[0]["ts"]}


async def mark_session(store: Store, session_id: str, negative: bool) -> bool:
    """Flag the session for its relevance score; False when the worker has not stored it yet.

    Known shortcoming: a response that arrives before the session's first batch is processed
    leaves no mark. The session writer could read `responses` by `session_id` to set it.
    """
    flags = (
        {"has_response": True, "negative_response": True} if negative else {"has_response": True}
    )
    result = await store.sessions.update_one({"_id": session_id}, {"$set": flags})
    return result.matched_count > 0


async def latest_template(store: Store, session_id: str, window_id: str) -> str | None:
    """The template of the window's latest stored page view, when the tracker sent no URL."""
    cursor = (
        store.page_views.find({"session_id": session_id, "window_id": window_id}, {"template": 1})
        .sort([("started_at", -1)])
        .limit(1)
    )
    found = await cursor.to_list(None)
    return found[0].get("template") if found else None


async def results_inputs(
    store: Store, survey_id: str, from_ms: int | None, to_ms: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The survey's responses and events in [from_ms, to_ms), projected for `surveys.results`.

    Known shortcoming: reads every document of the period into memory. For very large surveys,
    per-day counts kept on write (or `$group` with `$sum` per choice) would bound it.
    """
    query: dict[str, Any] = {"survey_id": survey_id}
    period: dict[str, int] = {}
    if from_ms is not None:
        period["$gte"] = from_ms
    if to_ms is not None:
        period["$lt"] = to_ms
    if period:
        query["ts"] = period
    responses = await store.responses.find(query, {"answers": 1, "template": 1, "day": 1}).to_list(
        None
    )
    events = (
        await store.db[SURVEY_EVENTS]
        .find(query, {"kind": 1, "template": 1, "day": 1})
        .to_list(None)
    )
    return responses, events
