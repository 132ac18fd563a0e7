"""Leaks and over-redactions a fresh user found through /collect and survey answers (policy .5)."""

from __future__ import annotations

from typing import Any

import pytest

from anonymizer import Redactor, SitePolicy

BASE = "https://city.example.gov"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/form?ssn=536228714&step=2", f"{BASE}/form?ssn=<US_SSN>&step=2"),
        (f"{BASE}/form?dob=1980-03-12&lang=en", f"{BASE}/form?dob=<DATE_OF_BIRTH>&lang=en"),
        (f"{BASE}/form?zip=62704&page=2", f"{BASE}/form?zip=<US_ZIP_CODE>&page=2"),
        (f"{BASE}/form?zip_code=62704", f"{BASE}/form?zip_code=<US_ZIP_CODE>"),
        (f"{BASE}/form?home_phone=4155550134", f"{BASE}/form?home_phone=<PHONE_NUMBER>"),
        (f"{BASE}/form?email=someone", f"{BASE}/form?email=<EMAIL_ADDRESS>"),
        (f"{BASE}/form?first_name=maria&tab=2", f"{BASE}/form?first_name=<PERSON>&tab=2"),
        (f"{BASE}/form?street=12+oak", f"{BASE}/form?street=<US_STREET_ADDRESS>"),
        (f"{BASE}/form?passport=X1234567", f"{BASE}/form?passport=<ID_NUMBER>"),
        (
            f"{BASE}/form?address1=12+oak&phone_2=555",
            f"{BASE}/form?address1=<US_STREET_ADDRESS>&phone_2=<PHONE_NUMBER>",
        ),
    ],
)
def test_values_of_personal_query_keys_become_their_kind_label(
    redactor: Redactor, url: str, expected: str
) -> None:
    assert redactor.redact_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/search?sort=536228714&page=2", f"{BASE}/search?sort=<ID>&page=2"),
        (f"{BASE}/search?ref=case536228714&lang=en", f"{BASE}/search?ref=case<ID>&lang=en"),
    ],
)
def test_long_numbers_in_query_values_become_ids(
    redactor: Redactor, url: str, expected: str
) -> None:
    assert redactor.redact_url(url) == expected


def test_the_query_of_a_hash_route_gets_the_query_rule(redactor: Redactor) -> None:
    url = f"{BASE}/app#/x?ssn=536228714&phone=4155550134&zip=62704&tab=2"
    assert (
        redactor.redact_url(url)
        == f"{BASE}/app#/x?ssn=<US_SSN>&phone=<PHONE_NUMBER>&zip=<US_ZIP_CODE>&tab=2"
    )


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/search?page=2&sort=date&lang=en&q=water+bill",
        f"{BASE}/permits?type_name=fence&phone_type=mobile&social_media=x&mobile_menu=open",
    ],
)
def test_ordinary_query_values_are_kept(redactor: Redactor, url: str) -> None:
    assert redactor.redact_url(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/people/maria-lopez", f"{BASE}/people/<PERSON>"),
        (f"{BASE}/residents/maria-lopez/permits", f"{BASE}/residents/<PERSON>/permits"),
        (f"{BASE}/staff/tyler_brooks?tab=2", f"{BASE}/staff/<PERSON>?tab=2"),
        (f"{BASE}/page#section-maria-lopez-contact", f"{BASE}/page#section-<PERSON>-contact"),
        (f"{BASE}/people/maria-lopez.html", f"{BASE}/people/<PERSON>.html"),
        (f"{BASE}/people/maria.lopez", f"{BASE}/people/<PERSON>"),
        (f"{BASE}/p/tyler.brooks/cases", f"{BASE}/p/<PERSON>/cases"),
    ],
)
def test_a_name_in_a_url_slug_becomes_person(redactor: Redactor, url: str, expected: str) -> None:
    assert redactor.redact_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/permits/apply",
        f"{BASE}/water-bill",
        f"{BASE}/parks-and-recreation",
        f"{BASE}/news/city-council-meets",
        f"{BASE}/parks/lincoln-park",
        f"{BASE}/page#section-trash-pickup",
        f"{BASE}/assets/main.min.js",
        f"{BASE}/assets/jquery-3.7.1.min.js",
        f"{BASE}/docs/report.v2.pdf",
        f"{BASE}/parks-and-recreation/index.html",
    ],
)
def test_ordinary_slugs_are_kept(redactor: Redactor, url: str) -> None:
    assert redactor.redact_url(url) == url


def _typed(name: str, value: str) -> dict[str, Any]:
    """An analytics input event on a text field called `name`."""
    return {
        "ts": 1,
        "kind": "input",
        "node": 3,
        "target": {"tag": "input", "selector": "input", "text": "", "attrs": {"name": name}},
        "data": {"value": value, "length": len(value), "masked": False},
    }


def test_allow_listed_input_values_are_checked_like_survey_text(redactor: Redactor) -> None:
    site = SitePolicy(analyze_input_fields=frozenset({"comments"}))
    values = [
        "my name is tyler brooks",
        "call maria lopez at home",
        "wijtze called",
        "the bus was late",
    ]
    stored = redactor.redact_batch([_typed("comments", v) for v in values], [], site).events
    assert [e["data"].get("value") for e in stored] == [
        "my name is <PERSON>",
        "call <PERSON> at home",
        "<PERSON> called",
        "the bus was late",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Error: account of ms. Williams", "Error: account of <PERSON>"),
        ("Error: account of MS. WILLIAMS locked", "Error: account of <PERSON> locked"),
        ("TypeError: MRS. WILLIAMS not found", "TypeError: <PERSON> not found"),
        (
            "TypeError: billing address: tracy smith-jones",
            "TypeError: billing address: <PERSON>",
        ),
        (
            "TypeError: billing address: 12 Oak Street",
            "TypeError: billing address: <US_STREET_ADDRESS>",
        ),
        ("user not found: maria lopez", "user not found: <PERSON>"),
        ("cannot load profile maria.lopez", "cannot load profile <PERSON>"),
        (
            'Error: bad input {"zip":"62704"} rejected',
            'Error: bad input {"zip":"<US_ZIP_CODE>"} rejected',
        ),
        ("Error: zip_code: 62704 invalid", "Error: zip_code: <US_ZIP_CODE> invalid"),
    ],
)
def test_names_and_zip_codes_in_error_text_are_replaced(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, "error") == expected


@pytest.mark.parametrize(
    "text",
    [
        "window.location not found",
        "Failed to fetch for tyler.config",
        "address: Lincoln Avenue is closed",
        "module not found: lodash",
    ],
)
def test_error_wording_near_the_new_cues_is_kept(redactor: Redactor, text: str) -> None:
    assert redactor.redact_text(text, "error") == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Case owner: tyler brooks", "Case owner: <PERSON>"),
        ("Case owner: Tyler brooks", "Case owner: <PERSON>"),
        ("Hi Tyler brooks, welcome back", "Hi <PERSON>, welcome back"),
        ("Contact: Tyler brooks", "Contact: <PERSON>"),
        ("Hi tyler Brooks", "Hi <PERSON>"),
        ("Account of maria lopez", "Account of <PERSON>"),
        ("Hi Maria, your permit is ready", "Hi <PERSON>, your permit is ready"),
    ],
)
def test_a_name_and_its_surname_in_page_text_are_replaced_together(
    redactor: Redactor, text: str, expected: str
) -> None:
    assert redactor.redact_text(text, "text") == expected


def test_account_of_a_name_in_click_text_is_replaced(redactor: Redactor) -> None:
    click = {
        "ts": 1,
        "kind": "click",
        "node": 7,
        "target": {
            "tag": "a",
            "selector": "a.account",
            "text": "Account of maria lopez",
            "attrs": {"title": "Account of maria lopez", "class": "account"},
        },
        "x": 1.0,
        "y": 2.0,
        "data": {},
        "flags": [],
    }
    target = redactor.redact_batch([click], []).events[0]["target"]
    assert (target["text"], target["attrs"]["title"]) == ("Account of <PERSON>",) * 2


def test_a_foreign_name_joined_to_a_name_in_survey_text_is_replaced(redactor: Redactor) -> None:
    assert (
        redactor.redact_text("wijtze and tyler brooks, 1234 elm street", "survey")
        == "<PERSON> and <PERSON>, <US_STREET_ADDRESS>"
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("We will call you", "text"),
        ("We will call you back tomorrow.", "error"),
        ("Cookie: preferences", "text"),
        ("Cookie: preferences", "error"),
        ("the bus and the train were late", "survey"),
    ],
)
def test_ordinary_words_are_not_replaced(redactor: Redactor, text: str, kind: str) -> None:
    assert redactor.redact_text(text, kind) == text


def test_a_cookie_label_in_survey_text_is_no_person(redactor: Redactor) -> None:
    text = "The site broke. Cookie: sid=abc123def456ghi; theme=dark"
    assert (
        redactor.redact_text(text, "survey")
        == "The site broke. Cookie: sid=<SECRET>; theme=<SECRET>"
    )
