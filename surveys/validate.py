"""A survey definition (plain dict, as GraphQL input gives it) → a checked `Survey`.

Errors are `InvalidInput` naming the field path (`question.choices[1].id`), never its value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from api.errors import InvalidInput
from signals.model import SIGNAL_KINDS
from surveys import model as m
from surveys.targeting import GLOB_MAX_WILDCARDS, TEMPLATE_PARAM

LANG_PATTERN = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8}){0,2}$")
CHOICE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_NAME_CHARS = 200
MAX_QUESTION_CHARS = 500
MAX_CHOICE_CHARS = 200
MAX_CHOICES = 20
MAX_LANGUAGES = 20
MAX_RULES = 20
MAX_RULE_CHARS = 200
MAX_DELAY_S = 3600

TRANSITIONS: dict[str, frozenset[str]] = {
    m.DRAFT: frozenset({m.ACTIVE, m.ENDED}),
    m.ACTIVE: frozenset({m.PAUSED, m.ENDED}),
    m.PAUSED: frozenset({m.ACTIVE, m.ENDED}),
    m.ENDED: frozenset(),
}


def parse_survey(
    data: Mapping[str, Any], *, survey_id: str, site_id: str, now_ms: int, created_at: int
) -> m.Survey:
    """The survey `data` describes; raises `InvalidInput` at the first problem."""
    name = _text(data.get("name"), "name", MAX_NAME_CHARS)
    status = data.get("status") or m.DRAFT
    if status not in m.STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(m.STATUSES)}", field="status")

    question = parse_question(data.get("question"), m.MAIN, "question")
    languages = set(question.text)
    default_language = _lang(data.get("default_language"), "default_language")
    if default_language not in languages:
        raise InvalidInput("must be one of the question's languages", field="default_language")

    follow_up = None
    if data.get("follow_up") is not None:
        follow_up = _follow_up(data["follow_up"], question)
    for path, texts in _all_texts(question, follow_up):
        if set(texts) != languages:
            raise InvalidInput("must have a text in every language of the survey", field=path)

    starts_at, ends_at = (
        _ms(data.get("starts_at"), "starts_at"),
        _ms(data.get("ends_at"), "ends_at"),
    )
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("must be after starts_at", field="ends_at")

    return m.Survey(
        id=survey_id,
        site_id=site_id,
        name=name,
        status=status,
        question=question,
        rules=parse_rules(data.get("rules")),
        trigger=parse_trigger(data.get("trigger")),
        default_language=default_language,
        follow_up=follow_up,
        sample_percent=_percent(data.get("sample_percent", 100.0)),
        caps=parse_caps(data.get("caps") or {}),
        starts_at=starts_at,
        ends_at=ends_at,
        created_at=created_at,
        updated_at=now_ms,
    )


def parse_question(data: Any, question_id: str, path: str) -> m.Question:
    if not isinstance(data, Mapping):
        raise InvalidInput("is required", field=path)
    kind = data.get("type")
    if kind not in m.QUESTION_TYPES:
        raise InvalidInput(f"must be one of {', '.join(m.QUESTION_TYPES)}", field=f"{path}.type")
    text = _texts(data.get("text"), f"{path}.text", MAX_QUESTION_CHARS)

    raw_choices = data.get("choices") or []
    if kind not in m.CHOICE_TYPES:
        if raw_choices:
            raise InvalidInput(f"{kind} questions take no choices", field=f"{path}.choices")
        return m.Question(question_id, kind, text)
    if not isinstance(raw_choices, list) or not 2 <= len(raw_choices) <= MAX_CHOICES:
        raise InvalidInput(f"needs 2 to {MAX_CHOICES} choices", field=f"{path}.choices")
    choices = []
    for n, raw in enumerate(raw_choices):
        where = f"{path}.choices[{n}]"
        if not isinstance(raw, Mapping):
            raise InvalidInput("must be an object with id and text", field=where)
        choice_id = raw.get("id")
        if not isinstance(choice_id, str) or not CHOICE_ID_PATTERN.match(choice_id):
            raise InvalidInput("must be 1-40 letters, digits, _ or -", field=f"{where}.id")
        choices.append(
            m.Choice(choice_id, _texts(raw.get("text"), f"{where}.text", MAX_CHOICE_CHARS))
        )
    if len({c.id for c in choices}) != len(choices):
        raise InvalidInput("choice ids must be unique", field=f"{path}.choices")
    return m.Question(question_id, kind, text, tuple(choices))


def _follow_up(data: Any, main: m.Question) -> m.FollowUp:
    if not isinstance(data, Mapping):
        raise InvalidInput("must be an object with when and question", field="follow_up")
    question = parse_question(data.get("question"), m.FOLLOW_UP, "follow_up.question")
    when = data.get("when") or {}
    if not isinstance(when, Mapping):
        raise InvalidInput("must be an object", field="follow_up.when")
    low, high, picked = when.get("min"), when.get("max"), list(when.get("choices") or [])

    if main.type in m.SCALES:
        scale_low, scale_high = m.SCALES[main.type]
        for key, bound in (("min", low), ("max", high)):
            if bound is not None and not (_is_int(bound) and scale_low <= bound <= scale_high):
                raise InvalidInput(
                    f"must be an integer from {scale_low} to {scale_high}",
                    field=f"follow_up.when.{key}",
                )
        if low is not None and high is not None and low > high:
            raise InvalidInput("min must not exceed max", field="follow_up.when")
        if picked:
            raise InvalidInput("choices apply to choice questions only", field="follow_up.when")
    elif main.type in m.CHOICE_TYPES:
        if low is not None or high is not None:
            raise InvalidInput("min and max apply to scales only", field="follow_up.when")
        if any(choice not in main.choice_ids() for choice in picked):
            raise InvalidInput("names a choice the question lacks", field="follow_up.when.choices")
    elif low is not None or high is not None or picked:
        raise InvalidInput("open text questions take no condition", field="follow_up.when")
    return m.FollowUp(m.Condition(low, high, tuple(picked)), question)


def parse_rules(data: Any) -> tuple[m.UrlRule, ...]:
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_RULES:
        raise InvalidInput(f"needs 1 to {MAX_RULES} rules", field="rules")
    rules = []
    for n, raw in enumerate(data):
        where = f"rules[{n}]"
        if not isinstance(raw, Mapping) or raw.get("kind") not in m.RULE_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(m.RULE_KINDS)}", field=where)
        kind, value = raw["kind"], raw.get("value")
        if not isinstance(value, str) or not 0 < len(value) <= MAX_RULE_CHARS:
            raise InvalidInput(f"must be 1-{MAX_RULE_CHARS} characters", field=f"{where}.value")
        if kind != m.DEPARTMENT:
            _check_path_rule(kind, value, f"{where}.value")
        rules.append(m.UrlRule(kind, value, bool(raw.get("exclude", False))))
    if all(rule.exclude for rule in rules):
        raise InvalidInput("needs at least one rule that is not an exclusion", field="rules")
    return tuple(rules)


def _check_path_rule(kind: str, value: str, path: str) -> None:
    if not value.startswith("/") or any(c.isspace() for c in value):
        raise InvalidInput("must be a path starting with / and without spaces", field=path)
    if kind != m.GLOB and "?" in value:
        raise InvalidInput("paths are matched without their query string", field=path)
    if kind == m.TEMPLATE:
        for segment in value.split("/"):
            if segment.startswith(":") and not TEMPLATE_PARAM.match(segment):
                raise InvalidInput("parameters look like :name", field=path)
    if kind == m.GLOB and value.count("*") + value.count("?") > GLOB_MAX_WILDCARDS:
        raise InvalidInput(f"at most {GLOB_MAX_WILDCARDS} wildcards", field=path)


def parse_trigger(data: Any) -> m.Trigger:
    if not isinstance(data, Mapping) or data.get("kind") not in m.TRIGGER_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(m.TRIGGER_KINDS)}", field="trigger")
    kind = data["kind"]
    if kind == m.DELAY:
        seconds = data.get("seconds")
        if not _is_int(seconds) or not 1 <= seconds <= MAX_DELAY_S:
            raise InvalidInput(f"must be 1 to {MAX_DELAY_S}", field="trigger.seconds")
        return m.Trigger(kind, seconds=seconds)
    if kind == m.SIGNAL:
        signal = data.get("signal")
        if signal not in SIGNAL_KINDS:
            raise InvalidInput(f"must be one of {', '.join(SIGNAL_KINDS)}", field="trigger.signal")
        return m.Trigger(kind, signal=signal)
    return m.Trigger(kind)


def parse_caps(data: Mapping[str, Any]) -> m.Caps:
    defaults = m.Caps()
    limits = {"per_session": (1, 10), "per_visitor": (1, 100), "per_visitor_days": (1, 365)}
    values: dict[str, int] = {}
    for key, (low, high) in limits.items():
        value = data.get(key)
        value = getattr(defaults, key) if value is None else value
        if not _is_int(value) or not low <= value <= high:
            raise InvalidInput(f"must be an integer from {low} to {high}", field=f"caps.{key}")
        values[key] = value
    return m.Caps(**values)


def check_transition(current: str, wanted: str) -> None:
    """Draft → active → paused ⇄ active; any → ended; ended is final."""
    if wanted != current and wanted not in TRANSITIONS[current]:
        raise InvalidInput(f"a {current} survey cannot become {wanted}", field="status")


def check_update(old: m.Survey, new: m.Survey, has_answers: bool) -> None:
    """Once answers exist, question types stay and no choice id disappears."""
    check_transition(old.status, new.status)
    if not has_answers:
        return
    new_questions = new.questions()
    for question_id, question in old.questions().items():
        path = "question" if question_id == m.MAIN else "follow_up.question"
        replacement = new_questions.get(question_id)
        if replacement is None:
            continue
        if replacement.type != question.type:
            raise InvalidInput("cannot change once answers exist", field=f"{path}.type")
        if not set(question.choice_ids()) <= set(replacement.choice_ids()):
            raise InvalidInput("cannot drop a choice once answers exist", field=f"{path}.choices")


def normalize_lang(value: str) -> str:
    return value.strip().lower().replace("_", "-")


def _lang(value: Any, path: str) -> str:
    if not isinstance(value, str) or not LANG_PATTERN.match(normalize_lang(value)):
        raise InvalidInput("must be a language tag like en or es-mx", field=path)
    return normalize_lang(value)


def _texts(data: Any, path: str, max_chars: int) -> dict[str, str]:
    if not isinstance(data, Mapping) or not 0 < len(data) <= MAX_LANGUAGES:
        raise InvalidInput(f"needs texts in 1 to {MAX_LANGUAGES} languages", field=path)
    texts = {}
    for lang, text in data.items():
        texts[_lang(lang, path)] = _text(text, f"{path}.{lang}", max_chars)
    return texts


def _text(value: Any, path: str, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_chars:
        raise InvalidInput(f"must be 1-{max_chars} characters", field=path)
    return value.strip()


def _all_texts(
    question: m.Question, follow_up: m.FollowUp | None
) -> list[tuple[str, dict[str, str]]]:
    found = [(f"question.choices[{n}].text", c.text) for n, c in enumerate(question.choices)]
    if follow_up is not None:
        extra = follow_up.question
        found.append(("follow_up.question.text", extra.text))
        found += [
            (f"follow_up.question.choices[{n}].text", c.text) for n, c in enumerate(extra.choices)
        ]
    return found


def _ms(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or value < 0:
        raise InvalidInput("must be a time in epoch milliseconds", field=path)
    return int(value)


def _percent(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidInput("must be a number from 0 to 100", field="sample_percent")
    if not 0 <= value <= 100:
        raise InvalidInput("must be a number from 0 to 100", field="sample_percent")
    return float(value)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
