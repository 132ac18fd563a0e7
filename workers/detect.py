"""Step 3: detect signals in a session's page views and store them with their thresholds."""

from __future__ import annotations

import logging
from typing import Any

from workers.redact import RedactedBatch
from workers.timeline import PageViewTimeline

logger = logging.getLogger(__name__)


async def detect_session(
    ctx: dict[str, Any],
    batch: RedactedBatch,
    session: dict[str, Any],
    page_views: list[PageViewTimeline],
) -> None:
    """Replace the session's signals with those detected in its current page views."""
    # Wired to signals/ once its entry point lands (see the lead's integration step).
    return None
