"""Every case of shared/cases/pii/adversarial.md, through the field it arrives in."""

from __future__ import annotations

import time

import pytest

from anonymizer import Redactor, SitePolicy


def click(text: str) -> dict:
    return {
        "ts": 1,
        "kind": "click",
        "node": 7,
        "target": {"tag": "button", "selector": "button.primary", "text": text, "attrs": {}},
        "data": {},
        "flags": [],
    }


def typed(value: str, attrs: dict[str, str]) -> dict:
    return {
        "ts": 1,
        "kind": "input",
        "node": 9,
        "target": {"tag": "input", "selector": "input", "text": "", "attrs": attrs},
        "data": {"masked": False, "length": len(value), "value": value},
        "flags": [],
    }


@pytest.mark.parametrize(
    ("case", "url", "expected"),
    [
        (
            1,
            "https://city.example.gov/permits?email=jane.roe%40example.com&step=2",
            "https://city.example.gov/permits?email=<EMAIL_ADDRESS>&step=2",
        ),
        (
            2,
            "https://portal.example.gov/users/jane.roe@example.com/profile",
            "https://portal.example.gov/users/<EMAIL_ADDRESS>/profile",
        ),
        (
            4,
            "https://city.example.gov/#/account?email=jane.roe@example.com",
            "https://city.example.gov/#/account?email=<EMAIL_ADDRESS>",
        ),
    ],
)
def test_page_url_cases_store_the_expected_url(
    redactor: Redactor, case: int, url: str, expected: str
) -> None:
    event = {"ts": 1, "kind": "load", "node": None, "target": None, "data": {"url": url}}
    result = redactor.redact_batch([event], [])
    assert result.events[0]["data"]["url"] == expected


@pytest.mark.parametrize(
    ("case", "text", "expected"),
    [
        (7, "card is 4111.1111.1111.1111 thanks", "card is <CREDIT_CARD> thanks"),
        (8, "my new card 2221 0000 0000 0009", "my new card <CREDIT_CARD>"),
        (9, "card 4111 1111 1111 1112", "card <CREDIT_CARD>"),
        (12, "my social is 536-22-8714", "my social is <US_SSN>"),
        (
            15,
            "Thanks, Maria Gonzalez helped me at the front desk",
            "Thanks, <PERSON> helped me at the front desk",
        ),
        (16, "SOPHY SANTINO was rude at the counter", "<PERSON> was rude at the counter"),
        (0, "jane dot roe at example dot com", "<EMAIL_ADDRESS>"),
        (0, "user@xn--80ak6aa92e.com", "<EMAIL_ADDRESS>"),
    ],
)
def test_survey_text_cases_store_the_expected_text(
    redactor: Redactor, case: int, text: str, expected: str
) -> None:
    redacted, audit = redactor.redact_survey_text(text)
    assert redacted == expected
    assert sum(audit["by_entity"].values()) == 1


@pytest.mark.parametrize(
    ("case", "message", "expected"),
    [
        (
            10,
            "TypeError: cannot read property x at t=1748503543012",
            "TypeError: cannot read property x at t=1748503543012",
        ),
        (
            13,
            "Error: lookup failed for +1 (415) 555-0134",
            "Error: lookup failed for <PHONE_NUMBER>",
        ),
    ],
)
def test_js_error_cases_store_the_expected_message(
    redactor: Redactor, case: int, message: str, expected: str
) -> None:
    event = {"ts": 1, "kind": "error", "node": None, "target": None, "data": {"message": message}}
    assert redactor.redact_batch([event], []).events[0]["data"]["message"] == expected


@pytest.mark.parametrize(
    ("case", "text", "expected"),
    [
        (18, "Sign out jane.roe@example.com", "Sign out <EMAIL_ADDRESS>"),
        (20, "Order 1607635102.00 -0.96", "Order 1607635102.00 -0.96"),
        (22, "Page 2 of 10, updated today", "Page 2 of 10, updated today"),
    ],
)
def test_click_text_cases_store_the_expected_text(
    redactor: Redactor, case: int, text: str, expected: str
) -> None:
    assert redactor.redact_batch([click(text)], []).events[0]["target"]["text"] == expected


def test_case_6_card_number_input_keeps_only_masked_and_length(
    redactor: Redactor, site: SitePolicy
) -> None:
    event = typed("4111 1111 1111 1111", {"autocomplete": "cc-number", "name": "search"})
    stored = redactor.redact_batch([event], [], site).events[0]["data"]
    assert stored == {"masked": True, "length": 19}


@pytest.mark.parametrize(
    ("case", "name", "value", "expected"),
    [(11, "ssn", "536228714", "<US_SSN>"), (23, "dob", "04/12/1987", "<DATE_OF_BIRTH>")],
)
def test_allow_listed_sensitive_inputs_store_the_entity_placeholder(
    redactor: Redactor, site: SitePolicy, case: int, name: str, value: str, expected: str
) -> None:
    event = typed(value, {"type": "text", "name": name})
    stored = redactor.redact_batch([event], [], site).events[0]["data"]
    assert stored == {"masked": True, "length": len(value), "value": expected}


def test_case_24_hidden_input_value_attribute_is_dropped(redactor: Redactor) -> None:
    snapshot = {
        "type": 2,
        "timestamp": 1,
        "data": {
            "node": {
                "type": 2,
                "tagName": "input",
                "id": 5,
                "childNodes": [],
                "attributes": {
                    "type": "hidden",
                    "name": "user_email",
                    "value": "jane.roe@example.com",
                },
            },
            "initialOffset": {"left": 0, "top": 0},
        },
    }
    stored = redactor.redact_batch([], [snapshot]).rrweb_events[0]["data"]["node"]["attributes"]
    assert stored == {"type": "hidden", "name": "user_email", "value": "*" * 20}


def test_eight_thousand_dots_come_back_unchanged_within_a_second(redactor: Redactor) -> None:
    for message in ("." * 8000, "Error" + "." * 8000, "at t=1 " + "." * 8000):
        started = time.perf_counter()
        redacted = redactor.redact_text(message, "error")
        elapsed_s = time.perf_counter() - started
        assert redacted == message
        assert elapsed_s < 1.0
