"""The log scrubber: raw values a library lets into a record are masked before any handler."""

from __future__ import annotations

import logging

import pytest

from api.logfilter import MESSAGE_LIMIT, ScrubbingFilter, scrub
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
        (f"ssn {SSN}", "ssn <phone>"),
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
        "card 4111 1111 1111 1112 fails the Luhn check",
        "ok? yes: 4 items, #3 is next",
    ],
)
def test_scrub_keeps_ids_addresses_dates_counts_and_durations(kept: str) -> None:
    assert scrub(kept) == kept


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
    # arq logs each job as "function(args)": ours carries only a batch id.
    assert [f.__name__ for f in options["functions"]] == ["process_batch"]
