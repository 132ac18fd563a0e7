"""Form abandonment: fields used, page left without submitting; never any value."""

from __future__ import annotations

from ingest.model import Event
from signals.forms import form_abandonment_in
from tests.signals.events import T0, ev, load, press, target

NAME = target("input", {"type": "text", "name": "full_name"}, selector='input[name="full_name"]')
EMAIL = target("input", {"type": "email", "name": "email"}, selector='input[name="email"]')
SUBMIT = target("button", {"type": "submit"}, "Apply")


def filled() -> list[Event]:
    """Name focused by a click at 2000 and typed at 3500; email focused at 6000, typed at 6400."""
    return [
        load(),
        *press(2000, node=40, on=NAME),
        ev("focus", 2001, 40, NAME),
        ev("input", 3500, 40, NAME, masked=True, length=8),
        *press(6000, node=41, on=EMAIL),
        ev("focus", 6001, 41, EMAIL),
        ev("input", 6400, 41, EMAIL, masked=True, length=12),
    ]


def test_leaving_after_filling_fields_is_abandonment_with_hesitations() -> None:
    (signal,) = form_abandonment_in(filled(), left_at_ms=T0 + 20000)

    assert (signal.kind, signal.ts, signal.end_ts, signal.node) == (
        "form_abandonment",
        T0 + 2001,
        T0 + 20000,
        41,
    )
    assert signal.details["last_field"] == 'input[name="email"]'
    assert signal.details["typed_fields"] == 2
    assert [(f["node"], f["hesitation_ms"]) for f in signal.details["fields"]] == [
        (40, 1499),
        (41, 399),
    ]


def test_the_signal_keeps_no_value_or_length() -> None:
    (signal,) = form_abandonment_in(filled(), left_at_ms=T0 + 20000)

    assert "length" not in repr(signal.details)
    assert set(signal.details["fields"][0]) == {"node", "selector", "tag", "typed", "hesitation_ms"}


def test_a_submit_event_or_a_submit_button_click_is_no_abandonment() -> None:
    by_event = [*filled(), ev("submit", 7000, 39)]
    by_button = [*filled(), *press(7000, node=42, on=SUBMIT)]

    assert form_abandonment_in(by_event, left_at_ms=T0 + 20000) == []
    assert form_abandonment_in(by_button, left_at_ms=T0 + 20000) == []


def test_typing_again_after_a_failed_submit_then_leaving_is_abandonment() -> None:
    events = [
        *filled(),
        ev("submit", 7000, 39),
        ev("input", 9000, 41, EMAIL, masked=True, length=13),
    ]

    (signal,) = form_abandonment_in(events, left_at_ms=T0 + 20000)

    assert signal.details["last_field"] == 'input[name="email"]'
    assert len(signal.details["fields"]) == 1


def test_a_page_still_open_is_not_judged() -> None:
    assert form_abandonment_in(filled()) == []


def test_leaving_right_after_typing_counts_as_enter_submitting() -> None:
    assert form_abandonment_in(filled(), left_at_ms=T0 + 7000) == []


def test_an_autofocus_right_after_load_is_not_use_of_the_form() -> None:
    events = [load(), ev("focus", 200, 40, NAME)]

    assert form_abandonment_in(events, ended_at_ms=T0 + 30000) == []
    assert (
        len(form_abandonment_in([*events, ev("focus", 5000, 41, EMAIL)], ended_at_ms=T0 + 30000))
        == 1
    )


def test_typing_without_a_recorded_focus_has_no_hesitation() -> None:
    events = [load(), ev("input", 4000, 40, NAME, masked=True, length=3)]

    (signal,) = form_abandonment_in(events, ended_at_ms=T0 + 30000)

    assert signal.details["fields"][0]["hesitation_ms"] is None
