"""Names and addresses inside JS error messages, stacks and console payloads (policy .4)."""

from __future__ import annotations

import json

import pytest

from anonymizer import Redactor


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # Cues before the name: prepositions take census names and unknown full names.
        (
            "Error: could not send receipt to Oluwaseun Adeyemi",
            "Error: could not send receipt to <PERSON>",
        ),
        ("Uncaught Error: booking by Megan failed", "Uncaught Error: booking by <PERSON> failed"),
        ("Error: cannot notify DeShawn Jackson", "Error: cannot notify <PERSON>"),
        ("Error: Thanks, Adeyemi!", "Error: Thanks, <PERSON>!"),
        ("Greeting failed: Hello, Ann", "Greeting failed: Hello, <PERSON>"),
        # Cues after the name.
        ("Error: Tyler not found", "Error: <PERSON> not found"),
        ("Error: Zoë Müller does not exist", "Error: <PERSON> does not exist"),
        ("Error: Megan's account is locked", "Error: <PERSON>'s account is locked"),
        # Hyphens, apostrophes, titles and middle initials no longer stop a name half way.
        ("Error: user Sean O'Brien not found", "Error: user <PERSON> not found"),
        (
            "Error: user Krystyna Nowak-Wiśniewska not found",
            "Error: user <PERSON> not found",
        ),
        ("Error: record for Dr. Patel missing", "Error: record for <PERSON> missing"),
        ("Error: assigned to Mr. Smith", "Error: assigned to <PERSON>"),
        ("Error: user John Q. Smith not found", "Error: user <PERSON> not found"),
        # Name keys, also with a lower-case or quoted value.
        ('Error: {"name":"Garcia Hernandez","id":7}', 'Error: {"name":"<PERSON>","id":7}'),
        ("Error: name=sophy santino rejected", "Error: name=<PERSON> rejected"),
        ("Error: name=john smith rejected", "Error: name=<PERSON> rejected"),
        ('Error: invalid name "Li Wei"', 'Error: invalid name "<PERSON>"'),
        ("Error: owner: 'Sean O'Brien'", "Error: owner: '<PERSON>'"),
    ],
)
def test_names_after_error_cues_are_replaced(
    redactor: Redactor, message: str, expected: str
) -> None:
    assert redactor.redact_text(message, "error") == expected


@pytest.mark.parametrize(
    "message",
    [
        "TypeError: Cannot read properties of undefined (reading 'name')",
        "ReferenceError: Springfield is not defined",
        "Error: Unable to connect to Redis",
        "Error: Swiper not found",
        "Error: Module not found",
        "Error: Invalid value for Content-Type",
        "Error: Payment declined by Stripe",
        "Error: Sign in with Google failed",
        "Error: Blocked by CORS policy",
        "Error: Vue's router failed",
        "Error: Account Locked",
        "Error: Welcome Back failed",
        "AbortError: The user aborted a request.",
        "NotAllowedError: play() failed because the user didn't interact with the document first.",
        "Error: user Session not found",
        "Error: Value for Field is missing",
        "Error: Fetch from Cache failed",
        "Error: Contact Support if this continues",
        "Error: name is required",
        'Error: name="email" is invalid',
        'Error: {"name":"ValidationError","message":"Invalid input"}',
        "Kubernetes secret: metadata:\n  name: my-secret",
        "Error: greeting for Guest failed",
        "Error: user Administrator not authorized",
        "Error: Library Card not found",
    ],
)
def test_ordinary_error_prose_and_code_words_stay(redactor: Redactor, message: str) -> None:
    assert redactor.redact_text(message, "error") == message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            'Uncaught Error: address "1234 Elm" not in service area',
            'Uncaught Error: address "<US_STREET_ADDRESS>" not in service area',
        ),
        ('Error: {"street":"99 Main Apt 4"}', 'Error: {"street":"<US_STREET_ADDRESS>"}'),
        ('Error: {"street":"Jakobi 69"}', 'Error: {"street":"<US_STREET_ADDRESS>"}'),
        ("Error: street=Jakobi 69", "Error: street=<US_STREET_ADDRESS>"),
        (
            "Error: Delivery to 52 Ibirapita 8057 failed",
            "Error: Delivery to <US_STREET_ADDRESS> failed",
        ),
        (
            "Error: no parcel for address=742+Evergreen+Terrace&zip=62704",
            "Error: no parcel for address=<US_STREET_ADDRESS>&zip=<US_ZIP_CODE>",
        ),
        (
            "Error: no parcel for address=742%20Evergreen%20Terrace&step=2",
            "Error: no parcel for address=<US_STREET_ADDRESS>&step=2",
        ),
        (
            "GeocoderError: ZERO_RESULTS for '742 Evergreen Terrace, Springfield'",
            "GeocoderError: ZERO_RESULTS for '<US_STREET_ADDRESS>'",
        ),
    ],
)
def test_addresses_in_error_text_are_replaced(
    redactor: Redactor, message: str, expected: str
) -> None:
    assert redactor.redact_text(message, "error") == expected


@pytest.mark.parametrize(
    "message",
    [
        "Error: address Line 2 is required",
        "Error at line 12 Main.js",
        "Error: 3 Main modules failed",
        "ChunkLoadError: Loading chunk 146 failed.",
        "Error: Request failed with status code 404 Not Found",
    ],
)
def test_numbers_and_names_without_an_address_cue_stay(redactor: Redactor, message: str) -> None:
    assert redactor.redact_text(message, "error") == message


def test_map_links_in_stacks_lose_the_address_in_their_path(redactor: Redactor) -> None:
    stack = (
        "Error: Geocode failed\n    at https://maps.example.com/maps/place/"
        "1600+Amphitheatre+Parkway,+Mountain+View,+CA+94043/:1:2"
    )
    assert redactor.redact_text(stack, "error") == (
        "Error: Geocode failed\n    at https://maps.example.com/maps/place/<US_ZIP_CODE>/:1:2"
    )


def test_console_plugin_payload_loses_names_and_addresses(redactor: Redactor) -> None:
    payload = [
        json.dumps("Error: could not send receipt to Oluwaseun Adeyemi"),
        json.dumps({"name": "Sean O'Brien", "address": "1234 Elm"}),
        json.dumps("lookup failed for 742 Evergreen Terrace, Springfield, IL 62704"),
    ]
    event = {
        "type": 6,
        "timestamp": 1,
        "data": {
            "plugin": "rrweb/console@1",
            "payload": {"level": "error", "trace": ["submit@app.js:1:2"], "payload": payload},
        },
    }
    stored = redactor.redact_batch([], [event]).rrweb_events[0]["data"]["payload"]["payload"]
    assert stored == [
        '"Error: could not send receipt to <PERSON>"',
        '{"name": "<PERSON>", "address": "<US_STREET_ADDRESS>"}',
        '"lookup failed for <US_ZIP_CODE>"',  # one span: the street line and the ZIP after it
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Deliver to Jakobi 69", "Deliver to <US_STREET_ADDRESS>"),
        ("Deliver to velký průhon 426", "Deliver to <US_STREET_ADDRESS>"),
        ("Return to Page 3", "Return to Page 3"),
        ("Send to Printer 2", "Send to Printer 2"),
        ("Mailing address Room 101", "Mailing address Room 101"),
        ("Street Sweeping Zone 4", "Street Sweeping Zone 4"),
        (
            "Watch: Street Light Repair explained in 2 minutes",
            "Watch: Street Light Repair explained in 2 minutes",
        ),
    ],
)
def test_street_then_number_after_an_address_label_in_page_text(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, "text") == expected
