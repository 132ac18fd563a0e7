"""Open-text answers and page paths through the worker's redactor (synchronous CPU work).

Only the worker calls these: the API never loads the redaction engine (`surveys.inputs`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anonymizer import Redactor

logger = logging.getLogger(__name__)

FAILED_TEXT = "<REDACTION_FAILED>"
"""Stored in place of an open text the redactor failed on: the text is dropped, never kept raw."""


def redact_open_text(engine: Redactor, text: str) -> tuple[str, dict[str, Any]]:
    """The text by the anonymizer's survey-text policy, and its audit counts.

    Should the redactor fail, the text is dropped (never stored unredacted) and the audit says so.
    """
    try:
        return engine.redact_survey_text(text)
    except Exception as err:  # noqa: BLE001 - any failure must drop the text, not store it
        logger.error("survey text redaction failed (%s); text dropped", type(err).__name__)
        return FAILED_TEXT, {**engine.header(), "failed": 1, "fields_seen": {"survey": 1}}


def page_template(engine: Redactor, path: str) -> str | None:
    """A path template (`ingest.sessions.path_template`) with what the URL rule redacts removed.

    None (page unknown) should the redactor fail: the path is never stored unredacted.
    """
    try:
        return engine.redact_url(path)
    except Exception as err:  # noqa: BLE001 - any failure must drop the path, not store it
        logger.error("survey page redaction failed (%s); page dropped", type(err).__name__)
        return None
