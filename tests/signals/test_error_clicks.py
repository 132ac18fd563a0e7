"""Error clicks: a JS error or a failed request within a second after a click."""

from __future__ import annotations

from signals.error_clicks import error_clicks_in
from tests.signals.events import T0, click, ev, load, target

HELP = target("button", {"id": "help"}, "Help")


def test_an_error_400_ms_after_a_click_is_an_error_click() -> None:
    events = [load(), click(1000), ev("error", 1400, message="TypeError")]

    (signal,) = error_clicks_in(events)

    assert (signal.kind, signal.ts, signal.end_ts, signal.node) == (
        "error_click",
        T0 + 1000,
        T0 + 1400,
        20,
    )
    assert signal.details == {"errors": 1, "failed_requests": 0, "first_problem_ms": 400}


def test_errors_before_a_click_or_more_than_a_second_after_are_not_attributed() -> None:
    events = [ev("error", 500, message="early"), click(1000), ev("error", 2001, message="late")]

    assert error_clicks_in(events) == []


def test_a_failed_request_counts_but_status_0_and_redirects_do_not() -> None:
    failed = ev("request", 1300, url="/api/pay", status=502, method="POST")
    aborted = ev("request", 3300, url="/api/log", status=0, method="POST")
    redirect = ev("request", 5300, url="/api/x", status=302, method="GET")
    events = [click(1000), failed, click(3000), aborted, click(5000), redirect]

    (signal,) = error_clicks_in(events)

    assert (signal.ts, signal.details["failed_requests"]) == (T0 + 1000, 1)


def test_an_error_goes_to_the_latest_click_before_it_only() -> None:
    events = [click(1000), click(1500, node=21, on=HELP, x=600), ev("error", 1700, message="x")]

    (signal,) = error_clicks_in(events)

    assert (signal.node, signal.target["selector"]) == (21, "#help")  # type: ignore[index]
