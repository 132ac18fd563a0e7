"""Input decisions by field type, name, autocomplete and the site allow-list."""

from __future__ import annotations

import pytest

from anonymizer import PolicyConfig, SitePolicy
from anonymizer.inputs import FieldInfo, decide, sensitive_entity

SITE = SitePolicy(analyze_input_fields=frozenset({"search", "ssn", "comment", "card_pin", "notes"}))


@pytest.mark.parametrize(
    ("info", "action", "entity"),
    [
        (None, "drop", ""),
        (FieldInfo("input", {"type": "text", "name": "first_name"}), "drop", ""),
        (FieldInfo("input", {"type": "search", "name": "search"}), "analyze", ""),
        (FieldInfo("input", {"type": "password", "name": "search"}), "drop", ""),
        (FieldInfo("input", {"type": "text", "name": "search"}, ever_password=True), "drop", ""),
        (FieldInfo("input", {"type": "hidden", "name": "search"}), "drop", ""),
        (FieldInfo("input", {"name": "search", "autocomplete": "cc-number"}), "drop", ""),
        (FieldInfo("textarea", {"name": "notes"}), "drop", ""),
        (FieldInfo("select", {"name": "search"}), "drop", ""),
        (FieldInfo("input", {"name": "ssn"}), "entity", "US_SSN"),
        (FieldInfo("input", {"name": "card_pin"}), "entity", "CREDIT_CARD"),
        (FieldInfo("input", {"name": "dateOfBirth"}), "drop", ""),
    ],
)
def test_input_decision(info: FieldInfo | None, action: str, entity: str) -> None:
    decision = decide(info, PolicyConfig(), SITE)
    assert (decision.action, decision.entity) == (action, entity)


def test_analyzed_fields_carry_their_name_as_context() -> None:
    decision = decide(FieldInfo("input", {"name": "search"}), PolicyConfig(), SITE)
    assert decision.context == ("search",)


@pytest.mark.parametrize(
    ("names", "entity"),
    [
        (["ssn"], "US_SSN"),
        (["customer_dob"], "DATE_OF_BIRTH"),
        (["birthDate"], "DATE_OF_BIRTH"),
        (["passportNo"], "US_PASSPORT"),
        (["drivers-license"], "US_DRIVER_LICENSE"),
        (["cvv"], "CREDIT_CARD"),
        (["pin"], "PIN"),
        (["shipping"], ""),
        (["spinner"], ""),
        (["email"], ""),
    ],
)
def test_sensitive_names_match_whole_words(names: list[str], entity: str) -> None:
    assert sensitive_entity(names, PolicyConfig()) == entity
