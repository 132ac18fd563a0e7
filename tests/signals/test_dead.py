"""Dead and slow clicks on buttons and links."""

from __future__ import annotations

from ingest.model import Event
from signals.dead import dead_clicks_in
from signals.thresholds import resolve_thresholds
from tests.signals.events import T0, click, ev, load, move, mutation, press, target


def _after(*events: Event) -> list[Event]:
    """A page view with a button press at 1000 ms, the given events, and a move at 9000 ms."""
    return [load(), *press(1000), *events, move(9000, 10, 10)]


def test_an_unanswered_button_click_is_a_dead_click() -> None:
    (signal,) = dead_clicks_in(_after(), page_view_id="pv1")

    assert (signal.kind, signal.ts, signal.node) == ("dead_click", T0 + 1000, 20)
    assert signal.details == {"clicks": 1}


def test_a_change_within_2500_ms_answers_the_click() -> None:
    assert dead_clicks_in(_after(mutation(3400))) == []


def test_a_change_between_2500_and_7000_ms_makes_a_slow_click() -> None:
    (signal,) = dead_clicks_in(_after(mutation(3600)))

    assert (signal.kind, signal.details) == ("slow_click", {"response_ms": 2600})


def test_a_change_after_7000_ms_leaves_a_dead_click() -> None:
    events = [*_after(), mutation(8500)]

    assert [s.kind for s in dead_clicks_in(sorted(events, key=lambda e: e["ts"]))] == ["dead_click"]


def test_an_empty_mutation_record_is_no_answer() -> None:
    empty = ev("mutation", 1100, nodes=[], adds=0, removes=0, texts=0, attributes=0)

    assert [s.kind for s in dead_clicks_in(_after(empty))] == ["dead_click"]


def test_leaving_for_the_next_page_answers_the_click() -> None:
    assert dead_clicks_in([load(), *press(1000)], left_at_ms=T0 + 1800) == []


def test_links_opening_a_new_window_are_exempt_also_from_an_inner_element() -> None:
    link_attrs = {"href": "/terms", "target": "_blank"}
    inner = target("span", text="terms", interactive=("a", link_attrs))

    assert dead_clicks_in([load(), click(1000, node=43, on=inner), move(9000, 1, 1)]) == []


def test_downloads_are_exempt_by_attribute_or_file_type() -> None:
    by_attribute = target("a", {"href": "/files/report", "download": ""})
    by_type = target("a", {"href": "/files/report.PDF?v=2"})

    for link in (by_attribute, by_type):
        assert dead_clicks_in([load(), click(1000, node=63, on=link), move(9000, 1, 1)]) == []


def test_mail_and_phone_links_are_exempt() -> None:
    for href in ("mailto:office@example.com", "tel:+15550100"):
        link = target("a", {"href": href})
        assert dead_clicks_in([load(), click(1000, node=46, on=link), move(9000, 1, 1)]) == []


def test_modifier_key_clicks_are_exempt() -> None:
    ctrl_click = click(1000)
    ctrl_click["data"] = {"modifiers": ["ctrl"]}

    assert dead_clicks_in([load(), ctrl_click, move(9000, 1, 1)]) == []


def test_clicks_on_text_inputs_and_plain_elements_are_not_judged() -> None:
    field = target("input", {"type": "text"})
    plain = target("div", {"class": "chart"})

    for on in (field, plain):
        assert dead_clicks_in([load(), click(1000, node=30, on=on), move(9000, 1, 1)]) == []


def test_a_scroll_within_100_ms_answers_the_click_but_a_later_one_does_not() -> None:
    quick = ev("scroll", 1050, 1)
    late = ev("scroll", 1300, 1)

    assert dead_clicks_in(_after(quick)) == []
    assert [s.kind for s in dead_clicks_in(_after(late))] == ["dead_click"]


def test_a_visibility_change_around_the_press_marks_a_focus_click() -> None:
    # The tab comes to the front between mousedown (940) and click (1000).
    shown = ev("visibility", 960, visible=True)

    assert dead_clicks_in(sorted(_after(shown), key=lambda e: e["ts"])) == []


def test_repeated_dead_clicks_on_one_button_make_one_signal_with_a_count() -> None:
    events = [load(), *press(1000), *press(1400), *press(3500), move(9000, 1, 1)]

    (signal,) = dead_clicks_in(events)

    assert (signal.ts, signal.end_ts, signal.details) == (T0 + 1000, T0 + 3500, {"clicks": 3})


def test_ignore_listed_selector_is_exempt() -> None:
    limits = resolve_thresholds({"dead_click_ignore_selectors": ["#save"]})

    assert dead_clicks_in(_after(), limits) == []


def test_clicks_that_open_a_native_picker_are_exempt() -> None:
    upload = target("input", {"type": "file"}, interactive=("label", {"for": "upload"}))
    in_button = target("input", {"type": "date"}, interactive=("button", {"type": "button"}))

    for on in (upload, in_button):
        assert dead_clicks_in([load(), click(1000, node=70, on=on), move(9000, 1, 1)]) == []


def test_a_window_blur_right_after_the_click_is_a_dialog_opening() -> None:
    # Native trackers report the window losing focus (node None) when a file dialog opens.
    assert dead_clicks_in(_after(ev("blur", 1030))) == []


def test_a_click_just_before_the_last_page_view_ends_is_not_judged() -> None:
    events = [load(), *press(1000), move(2000, 5, 5)]

    assert dead_clicks_in(events, ended_at_ms=T0 + 2000) == []
    assert [s.kind for s in dead_clicks_in(events, ended_at_ms=T0 + 4000)] == ["dead_click"]


def test_with_a_next_page_view_the_end_of_the_events_does_not_excuse_a_click() -> None:
    events = [load(), *press(1000), move(2000, 5, 5)]

    found = dead_clicks_in(events, left_at_ms=T0 + 9000, ended_at_ms=T0 + 2000)

    assert [s.kind for s in found] == ["dead_click"]


def test_a_click_followed_by_an_error_is_an_error_click_and_not_also_dead() -> None:
    error = ev("error", 1400, message="TypeError")

    assert dead_clicks_in(_after(error)) == []


def test_a_click_followed_by_a_failed_request_is_not_also_dead() -> None:
    failed = ev("request", 1900, url="https://city.example.test/api/pay", status=500, method="POST")

    assert dead_clicks_in(_after(failed)) == []


def test_an_error_more_than_a_second_after_leaves_the_click_dead() -> None:
    late_error = ev("error", 2100, message="TypeError")

    assert [s.kind for s in dead_clicks_in(_after(late_error))] == ["dead_click"]
