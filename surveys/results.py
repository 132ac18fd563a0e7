"""Results arithmetic: choice counts, CSAT, NPS and response rate, overall, per page and per day.

Pure functions over plain dicts read from the store:
responses `{"answers": {question_id: value}, "template": str | None, "day": "YYYY-MM-DD"}`,
survey events `{"kind": "shown" | "dismissed", "template": str | None, "day": ...}`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from surveys.model import (
    CHOICE_TYPES,
    DISMISSED,
    MULTIPLE_CHOICE,
    NPS,
    RATING,
    SCALES,
    SHOWN,
    Question,
    Survey,
)

UNKNOWN_PAGE = "(unknown)"
PROMOTER_AT_LEAST, DETRACTOR_AT_MOST = 9, 6
SATISFIED_AT_LEAST = 4


def question_results(question: Question, values: list[Any]) -> dict[str, Any]:
    """Counts for one question over the responses that answered it."""
    answered = len(values)
    result: dict[str, Any] = {
        "question_id": question.id,
        "type": question.type,
        "answered": answered,
    }

    if question.type in CHOICE_TYPES:
        picks: Counter[str] = Counter()
        for value in values:
            picks.update(value if question.type == MULTIPLE_CHOICE else [value])
        # Percent of respondents who picked the choice; multiple choice can sum above 100.
        result["choices"] = [
            {"id": c.id, "count": picks[c.id], "percent": _percent(picks[c.id], answered)}
            for c in question.choices
        ]

    if question.type in SCALES:
        low, high = SCALES[question.type]
        counts = Counter(values)
        result["distribution"] = [{"value": v, "count": counts[v]} for v in range(low, high + 1)]
        result["average"] = sum(values) / answered if answered else None
    if question.type == RATING:
        satisfied = sum(1 for v in values if v >= SATISFIED_AT_LEAST)
        result["satisfied_percent"] = _percent(satisfied, answered)
    if question.type == NPS:
        promoters = sum(1 for v in values if v >= PROMOTER_AT_LEAST)
        detractors = sum(1 for v in values if v <= DETRACTOR_AT_MOST)
        result["promoters"] = promoters
        result["passives"] = answered - promoters - detractors
        result["detractors"] = detractors
        result["nps"] = (promoters - detractors) / answered * 100 if answered else None
    return result


def totals(
    survey: Survey, responses: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Showings, dismissals, responses, response rate (responses / showings) and per question."""
    shown = sum(1 for e in events if e.get("kind") == SHOWN)
    answered = len(responses)
    questions = {
        question_id: question_results(
            question,
            [r["answers"][question_id] for r in responses if question_id in r.get("answers", {})],
        )
        for question_id, question in survey.questions().items()
    }
    return {
        "shown": shown,
        "dismissed": sum(1 for e in events if e.get("kind") == DISMISSED),
        "answered": answered,
        "response_rate_percent": _percent(answered, shown),
        "questions": questions,
    }


def survey_results(
    survey: Survey, responses: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """`totals` overall, plus `by_page` (page template) and `by_day` lists keyed by `key`."""
    return {
        **totals(survey, responses, events),
        "by_page": _grouped(survey, responses, events, lambda d: d.get("template") or UNKNOWN_PAGE),
        "by_day": _grouped(survey, responses, events, lambda d: d.get("day") or UNKNOWN_PAGE),
    }


def _grouped(
    survey: Survey,
    responses: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    key_of: Callable[[Mapping[str, Any]], str],
) -> list[dict[str, Any]]:
    response_groups = _group(responses, key_of)
    event_groups = _group(events, key_of)
    keys = sorted(set(response_groups) | set(event_groups))
    return [
        {"key": key, **totals(survey, response_groups.get(key, []), event_groups.get(key, []))}
        for key in keys
    ]


def _group(
    docs: Iterable[Mapping[str, Any]], key_of: Callable[[Mapping[str, Any]], str]
) -> dict[str, list[Mapping[str, Any]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for doc in docs:
        groups.setdefault(key_of(doc), []).append(doc)
    return groups


def _percent(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None
