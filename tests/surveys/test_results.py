"""Results arithmetic against values worked out by hand."""

from __future__ import annotations

from typing import Any

from pytest import approx

from surveys.results import question_results, survey_results
from tests.surveys.factory import choice_question, make_survey

APPLY, WATER = "/permits/:id/apply", "/water/pay"
DAY1, DAY2 = "2026-01-01", "2026-01-02"


def response(
    main: Any, template: str | None, day: str, follow_up: str | None = None
) -> dict[str, Any]:
    answers = {"main": main} if follow_up is None else {"main": main, "follow_up": follow_up}
    return {"answers": answers, "template": template, "day": day}


def event(kind: str, template: str | None, day: str) -> dict[str, Any]:
    return {"kind": kind, "template": template, "day": day}


CSAT_RESPONSES = [
    response(5, APPLY, DAY1),
    response(4, APPLY, DAY1),
    response(2, APPLY, DAY2, follow_up="<PERSON> never called back"),
    response(1, WATER, DAY2),
]
EVENTS = [
    event("shown", APPLY, DAY1),
    event("shown", APPLY, DAY1),
    event("shown", APPLY, DAY2),
    event("shown", APPLY, DAY2),
    event("shown", WATER, DAY2),
    event("shown", WATER, DAY2),
    event("dismissed", WATER, DAY2),
]


def test_csat_overall() -> None:
    result = survey_results(make_survey(), CSAT_RESPONSES, EVENTS)
    assert (result["shown"], result["dismissed"], result["answered"]) == (6, 1, 4)
    assert result["response_rate_percent"] == approx(4 / 6 * 100)

    main = result["questions"]["main"]
    assert main["answered"] == 4
    assert main["average"] == approx((5 + 4 + 2 + 1) / 4)
    assert main["distribution"] == [
        {"value": 1, "count": 1},
        {"value": 2, "count": 1},
        {"value": 3, "count": 0},
        {"value": 4, "count": 1},
        {"value": 5, "count": 1},
    ]
    assert main["satisfied_percent"] == approx(2 / 4 * 100)
    assert result["questions"]["follow_up"]["answered"] == 1


def test_csat_per_page_template() -> None:
    by_page = {
        g["key"]: g for g in survey_results(make_survey(), CSAT_RESPONSES, EVENTS)["by_page"]
    }
    assert sorted(by_page) == [APPLY, WATER]

    apply = by_page[APPLY]
    assert (apply["shown"], apply["dismissed"], apply["answered"]) == (4, 0, 3)
    assert apply["response_rate_percent"] == approx(3 / 4 * 100)
    assert apply["questions"]["main"]["average"] == approx((5 + 4 + 2) / 3)
    assert apply["questions"]["main"]["satisfied_percent"] == approx(2 / 3 * 100)

    water = by_page[WATER]
    assert (water["shown"], water["dismissed"], water["answered"]) == (2, 1, 1)
    assert water["response_rate_percent"] == approx(1 / 2 * 100)
    assert water["questions"]["main"]["average"] == approx(1.0)


def test_csat_per_day() -> None:
    by_day = survey_results(make_survey(), CSAT_RESPONSES, EVENTS)["by_day"]
    assert [g["key"] for g in by_day] == [DAY1, DAY2]
    assert (by_day[0]["shown"], by_day[0]["answered"]) == (2, 2)
    assert by_day[0]["response_rate_percent"] == approx(100.0)
    assert by_day[0]["questions"]["main"]["average"] == approx((5 + 4) / 2)
    assert (by_day[1]["shown"], by_day[1]["dismissed"], by_day[1]["answered"]) == (4, 1, 2)
    assert by_day[1]["response_rate_percent"] == approx(2 / 4 * 100)
    assert by_day[1]["questions"]["main"]["average"] == approx((2 + 1) / 2)


def test_nps_is_percent_promoters_minus_percent_detractors() -> None:
    survey = make_survey(
        question={"type": "nps", "text": {"en": "Recommend?", "es": "¿Recomendaría?"}},
        follow_up=None,
    )
    values = [10, 9, 9, 8, 6, 3, 10]  # promoters 10 9 9 10, passive 8, detractors 6 3
    result = question_results(survey.question, values)
    assert (result["promoters"], result["passives"], result["detractors"]) == (4, 1, 2)
    assert result["nps"] == approx((4 / 7 - 2 / 7) * 100)
    assert result["average"] == approx(55 / 7)
    assert [d["count"] for d in result["distribution"]] == [0, 0, 0, 1, 0, 0, 1, 0, 1, 2, 2]


def test_single_choice_counts_and_shares() -> None:
    survey = make_survey(question=choice_question(), follow_up=None)
    result = question_results(survey.question, ["pay", "pay", "apply", "other", "pay"])
    assert result["choices"] == [
        {"id": "pay", "count": 3, "percent": approx(60.0)},
        {"id": "apply", "count": 1, "percent": approx(20.0)},
        {"id": "other", "count": 1, "percent": approx(20.0)},
    ]


def test_multiple_choice_shares_are_of_respondents() -> None:
    survey = make_survey(question=choice_question("multiple_choice"), follow_up=None)
    picks = [["pay", "apply"], ["apply"], ["pay", "apply", "other"]]
    result = question_results(survey.question, picks)
    assert [(c["id"], c["count"]) for c in result["choices"]] == [
        ("pay", 2),
        ("apply", 3),
        ("other", 1),
    ]
    assert [c["percent"] for c in result["choices"]] == approx([200 / 3, 100.0, 100 / 3])


def test_no_data_gives_empty_results_not_errors() -> None:
    result = survey_results(make_survey(), [], [])
    assert (result["shown"], result["answered"], result["response_rate_percent"]) == (0, 0, None)
    assert result["questions"]["main"]["average"] is None
    assert result["questions"]["main"]["satisfied_percent"] is None
    assert result["by_page"] == []
    assert result["by_day"] == []


def test_responses_without_a_known_page_are_grouped_as_unknown() -> None:
    result = survey_results(make_survey(), [response(3, None, DAY1)], [event("shown", None, DAY1)])
    assert [(g["key"], g["answered"], g["shown"]) for g in result["by_page"]] == [
        ("(unknown)", 1, 1)
    ]
