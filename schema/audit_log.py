"""Entries of the ``audit_log``: who changed what, when, and how many documents it touched."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from api.auth import Principal
from storage.mongo import Store

logger = logging.getLogger(__name__)


async def write_audit(
    store: Store, who: Principal, action: str, counts: dict[str, int], **details: Any
) -> None:
    """Record an administrative action. ``details`` must hold ids only, never personal data."""
    entry = {
        "_id": secrets.token_hex(12),
        "who": who.key_id,
        "role": who.role.value,
        "when": int(time.time() * 1000),
        "action": action,
        "counts": counts,
        **details,
    }
    await store.audit_log.insert_one(entry)
    logger.info("audit: %s by key %s (%d documents)", action, who.key_id, sum(counts.values()))
