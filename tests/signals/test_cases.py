"""Bug-derived detector cases 01–11 (tests/data/cases/bugs), through ingest's rrweb mapping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.rrweb import to_events
from signals.detect import detect_session
from tests.signals.pages import counts, page_views_of

CASES = Path(__file__).resolve().parent.parent / "data" / "cases" / "bugs"
DETECTOR_CASES = ("01", "02", "04", "05", "06", "08", "09", "11")
EXPECTED_KINDS = {
    "rage_clicks": "rage_click",
    "dead_clicks": "dead_click",
    "error_clicks": "error_click",
}


def load_case(number: str) -> dict[str, Any]:
    (path,) = sorted(CASES.glob(f"{number}-*.json"))
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize("number", DETECTOR_CASES)
def test_bug_case_gives_the_expected_signal_counts(number: str) -> None:
    case = load_case(number)
    signals = detect_session(page_views_of(case["events"]))

    found = counts(signals)
    for key, kind in EXPECTED_KINDS.items():
        if key in case["expected"]:
            assert found[kind] == case["expected"][key], (key, case["expected"]["reason"])


def test_touch_scroll_case_maps_to_no_clicks() -> None:
    case = load_case("09")

    clicks = [e for e in to_events(case["events"]) if e["kind"] == "click"]

    assert len(clicks) == case["expected"]["clicks"]


def test_error_click_case_names_the_clicked_button() -> None:
    case = load_case("11")

    signals = [s for s in detect_session(page_views_of(case["events"])) if s.kind == "error_click"]

    assert [s.node for s in signals] == case["expected"]["error_click_target_ids"]
    assert signals[0].target == {"tag": "button", "selector": "#pay", "text": "Pay now"}
    assert signals[0].details == {"errors": 1, "failed_requests": 0, "first_problem_ms": 400}
