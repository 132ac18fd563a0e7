"""The replay shortlist: sessions grouped by struggle, one representative each."""

from __future__ import annotations

from signals.model import PageView, Signal
from signals.score import Score
from signals.shortlist import SessionSummary, shortlist
from tests.signals.events import T0

PAY = {"tag": "button", "selector": "#pay", "text": "Pay now"}
HELP = {"tag": "button", "selector": "#help", "text": "Help"}


def session(
    sid: str, total: float, *found: tuple[str, dict[str, str] | None], fp: bool = False
) -> SessionSummary:
    view = PageView(f"{sid}-pv1", sid, "/checkout/7", "/checkout/:id", T0)
    signals = [Signal(kind, T0, T0, 1, on, {}, {}, "1", view.id, fp) for kind, on in found]
    return SessionSummary(sid, [view], signals, Score(total, {"x": total}, {}))


def test_sessions_with_the_same_struggle_form_one_group_led_by_the_highest_score() -> None:
    sessions = [
        session("a", 6.0, ("rage_click", PAY), ("dead_click", PAY)),
        session("b", 9.0, ("dead_click", PAY), ("rage_click", PAY)),
        session("c", 3.0, ("dead_click", HELP)),
    ]

    groups = shortlist(sessions)

    assert [(g.element, g.pattern, g.representative, g.size) for g in groups] == [
        ("#pay", ("dead_click", "rage_click"), "b", 2),
        ("#help", ("dead_click",), "c", 1),
    ]
    assert groups[0].session_ids == ["b", "a"]
    assert (
        groups[0].reason == '2 sessions: dead click + rage click on #pay "Pay now" (/checkout/:id)'
    )


def test_a_different_signal_pattern_on_the_same_element_is_another_group() -> None:
    groups = shortlist(
        [session("a", 5, ("rage_click", PAY)), session("b", 4, ("error_click", PAY))]
    )

    assert sorted(g.pattern for g in groups) == [("error_click",), ("rage_click",)]


def test_the_limit_keeps_the_groups_worth_most() -> None:
    sessions = [session("a", 2, ("dead_click", HELP)), session("b", 8, ("rage_click", PAY))]

    assert [g.representative for g in shortlist(sessions, limit=1)] == ["b"]


def test_false_positive_signals_do_not_form_a_struggle() -> None:
    assert shortlist([session("a", 0.0, ("rage_click", PAY), fp=True)]) == []


def test_a_negative_answer_without_signals_is_grouped_by_its_last_page() -> None:
    view = PageView("s-pv1", "s", "/taxes", "/taxes", T0)
    summary = SessionSummary("s", [view], [], Score(5.0, {"negative_survey": 5.0}, {}))

    (group,) = shortlist([summary])

    assert (group.template, group.element, group.pattern) == ("/taxes", "", ("negative_survey",))
    assert group.reason == "1 session: negative survey (/taxes)"


def test_an_unusual_visit_without_signals_is_grouped_by_its_unusual_page() -> None:
    views = [PageView("s-pv1", "s", "/pay", "/pay", T0), PageView("s-pv2", "s", "/", "/", T0 + 9)]
    unusual = {"value": 0.5, "rank": 0.95, "page_view_id": "s-pv1", "template": "/pay"}
    summary = SessionSummary("s", views, [], Score(1.5, {"unusualness": 1.5}, {}, unusual=unusual))

    (group,) = shortlist([summary])

    assert (group.template, group.pattern) == ("/pay", ("unusualness",))
    assert group.reason == "1 session: unusualness (/pay)"
