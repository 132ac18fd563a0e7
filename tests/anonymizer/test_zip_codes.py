"""ZIP codes in element and click text; reference numbers and counts stay (policy .4)."""

from __future__ import annotations

import pytest

from anonymizer import Redactor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Springfield, IL 62704", "Springfield, <US_ZIP_CODE>"),
        ("ZIP 62704", "ZIP <US_ZIP_CODE>"),
        ("62704-1234", "<US_ZIP_CODE>"),
        ("Springfield 62704-1234", "Springfield <US_ZIP_CODE>"),
        ("Springfield, 62704", "Springfield, <US_ZIP_CODE>"),
        ("Chicago, Illinois 60601", "Chicago, <US_ZIP_CODE>"),
        ("New York, New York 10001", "New York, <US_ZIP_CODE>"),
        ("Springfield, Ill. 62704", "Springfield, <US_ZIP_CODE>"),
        ("Boston MA 02108-1234", "Boston <US_ZIP_CODE>"),
        ("ZIP code 62704", "ZIP code <US_ZIP_CODE>"),
    ],
)
def test_zip_codes_near_a_place_or_label_are_replaced(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, "text") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order 62704",
        "Order 62704-1234",
        "Reference 10023-0001",
        "Permit No. 12345-6789",
        "Case #62704",
        "Ticket 62704",
        "Parcel 12345",
        "Room 12345",
        "Error code 50001",
        "Showing 12345 results",
        "Population 62704",
        "Page 2 of 10",
        "1 of 24 results",
        "Total: 12,345",
        "results in 12345 ms",
        "Springfield, Illinois",
        "62704",
    ],
)
def test_reference_numbers_and_counts_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact_text(text, "text") == text


def test_zip_in_click_target_text_is_replaced_and_the_rest_kept(redactor: Redactor) -> None:
    event = {
        "ts": 1,
        "kind": "click",
        "node": 4,
        "target": {"tag": "li", "text": "Lincoln Library, Springfield, IL 62704-1234 (Open)"},
        "data": {},
    }
    stored = redactor.redact_batch([event], []).events[0]
    assert stored["target"]["text"] == "Lincoln Library, Springfield, <US_ZIP_CODE> (Open)"


def test_lower_case_town_state_and_zip_in_survey_text_are_replaced(redactor: Redactor) -> None:
    assert redactor.redact_text("we moved to springfield il 62704 last year", "survey") == (
        "we moved to <LOCATION> <US_ZIP_CODE> last year"
    )
