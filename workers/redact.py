"""Step 1: redact a decrypted batch, off the event loop, before anything is stored."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anonymizer.client import reduce_user_agent
from anonymizer.policy import SitePolicy
from ingest import native
from ingest.order import clock_shift_ms, correct_times, dedupe

if TYPE_CHECKING:
    # The engine module loads Presidio: the API imports this module (erasure recomputes).
    from anonymizer import Redactor

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
    clock_shift_ms: int = 0
    duplicates_dropped: int = 0
    clamped_events: int = 0
    # Positions in `rrweb` of events whose outlier time was clamped (native events carry the
    # `ts_clamped` flag themselves); the detectors leave them out of timing rules.
    clamped_positions: list[int] = field(default_factory=list)
    part: int = 0  # the session part, after splits at inactivity or the length cap
    # The recorder's id of this page load, when it sends one (see docs/ingest.md, `page_id`).
    page_id: str | None = None

    @property
    def client_key(self) -> str:
        """The browser's session, scoped to its site."""
        return f"{self.site_id}:{self.session_id}"

    @property
    def stored_session_id(self) -> str:
        """The stored session: the browser's session, or one part of it after a split."""
        return self.client_key if self.part == 0 else f"{self.client_key}~{self.part}"

    def time_span_ms(self) -> tuple[int, int] | None:
        items = self.rrweb if self.format == "rrweb" else self.events
        field = "timestamp" if self.format == "rrweb" else "ts"
        times = [int(e[field]) for e in items if isinstance(e.get(field), int | float)]
        return (min(times), max(times)) if times else None


def _normalise(
    record: dict[str, Any], previous_shift_ms: int | None
) -> tuple[list[dict[str, Any]], int, int, list[int]]:
    """Drop a second recorder's duplicates, correct clock skew, clamp outlier timestamps.

    Returns the events, the session's clock shift, how many were dropped, and the positions of
    the clamped ones.
    """
    batch = record["batch"]
    raw: list[dict[str, Any]] = batch["events"]
    kept = [raw[i] for i in dedupe(raw)]
    shift_ms = clock_shift_ms(batch.get("sent_at_ms"), record["received_at_ms"], previous_shift_ms)
    corrected, flags = correct_times(kept, record["received_at_ms"], shift_ms)
    clamped = [i for i, f in enumerate(flags) if "ts_clamped" in f]
    return corrected, shift_ms, len(raw) - len(kept), clamped


def with_input_values(
    events: list[dict[str, Any]], raw: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Hand typed values to the anonymizer, which alone decides whether any of one is kept
    (ingest leaves them out of analytics events)."""
    for event in events:
        value = raw[event["source_index"]].get("value") if event["kind"] == "input" else None
        if isinstance(value, str):
            event["data"] = {**(event.get("data") or {}), "value": value}
    return events


def _redact(
    redactor: Redactor,
    record: dict[str, Any],
    previous_shift_ms: int | None,
    site_policy: SitePolicy | None,
) -> RedactedBatch:
    batch = record["batch"]
    fmt = batch.get("format", "native")
    raw, shift_ms, duplicates, clamped = _normalise(record, previous_shift_ms)
    if fmt == "rrweb":
        events: list[dict[str, Any]] = []
        rrweb = raw
    else:
        # Mapped with the redactor's own caps, so each detail is replaced whole before the cut
        # to what an analytics event keeps (cutting first left halves the recognizers missed).
        mapped = native.to_events(raw, redaction_limits(redactor))
        events = with_input_values(list(mapped), raw)  # type: ignore[arg-type]
        rrweb = []
        for event in events:
            if event.get("source_index") in clamped:
                event["flags"] = [*event.get("flags", []), "ts_clamped"]

    result = redactor.redact_batch(events, rrweb, site_policy)  # type: ignore[arg-type]
    redacted = [native.cut_stored(e) for e in result.events]
    client = record.get("client", {})
    return RedactedBatch(
        site_id=record["site_id"],
        session_id=batch["session_id"],
        window_id=batch.get("window_id") or "main",
        seq=int(batch.get("seq") or 0),
        page_id=batch.get("page_id"),
        visitor_id=batch.get("visitor_id"),
        received_at_ms=record["received_at_ms"],
        sent_at_ms=batch.get("sent_at_ms"),
        format=fmt,
        rrweb=list(result.rrweb_events),
        events=redacted,
        client={
            "ip": client.get("ip"),
            "agent": reduce_user_agent(client.get("user_agent", "")),
        },
        audit=result.audit,
        warnings=batch.get("warnings", []),
        rejected=batch.get("rejected", []),
        clock_shift_ms=shift_ms,
        duplicates_dropped=duplicates,
        clamped_events=len(clamped),
        clamped_positions=clamped if fmt == "rrweb" else [],
    )


def redaction_limits(redactor: Redactor) -> native.TextLimits:
    """The characters of native free text the redactor reads; it cuts longer text itself."""
    config = redactor.config
    return native.TextLimits(
        text_chars=config.text_max_chars,
        attr_chars=config.text_max_chars,
        message_chars=min(config.error_max_chars, config.url_max_chars),
        tag_chars=config.text_max_chars,
    )


def site_policy_of(site: dict[str, Any]) -> SitePolicy:
    """The site's own redaction choices (``sites.redaction``), set by its privacy officer."""
    choices = site.get("redaction") or {}
    return SitePolicy(
        site=str(site.get("_id", "")),
        analyze_input_fields=frozenset(choices.get("analyze_input_fields") or ()),
        url_allowed_keys=frozenset(choices.get("url_allowed_keys") or ()),
    )


async def redact_batch(
    redactor: Redactor,
    record: dict[str, Any],
    previous_shift_ms: int | None = None,
    site_policy: SitePolicy | None = None,
) -> RedactedBatch:
    """Run the CPU-bound redaction in a thread so the worker keeps serving its event loop."""
    return await asyncio.to_thread(_redact, redactor, record, previous_shift_ms, site_policy)
