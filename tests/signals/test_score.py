"""Session scores: weighted signals, errors, negative survey answers, unusualness."""

from __future__ import annotations

import random

from ingest.model import Event
from signals.model import PageView, Signal
from signals.score import DEFAULT_WEIGHTS, score_session
from signals.unusual import fit_unusualness
from tests.signals.events import T0, click, ev, load, mutation, scroll


def signal(kind: str, false_positive: bool = False) -> Signal:
    return Signal(kind, T0, T0, 20, None, {}, {}, "1", "pv1", false_positive)


def ordinary(n: int, rng: random.Random, template: str = "/pay") -> PageView:
    """A page view read for ~a minute with a few clicks that get answers."""
    events: list[Event] = [load()]
    for i in range(rng.randint(2, 5)):
        events += [click(5000 + i * 7000), mutation(5100 + i * 7000)]
    events += [scroll(3000 + i * 2000, 300 * i) for i in range(rng.randint(3, 8))]
    return PageView(
        f"pv{n}", f"s{n}", template, template, T0, T0 + rng.randint(40, 90) * 1000, tuple(events)
    )


def odd() -> PageView:
    """Forty clicks, a dozen errors and no scrolling in seven minutes."""
    events: list[Event] = [load()]
    events += [click(1000 + i * 300) for i in range(40)]
    events += [ev("error", 2000 + i * 900, message="x") for i in range(12)]
    return PageView("odd", "s-odd", "/pay", "/pay", T0, T0 + 420_000, tuple(events))


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


def test_an_odd_page_view_is_more_unusual_than_ordinary_ones() -> None:
    rng = random.Random(7)
    views = [ordinary(n, rng) for n in range(80)] + [odd()]
    model = fit_unusualness(views)

    rated = model.unusualness(views)

    assert rated[-1] is not None and rated[-1] > 0.2
    assert sorted(r for r in rated[:-1] if r is not None)[40] < rated[-1] / 4
    assert score_session([odd()], [], False, model=model).breakdown["unusualness"] > 0.6


def test_templates_with_too_few_page_views_get_no_rating() -> None:
    rng = random.Random(1)
    model = fit_unusualness([ordinary(n, rng, "/rare") for n in range(5)])

    assert model.unusualness([ordinary(9, rng, "/rare")]) == [None]
    assert (
        "unusualness"
        not in score_session([ordinary(9, rng, "/rare")], [], False, model=model).breakdown
    )


def test_the_same_page_views_give_the_same_unusualness() -> None:
    views = [ordinary(n, random.Random(n)) for n in range(40)] + [odd()]

    first = fit_unusualness(views).unusualness(views)
    second = fit_unusualness(list(views)).unusualness(views)

    assert first == second
