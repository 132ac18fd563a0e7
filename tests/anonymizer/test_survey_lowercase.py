"""Lower-case names and places in survey answers; products are no people (policy .4)."""

from __future__ import annotations

import pytest

from anonymizer import Redactor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "my neighbour john smith at 12 oak street keeps parking on the sidewalk",
            "my neighbour <PERSON> at <US_STREET_ADDRESS> keeps parking on the sidewalk",
        ),
        (
            "my neighbor bob keeps parking on the sidewalk",
            "my neighbor <PERSON> keeps parking on the sidewalk",
        ),
        ("my wife maria lopez applied last week", "my wife <PERSON> applied last week"),
        ("the clerk named priya was really helpful", "the clerk named <PERSON> was really helpful"),
        ("i'm oluwaseun adeyemi and i can't log in", "i'm <PERSON> and i can't log in"),
        ("call me at home, my name is sophy santino", "call me at home, my name is <PERSON>"),
        ("contact jane doe about this", "contact <PERSON> about this"),
        (
            "thanks to karen and mike at the front desk",
            "thanks to <PERSON> and <PERSON> at the front desk",
        ),
        (
            "dog bit my daughter emma near lincoln park",
            "dog bit my daughter <PERSON> near <LOCATION>",
        ),
        ("we moved here from chicago last year", "we moved here from <LOCATION> last year"),
        ("i live on maple avenue in springfield", "i live on <LOCATION> in <LOCATION>"),
    ],
)
def test_lower_case_names_and_places_are_replaced(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, "survey") == expected


@pytest.mark.parametrize(
    "text",
    [
        "my friend told me about this page",
        "i am happy with the new website",
        "i'm frustrated with the new layout",
        "this is ridiculous, i waited an hour",
        "thank you so much for fixing the streetlight",
        "ask for help at the front desk",
        "my son will need a library card next year",
        "the officer was very polite",
        "my doctor appointment conflicts with the hearing",
        "we walked in the park on sunday",
        "in a timely way please",
        "on my way to work the bus was late",
        "more bike lanes on the main road please",
        "the dog park needs more trash cans",
        "my landlord won't fix the heat and the city won't help",
    ],
)
def test_ordinary_lower_case_answers_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact_text(text, "survey") == text


@pytest.mark.parametrize(
    "text",
    [
        "I tried the Google API and it failed",
        "The Google Maps API is slow",
        "the ArcGIS map never loads",
        "Zoom link did not work on Chrome on my iPhone",
        "Microsoft Edge shows a blank page",
        "Used the API with OAuth and JSON",
        "the PDF form crashed at the DMV",
    ],
)
def test_products_and_acronyms_are_no_people(redactor: Redactor, text: str) -> None:
    assert redactor.redact_text(text, "survey") == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maria Krylova from the DMV helped me", "<PERSON> from the DMV helped me"),
        ("My name is ANN LEE and the API failed", "My name is <PERSON> and the API failed"),
        ("Ask Tom at the IRS", "Ask <PERSON> at the IRS"),
        ("Mr. McDonald from Google called", "Mr. <PERSON> from Google called"),
    ],
)
def test_names_beside_products_are_still_replaced(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, "survey") == expected
