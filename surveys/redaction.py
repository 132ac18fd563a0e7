"""Open-text answers and page URLs through the anonymizer, off the event loop.

One redactor per process, built on first use (loading the model takes seconds), then shared.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from anonymizer import default_redactor
from ingest.sessions import path_template

if TYPE_CHECKING:
    from anonymizer import Redactor

logger = logging.getLogger(__name__)

_redactor: Redactor | None = None
_building = asyncio.Lock()


async def redactor() -> Redactor:
    global _redactor
    if _redactor is None:
        async with _building:
            if _redactor is None:
                _redactor = await asyncio.to_thread(default_redactor)
                logger.info("survey redactor ready (policy %s)", _redactor.policy_version)
    return _redactor


FAILED_TEXT = "<REDACTION_FAILED>"


async def redact_open_text(text: str) -> tuple[str, dict[str, Any]]:
    """The text by the anonymizer's survey-text policy, and its audit counts.

    Should the redactor fail, the text is dropped (never stored unredacted) and the audit says so.
    """
    engine = await redactor()
    try:
        return await asyncio.to_thread(engine.redact_survey_text, text)
    except Exception as err:  # noqa: BLE001 - any failure must drop the text, not store it
        logger.error("survey text redaction failed (%s); text dropped", type(err).__name__)
        return FAILED_TEXT, {**engine.header(), "failed": 1, "fields_seen": {"survey": 1}}


async def page_template(url: str) -> str:
    """The page's path template (`/permits/:id/apply`), with what the URL rule redacts removed."""
    engine = await redactor()
    return await asyncio.to_thread(lambda: engine.redact_url(path_template(url)))
