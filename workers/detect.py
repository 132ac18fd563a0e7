"""Step 3: detect signals in a session's page views and store them with their thresholds."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, OrderedDict
from collections.abc import Sequence
from typing import Any

import orjson

from api.resources import Resources
from signals.departments import department_for
from signals.detect import detect_page_view
from signals.detect import detect_session as detect_signals
from signals.features import page_view_features
from signals.model import PageView, Signal
from signals.navigation import (
    ThresholdsFor,
)
from signals.score import score_session
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds, resolve_thresholds
from signals.timeline import clamped_events
from signals.unusual import session_unusualness
from storage.mongo import Store, set_fields
from surveys.records import TEMPLATE_PENDING
from workers.redact import RedactedBatch
from workers.session_state import (
    RESPONSE_IDS,
    SESSION_FLAGS,
    STATE_FIELD,
    SessionState,
    digest,
    load_state,
)
from workers.store import day_of
from workers.timeline import PageViewTimeline
from workers.unusual import unusual_models_for

logger = logging.getLogger(__name__)

DETECTIONS_KEPT = 2048


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


class PageViewDetections:
    """This process's recent page-level signals by page view, so a batch re-detects only the
    page views it changed (a batch mostly extends one page view; the others stay as they were).

    ``signals.detect.detect_session`` with its page-level detectors memoised on the page view's
    content (tests/workers/test_detect_cache.py holds the two equal).
    """

    def __init__(self, size: int = DETECTIONS_KEPT) -> None:
        self.size = size
        self._signals: OrderedDict[tuple[Any, ...], list[Signal]] = OrderedDict()

    def detect_session(
        self, page_views: Sequence[PageView], thresholds: ThresholdsFor = DEFAULT_THRESHOLDS
    ) -> list[Signal]:
        return detect_signals(page_views, thresholds, page_view_detector=self._page_view)

    def _page_view(
        self, page_view: PageView, thresholds: Thresholds, *, left_at_ms: int | None
    ) -> list[Signal]:
        content = orjson.dumps(page_view.events, option=orjson.OPT_NON_STR_KEYS, default=str)
        key = (
            page_view.id,
            page_view.template,
            page_view.start_ts,
            page_view.end_ts,
            left_at_ms,
            thresholds,
            hashlib.blake2b(content, digest_size=16).digest(),
        )
        found = self._signals.pop(key, None)
        if found is None:
            found = detect_page_view(page_view, thresholds, left_at_ms=left_at_ms)
        self._signals[key] = found
        while len(self._signals) > self.size:
            self._signals.popitem(last=False)
        return list(found)


DETECTIONS = PageViewDetections()
"""The worker process's page-level signals (jobs of one process share it)."""


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
    """Replace the session's signals with those detected in its current page views.

    Reads and writes go by ``_id`` only, and only documents whose content changed are written
    (the session's state, on the session document, says what was last written).
    """
    resources: Resources = ctx["resources"]
    store = resources.store
    session_id = session["_id"]
    if STATE_FIELD in session:
        state = SessionState.unpack(session[STATE_FIELD])
        flags = {k: session[k] for k in SESSION_FLAGS if k in session}
    else:
        state, flags = await load_state(store, session_id)
    site = await store.sites.find_one({"_id": batch.site_id}, {"departments": 1}) or {}
    departments: dict[str, str] = site.get("departments") or {}

    last_in_window = {pv.window_id: pv.id for pv in page_views}
    views = [
        to_page_view(batch.site_id, session_id, pv, is_open=last_in_window[pv.window_id] == pv.id)
        for pv in page_views
    ]
    thresholds = await thresholds_for_site(resources, batch.site_id)
    signals = DETECTIONS.detect_session(views, thresholds)

    by_view = {pv.id: pv for pv in page_views}
    marked = set(state.false_positives)
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
    await write_signals(store, state, docs)

    negative, survey_flags = await _survey_flags(store, session_id, flags, page_views)
    models = await unusual_models_for(ctx, batch.site_id, {view.template for view in views})
    score = score_session(
        views,
        [Signal.from_dict(d) for d in docs],
        survey_negative=negative,
        unusual=session_unusualness(views, models),
    )
    features = {view.id: page_view_features(view) for view in views}
    counts = await _summarise(store, state, page_views, docs, departments, features)
    fields = {
        "signal_counts": dict(counts),
        "signal_total": sum(counts.values()),
        "score": score.total,
        "score_breakdown": score.to_dict(),
    }
    await _write_session(store, state, session, {**fields, **survey_flags})
    logger.debug("session %s: %d signals", session_id, len(docs))


async def write_signals(store: Store, state: SessionState, docs: list[dict[str, Any]]) -> None:
    """Write new and changed signals, delete those no longer detected; update the state.

    Reviewers' false-positive marks survive re-detection: a changed signal's mark is read before
    it is rewritten. Known shortcoming: a mark set on a signal that is not detected anew reaches
    the session's counts and score only when that signal changes; the marking mutation could
    record the mark on the session document for the worker to read.
    """
    for doc in docs:
        version = digest({k: v for k, v in doc.items() if k != "false_positive"})
        known = state.signals.get(doc["_id"])
        if known == version:
            continue
        if known is not None:
            stored = await store.signals.find_one({"_id": doc["_id"]}, {"false_positive": 1})
            doc["false_positive"] = bool(stored and stored.get("false_positive") is True)
        await store.signals.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        state.signals[doc["_id"]] = version
    current = {d["_id"] for d in docs}
    for gone in sorted(set(state.signals) - current):
        await store.signals.delete_one({"_id": gone})
        del state.signals[gone]
    state.false_positives = sorted(d["_id"] for d in docs if d["false_positive"])


async def _survey_flags(
    store: Store, session_id: str, flags: dict[str, Any], page_views: list[PageViewTimeline]
) -> tuple[bool, dict[str, bool]]:
    """Whether a survey answer in the session was negative, and the flags to set.

    The survey endpoint flags a stored session when a response comes in. Responses that came
    before the session was first stored are looked up once, after the store step created the
    session document (a ``session_id`` query), and only ever set a flag, so a response that
    arrives meanwhile is never unflagged. Those responses found no page view to take their
    template from: they get the one open in their window at their time.
    """
    if "has_response" in flags:
        return bool(flags.get("negative_response")), {}
    projection = {"negative": 1, "template": 1, "ts": 1, "window_id": 1, TEMPLATE_PENDING: 1}
    responses = await store.responses.find({"session_id": session_id}, projection).to_list(None)
    if not responses:
        return False, {}
    await _fill_templates(store, responses, page_views)
    # Listed on the session, as the survey endpoint lists later ones, so the API reads the
    # session's responses by `_id`. `$addToSet`: one arriving meanwhile is never dropped.
    ids = sorted(str(r["_id"]) for r in responses)
    await store.sessions.update_one(
        {"_id": session_id}, {"$addToSet": {RESPONSE_IDS: {"$each": ids}}}
    )
    negative = any(r.get("negative") for r in responses)
    return negative, {"has_response": True, "negative_response": negative}


async def _fill_templates(
    store: Store, responses: list[dict[str, Any]], page_views: list[PageViewTimeline]
) -> None:
    """Set the template of responses that have none (and none on its way from the survey text
    job): the latest page view of their window started by their time."""
    for response in responses:
        if response.get("template") is not None or response.get(TEMPLATE_PENDING) is not None:
            continue
        ts = response.get("ts")
        open_then = [
            pv
            for pv in page_views
            if pv.window_id == response.get("window_id") and isinstance(ts, int | float)
            and pv.started_at <= ts
        ]  # fmt: skip
        if open_then:
            template = max(open_then, key=lambda pv: (pv.started_at, pv.id)).template
            # Only if still without one: the survey endpoint may have set it meanwhile.
            await store.responses.update_one(
                {"_id": response["_id"], "template": None}, {"$set": {"template": template}}
            )


async def _write_session(
    store: Store, state: SessionState, session: dict[str, Any], fields: dict[str, Any]
) -> None:
    """Set the session's changed fields and its state, in one update (two when an embedded
    document changed: ``set_fields``)."""
    changed = {}
    for name, value in fields.items():
        version = digest(value)
        if state.session_fields.get(name) != version:
            changed[name] = value
            state.session_fields[name] = version
    packed = state.pack()
    if changed or packed != session.get(STATE_FIELD):
        await set_fields(store.sessions, {"_id": session["_id"]}, {**changed, STATE_FIELD: packed})


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
    store: Store,
    state: SessionState,
    page_views: list[PageViewTimeline],
    signal_docs: list[dict[str, Any]],
    departments: dict[str, str],
    features: dict[str, dict[str, float]],
) -> Counter[str]:
    """Signal counts, department and click positions on page views; returns the session's counts.

    Only the fields that changed since the state's last write are set.
    """
    counted = [d for d in signal_docs if not d["false_positive"]]
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
            "features": features[pv.id],
            "clamped_events": clamped_events(pv.events),  # type: ignore[arg-type]
        }
        written = state.summaries.setdefault(pv.id, {})
        changed = {k: v for k, v in summary.items() if written.get(k) != digest(v)}
        if changed:
            await set_fields(store.page_views, {"_id": pv.id}, changed)
            written.update((k, digest(v)) for k, v in changed.items())
    return Counter(d["kind"] for d in counted)
