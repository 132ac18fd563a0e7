"""A posted response's answers → checked values keyed by question id (`main`, `follow_up`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.errors import InvalidInput
from surveys.model import (
    FOLLOW_UP,
    MAIN,
    MULTIPLE_CHOICE,
    NEGATIVE_AT_MOST,
    OPEN_TEXT,
    SCALES,
    SINGLE_CHOICE,
    Question,
    Survey,
)

MAX_OPEN_TEXT_CHARS = 2000


def parse_answers(
    survey: Survey, raw: Any, previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The checked answers of `raw`, merged over `previous` (an earlier post of the same response).

    Partial responses are fine: the tracker may post the main answer first and the follow-up
    later. `null` or an empty text means "not answered".
    """
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInput("must be an object keyed by question id", field="answers")
    questions = survey.questions()
    if any(key not in questions for key in raw):
        raise InvalidInput(f"keys must be among {', '.join(questions)}", field="answers")

    merged = dict(previous or {})
    for question_id, value in raw.items():
        parsed = parse_value(questions[question_id], value, f"answers.{question_id}")
        if parsed is not None:
            merged[question_id] = parsed
    if MAIN not in merged:
        raise InvalidInput("the main question must be answered", field="answers.main")

    if FOLLOW_UP in merged and not (
        survey.follow_up is not None and survey.follow_up.when.holds(merged[MAIN])
    ):
        if FOLLOW_UP in raw:
            raise InvalidInput("the follow-up does not apply to this answer", field="answers")
        del merged[FOLLOW_UP]  # the main answer changed since; the old follow-up no longer fits
    return merged


def parse_value(question: Question, value: Any, path: str) -> Any:
    """One answer checked against its question; None when it is not answered."""
    if value is None:
        return None
    if question.type in SCALES:
        low, high = SCALES[question.type]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(f"must be an integer from {low} to {high}", field=path)
        return value
    if question.type == SINGLE_CHOICE:
        if value not in question.choice_ids():
            raise InvalidInput("must be the id of one of the question's choices", field=path)
        return value
    if question.type == MULTIPLE_CHOICE:
        ids = question.choice_ids()
        if not isinstance(value, list) or not value or any(v not in ids for v in value):
            raise InvalidInput("must be a list of the question's choice ids", field=path)
        return sorted(set(value), key=ids.index)
    if question.type == OPEN_TEXT:
        if not isinstance(value, str) or len(value) > MAX_OPEN_TEXT_CHARS:
            raise InvalidInput(
                f"must be a text of at most {MAX_OPEN_TEXT_CHARS} characters", field=path
            )
        return value.strip() or None
    raise InvalidInput("has an unknown question type", field=path)


def open_text_ids(survey: Survey, answers: Mapping[str, Any]) -> list[str]:
    """The answered questions whose text must pass the redactor before it is stored."""
    return [qid for qid, q in survey.questions().items() if q.type == OPEN_TEXT and qid in answers]


def is_negative(survey: Survey, answers: Mapping[str, Any]) -> bool:
    """CSAT at most 2, or NPS at most 6, on any question."""
    for question_id, question in survey.questions().items():
        value = answers.get(question_id)
        limit = NEGATIVE_AT_MOST.get(question.type)
        if limit is not None and isinstance(value, int) and value <= limit:
            return True
    return False
