"""Sampling is a stable function of survey and visitor, and hits about the asked share."""

from __future__ import annotations

import uuid

import pytest

from surveys.sampling import in_sample, sample_point

VISITORS = [uuid.UUID(int=n).hex for n in range(20_000)]


def test_the_same_visitor_always_gets_the_same_decision() -> None:
    first = [in_sample("sv_a", v, 30.0) for v in VISITORS[:500]]
    again = [in_sample("sv_a", v, 30.0) for v in VISITORS[:500]]
    assert first == again


@pytest.mark.parametrize("percent", [5.0, 30.0, 50.0, 90.0])
def test_about_the_asked_share_of_visitors_is_sampled(percent: float) -> None:
    share = sum(in_sample("sv_a", v, percent) for v in VISITORS) / len(VISITORS) * 100
    # Binomial standard deviation at n=20,000 is at most 0.36 points; allow about four of them.
    assert abs(share - percent) < 1.5


def test_zero_and_hundred_percent_are_nobody_and_everybody() -> None:
    assert not any(in_sample("sv_a", v, 0.0) for v in VISITORS[:2000])
    assert all(in_sample("sv_a", v, 100.0) for v in VISITORS[:2000])


def test_raising_the_percentage_only_adds_visitors() -> None:
    at_10 = {v for v in VISITORS if in_sample("sv_a", v, 10.0)}
    at_20 = {v for v in VISITORS if in_sample("sv_a", v, 20.0)}
    assert at_10 < at_20


def test_different_surveys_sample_different_visitors() -> None:
    a = {v for v in VISITORS if in_sample("sv_a", v, 20.0)}
    b = {v for v in VISITORS if in_sample("sv_b", v, 20.0)}
    overlap = len(a & b) / len(a)
    # Independent 20 % samples overlap on about 20 % of each other.
    assert 0.15 < overlap < 0.25


def test_sample_point_is_within_zero_and_hundred() -> None:
    points = [sample_point("sv_a", v) for v in VISITORS]
    assert min(points) >= 0.0
    assert max(points) < 100.0
