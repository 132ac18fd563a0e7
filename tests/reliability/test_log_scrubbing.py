"""The log scrubber: raw values a library lets into a record are masked before any handler."""

from __future__ import annotations

import logging
import time

import pytest

from api.logfilter import MESSAGE_LIMIT, ScrubbingFilter, scrub
from bench.fuzz_cases import PATHOLOGICAL
from tests.reliability.canaries import CARD, EMAIL, PHONE, SSN, TOKEN, found_in

logger = logging.getLogger("tests.reliability.library")


@pytest.mark.parametrize(
    ("raw", "scrubbed"),
    [
        (f"mail {EMAIL} now", "mail <email> now"),
        (f"call {PHONE}", "call <phone>"),
        ("call +1 415 555 0199 or 555.014.2267", "call <phone> or <phone>"),
        (f"card {CARD}", "card <card>"),
        ("card 4111-1111-1111-1111.", "card <card>."),
        (f"ssn {SSN}", "ssn <ssn>"),
        ("ssn 078-05-1120, then", "ssn <ssn>, then"),
        # Written without separators: a national number, or an international one without "+".
        ("call 4155550199 or 2025550123", "call <phone> or <phone>"),
        ("call 07700900123 or 13812345678", "call <phone> or <phone>"),
        ("call +14155550199", "call <phone>"),
        # A number or a date just before a phone does not hide it.
        (f"ids 1234567 {PHONE}", "ids 1234567 <phone>"),
        ("2026-12-03 5551234567", "2026-12-03 <phone>"),
        (f'"GET /graphql?query={TOKEN}&x=1 HTTP/1.1" 200', '"GET /graphql?<query> HTTP/1.1" 200'),
        (
            f"https://city.example.test/pay?token={TOKEN}#a=b done",
            "https://city.example.test/pay?<query> done",
        ),
        (f"https://city.example.test/#access_token={TOKEN}", "https://city.example.test/#<query>"),
    ],
)
def test_scrub_masks_personal_values(raw: str, scrubbed: str) -> None:
    assert scrub(raw) == scrubbed


@pytest.mark.parametrize(
    "kept",
    [
        "processed batch 0f3a9c1e7b2d4c5a8e9f0a1b2c3d4e5f: 12 events kept in 1234 ms",
        "API listening on 127.0.0.1:8000 (pid 41234)",
        "aggregated site|2026-12-03 in 15.2 ms",
        "ferretdb v1.24.2 ready; 3 of 5 jobs, 0.98s → cron:aggregate_dirty()",
        "card 4111-1111-1111-1112 fails the Luhn check",
        "ok? yes: 4 items, #3 is next",
        "window 1764763200 to 1764766800, received_at_ms=1764763200123, at 1764763200.5",
        "batch 1764763200-1764766800 of 123456789 events, 12345678 bytes, offset -1764763200",
        "2026-12-03 11:24:16,123 INFO worker ready; 2026-12-03T11:24:16Z",
        "mongodb://127.0.0.1:27017/ and redis://localhost:6379/0, port 8000",
        "job 123e4567-e89b-12d3-a456-426614174000 and 12345678-1234-1234-1234-123456789012",
        "ids 507f1f77bcf86cd799439011, 0x7f3a9c1e2b, sha 9f86d081884c7d659a2feaa0c55ad015",
    ],
)
def test_scrub_keeps_ids_addresses_dates_counts_and_durations(kept: str) -> None:
    assert scrub(kept) == kept


# Far above what a linear scrub of a cut message takes (milliseconds); a pattern that
# backtracks quadratically takes seconds on these.
SCRUB_BUDGET_S = 1.0
DIGIT_HEAVY = ["1-" * 4_000, "1 " * 4_000, "(1) " * 2_000, "+1 " * 2_700, "1234567890 " * 700]


@pytest.mark.parametrize("text", [*PATHOLOGICAL, *DIGIT_HEAVY])
def test_scrub_of_a_pathological_message_stays_linear(text: str) -> None:
    started = time.process_time()
    scrub(text[:MESSAGE_LIMIT])
    assert time.process_time() - started < SCRUB_BUDGET_S


def test_a_library_record_with_raw_values_reaches_handlers_scrubbed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=logger.name)
    try:
        raise ValueError(f"cannot parse {EMAIL} ({PHONE})")
    except ValueError:
        logger.exception("request to %s failed for %s", f"/api?token={TOKEN}", CARD)
    logger.debug("a long line " + EMAIL * 2_000)
    logger.debug("spaced " + f"{EMAIL} " * 2_000)

    text = caplog.text
    assert found_in(text) == []
    assert "request to /api?<query> failed for <card>" in text
    assert "ValueError: cannot parse <email> (<phone>)" in text
    assert caplog.records[0].exc_info is None
    assert len(caplog.records[1].getMessage()) <= MESSAGE_LIMIT
    assert caplog.records[2].getMessage().endswith("<email> [cut]")


def test_the_filter_scrubs_a_record_made_without_the_factory() -> None:
    record = logging.LogRecord("lib", logging.INFO, __file__, 1, "user %s", (EMAIL,), None)
    assert ScrubbingFilter().filter(record) is True
    assert record.getMessage() == "user <email>"


def test_the_worker_logs_neither_job_arguments_beyond_the_id_nor_results(settings: object) -> None:
    from workers.main import worker_settings

    options = worker_settings()
    assert options["log_results"] is False
    # arq logs each job as "function(args)": ours carry only a batch id or a survey input id.
    assert [f.__name__ for f in options["functions"]] == ["process_batch", "redact_survey_input"]
