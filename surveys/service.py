"""The public survey actions, given already-checked ids: offer, record showings, store answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.errors import NotFound
from storage.mongo import Store
from surveys import records
from surveys.answers import is_negative, open_text_ids, parse_answers
from surveys.eligibility import PageRequest, candidates, eligible
from surveys.model import DRAFT, MAIN, Survey
from surveys.offer import offer, resolve_language
from surveys.redaction import page_template, redact_open_text
from surveys.store import LIVE_SURVEYS, find_survey

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Visit:
    """Who is asking: the site (by its site key) and the tracker's ids."""

    site_id: str
    departments: Mapping[str, str]
    client_session_id: str
    visitor_id: str
    window_id: str | None = None

    @property
    def session_id(self) -> str:
        return records.session_key(self.site_id, self.client_session_id)


async def eligible_offers(
    store: Store, visit: Visit, path: str, signal: str | None, lang: str | None, now_ms: int
) -> list[dict[str, Any]]:
    """The surveys to offer on this page, as the tracker's JSON."""
    surveys = await LIVE_SURVEYS.get(store, visit.site_id)
    request = PageRequest(visit.session_id, visit.visitor_id, path, signal)
    found = candidates(surveys, request, visit.departments, now_ms)
    if found:
        history = await records.visitor_history(
            store, visit.site_id, visit.visitor_id, found, now_ms
        )
        found = eligible(found, history, visit.session_id, now_ms)
    return [offer(survey, lang) for survey in found]


async def open_survey(store: Store, site_id: str, survey_id: str) -> Survey:
    """The site's survey that may take showings and answers (any status but draft)."""
    survey = await find_survey(store, survey_id)
    if survey is None or survey.site_id != site_id or survey.status == DRAFT:
        raise NotFound("no such survey for this site", field="survey_id")
    return survey


async def record_survey_event(
    store: Store,
    survey: Survey,
    visit: Visit,
    kind: str,
    url: str | None,
    lang: str | None,
    now_ms: int,
) -> str:
    """Store one showing or dismissal."""
    template = await _template(store, visit, url)
    event_id = await records.record_event(
        store,
        {
            "site_id": visit.site_id,
            "survey_id": survey.id,
            "kind": kind,
            "session_id": visit.session_id,
            "visitor_id": visit.visitor_id,
            "window_id": visit.window_id,
            "ts": now_ms,
            "template": template,
            "lang": resolve_language(survey, lang),
        },
    )
    logger.debug("survey %s %s in session event %s", survey.id, kind, event_id)
    return event_id


async def _template(
    store: Store, visit: Visit, url: str | None, known: str | None = None
) -> str | None:
    """The page's template: from the URL sent, else as known, else the window's latest page view."""
    if url:
        return await page_template(url)
    if known:
        return known
    if visit.window_id is None:
        return None
    return await records.latest_template(store, visit.session_id, visit.window_id)


async def answer_survey(
    store: Store,
    survey: Survey,
    visit: Visit,
    raw_answers: Any,
    lang: str | None,
    url: str | None,
    now_ms: int,
) -> dict[str, Any]:
    """Check, redact and store a (possibly partial) response; returns its id and state.

    Open text is redacted before anything of the response is written.
    """
    rid = records.response_id(visit.site_id, survey.id, visit.session_id, visit.visitor_id)
    previous = await records.find_response(store, rid)
    answers = parse_answers(survey, raw_answers, previous["answers"] if previous else None)

    audits: dict[str, dict[str, Any]] = {}
    fresh = raw_answers if isinstance(raw_answers, Mapping) else {}
    for question_id in open_text_ids(survey, answers):
        if fresh.get(question_id) is not None:  # earlier texts are stored redacted already
            answers[question_id], audits[question_id] = await redact_open_text(answers[question_id])

    ts = previous["ts"] if previous else now_ms
    template = await _template(store, visit, url, (previous or {}).get("template"))
    negative = is_negative(survey, answers)
    doc = {
        "_id": rid,
        "site_id": visit.site_id,
        "survey_id": survey.id,
        "session_id": visit.session_id,
        "visitor_id": visit.visitor_id,
        "window_id": visit.window_id,
        "ts": ts,
        "updated_at": now_ms,
        "day": records.day_of(ts),
        "lang": resolve_language(survey, lang),
        "template": template,
        "answers": answers,
        "negative": negative,
        "signal": await records.nearest_signal(store, visit.session_id, ts),
    }
    await records.save_response(store, doc)
    for question_id, audit in audits.items():
        await records.save_redaction_audit(store, rid, question_id, doc, audit)
    marked = await records.mark_session(store, visit.session_id, rid, negative)

    logger.info(
        "survey %s response %s stored: %d answers, negative %s, session marked %s",
        survey.id,
        rid,
        len(answers),
        negative,
        marked,
    )
    complete = len(answers) == len(survey.questions()) or (
        survey.follow_up is not None and not survey.follow_up.when.holds(answers.get(MAIN))
    )
    return {"id": rid, "answered": sorted(answers), "complete": complete}
