"""The public JSON of a survey for the tracker, in the visitor's language."""

from __future__ import annotations

from typing import Any

from surveys.model import SCALES, Condition, Question, Survey


def resolve_language(survey: Survey, wanted: str | None) -> str:
    """The survey language closest to `wanted` (`es-MX` → `es-mx`, else `es`), else the default."""
    if wanted:
        wanted = wanted.strip().lower().replace("_", "-")
        languages = survey.languages
        if wanted in languages:
            return wanted
        primary = wanted.split("-")[0]
        if primary in languages:
            return primary
        for lang in languages:
            if lang.split("-")[0] == primary:
                return lang
    return survey.default_language


def offer(survey: Survey, lang: str | None) -> dict[str, Any]:
    """`{"id", "lang", "question": {..., "follow_up"?}, "trigger"}` for one survey."""
    served = resolve_language(survey, lang)
    question = question_offer(survey.question, served)
    if survey.follow_up is not None:
        question["follow_up"] = {
            **question_offer(survey.follow_up.question, served),
            "when": condition_offer(survey.follow_up.when),
        }
    return {
        "id": survey.id,
        "lang": served,
        "question": question,
        "trigger": survey.trigger.to_doc(),
    }


def question_offer(question: Question, lang: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "text": question.text[lang],
        "choices": [{"id": c.id, "text": c.text[lang]} for c in question.choices],
    }
    if question.type in SCALES:
        body["min"], body["max"] = SCALES[question.type]
    return body


def condition_offer(condition: Condition) -> dict[str, Any]:
    """Only the keys that constrain; `{}` means the follow-up is always asked."""
    when: dict[str, Any] = {}
    if condition.min_value is not None:
        when["min"] = condition.min_value
    if condition.max_value is not None:
        when["max"] = condition.max_value
    if condition.choice_ids:
        when["choices"] = list(condition.choice_ids)
    return when
