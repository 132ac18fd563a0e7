"""Step 3: detect signals in a session's page views and store them with their thresholds."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from typing import Any

from api.resources import Resources
from signals.departments import department_for
from signals.detect import detect_session as detect_signals
from signals.model import PageView, Signal
from signals.score import score_session
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds, resolve_thresholds
from storage.mongo import set_fields
from workers.redact import RedactedBatch
from workers.store import day_of, same_fields
from workers.timeline import PageViewTimeline

logger = logging.getLogger(__name__)

SUMMARY_FIELDS = ("signal_counts", "frustrated", "department", "clicks")


def signal_id(session_id: str, signal: Signal) -> str:
    key = f"{session_id}|{signal.page_view_id}|{signal.kind}|{signal.ts}|{signal.node}"
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


async def thresholds_for_site(resources: Resources, site_id: str) -> Any:
    """A function from page template to the thresholds in force for this site."""
    docs = await resources.store.db["detector_settings"].find({"site_id": site_id}).to_list(None)
    site_overrides: dict[str, Any] = {}
    per_template: dict[str, dict[str, Any]] = {}
    for doc in docs:
        if doc.get("template"):
            per_template[doc["template"]] = doc.get("overrides") or {}
        else:
            site_overrides = doc.get("overrides") or {}
    if not docs:
        return DEFAULT_THRESHOLDS
    base = resolve_thresholds(site_overrides)
    resolved: dict[str, Thresholds] = {}

    def for_template(template: str) -> Thresholds:
        if template not in resolved:
            overrides = per_template.get(template)
            resolved[template] = (
                resolve_thresholds(site_overrides, overrides) if overrides else base
            )
        return resolved[template]

    return for_template


def to_page_view(
    site_id: str, session_id: str, pv: PageViewTimeline, is_open: bool = False
) -> PageView:
    """The detector's view of a page view; an open one (last in its window) has no end yet, so
    clicks near its end and form abandonment are judged once more data arrives."""
    return PageView(
        id=pv.id,
        session_id=session_id,
        path=pv.path,
        template=pv.template,
        start_ts=pv.started_at,
        end_ts=None if is_open else pv.ended_at,
        events=tuple(pv.events),  # type: ignore[arg-type]
        site=site_id,
        window_id=pv.window_id,
    )


async def detect_session(
    ctx: dict[str, Any],
    batch: RedactedBatch,
    session: dict[str, Any],
    page_views: list[PageViewTimeline],
) -> None:
    """Replace the session's signals with those detected in its current page views."""
    resources: Resources = ctx["resources"]
    store = resources.store
    session_id = session["_id"]
    site = await store.sites.find_one({"_id": batch.site_id}, {"departments": 1}) or {}
    departments: dict[str, str] = site.get("departments") or {}

    last_in_window = {pv.window_id: pv.id for pv in page_views}
    views = [
        to_page_view(batch.site_id, session_id, pv, is_open=last_in_window[pv.window_id] == pv.id)
        for pv in page_views
    ]
    thresholds = await thresholds_for_site(resources, batch.site_id)
    signals = detect_signals(views, thresholds)

    # Reviewers' false-positive marks survive re-detection.
    stored = {
        d["_id"]: d for d in await store.signals.find({"session_id": session_id}).to_list(None)
    }
    marked = {doc_id for doc_id, d in stored.items() if d.get("false_positive") is True}
    by_view = {pv.id: pv for pv in page_views}
    docs = []
    for signal in signals:
        pv = by_view.get(signal.page_view_id or "")
        doc = signal.to_dict()
        doc_id = signal_id(session_id, signal)
        doc.update(
            _id=doc_id,
            site_id=batch.site_id,
            session_id=session_id,
            day=day_of(signal.ts),
            template=pv.template if pv else None,
            path=pv.path if pv else None,
            department=department_for(pv.path, departments) if pv else None,
            false_positive=doc_id in marked,
        )
        docs.append(doc)
    # Most signals of a session are found again by every batch: write only new or changed ones.
    for doc in docs:
        if not same_fields(stored.get(doc["_id"]), doc):
            await store.signals.replace_one({"_id": doc["_id"]}, doc, upsert=True)
    if set(stored) - {d["_id"] for d in docs}:
        await store.signals.delete_many(
            {"session_id": session_id, "_id": {"$nin": [d["_id"] for d in docs]}}
        )

    # Responses may arrive before the session is stored, so look them up rather than trusting
    # a mark on the session document.
    responses = await store.responses.find({"session_id": session_id}, {"negative": 1}).to_list(
        None
    )
    negative = any(r.get("negative") for r in responses)
    await store.sessions.update_one(
        {"_id": session_id},
        {"$set": {"has_response": bool(responses), "negative_response": negative}},
    )
    score = score_session(views, [Signal.from_dict(d) for d in docs], survey_negative=negative)
    counts = await _summarise(resources, session_id, page_views, docs, departments)
    await set_fields(
        store.sessions,
        {"_id": session_id},
        {
            "signal_counts": dict(counts),
            "signal_total": sum(counts.values()),
            "score": score.total,
            "score_breakdown": score.to_dict(),
        },
    )
    logger.debug("session %s: %d signals", session_id, len(docs))


def clicks_on_page(events: list[dict[str, Any]], width: float | None) -> list[dict[str, Any]]:
    """Click positions in page coordinates (y plus the document's scroll offset)."""
    clicks: list[dict[str, Any]] = []
    scroll_y = 0.0
    for event in events:
        data = event.get("data") or {}
        if event["kind"] == "scroll" and (data.get("document") or event.get("node") is None):
            scroll_y = float(data.get("y") or 0.0)
        elif event["kind"] == "click" and event.get("x") is not None and event.get("y") is not None:
            clicks.append({"x": event["x"], "y": event["y"] + scroll_y, "width": width})
    return clicks


async def _summarise(
    resources: Resources,
    session_id: str,
    page_views: list[PageViewTimeline],
    signal_docs: list[dict[str, Any]],
    departments: dict[str, str],
) -> Counter[str]:
    """Signal counts, department and click positions on page views; returns the session's counts.

    Only page views whose summary changed are written (one read instead of a write per view).
    """
    store = resources.store
    counted = [d for d in signal_docs if not d["false_positive"]]
    stored = {
        d["_id"]: d
        for d in await store.page_views.find(
            {"session_id": session_id}, projection=dict.fromkeys(SUMMARY_FIELDS, 1)
        ).to_list(None)
    }
    for pv in page_views:
        counts = Counter(d["kind"] for d in counted if d.get("page_view_id") == pv.id)
        width = next(
            (e["data"].get("width") for e in pv.events if e["kind"] == "load" and e.get("data")),
            None,
        )
        clicks = clicks_on_page(pv.events, width)
        summary = {
            "signal_counts": dict(counts),
            "frustrated": bool(counts),
            "department": department_for(pv.path, departments),
            "clicks": clicks[:500],
        }
        if not same_fields(stored.get(pv.id), summary):
            await set_fields(store.page_views, {"_id": pv.id}, summary)
    return Counter(d["kind"] for d in counted)
