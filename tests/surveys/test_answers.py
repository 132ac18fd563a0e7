"""Posted answers are checked against the survey; partial posts complete one response."""

from __future__ import annotations

from typing import Any

import pytest

from api.errors import InvalidInput
from surveys.answers import is_negative, open_text_ids, parse_answers
from tests.surveys.factory import choice_question, make_survey

CSAT = make_survey()
NPS = make_survey(
    question={"type": "nps", "text": {"en": "Recommend us?", "es": "¿Nos recomendaría?"}},
    follow_up=None,
)
MULTI = make_survey(question=choice_question("multiple_choice"), follow_up=None)


def test_a_low_rating_takes_the_follow_up_and_is_negative() -> None:
    answers = parse_answers(CSAT, {"main": 2, "follow_up": "The upload failed"})
    assert answers == {"main": 2, "follow_up": "The upload failed"}
    assert open_text_ids(CSAT, answers) == ["follow_up"]
    assert is_negative(CSAT, answers)


def test_a_follow_up_that_does_not_apply_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_answers(CSAT, {"main": 5, "follow_up": "Great"})
    assert caught.value.field == "answers"


def test_a_partial_post_is_completed_by_the_next() -> None:
    first = parse_answers(CSAT, {"main": 1})
    assert first == {"main": 1}
    second = parse_answers(CSAT, {"follow_up": "It timed out"}, previous=first)
    assert second == {"main": 1, "follow_up": "It timed out"}


def test_changing_the_main_answer_drops_a_follow_up_that_no_longer_applies() -> None:
    earlier = {"main": 1, "follow_up": "<PERSON> was rude"}
    assert parse_answers(CSAT, {"main": 4}, previous=earlier) == {"main": 4}


@pytest.mark.parametrize(
    ("survey", "raw", "field"),
    [
        (CSAT, None, "answers"),
        (CSAT, {}, "answers"),
        (CSAT, {"nope": 1}, "answers"),
        (CSAT, {"main": 6}, "answers.main"),
        (CSAT, {"main": 0}, "answers.main"),
        (CSAT, {"main": "5"}, "answers.main"),
        (CSAT, {"main": True}, "answers.main"),
        (CSAT, {"main": 3.0}, "answers.main"),
        (CSAT, {"follow_up": "text only"}, "answers.main"),
        (CSAT, {"main": 1, "follow_up": "x" * 2001}, "answers.follow_up"),
        (NPS, {"main": 11}, "answers.main"),
        (MULTI, {"main": []}, "answers.main"),
        (MULTI, {"main": ["pay", "nope"]}, "answers.main"),
        (MULTI, {"main": "pay"}, "answers.main"),
    ],
)
def test_bad_answers_name_the_field(survey: Any, raw: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_answers(survey, raw)
    assert caught.value.field == field


def test_multiple_choice_answers_are_deduplicated_in_question_order() -> None:
    assert parse_answers(MULTI, {"main": ["other", "pay", "other"]}) == {"main": ["pay", "other"]}


@pytest.mark.parametrize(
    ("survey", "value", "negative"),
    [(CSAT, 1, True), (CSAT, 2, True), (CSAT, 3, False), (NPS, 6, True), (NPS, 7, False)],
)
def test_csat_up_to_2_and_nps_up_to_6_are_negative(survey: Any, value: int, negative: bool) -> None:
    assert is_negative(survey, {"main": value}) is negative
