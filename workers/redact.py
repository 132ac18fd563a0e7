"""Step 1: redact a decrypted batch, off the event loop, before anything is stored."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from anonymizer import Redactor
from anonymizer.client import reduce_user_agent
from ingest import native

logger = logging.getLogger(__name__)


@dataclass
class RedactedBatch:
    """A batch that holds no raw personal data any more; only this reaches the store."""

    site_id: str
    session_id: str
    window_id: str
    seq: int
    visitor_id: str | None
    received_at_ms: int
    sent_at_ms: int | None
    format: str
    rrweb: list[dict[str, Any]]
    events: list[dict[str, Any]]
    client: dict[str, Any]
    audit: dict[str, Any]
    warnings: list[Any]
    rejected: list[Any]


def _redact(redactor: Redactor, record: dict[str, Any]) -> RedactedBatch:
    batch = record["batch"]
    fmt = batch.get("format", "native")
    if fmt == "rrweb":
        events: list[dict[str, Any]] = []
        rrweb = batch["events"]
    else:
        events = list(native.to_events(batch["events"]))
        rrweb = []

    result = redactor.redact_batch(events, rrweb)  # type: ignore[arg-type]
    client = record.get("client", {})
    return RedactedBatch(
        site_id=record["site_id"],
        session_id=batch["session_id"],
        window_id=batch.get("window_id") or "main",
        seq=int(batch.get("seq") or 0),
        visitor_id=batch.get("visitor_id"),
        received_at_ms=record["received_at_ms"],
        sent_at_ms=batch.get("sent_at_ms"),
        format=fmt,
        rrweb=list(result.rrweb_events),
        events=[dict(e) for e in result.events],
        client={
            "ip": client.get("ip"),
            "agent": reduce_user_agent(client.get("user_agent", "")),
        },
        audit=result.audit,
        warnings=batch.get("warnings", []),
        rejected=batch.get("rejected", []),
    )


async def redact_batch(redactor: Redactor, record: dict[str, Any]) -> RedactedBatch:
    """Run the CPU-bound redaction in a thread so the worker keeps serving its event loop."""
    return await asyncio.to_thread(_redact, redactor, record)
