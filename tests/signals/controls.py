"""Labelled rrweb recordings: the true-positive twin of each false-alarm case, and calm negatives.

Each control's `expected` gives the number of signals of every kind (kinds left out: none). The
recordings are synthetic and written for this project.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tests.signals.recording import Recording, el, txt


@dataclass(frozen=True)
class Control:
    name: str
    summary: str
    events: list[dict[str, Any]]
    expected: dict[str, int] = field(default_factory=dict)
    ended: bool = False


def _idle(rec: Recording, ms: float) -> Recording:
    """A small mouse move later on, so the recording visibly goes on after a click."""
    return rec.moves(ms, [(700, 500, ms - 40), (705, 502, ms)])


def _rage_on_dead_button() -> Control:
    rec = Recording().page(0, "/permits/apply", el(20, "button", {"id": "save"}, txt(21, "Save")))
    for ms, dx in ((2000, 0), (2250, 2), (2500, 1)):
        rec.click(ms, 20, 400 + dx, 300 + dx)
    rec.dblclick(2251, 20, 402, 302)
    _idle(rec, 7000)
    return Control(
        "rage-dead-button",
        "twin of 01: three quick clicks on a button that does nothing",
        rec.events,
        {"rage_click": 1, "dead_click": 1},
    )


def _stuck_stepper() -> Control:
    body = el(
        20,
        "div",
        {"class": "qty"},
        el(23, "span", {"class": "qty-value"}, txt(24, "1")),
        el(25, "button", {"aria-label": "increase"}, txt(26, "+")),
    )
    rec = Recording().page(0, "/shop/cart", body)
    rec.click(3000, 25, 412, 305).text_changed(3015, 24, "2")
    for ms in (3220, 3440, 3660):
        rec.click(ms, 25, 412, 305)
    _idle(rec, 9000)
    return Control(
        "stuck-stepper",
        "twin of 02: the stepper answers the first click only",
        rec.events,
        {"rage_click": 1, "dead_click": 1},
    )


def _same_tab_link_does_nothing() -> Control:
    link = el(42, "a", {"href": "/guide/terms"}, txt(43, "terms"))
    rec = Recording().page(0, "/guide", el(40, "p", {}, txt(41, "See the "), link))
    rec.click(4000, 42, 120, 210)
    _idle(rec, 9000)
    return Control(
        "link-does-nothing",
        "twin of 04: a same-tab link whose click changes nothing",
        rec.events,
        {"dead_click": 1},
    )


def _button_without_focus_change() -> Control:
    body = el(50, "main", {}, el(51, "button", {"class": "refresh"}, txt(52, "Refresh")))
    rec = Recording().page(0, "/dashboard", body)
    rec.click(60040, 51, 500, 400)
    _idle(rec, 65000)
    return Control(
        "refresh-does-nothing",
        "twin of 05: a button click with no tab switch and no answer",
        rec.events,
        {"dead_click": 1},
    )


def _plain_link_does_nothing() -> Control:
    link = el(63, "a", {"href": "/invoices/0042/view"}, txt(64, "View invoice"))
    rec = Recording().page(0, "/invoices", el(62, "td", {}, link))
    rec.click(5000, 63, 700, 240)
    _idle(rec, 9000)
    return Control(
        "view-link-does-nothing",
        "twin of 06: a link that is no download and changes nothing",
        rec.events,
        {"dead_click": 1},
    )


def _rage_on_image() -> Control:
    rec = Recording().page(0, "/map", el(80, "img", {"class": "map", "alt": "city map"}))
    for ms, dy in ((5000, 0), (5200, 3), (5400, 6), (5600, 9)):
        rec.click(ms, 80, 640, 300 + dy)
    rec.dblclick(5201, 80, 640, 303).dblclick(5601, 80, 640, 309)
    _idle(rec, 9000)
    return Control(
        "rage-on-map-image",
        "twin of 08: quick clicks on an image that neither scroll nor change the page",
        rec.events,
        {"rage_click": 1},
    )


def _rage_taps() -> Control:
    link = el(92, "a", {"href": "/post/1"}, txt(93, "Post one"))
    rec = Recording().page(0, "/feed", el(90, "li", {}, link), width=390, height=844)
    for ms in (2000, 2300, 2600):
        rec.touch(ms - 80, 7, 92, 200, 600).touch(ms - 10, 9, 92, 200, 600)
        rec.mouse(ms, 2, 92, 200, 600)
    _idle(rec, 8000)
    return Control(
        "rage-taps",
        "twin of 09: real taps (touch then click) on a link that does nothing",
        rec.events,
        {"rage_click": 1, "dead_click": 1},
    )


def _error_click_request() -> Control:
    body = el(110, "button", {"id": "send"}, txt(111, "Send"))
    rec = Recording().page(0, "/contact", body, el(112, "div", {"class": "notice"}))
    rec.click(4000, 110, 300, 500).failed_request(4300, "/api/contact", 500)
    rec.added(4350, 112, txt(113, "Something went wrong"))
    return Control(
        "error-click-request",
        "twin of 11: a failed request 300 ms after a click",
        rec.events,
        {"error_click": 1},
    )


def _slow_click() -> Control:
    body = el(30, "button", {"id": "search"}, txt(31, "Search"))
    rec = Recording().page(0, "/search", body, el(32, "ul", {"class": "results"}))
    rec.click(2000, 30, 200, 100).added(6000, 32, el(33, "li", {}, txt(34, "Result")))
    _idle(rec, 12000)
    return Control(
        "slow-click", "results appear 4 s after the click", rec.events, {"slow_click": 1}
    )


def _thrashed_cursor() -> Control:
    rec = Recording().page(0, "/payments", el(20, "div", {"class": "summary"}))
    points = []
    for step in range(63):  # one second, sampled every 16 ms
        ms = 3000 + step * 16
        phase = (step % 5) / 5
        x = 300 + 80 * (1 - abs(2 * phase - 1))  # a triangle wave: a reversal every 40 ms
        points.append((x, 400 + 3 * math.sin(step / 4), ms))
    for start in range(0, len(points), 30):
        chunk = points[start : start + 30]
        rec.moves(chunk[-1][2], chunk)
    _idle(rec, 8000)
    return Control(
        "thrashed-cursor",
        "the mouse is shaken left and right about 12 times a second for one second",
        rec.events,
        {"thrashed_cursor": 1},
    )


def _excessive_document_scroll() -> Control:
    rec = Recording().page(0, "/taxes/rates", el(20, "article", {}, txt(21, "Rates")))
    for step, y in enumerate((0, 800, 1600, 1000, 200, 900, 1800, 1100, 300, 800, 1500)):
        rec.scroll(2000 + step * 150, 1, y)
    return Control(
        "excessive-page-scroll",
        "up and down the page four times without stopping or clicking",
        rec.events,
        {"excessive_scroll": 1},
    )


def _excessive_container_scroll() -> Control:
    results = el(30, "div", {"class": "results", "style": "overflow:auto"})
    rec = Recording().page(0, "/parking/zones", results)
    for step, y in enumerate((0, 300, 600, 900, 500, 100, 700, 1000, 200)):
        rec.scroll(2000 + step * 200, 30, y)
    return Control(
        "excessive-list-scroll",
        "up and down an inner results list (default height 400 px)",
        rec.events,
        {"excessive_scroll": 1},
    )


def _quick_back() -> Control:
    rec = Recording().page(0, "/services", el(20, "nav"))
    rec.page(5000, "/services/parking", el(20, "main"))
    rec.page(8000, "/services", el(20, "nav"))
    _idle(rec, 12000)
    return Control(
        "quick-back",
        "a page left again after 3 s, back to where the person came from",
        rec.events,
        {"quick_back": 1},
    )


def _page_loop() -> Control:
    rec = Recording()
    for ms in (0, 4000, 8000):
        rec.page(ms, "/login", el(20, "form"))
    _idle(rec, 11000)
    return Control(
        "page-loop", "the same page loaded three times in 8 s", rec.events, {"page_loop": 1}
    )


def _form_abandoned() -> Control:
    form = el(
        39,
        "form",
        {},
        el(40, "input", {"type": "text", "name": "full_name"}),
        el(41, "input", {"type": "email", "name": "email"}),
        el(42, "button", {"type": "submit"}, txt(43, "Apply")),
    )
    rec = Recording().page(0, "/permits/apply", form)
    rec.click(2000, 40, 300, 200).focus(2001, 40).typed(3500, 40, 8)
    rec.click(6000, 41, 300, 240).focus(6001, 41).typed(6500, 41, 12)
    rec.page(12000, "/home", el(20, "main"))
    return Control(
        "form-abandoned",
        "two fields filled in, then another page opened without submitting",
        rec.events,
        {"form_abandonment": 1},
    )


POSITIVES = (
    _rage_on_dead_button,
    _stuck_stepper,
    _same_tab_link_does_nothing,
    _button_without_focus_change,
    _plain_link_does_nothing,
    _rage_on_image,
    _rage_taps,
    _error_click_request,
    _slow_click,
    _thrashed_cursor,
    _excessive_document_scroll,
    _excessive_container_scroll,
    _quick_back,
    _page_loop,
    _form_abandoned,
)


def _working_button() -> Control:
    body = el(20, "button", {"id": "save"}, txt(21, "Save"))
    rec = Recording().page(0, "/permits/apply", body, el(22, "div", {"class": "status"}))
    rec.click(2000, 20, 400, 300).added(2080, 22, txt(23, "Saved"))
    _idle(rec, 7000)
    return Control("working-button", "a click answered after 80 ms", rec.events)


def _pager() -> Control:
    body = el(
        60,
        "div",
        {},
        el(61, "ul", {"class": "results"}, el(62, "li", {}, txt(63, "Page 1"))),
        el(64, "button", {"class": "next"}, txt(65, "Next")),
    )
    rec = Recording().page(0, "/news", body)
    item = 62
    for step, ms in enumerate((3000, 3300, 3600, 3900)):
        rec.click(ms, 64, 500, 700)
        new = 100 + step * 2
        rec.removed(ms + 40, 61, item).added(ms + 45, 61, el(new, "li", {}, txt(new + 1, "Page")))
        item = new
    _idle(rec, 8000)
    return Control(
        "pager", "a Next button clicked quickly, each click shows a new page", rec.events
    )


def _slider_drag() -> Control:
    handle = el(70, "div", {"role": "slider", "class": "handle"})
    rec = Recording().page(0, "/budget", el(69, "div", {"class": "range"}, handle))
    rec.mouse(2990, 1, 70, 300, 400)
    points = []
    for step in range(63):
        phase = (step % 5) / 5
        points.append((300 + 80 * (1 - abs(2 * phase - 1)), 400, 3000 + step * 16))
    rec.moves(4000, points, node=70)
    rec.mouse(4010, 0, 70, 300, 400).mouse(4012, 2, 70, 300, 400)
    _idle(rec, 8000)
    return Control("slider-drag", "the mouse shaken while holding a slider handle", rec.events)


def _reading_scroll() -> Control:
    rec = Recording().page(0, "/news/article", el(20, "article", {}, txt(21, "Story")))
    y, ms = 0, 2000
    for step in range(40):
        y += -150 if step in (12, 25) else 120
        ms += 1500 if step % 4 else 6000
        rec.scroll(ms, 1, y)
    return Control("reading-scroll", "reading down a long article, twice a bit back up", rec.events)


def _form_submitted() -> Control:
    form = el(
        39,
        "form",
        {},
        el(40, "input", {"type": "text", "name": "full_name"}),
        el(42, "button", {"type": "submit"}, txt(43, "Apply")),
    )
    rec = Recording().page(0, "/permits/apply", form)
    rec.click(2000, 40, 300, 200).focus(2001, 40).typed(3000, 40, 8)
    rec.click(8000, 42, 300, 280)
    rec.page(8400, "/permits/thanks", el(20, "main"))
    return Control("form-submitted", "a form filled in and submitted", rec.events)


def _search_with_enter() -> Control:
    search = el(45, "input", {"type": "search", "name": "q"})
    rec = Recording().page(0, "/", el(44, "form", {"role": "search"}, search))
    rec.click(3000, 45, 600, 40).focus(3001, 45).typed(3900, 45, 7)
    rec.page(4700, "/search", el(20, "main"))
    return Control("search-enter", "a search typed and sent with Enter", rec.events)


def _slow_return() -> Control:
    rec = Recording().page(0, "/services", el(20, "nav"))
    rec.page(5000, "/services/parking", el(20, "main"))
    rec.page(25000, "/services", el(20, "nav"))
    return Control("slow-return", "back to the list after reading a page for 20 s", rec.events)


def _triple_click_paragraph() -> Control:
    para = el(12, "p", {}, txt(13, "Opening hours are Monday to Friday"))
    rec = Recording().page(0, "/contact", para)
    for ms in (2000, 2140, 2280):
        rec.click(ms, 13, 240, 118)
    rec.dblclick(2141, 13, 240, 118).selected(2300, 13, 34)
    _idle(rec, 6000)
    return Control("triple-click-paragraph", "a paragraph selected with a triple click", rec.events)


def _clicks_in_search_field() -> Control:
    field_ = el(45, "input", {"type": "search", "name": "q"})
    rec = Recording().page(0, "/", el(44, "form", {}, field_))
    for ms in (2000, 2150, 2300):
        rec.click(ms, 45, 600, 40)
    _idle(rec, 6000)
    return Control("clicks-in-field", "three quick clicks placing the caret in a field", rec.events)


def _mail_link() -> Control:
    link = el(46, "a", {"href": "mailto:office@example.com"}, txt(47, "Write to us"))
    rec = Recording().page(0, "/contact", link)
    rec.click(2000, 46, 100, 500)
    _idle(rec, 7000)
    return Control("mail-link", "a mailto: link opens the mail program", rec.events)


def _unrelated_error() -> Control:
    body = el(20, "button", {"id": "more"}, txt(21, "More"))
    rec = Recording().page(0, "/events", body, el(22, "div", {}))
    rec.js_error(800, "ResizeObserver loop completed")
    rec.click(2000, 20, 400, 300).added(2050, 22, txt(23, "More events"))
    rec.js_error(5000, "ResizeObserver loop completed")
    return Control("unrelated-errors", "errors well before and after a working click", rec.events)


def _autofocus_left() -> Control:
    search = el(45, "input", {"type": "search", "name": "q", "autofocus": ""})
    rec = Recording().page(0, "/", el(44, "form", {}, search))
    rec.focus(300, 45)
    rec.page(9000, "/services", el(20, "main"))
    return Control("autofocus-left", "an autofocused search field, page left", rec.events)


NEGATIVES = (
    _working_button,
    _pager,
    _slider_drag,
    _reading_scroll,
    _form_submitted,
    _search_with_enter,
    _slow_return,
    _triple_click_paragraph,
    _clicks_in_search_field,
    _mail_link,
    _unrelated_error,
    _autofocus_left,
)


def all_controls() -> list[Control]:
    """Every labelled control, positives first."""
    return [make() for make in (*POSITIVES, *NEGATIVES)]
