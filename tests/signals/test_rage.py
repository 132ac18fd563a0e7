"""Rage clicks: bursts of quick clicks close together that the page does not answer."""

from __future__ import annotations

from signals.rage import rage_clicks_in
from signals.thresholds import DEFAULT_THRESHOLDS, resolve_thresholds
from tests.signals.events import BUTTON, T0, click, ev, load, mutation, target


def test_three_quick_clicks_on_a_dead_button_make_one_rage_click_with_count_3() -> None:
    events = [load(), click(1000), click(1300, x=405), click(1600, y=310)]

    (signal,) = rage_clicks_in(events, page_view_id="pv1")

    assert (signal.kind, signal.ts, signal.end_ts) == ("rage_click", T0 + 1000, T0 + 1600)
    assert signal.details == {"clicks": 3}
    assert signal.target == {"tag": "button", "selector": "#save", "text": "Save"}
    assert signal.page_view_id == "pv1"
    assert signal.thresholds == DEFAULT_THRESHOLDS.to_dict()
    assert signal.thresholds_version == "1"


def test_two_clicks_are_not_a_burst() -> None:
    assert rage_clicks_in([click(1000), click(1300)]) == []


def test_a_gap_of_a_full_second_ends_the_burst() -> None:
    assert rage_clicks_in([click(1000), click(1500), click(2500)]) == []


def test_clicks_30_px_apart_in_manhattan_distance_are_not_one_burst() -> None:
    far = [click(1000, x=400, y=300), click(1200, x=420, y=310), click(1400, x=440, y=320)]
    near = [click(1000, x=400, y=300), click(1200, x=419, y=310), click(1400, x=438, y=320)]

    assert rage_clicks_in(far) == []
    assert [s.details["clicks"] for s in rage_clicks_in(near)] == [3]


def test_separate_bursts_give_separate_signals_with_their_counts() -> None:
    events = [click(1000 + i * 200) for i in range(5)] + [click(5000 + i * 200) for i in range(3)]

    assert [s.details["clicks"] for s in rage_clicks_in(events)] == [5, 3]


def test_ignore_listed_selector_suppresses_the_burst() -> None:
    events = [click(1000), click(1200), click(1400)]
    limits = resolve_thresholds({"rage_ignore_selectors": ["button#save"]})

    assert rage_clicks_in(events, limits) == []


def test_each_click_answered_by_its_own_change_is_not_rage() -> None:
    events = [click(1000), mutation(1015), click(1200), mutation(1215), click(1400), mutation(1415)]

    assert rage_clicks_in(events) == []


def test_one_unrelated_change_does_not_excuse_a_burst() -> None:
    # A carousel turning once while someone hammers a dead button.
    events = [click(1000), click(1200), click(1400), mutation(1500)]

    assert [s.details["clicks"] for s in rage_clicks_in(events)] == [3]


def test_clicks_that_scroll_the_page_are_not_rage() -> None:
    doc = target("#document", selector=":root")
    events = []
    for ms in (1000, 1200, 1400):
        events += [click(ms, node=1, on=doc, x=1272, y=300), ev("scroll", ms + 20, 1, y=None)]

    assert rage_clicks_in(events) == []


def test_multi_clicks_in_a_text_field_are_text_selection() -> None:
    field = target("input", {"type": "text", "name": "street"})

    assert rage_clicks_in([click(ms, node=30, on=field) for ms in (1000, 1150, 1300)]) == []


def test_multi_clicks_on_text_with_a_selection_change_are_text_selection() -> None:
    para = target("p", text="Opening hours")
    events = [click(ms, node=12, on=para) for ms in (1000, 1150, 1300)]

    assert rage_clicks_in([*events, ev("selection", 1320, 13)]) == []
    assert [s.details["clicks"] for s in rage_clicks_in(events)] == [3]


def test_a_dblclick_on_a_button_does_not_hide_rage() -> None:
    events = [click(1000), click(1150), ev("dblclick", 1151, 20, BUTTON, 400, 300), click(1300)]

    assert [s.details["clicks"] for s in rage_clicks_in(events)] == [3]


def test_repeated_identical_click_events_count_once() -> None:
    # A second recorder doubling each event must not turn 2 clicks into 4.
    events = [click(1000), click(1000), click(1300), click(1300)]

    assert rage_clicks_in(events) == []


def test_a_higher_minimum_from_an_override_is_used_and_stored() -> None:
    limits = resolve_thresholds({"rage_min_clicks": 4})
    events = [click(1000), click(1200), click(1400)]

    assert rage_clicks_in(events, limits) == []
    (signal,) = rage_clicks_in([*events, click(1600)], limits)
    assert signal.thresholds["rage_min_clicks"] == 4
    assert signal.thresholds_version.startswith("1+")


def test_keyboard_activations_at_0_0_are_not_rage_clicks() -> None:
    events = [click(ms, x=0, y=0) for ms in (1000, 1200, 1400, 1600)]

    assert rage_clicks_in(events) == []
