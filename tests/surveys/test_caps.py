"""Frequency caps per session and per visitor, and never again after an answer or dismissal."""

from __future__ import annotations

import dataclasses

from surveys.caps import DAY_MS, Showing, VisitorHistory, within_caps
from surveys.eligibility import eligible
from surveys.model import Caps
from tests.surveys.factory import NOW_MS, make_survey

ONCE = Caps(per_session=1, per_visitor=1, per_visitor_days=30)


def test_a_new_visitor_may_be_shown_a_survey() -> None:
    assert within_caps("sv", ONCE, VisitorHistory(), "s:1", NOW_MS)


def test_an_answered_or_dismissed_survey_is_never_shown_again() -> None:
    history = VisitorHistory(closed={"sv"})
    generous = Caps(per_session=10, per_visitor=100, per_visitor_days=1)
    assert not within_caps("sv", generous, history, "s:new", NOW_MS + 400 * DAY_MS)
    assert within_caps("other", generous, history, "s:new", NOW_MS)


def test_the_session_cap_counts_showings_in_this_session() -> None:
    caps = Caps(per_session=2, per_visitor=5, per_visitor_days=30)
    once = VisitorHistory(shown=[Showing("sv", "s:1", NOW_MS - 1000)])
    twice = VisitorHistory(shown=once.shown + [Showing("sv", "s:1", NOW_MS - 500)])
    assert within_caps("sv", caps, once, "s:1", NOW_MS)
    assert not within_caps("sv", caps, twice, "s:1", NOW_MS)
    assert within_caps("sv", caps, twice, "s:2", NOW_MS)


def test_the_visitor_cap_counts_sessions_within_the_window() -> None:
    caps = Caps(per_session=1, per_visitor=2, per_visitor_days=7)
    history = VisitorHistory(
        shown=[
            Showing("sv", "s:1", NOW_MS - 8 * DAY_MS),  # outside the 7-day window
            Showing("sv", "s:2", NOW_MS - 6 * DAY_MS),
            Showing("other", "s:3", NOW_MS - DAY_MS),  # another survey does not count
        ]
    )
    assert within_caps("sv", caps, history, "s:4", NOW_MS)

    history.shown.append(Showing("sv", "s:3", NOW_MS - DAY_MS))
    assert not within_caps("sv", caps, history, "s:4", NOW_MS)
    # A week after the older showing it leaves the window again.
    assert within_caps("sv", caps, history, "s:4", NOW_MS + 2 * DAY_MS)


def test_eligible_keeps_only_surveys_within_caps_oldest_first() -> None:
    older = make_survey("sv_b")
    newer = make_survey("sv_a")
    newer = dataclasses.replace(newer, created_at=NOW_MS + 5)
    closed = make_survey("sv_closed")
    history = VisitorHistory(closed={"sv_closed"})
    found = eligible([newer, closed, older], history, "s:1", NOW_MS)
    assert [s.id for s in found] == ["sv_b", "sv_a"]
