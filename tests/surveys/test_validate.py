"""Survey definitions are checked field by field; errors name the field, never its value."""

from __future__ import annotations

from typing import Any

import pytest

from api.errors import InvalidInput
from surveys import model as m
from surveys.validate import check_transition, check_update, parse_survey
from tests.surveys.factory import NOW_MS, choice_question, definition, make_survey


def parse(**overrides: Any) -> m.Survey:
    return parse_survey(
        definition(**overrides), survey_id="sv", site_id="site", now_ms=NOW_MS, created_at=NOW_MS
    )


def test_a_valid_definition_round_trips_through_the_stored_document() -> None:
    survey = parse(caps={"per_session": 2, "per_visitor": 3, "per_visitor_days": 14})
    assert survey.languages == ["en", "es"]
    assert survey.follow_up is not None
    assert survey.follow_up.when == m.Condition(max_value=2)
    assert survey.caps == m.Caps(2, 3, 14)
    assert m.Survey.from_doc(survey.to_doc()) == survey


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"status": "running"}, "status"),
        ({"default_language": "fr"}, "default_language"),
        ({"question": {"type": "slider", "text": {"en": "x"}}}, "question.type"),
        ({"question": {"type": "rating", "text": {}}}, "question.text"),
        ({"question": {**choice_question(), "choices": []}}, "question.choices"),
        (
            {"question": {**choice_question(), "choices": choice_question()["choices"][:1] * 2}},
            "question.choices",
        ),
        (
            {
                "question": {
                    **choice_question(),
                    "choices": [{"id": "bad id!", "text": {"en": "a", "es": "b"}}] * 2,
                }
            },
            "question.choices[0].id",
        ),
        ({"question": {"type": "rating", "text": {"en": "a"}, "choices": [1]}}, "question.choices"),
        (
            {"follow_up": {"when": {"max": 9}, "question": definition()["follow_up"]["question"]}},
            "follow_up.when.max",
        ),
        (
            {
                "follow_up": {
                    "when": {"max": 2},
                    "question": {"type": "open_text", "text": {"en": "?"}},
                }
            },
            "follow_up.question.text",
        ),
        ({"rules": []}, "rules"),
        ({"rules": [{"kind": "regex", "value": ".*"}]}, "rules[0]"),
        ({"rules": [{"kind": "prefix", "value": "permits"}]}, "rules[0].value"),
        ({"rules": [{"kind": "exact", "value": "/a?b=1"}]}, "rules[0].value"),
        ({"rules": [{"kind": "template", "value": "/a/:1d"}]}, "rules[0].value"),
        ({"rules": [{"kind": "glob", "value": "/" + "*" * 11}]}, "rules[0].value"),
        ({"rules": [{"kind": "prefix", "value": "/a", "exclude": True}]}, "rules"),
        ({"trigger": {"kind": "delay"}}, "trigger.seconds"),
        ({"trigger": {"kind": "delay", "seconds": 0}}, "trigger.seconds"),
        ({"trigger": {"kind": "signal", "signal": "angry"}}, "trigger.signal"),
        ({"trigger": {"kind": "hover"}}, "trigger"),
        ({"sample_percent": 101}, "sample_percent"),
        ({"sample_percent": float("nan")}, "sample_percent"),
        ({"caps": {"per_session": 0}}, "caps.per_session"),
        ({"caps": {"per_visitor_days": 366}}, "caps.per_visitor_days"),
        ({"starts_at": NOW_MS, "ends_at": NOW_MS}, "ends_at"),
        ({"starts_at": -1}, "starts_at"),
    ],
)
def test_invalid_definitions_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(**overrides)
    assert caught.value.field == field


def test_follow_up_conditions_fit_the_main_question() -> None:
    choice_follow_up = {
        "when": {"choices": ["other"]},
        "question": {"type": "open_text", "text": {"en": "What else?", "es": "¿Qué más?"}},
    }
    survey = parse(question=choice_question(), follow_up=choice_follow_up)
    assert survey.follow_up is not None
    assert survey.follow_up.when.holds("other")
    assert not survey.follow_up.when.holds("pay")

    with pytest.raises(InvalidInput) as caught:
        parse(
            question=choice_question(), follow_up={**choice_follow_up, "when": {"choices": ["x"]}}
        )
    assert caught.value.field == "follow_up.when.choices"


def test_status_moves_draft_active_paused_ended_and_ended_is_final() -> None:
    check_transition("draft", "active")
    check_transition("active", "paused")
    check_transition("paused", "active")
    check_transition("paused", "ended")
    for current, wanted in [("ended", "active"), ("active", "draft"), ("draft", "paused")]:
        with pytest.raises(InvalidInput):
            check_transition(current, wanted)


def test_once_answered_a_survey_keeps_its_question_type_and_choices() -> None:
    old = make_survey(question=choice_question(), follow_up=None)
    reworded = choice_question()
    reworded["choices"] = reworded["choices"] + [
        {"id": "more", "text": {"en": "More", "es": "Más"}}
    ]
    check_update(old, make_survey(question=reworded, follow_up=None), has_answers=True)

    dropped = choice_question()
    dropped["choices"] = dropped["choices"][:2]
    check_update(old, make_survey(question=dropped, follow_up=None), has_answers=False)
    with pytest.raises(InvalidInput) as caught:
        check_update(old, make_survey(question=dropped, follow_up=None), has_answers=True)
    assert caught.value.field == "question.choices"
    with pytest.raises(InvalidInput) as caught:
        check_update(old, make_survey(), has_answers=True)
    assert caught.value.field == "question.type"
