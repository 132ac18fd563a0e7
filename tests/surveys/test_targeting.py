"""URL rules, departments and triggers decide which page views a survey targets."""

from __future__ import annotations

import pytest

from surveys.eligibility import PageRequest, candidates, trigger_fits
from surveys.model import Trigger, UrlRule
from surveys.targeting import BadUrl, department_of, page_path, targets
from tests.surveys.factory import NOW_MS, make_survey

DEPARTMENTS = {"/permits": "Building and Permits", "/permits/trees": "Urban Forestry"}


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://city.example.test/permits/12/apply?email=a%40b.c", "/permits/12/apply"),
        ("https://city.example.test/permits/", "/permits"),
        ("https://city.example.test/", "/"),
        ("https://city.example.test/app#/permits/12?x=1", "/app/#/permits/12"),
        ("https://city.example.test/caf%C3%A9", "/café"),
        ("/water/pay", "/water/pay"),
    ],
)
def test_page_path_keeps_the_path_and_hash_route_and_drops_the_query(url: str, path: str) -> None:
    assert page_path(url) == path


@pytest.mark.parametrize("url", ["javascript:alert(1)", "water/pay", "ftp://x/y", "/" + "a" * 5000])
def test_page_path_refuses_what_is_not_an_http_url_or_a_path(url: str) -> None:
    with pytest.raises(BadUrl):
        page_path(url)


@pytest.mark.parametrize(
    ("rule", "path", "expected"),
    [
        (UrlRule("exact", "/permits"), "/permits", True),
        (UrlRule("exact", "/permits/"), "/permits", True),
        (UrlRule("exact", "/permits"), "/permits/12", False),
        (UrlRule("prefix", "/permits"), "/permits/12/apply", True),
        (UrlRule("prefix", "/permits"), "/permitsx", False),
        (UrlRule("prefix", "/"), "/anything/at/all", True),
        (UrlRule("template", "/permits/:id/apply"), "/permits/12/apply", True),
        (UrlRule("template", "/permits/:id/apply"), "/permits/12/apply/extra", False),
        (UrlRule("template", "/permits/:id/apply"), "/permits/apply", False),
        (UrlRule("template", "/permits/:id/apply"), "/permits//apply", False),
        (UrlRule("glob", "/permits/*/apply"), "/permits/A-12/apply", True),
        (UrlRule("glob", "/permits/*/apply"), "/permits/a/b/apply", False),
        (UrlRule("glob", "/permits/**/apply"), "/permits/a/b/apply", True),
        (UrlRule("glob", "/permits/**/apply"), "/permits/apply", True),
        (UrlRule("glob", "/water/bill-??"), "/water/bill-05", True),
        (UrlRule("glob", "/water/bill-??"), "/water/bill-5", False),
        (UrlRule("glob", "/water/*.pdf"), "/water/rates.pdf", True),
        (UrlRule("glob", "/water/*.pdf"), "/water/rates.pdfx", False),
        (UrlRule("glob", "/**"), "/", True),
        # Regex syntax in a glob is literal text, never a pattern.
        (UrlRule("glob", "/permits/(a|b)+"), "/permits/aaa", False),
        (UrlRule("glob", "/permits/(a|b)+"), "/permits/(a|b)+", True),
    ],
)
def test_url_rules_match_paths(rule: UrlRule, path: str, expected: bool) -> None:
    assert targets([rule], path, None) is expected


def test_a_pathological_glob_gives_the_right_answer() -> None:
    # Many stars against a long non-matching segment: a backtracking regex would blow up here.
    rule = UrlRule("glob", "/" + "*a" * 5 + "*b")
    assert targets([rule], "/" + "a" * 4000, None) is False
    assert targets([rule], "/" + "a" * 4000 + "b", None) is True


def test_department_is_the_longest_matching_prefix() -> None:
    assert department_of("/permits/trees/12", DEPARTMENTS) == "Urban Forestry"
    assert department_of("/permits/12", DEPARTMENTS) == "Building and Permits"
    assert department_of("/permitsx", DEPARTMENTS) is None
    assert department_of("/water", DEPARTMENTS) is None


def test_department_rules_and_exclusions_combine() -> None:
    rules = [
        UrlRule("department", "Building and Permits"),
        UrlRule("glob", "/permits/*/fees", True),
    ]
    for path, expected in [
        ("/permits/12/apply", True),
        ("/permits/12/fees", False),  # excluded
        ("/permits/trees/12", False),  # another department by its longer prefix
        ("/water/pay", False),
    ]:
        assert targets(rules, path, department_of(path, DEPARTMENTS)) is expected, path


def test_a_plain_ask_gets_page_triggers_and_a_signal_ask_only_that_signal() -> None:
    assert trigger_fits(Trigger("load"), None)
    assert trigger_fits(Trigger("delay", seconds=20), None)
    assert trigger_fits(Trigger("exit"), None)
    assert not trigger_fits(Trigger("signal", signal="rage_click"), None)
    assert trigger_fits(Trigger("signal", signal="rage_click"), "rage_click")
    assert not trigger_fits(Trigger("signal", signal="rage_click"), "dead_click")
    assert not trigger_fits(Trigger("load"), "rage_click")


def test_candidates_need_an_active_survey_inside_its_period() -> None:
    request = PageRequest("site:s1", "visitor-1", "/permits/12")
    live = make_survey("sv_live")
    draft = make_survey("sv_draft", status="draft")
    paused = make_survey("sv_paused", status="paused")
    future = make_survey("sv_future", starts_at=NOW_MS + 1, ends_at=NOW_MS + 10)
    over = make_survey("sv_over", starts_at=NOW_MS - 10, ends_at=NOW_MS)
    found = candidates([live, draft, paused, future, over], request, {}, NOW_MS)
    assert [s.id for s in found] == ["sv_live"]


def test_candidates_follow_rules_trigger_and_sample() -> None:
    on_rage = make_survey("sv_rage", trigger={"kind": "signal", "signal": "rage_click"})
    nobody = make_survey("sv_nobody", sample_percent=0.0)
    water = make_survey("sv_water", rules=[{"kind": "prefix", "value": "/water"}])
    surveys = [on_rage, nobody, water, make_survey("sv_plain")]

    plain = PageRequest("site:s1", "visitor-1", "/permits/12")
    assert [s.id for s in candidates(surveys, plain, {}, NOW_MS)] == ["sv_plain"]
    raged = PageRequest("site:s1", "visitor-1", "/permits/12", signal="rage_click")
    assert [s.id for s in candidates(surveys, raged, {}, NOW_MS)] == ["sv_rage"]
