"""The public survey actions, given already-checked ids: offer, record showings, store answers.

Open texts and page URLs are personal data until the worker's redactor has seen them: they go
to `surveys.inputs` (encrypted, with a job), and the document holds pending marks meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from api.errors import NotFound, Unavailable
from ingest.sessions import path_template
from storage.mongo import Store
from surveys import records
from surveys.answers import is_negative, open_text_ids, parse_answers
from surveys.eligibility import PageRequest, candidates, eligible
from surveys.inputs import EVENT, RESPONSE, SurveyInput, SurveyInputs, new_input_id
from surveys.model import DRAFT, MAIN, Survey
from surveys.offer import offer, resolve_language
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
    inputs: SurveyInputs,
    survey: Survey,
    visit: Visit,
    kind: str,
    url: str | None,
    lang: str | None,
    now_ms: int,
) -> str:
    """Store one showing or dismissal; a URL's template is left to the worker."""
    event_id = records.new_event_id()
    item = SurveyInput(new_input_id(), EVENT, event_id, {}, path_template(url)) if url else None
    event: dict[str, Any] = {
        "site_id": visit.site_id,
        "survey_id": survey.id,
        "kind": kind,
        "session_id": visit.session_id,
        "visitor_id": visit.visitor_id,
        "window_id": visit.window_id,
        "ts": now_ms,
        "template": None if item else await _known_template(store, visit),
        "lang": resolve_language(survey, lang),
    }
    if item is not None:
        event[records.TEMPLATE_PENDING] = item.id

    await _hand_over(inputs, item, lambda: records.record_event(store, event_id, event))
    logger.debug("survey %s %s in session event %s", survey.id, kind, event_id)
    return event_id


async def _known_template(store: Store, visit: Visit) -> str | None:
    """The template of the window's latest stored page view (the tracker sent no URL)."""
    if visit.window_id is None:
        return None
    return await records.latest_template(store, visit.session_id, visit.window_id)


async def _hand_over(
    inputs: SurveyInputs, item: SurveyInput | None, write: Callable[[], Awaitable[None]]
) -> None:
    """Store the raw input encrypted, write the document that marks it pending, start the job.

    The input is stored first so a marked document always has its input; one left without a
    document (the store failed) is removed, or else settles on nothing when re-driven.
    """
    if item is None:
        await write()
        return
    await inputs.put(item)
    try:
        await write()
    except PyMongoError:
        with contextlib.suppress(RedisError, OSError):
            await inputs.done(item.id)
        raise
    await inputs.enqueue(item.id)


async def answer_survey(
    store: Store,
    inputs: SurveyInputs,
    survey: Survey,
    visit: Visit,
    raw_answers: Any,
    lang: str | None,
    url: str | None,
    now_ms: int,
) -> dict[str, Any]:
    """Check and store a (possibly partial) response; returns its id and state.

    New open texts are stored as pending (null) and handed to the worker's redactor with the
    page path; the numbers and choices are stored at once.
    """
    rid = records.response_id(visit.site_id, survey.id, visit.session_id, visit.visitor_id)
    try:
        async with inputs.lock(rid):
            answers, pending = await _store_answer(
                store, inputs, survey, visit, rid, raw_answers, lang, url, now_ms
            )
    except (RedisError, OSError) as err:
        logger.warning("survey response %s not stored: %s", rid, type(err).__name__)
        raise Unavailable("the queue is unavailable; retry later", retry_after_s=5) from err
    negative = is_negative(survey, answers)
    marked = await records.mark_session(store, visit.session_id, rid, negative)

    logger.info(
        "survey %s response %s stored: %d answers (%d texts pending), negative %s, "
        "session marked %s",
        survey.id,
        rid,
        len(answers),
        pending,
        negative,
        marked,
    )
    complete = len(answers) == len(survey.questions()) or (
        survey.follow_up is not None and not survey.follow_up.when.holds(answers.get(MAIN))
    )
    return {"id": rid, "answered": sorted(answers), "complete": complete}


async def _store_answer(
    store: Store,
    inputs: SurveyInputs,
    survey: Survey,
    visit: Visit,
    rid: str,
    raw_answers: Any,
    lang: str | None,
    url: str | None,
    now_ms: int,
) -> tuple[dict[str, Any], int]:
    """Merge the post into the stored response (under its lock); the answers and texts pending."""
    previous = await records.find_response(store, rid)
    earlier = previous["answers"] if previous else {}
    answers = parse_answers(survey, raw_answers, earlier)

    fresh = raw_answers if isinstance(raw_answers, Mapping) else {}
    text_ids = open_text_ids(survey, answers)
    texts = {qid: answers[qid] for qid in text_ids if _answered_text(fresh.get(qid))}
    path = path_template(url) if url else None
    input_id = new_input_id()
    item = SurveyInput(input_id, RESPONSE, rid, texts, path) if texts or path else None

    ts = previous["ts"] if previous else now_ms
    fields: dict[str, Any] = {
        "site_id": visit.site_id,
        "survey_id": survey.id,
        "session_id": visit.session_id,
        "visitor_id": visit.visitor_id,
        "window_id": visit.window_id,
        "ts": ts,
        "updated_at": now_ms,
        "day": records.day_of(ts),
        "lang": resolve_language(survey, lang),
        "negative": is_negative(survey, answers),
        "signal": await records.nearest_signal(store, visit.session_id, ts),
    }
    for question_id, value in answers.items():
        if question_id in texts:
            fields[f"answers.{question_id}"] = None
            fields[f"{records.PENDING}.{question_id}"] = input_id
        elif question_id not in text_ids:
            fields[f"answers.{question_id}"] = value
        # An earlier open text is left as stored (redacted, or pending its own input).
    if path is not None:
        fields[records.TEMPLATE_PENDING] = input_id
    elif not (previous and (previous.get("template") or previous.get(records.TEMPLATE_PENDING))):
        fields["template"] = await _known_template(store, visit)
    dropped = [qid for qid in earlier if qid not in answers]
    unset = [f"{part}.{qid}" for qid in dropped for part in ("answers", records.PENDING)]

    await _hand_over(inputs, item, lambda: records.update_response(store, rid, fields, unset))
    return answers, len(texts)


def _answered_text(value: Any) -> bool:
    """A text posted now (null or blank means "not answered", so the earlier one stays)."""
    return isinstance(value, str) and bool(value.strip())
