"""The text rule's guard rails: size cap, time budget, cache, field kinds."""

from __future__ import annotations

import dataclasses

from anonymizer import PolicyConfig, Redactor
from anonymizer.audit import Audit
from anonymizer.text import TextRedactor, caps_to_title


def test_text_past_the_size_cap_is_dropped_with_a_visible_marker(redactor: Redactor) -> None:
    cap = PolicyConfig().text_max_chars
    text = "a" * cap + " jane.roe@example.com"
    assert redactor.redact_text(text, "text") == "a" * cap + "<TRUNCATED>"


def test_punctuation_past_the_cap_is_kept_since_it_cannot_hold_pii(redactor: Redactor) -> None:
    text = "Error " + "-" * 20_000
    assert redactor.redact_text(text, "error") == text


def test_a_spent_time_budget_masks_the_whole_field(redactor: Redactor) -> None:
    config = dataclasses.replace(PolicyConfig(), field_budget_ms=0)
    texts = TextRedactor(redactor.engine, config)
    audit = Audit()
    assert texts.redact("call 415-555-0134", "text", audit) == "<REDACTED>"
    assert audit.timeouts == 1
    assert dict(audit.operators) == {"mask": 1}


def test_cache_keeps_only_strings_without_findings(redactor: Redactor) -> None:
    texts = TextRedactor(redactor.engine, PolicyConfig())
    audit = Audit()
    texts.redact_many(["Pay Water Bill", "Sign out jane.roe@example.com", "x" * 500], "text", audit)
    assert texts.clean == {("text", "Pay Water Bill")}
    again = Audit()
    assert (
        texts.redact("Sign out jane.roe@example.com", "text", again) == "Sign out <EMAIL_ADDRESS>"
    )
    assert dict(again.entities) == {"EMAIL_ADDRESS": 1}


def test_selectors_get_patterns_only(redactor: Redactor) -> None:
    assert (
        redactor.redact_text("a[href='mailto:jane.roe@example.com'] > span.Maria", "selector")
        == "a[href='mailto:<EMAIL_ADDRESS>'] > span.Maria"
    )
    assert redactor.redact_text("li#user-Maria-Gonzalez", "selector") == "li#user-Maria-Gonzalez"


def test_error_messages_keep_code_words_but_not_full_names(redactor: Redactor) -> None:
    assert redactor.redact_text("ReferenceError: jQuery is not defined", "error") == (
        "ReferenceError: jQuery is not defined"
    )
    assert redactor.redact_text("Error: no account for Maria Gonzalez", "error") == (
        "Error: no account for <PERSON>"
    )


def test_urls_inside_stacks_follow_the_url_rule(redactor: Redactor) -> None:
    stack = "at load (https://city.example.gov/app.js?token=abc123:10:5)\nat main (app.js:1:1)"
    assert redactor.redact_text(stack, "error") == (
        "at load (https://city.example.gov/app.js?token=<REDACTED>)\nat main (app.js:1:1)"
    )


def test_all_caps_runs_are_title_cased_for_ner_with_equal_length() -> None:
    assert caps_to_title("SOPHY SANTINO was rude at the DMV") == "Sophy Santino was rude at the DMV"


def test_survey_audit_counts_types_and_never_values(redactor: Redactor) -> None:
    text = "Maria Gonzalez, 415-555-0134, jane.roe@example.com"
    redacted, audit = redactor.redact_survey_text(text)
    assert redacted == "<PERSON>, <PHONE_NUMBER>, <EMAIL_ADDRESS>"
    assert audit["by_entity"] == {"EMAIL_ADDRESS": 1, "PERSON": 1, "PHONE_NUMBER": 1}
    assert audit["by_field_kind"] == {"survey": 3}
    assert audit["by_operator"] == {"replace": 3}
    assert audit["policy_version"] == redactor.policy_version
    flat = repr(audit)
    assert "Maria" not in flat and "555" not in flat and "jane" not in flat


def test_findings_deep_inside_long_survey_text_are_redacted(redactor: Redactor) -> None:
    # A roomy budget: this pins the chunking, not the speed of a shared test machine.
    texts = TextRedactor(
        redactor.engine, dataclasses.replace(PolicyConfig(), field_budget_ms=30_000)
    )
    filler = "The new bike lanes on the east side are great and the signs are clear. " * 20
    text = filler + "Write me at jane.roe@example.com or call 415-555-0134. " + filler
    audit = Audit()
    redacted = texts.redact(text, "survey", audit)
    assert redacted == filler + "Write me at <EMAIL_ADDRESS> or call <PHONE_NUMBER>. " + filler
    assert dict(audit.entities) == {"EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1}
