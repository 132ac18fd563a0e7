"""What residents did with surveys: showings, dismissals and responses, and what they link to."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from storage.mongo import Store, read_by_id
from surveys.caps import DAY_MS, Showing, VisitorHistory
from surveys.model import DISMISSED, SHOWN, Survey
from surveys.store import SURVEY_EVENTS
from workers.session_state import RESPONSE_IDS, STATE_FIELD, SessionState

PENDING = "pending"
"""Response field: {question id: input id} of open texts the worker has not redacted yet (their
answer is null meanwhile)."""
TEMPLATE_PENDING = "template_pending"
"""Response and survey event field: the input id whose page path the worker has not redacted yet
(the template is null or the previous one meanwhile)."""


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


def new_event_id() -> str:
    return secrets.token_hex(12)


async def record_event(store: Store, event_id: str, event: dict[str, Any]) -> None:
    """Store one showing or dismissal.

    Known shortcoming: a tracker retry of the same post is counted twice. A client event id
    (used as `_id`) would make the post idempotent.
    """
    await store.db[SURVEY_EVENTS].insert_one({"_id": event_id, **event, "day": day_of(event["ts"])})


async def find_response(store: Store, rid: str) -> dict[str, Any] | None:
    return await store.responses.find_one({"_id": rid})


async def update_response(store: Store, rid: str, fields: dict[str, Any], unset: list[str]) -> None:
    """Create or complete a response, field by field (dotted paths such as `answers.main`).

    Never the whole document: an earlier open text may be settling at this moment.
    """
    update: dict[str, Any] = {"$set": fields}
    if unset:
        update["$unset"] = dict.fromkeys(unset, "")
    await store.responses.update_one({"_id": rid}, update, upsert=True)


async def settle_text(
    store: Store, rid: str, question_id: str, input_id: str, text: str, now_ms: int
) -> bool:
    """Put a redacted open text in place of its pending mark, if the mark is still `input_id`.

    False when a newer post replaced the text, the answer was dropped or the response erased:
    the newest text wins and a superseded one is never stored.
    """
    result = await store.responses.update_one(
        {"_id": rid, f"{PENDING}.{question_id}": input_id},
        {
            "$set": {f"answers.{question_id}": text, "updated_at": now_ms},
            "$unset": {f"{PENDING}.{question_id}": ""},
        },
    )
    return result.matched_count > 0


async def settle_template(
    store: Store, collection: str, doc_id: str, input_id: str, template: str | None, now_ms: int
) -> bool:
    """Put a redacted page template on a response or survey event, if its mark is `input_id`."""
    fields: dict[str, Any] = {"template": template}
    if collection == store.responses.name:
        fields["updated_at"] = now_ms
    result = await store.db[collection].update_one(
        {"_id": doc_id, TEMPLATE_PENDING: input_id},
        {"$set": fields, "$unset": {TEMPLATE_PENDING: ""}},
    )
    return result.matched_count > 0


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


async def _session_state(store: Store, session_id: str) -> SessionState | None:
    """The worker's state of the session (what it stored, by id); None when the session is not
    stored yet, or was stored before states existed (the callers then scan, once)."""
    doc = await store.sessions.find_one({"_id": session_id}, {STATE_FIELD: 1})
    if doc is None:
        return SessionState()
    if STATE_FIELD not in doc:
        return None
    return SessionState.unpack(doc[STATE_FIELD])


async def nearest_signal(store: Store, session_id: str, ts: int) -> dict[str, Any] | None:
    """The session's last signal at or before `ts`: `{"id", "kind", "ts"}`, for the replay jump.

    Read by `_id` from the signals the worker's state lists, so an answer costs the same however
    much is stored (a `session_id` filter scans every signal on FerretDB v1).
    """
    state = await _session_state(store, session_id)
    if state is None:
        docs = await store.signals.find(
            {"session_id": session_id}, {"kind": 1, "ts": 1, "false_positive": 1}
        ).to_list(None)
    else:
        docs = await read_by_id(
            store, "signals", sorted(state.signals), {"kind": 1, "ts": 1, "false_positive": 1}
        )
    before = [d for d in docs if d.get("ts", ts + 1) <= ts and not d.get("false_positive")]
    if not before:
        return None
    last = max(before, key=lambda d: (d["ts"], str(d["_id"])))
    return {"id": last["_id"], "kind": last["kind"], "ts": last["ts"]}


async def mark_session(store: Store, session_id: str, rid: str, negative: bool) -> bool:
    """Flag the session for its relevance score and list the response on it (so the session's
    responses are read by `_id`); False when the worker has not stored the session yet.

    Known shortcoming: a response that arrives before the session's first batch is processed
    leaves no mark. The session writer could read `responses` by `session_id` to set it.
    """
    flags = (
        {"has_response": True, "negative_response": True} if negative else {"has_response": True}
    )
    result = await store.sessions.update_one(
        {"_id": session_id}, {"$set": flags, "$addToSet": {RESPONSE_IDS: rid}}
    )
    return result.matched_count > 0


async def latest_template(store: Store, session_id: str, window_id: str) -> str | None:
    """The template of the window's latest stored page view, when the tracker sent no URL.

    Read by `_id` from the page views the worker's state lists (see `nearest_signal`).

    A response posted before the session was stored gets None here; the worker's detect step
    then sets the template of the page view open at the response's time. Known shortcoming: a
    response posted after the session was stored but before the batch of the page it was
    answered on gets the window's previous page; nothing corrects it later.
    """
    state = await _session_state(store, session_id)
    projection = {"template": 1, "window_id": 1, "started_at": 1}
    if state is None:
        views = await store.page_views.find({"session_id": session_id}, projection).to_list(None)
    else:
        views = await read_by_id(store, "page_views", sorted(state.page_views), projection)
    in_window = [v for v in views if v.get("window_id") == window_id]
    if not in_window:
        return None
    latest = max(in_window, key=lambda v: (v.get("started_at", 0), str(v["_id"])))
    return latest.get("template")


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
