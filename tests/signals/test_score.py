"""Session scores: weighted signals, errors, negative survey answers, unusualness."""

from __future__ import annotations

import json
import random

import pytest

from signals.errors import InvalidModel
from signals.features import page_view_features
from signals.model import PageView, Signal
from signals.score import DEFAULT_WEIGHTS, score_session
from signals.unusual import session_unusualness, unusualness
from signals.unusual_model import SITE_WIDE, build_model
from tests.signals.events import T0, ev, load
from tests.signals.pages import odd, ordinary


def signal(kind: str, false_positive: bool = False) -> Signal:
    return Signal(kind, T0, T0, 20, None, {}, {}, "1", "pv1", false_positive)


def test_signals_are_weighted_and_capped_per_kind() -> None:
    signals = [signal("rage_click")] * 7 + [signal("dead_click")]

    score = score_session([], signals, survey_negative=False)

    assert score.breakdown == {"signal:dead_click": 2.0, "signal:rage_click": 15.0}
    assert score.total == 17.0
    assert score.counts == {"dead_click": 1, "rage_click": 7, "errors": 0}


def test_false_positive_signals_count_for_nothing() -> None:
    score = score_session([], [signal("rage_click", false_positive=True)], survey_negative=False)

    assert (score.total, score.breakdown) == (0.0, {})


def test_errors_and_a_negative_survey_answer_add_to_the_score() -> None:
    view = PageView("pv1", "s1", "/pay", "/pay", T0, None, (load(), ev("error", 100, message="x")))

    score = score_session([view], [], survey_negative=True)

    assert score.breakdown == {"errors": 0.5, "negative_survey": DEFAULT_WEIGHTS.negative_survey}
    assert score.total == 5.5


def _model(views: list[PageView], template: str = "/pay") -> dict[str, object]:
    rows = [page_view_features(v) for v in views]
    return build_model("city", template, rows, sessions=len(views))


def test_an_odd_page_view_is_more_unusual_than_ordinary_ones() -> None:
    rng = random.Random(7)
    views = [ordinary(n, rng) for n in range(80)]
    model = _model(views)

    typical = sorted(unusualness(page_view_features(v), model) for v in views)
    odd_value = unusualness(page_view_features(odd()), model)

    # Nine in ten ordinary page views count 0; the odd one ranks among the most unusual.
    assert sum(1 for value in typical if value == 0) >= 72
    assert odd_value >= 0.4 and odd_value > typical[76]


def test_the_score_adds_unusualness_and_explains_it_by_feature() -> None:
    model = _model([ordinary(n, random.Random(n)) for n in range(60)])

    rated = session_unusualness([odd()], {"/pay": model})
    assert rated is not None
    score = score_session([odd()], [], False, unusual=rated)

    assert score.breakdown["unusualness"] == round(DEFAULT_WEIGHTS.unusualness * rated.value, 4)
    assert score.unusual is not None and score.unusual["page_view_id"] == "odd"
    named = {f["feature"] for f in score.unusual["features"]}
    assert {"clicks", "errors"} <= named
    assert score.unusual["reason"].startswith(f"more unusual than {rated.rank:.0%} of page views")
    assert "clicks 40 (typical 3)" in score.unusual["reason"]


def test_a_page_without_its_own_model_uses_the_site_wide_one() -> None:
    site_model = _model([ordinary(n, random.Random(n), "/x") for n in range(40)], SITE_WIDE)
    elsewhere = ordinary(99, random.Random(3), "/rare")

    rated = session_unusualness([elsewhere], {SITE_WIDE: site_model})

    assert rated is not None and (rated.template, rated.model) == ("/rare", SITE_WIDE)
    assert session_unusualness([elsewhere], {"/pay": site_model}) is None


def test_the_same_page_views_in_any_order_give_the_same_model_and_scores() -> None:
    views = [ordinary(n, random.Random(n)) for n in range(40)]
    shuffled = list(views)
    random.Random(5).shuffle(shuffled)

    first, second = _model(views), _model(shuffled)

    assert first == second
    assert json.loads(json.dumps(first)) == first  # plain data, nothing to unpickle
    assert unusualness(page_view_features(odd()), first) == unusualness(
        page_view_features(odd()), json.loads(json.dumps(second))
    )


def test_a_model_whose_sample_was_altered_is_refused() -> None:
    model = _model([ordinary(n, random.Random(n)) for n in range(40)])
    altered = {**model, "sample": {**model["sample"], "clicks": [0.0] * 40}}  # type: ignore[dict-item]

    with pytest.raises(InvalidModel, match="sample_hash"):
        unusualness(page_view_features(odd()), altered)
    assert session_unusualness([odd()], {"/pay": altered}) is None
