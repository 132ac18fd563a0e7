"""Personal data where a fresh user found it left raw: names in interface text and JS errors,
non-US addresses, dates of birth, identity numbers and secrets in survey text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anonymizer import PolicyConfig, Redactor

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests/data/pii/presidio-research/generated_small.json"
FIELD_SET = ROOT / "bench/data/field_pii.jsonl"


def labelled_names() -> list[str]:
    """Person names of the copied public labelled set, in order, without duplicates."""
    names: list[str] = []
    for item in json.loads(LABELLED.read_text()):
        for span in item["spans"]:
            if span["entity_type"] == "PERSON" and span["entity_value"] not in names:
                names.append(span["entity_value"])
    return names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Welcome back, Maria Gonzalez", "Welcome back, <PERSON>"),
        ("Signed in as Wijtze", "Signed in as <PERSON>"),
        ("Logged in as shamhan", "Logged in as <PERSON>"),
        ("Hello Melissa", "Hello <PERSON>"),
        ("Not Roland? Sign out", "Not <PERSON>? Sign out"),
        ("Full name Duqyaha", "Full name <PERSON>"),
        ("Account: Frank", "Account: <PERSON>"),
        ("Profile of Tiffany Gábor", "Profile of <PERSON>"),
        ("Tiffany Gábor | My account", "<PERSON> | My account"),
    ],
)
def test_names_after_interface_cues_are_replaced(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, "text") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cannot read profile of John Smith", "Cannot read profile of <PERSON>"),
        ("Error: user Ayers not found", "Error: user <PERSON> not found"),
        ("Failed to load avatar for Krylova", "Failed to load avatar for <PERSON>"),
        ("Error: no account for Maria Gonzalez", "Error: no account for <PERSON>"),
        (
            "TypeError: cannot update record for Megan Payne",
            "TypeError: cannot update record for <PERSON>",
        ),
    ],
)
def test_names_in_error_messages_are_replaced(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact_text(text, "error") == expected


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("text", "Signed in as Administrator"),
        ("text", "Logged in as Guest"),
        ("text", "Hello World"),
        ("text", "Member Login"),
        ("text", "Account Settings"),
        ("text", "Name: Required"),
        ("text", "Profile of Springfield Public Library"),
        ("text", "Not sure? Contact us"),
        ("error", "Error: user Session not found"),
        ("error", "Failed to fetch user data: 503"),
        ("error", "TypeError: Cannot read properties of null (reading 'user')"),
    ],
)
def test_cue_words_followed_by_interface_words_stay(
    redactor: Redactor, kind: str, text: str
) -> None:
    assert redactor.redact_text(text, kind) == text


def test_labelled_names_are_found_after_a_sign_in_cue_and_in_errors(redactor: Redactor) -> None:
    names = labelled_names()
    assert len(names) == 55
    raw_text = [n for n in names if redactor.redact_text(f"Signed in as {n}", "text").count(n)]
    raw_error = [
        n for n in names if redactor.redact_text(f"Cannot read profile of {n}", "error").count(n)
    ]
    # "Mali" is also a country and an English word: the one name a cue cannot vouch for.
    assert raw_text == ["Mali"]
    assert raw_error == ["Mali"]


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("text", "Nassaustraat 123", "<US_STREET_ADDRESS>"),
        ("text", "Deliver to Ziegelgasse 26", "Deliver to <US_STREET_ADDRESS>"),
        ("text", "London SW1A 1AA", "<US_STREET_ADDRESS>"),
        ("text", "Flat 3, 12 High Street", "<US_STREET_ADDRESS>"),
        ("text", "Address: 52 Ibirapita 8057", "Address: <US_STREET_ADDRESS>"),
        ("text", "Apartment 4, 7 Rue de la Paix, 75002 Paris", "<US_STREET_ADDRESS>"),
        ("survey", "I now live at Kapelaniestraat 88", "I now live at <US_STREET_ADDRESS>"),
    ],
)
def test_non_us_addresses_are_replaced(
    redactor: Redactor, kind: str, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, kind) == expected


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("text", "Room 101"),
        ("text", "Floor 3"),
        ("text", "Form 1040"),
        ("text", "Building 2, Floor 3, Room 101"),
        ("text", "Spring 2024 newsletter"),
        ("text", "Send 2 via email"),
        ("text", "52 Parks 2024"),
        ("survey", "On 29 March 2017 the council approved the plan"),
        ("survey", "I applied on 3 May 2024 and heard nothing"),
    ],
)
def test_rooms_forms_and_dates_are_not_addresses(redactor: Redactor, kind: str, text: str) -> None:
    assert redactor.redact_text(text, kind) == text


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("survey", "I was born 12 March 1980", "I was born <DATE_OF_BIRTH>"),
        ("text", "DOB: 03/12/1980", "DOB: <DATE_OF_BIRTH>"),
        ("text", "Date of birth 4 July 1975", "Date of birth <DATE_OF_BIRTH>"),
        ("survey", "geboren am 12.03.1980", "geboren am <DATE_OF_BIRTH>"),
        ("survey", "Geboren: 5. Mai 1969", "Geboren: <DATE_OF_BIRTH>"),
        ("text", "D.O.B. 12 Mar 1980", "D.O.B. <DATE_OF_BIRTH>"),
        ("survey", "my date of birth is 21-11-1990", "my date of birth is <DATE_OF_BIRTH>"),
        (
            "survey",
            "my birth certificate says 21-11-1990",
            "my birth certificate says <DATE_OF_BIRTH>",
        ),
    ],
)
def test_dates_after_birth_words_are_replaced(
    redactor: Redactor, kind: str, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, kind) == expected


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("text", "Updated 12 March 2024"),
        ("text", "Renewal due 03/12/2027"),
        ("text", "Born Free Festival 2024"),
        ("survey", "the office was closed on 4 July 2024"),
    ],
)
def test_other_dates_are_kept(redactor: Redactor, kind: str, text: str) -> None:
    assert redactor.redact_text(text, kind) == text


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("survey", "my passport number is X1234567", "my passport number is <ID_NUMBER>"),
        ("survey", "driver's license D123-4567-8901", "driver's license <ID_NUMBER>"),
        ("text", "Driver license: S530-460-78-123-0", "Driver license: <ID_NUMBER>"),
        ("survey", "national ID 123456789 was rejected", "national ID <ID_NUMBER> was rejected"),
        ("survey", "my NI number is QQ 12 34 56 C", "my NI number is <ID_NUMBER>"),
        ("error", "Error: passport AB1234567 failed", "Error: passport <ID_NUMBER> failed"),
    ],
)
def test_identity_numbers_after_document_words_are_replaced(
    redactor: Redactor, kind: str, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, kind) == expected


@pytest.mark.parametrize(
    "text",
    ["Passport photos", "Driver license renewal", "Apply for a UK passport", "Form 1040"],
)
def test_document_words_without_a_number_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact_text(text, "text") == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my key is sk_live_4eC39HqLyjWDarjtT1zdp7dc", "my key is <SECRET>"),
        ("the key AKIAIOSFODNN7EXAMPLE broke", "the key <SECRET> broke"),
        ("slack xoxb-17653672481-19874698323-pdFZKVeTuE15f4yhrbIN7JdW", "slack <SECRET>"),
        ("my password is hunter2.", "my password is <SECRET>."),
        ("the pwd is CorrectHorse99", "the pwd is <SECRET>"),
        ("my password is wrong and the reset link expired", None),
    ],
)
def test_secrets_in_survey_text_are_replaced(
    redactor: Redactor, text: str, expected: str | None
) -> None:
    assert redactor.redact_survey_text(text)[0] == (expected or text)


def test_error_messages_are_capped_at_the_policy_limit(redactor: Redactor) -> None:
    cap = PolicyConfig().error_max_chars
    assert cap == 4_000
    text = "Error: " + "x" * (cap - 7) + " jane.roe@example.com"
    assert redactor.redact_text(text, "error") == text[:cap] + "<TRUNCATED>"


def test_field_set_recall_per_kind_stays_at_its_measured_level(redactor: Redactor) -> None:
    found: dict[str, list[int]] = {}
    changed_negatives = []
    for line in FIELD_SET.read_text().splitlines():
        item = json.loads(line)
        redacted = redactor.redact_text(item["text"], item["kind"])
        if not item["spans"]:
            if redacted != item["text"]:
                changed_negatives.append(item["text"])
            continue
        for span in item["spans"]:
            value = item["text"][span["start"] : span["end"]]
            group = "person" if span["type"] == "PERSON" else "other"
            found.setdefault(group, [0, 0])
            found[group][0] += value not in redacted
            found[group][1] += 1
    assert changed_negatives == []
    assert found["person"][0] / found["person"][1] >= 0.95
    assert found["other"][0] / found["other"][1] >= 0.85
