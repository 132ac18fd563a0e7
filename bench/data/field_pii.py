"""Build labelled PII in the field kinds a fresh user fed: interface text, JS errors, survey text.

Person names and street lines come from the labelled public set copied into
`tests/data/pii/presidio-research/generated_small.json` (MIT); they are placed in the phrasings
city websites use ("Welcome back, …", "Signed in as …", profile table cells) and in JS error
messages. Added by hand: UK postcodes and flats, dates of birth, identity document numbers and
secrets in survey text. Records with no spans are negatives that must stay unchanged ("Room 101",
"On 29 March 2017 …"). Deterministic: no randomness.

    python bench/data/field_pii.py  # writes bench/data/field_pii.jsonl
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tests/data/pii/presidio-research/generated_small.json"
OUT = Path(__file__).with_name("field_pii.jsonl")

# `{name}`: a full labelled name; `{first}`: its first word.
TEXT_TEMPLATES = [
    "Welcome back, {name}",
    "Welcome back, {name}!",
    "Signed in as {name}",
    "Logged in as {name}",
    "Hello {first}",
    "Hello, {first}!",
    "Hi {first}, you have 2 new messages",
    "{name} | My account",
    "Account: {name}",
    "Full name {name}",
    "Name: {name}",
    "Applicant: {name}",
    "Not {first}? Sign out",
    "Profile of {name}",
]
ERROR_TEMPLATES = [
    "Cannot read profile of {name}",
    "Failed to load avatar for {name}",
    "Error: user {name} not found",
    "TypeError: cannot update record for {name}",
    "Could not save application of {name}: timeout",
    "Uncaught Error: permit owner {name} is missing an address",
]
ADDRESS_TEMPLATES = [
    ("text", "Address: {addr}"),
    ("text", "Deliver to {addr}"),
    ("text", "{addr}"),
    ("survey", "I live at {addr} and the bins were not collected"),
    ("survey", "Please send it to {addr}."),
]
UK_ADDRESSES = [
    "London SW1A 1AA",
    "Flat 3, 12 High Street",
    "Flat 2B, 45 Church Road, Manchester M1 1AE",
    "10 Downing Street, London SW1A 2AA",
    "EC1A 1BB",
    "Birmingham B33 8TH",
    "Croydon CR2 6XH",
    "Edinburgh EH1 1YZ",
    "221B Baker Street, London NW1 6XE",
    "Apartment 4, 7 Rue de la Paix, 75002 Paris",
]
DATES_OF_BIRTH = [
    ("survey", "I was born 12 March 1980 and still wait for my pension", "12 March 1980"),
    ("survey", "my son was born on 03/04/2015, please update the record", "03/04/2015"),
    ("text", "DOB: 03/12/1980", "03/12/1980"),
    ("text", "Date of birth: 1980-03-12", "1980-03-12"),
    ("text", "Date of birth 4 July 1975", "4 July 1975"),
    ("survey", "geboren am 12.03.1980 in Berlin", "12.03.1980"),
    ("survey", "Geboren: 5. Mai 1969", "5. Mai 1969"),
    ("survey", "born March 12, 1980", "March 12, 1980"),
    ("text", "D.O.B. 12 Mar 1980", "12 Mar 1980"),
    ("survey", "my date of birth is 21-11-1990", "21-11-1990"),
    ("error", "Validation failed: dob 1990-11-21 is not accepted", "1990-11-21"),
    ("survey", "she was born in 1947 on 2 June", "2 June"),
]
IDS = [
    ("survey", "my passport number is X1234567", "X1234567"),
    ("survey", "Passport No: 533380006", "533380006"),
    ("survey", "driver's license D123-4567-8901", "D123-4567-8901"),
    ("survey", "my drivers licence number is MORGA753116SM9IJ", "MORGA753116SM9IJ"),
    ("text", "Driver license: S530-460-78-123-0", "S530-460-78-123-0"),
    ("survey", "national ID 123456789 was rejected", "123456789"),
    ("survey", "ID card number T22000129", "T22000129"),
    ("survey", "Personalausweis L01X00T47", "L01X00T47"),
    ("survey", "my NI number is QQ 12 34 56 C", "QQ 12 34 56 C"),
    ("error", "Error: passport AB1234567 failed validation", "AB1234567"),
    ("survey", "DL# W123-456-78-901", "W123-456-78-901"),
    ("survey", "my SIN is 046 454 286", "046 454 286"),
]
_JWT = (
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
# (survey text, the secret in it)
SECRETS = [
    ("my key is sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("the AWS key AKIAIOSFODNN7EXAMPLE stopped working", "AKIAIOSFODNN7EXAMPLE"),
    (
        "token ghp_16C7e42F292c6912E7710c838347Ae178B4a in the form",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    ),
    (
        "slack bot xoxb-17653672481-19874698323-pdFZKVeTuE15f4yhrbIN7JdW",
        "xoxb-17653672481-19874698323-pdFZKVeTuE15f4yhrbIN7JdW",
    ),
    (f"I pasted {_JWT} into the chat", _JWT),
    ("my password is hunter2", "hunter2"),
    ("password: Tr0ub4dor&3 does not work", "Tr0ub4dor&3"),
    ("the pwd is CorrectHorse99", "CorrectHorse99"),
    ("My password was Sunshine2024 and it expired", "Sunshine2024"),
]
# Must stay unchanged in their field kind.
NEGATIVES = [
    ("text", "Room 101"),
    ("text", "Floor 3"),
    ("text", "Form 1040"),
    ("text", "Building 2, Floor 3, Room 101"),
    ("text", "Download Form 1040 instructions"),
    ("text", "Meeting in Room 204 at 10:30 am"),
    ("text", "Gate 12"),
    ("text", "Route 66 detour"),
    ("text", "Section 8 housing vouchers"),
    ("text", "Chapter 11 of the municipal code"),
    ("text", "Platform 9"),
    ("text", "Ward 5 councillor"),
    ("survey", "On 29 March 2017 the council approved the plan"),
    ("text", "On 29 March 2017 the council approved the plan"),
    ("text", "Updated 12 March 2024"),
    ("text", "Deadline: 1 April 2026"),
    ("text", "Renewal due 03/12/2027"),
    ("survey", "I applied on 3 May 2024 and heard nothing"),
    ("text", "Welcome back"),
    ("text", "Signed in as Administrator"),
    ("text", "Logged in as Guest"),
    ("text", "Hello World"),
    ("text", "Hello, Resident!"),
    ("text", "Name: Required"),
    ("text", "Full name"),
    ("text", "Account: Settings"),
    ("text", "Profile of Springfield Public Library"),
    ("error", "Cannot read properties of undefined (reading 'name')"),
    ("error", "Failed to load avatar for current user"),
    ("error", "Error: user Session not found"),
    ("text", "Passport photos"),
    ("text", "Driver license renewal"),
    ("text", "National ID card requirements"),
    ("text", "Reset password"),
    ("text", "Password must be at least 8 characters"),
    ("survey", "the password reset link did not work"),
    ("text", "Born Free Festival 2024"),
    ("text", "Member Login"),
    ("text", "Contact Us"),
    ("text", "Customer Service"),
    ("text", "Dear Resident,"),
    ("text", "Account Settings"),
    ("text", "User Guide"),
    ("text", "Patient Portal"),
    ("text", "Hello and welcome"),
    ("text", "Welcome to the City of Springfield"),
    ("text", "Resident Parking Permit"),
    ("text", "Employee Directory"),
    ("text", "Owner Occupied Homestead"),
    ("text", "Name Change Request"),
    ("text", "Submitted by: Staff"),
    ("text", "Assigned to: Unassigned"),
    ("text", "Hi there!"),
    ("text", "Not sure? Contact us"),
    ("error", "TypeError: Cannot read properties of null (reading 'user')"),
    ("error", "Failed to fetch user data: 503"),
    ("error", "Error: no account for this email"),
    ("text", "Apply for a UK passport"),
    ("text", "Office hours: Room 3, Floor 2"),
    ("text", "Pay your 2024 property tax"),
    ("survey", "my password is wrong and the reset link expired"),
    ("survey", "the PIN reminder never arrived"),
    ("text", "Date of birth"),
]


def labelled() -> tuple[list[str], list[str]]:
    """(person names, street lines) of the labelled set, in order, without duplicates."""
    names: list[str] = []
    streets: list[str] = []
    for item in json.loads(SOURCE.read_text()):
        for span in item["spans"]:
            value = span["entity_value"]
            if span["entity_type"] == "PERSON" and value not in names:
                names.append(value)
            first_line = value.split("\n")[0].strip()
            has_both = any(c.isalpha() for c in first_line) and any(c.isdigit() for c in first_line)
            is_unit = first_line.lower().startswith(("apt", "suite"))
            if span["entity_type"] == "ADDRESS" and has_both and not is_unit:
                streets.append(first_line)
    return names, streets


def record(kind: str, template: str, values: dict[str, str], entity: str) -> dict[str, Any]:
    """One labelled record: each placeholder's value is a span of `entity`."""
    text = template
    spans = []
    for key, value in values.items():
        marker = "{" + key + "}"
        start = text.find(marker)
        if start < 0:
            continue
        text = text[:start] + value + text[start + len(marker) :]
        spans.append({"type": entity, "start": start, "end": start + len(value)})
    return {"kind": kind, "text": text, "spans": spans}


def span_of(kind: str, text: str, value: str, entity: str) -> dict[str, Any]:
    start = text.index(value)
    return {
        "kind": kind,
        "text": text,
        "spans": [{"type": entity, "start": start, "end": start + len(value)}],
    }


def build() -> list[dict[str, Any]]:
    names, streets = labelled()
    records = []
    for index, name in enumerate(names):
        values = {"name": name, "first": name.split()[0]}
        for offset in (0, 5):
            template = TEXT_TEMPLATES[(index + offset) % len(TEXT_TEMPLATES)]
            key = "first" if "{first}" in template else "name"
            records.append(record("text", template, {key: values[key]}, "PERSON"))
        template = ERROR_TEMPLATES[index % len(ERROR_TEMPLATES)]
        records.append(record("error", template, {"name": name}, "PERSON"))
    for index, street in enumerate(streets + UK_ADDRESSES):
        kind, template = ADDRESS_TEMPLATES[index % len(ADDRESS_TEMPLATES)]
        records.append(record(kind, template, {"addr": street}, "ADDRESS"))
    records.extend(
        span_of(kind, text, value, "DATE_OF_BIRTH") for kind, text, value in DATES_OF_BIRTH
    )
    records.extend(span_of(kind, text, value, "ID_NUMBER") for kind, text, value in IDS)
    records.extend(span_of("survey", text, value, "sec_survey") for text, value in SECRETS)
    records.extend({"kind": kind, "text": text, "spans": []} for kind, text in NEGATIVES)
    return records


def main() -> None:
    records = build()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    print(f"wrote {len(records)} records to {OUT}")


if __name__ == "__main__":
    main()
