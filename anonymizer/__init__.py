"""Redaction of analytics events, rrweb events and survey text before anything is stored."""

from __future__ import annotations

import threading
from typing import Any

from anonymizer.client import reduce_user_agent, truncate_ip
from anonymizer.policy import POLICY_VERSION, PolicyConfig, SitePolicy
from anonymizer.redactor import DEFAULT_MODEL, RedactionResult, Redactor

__all__ = [
    "DEFAULT_MODEL",
    "POLICY_VERSION",
    "PolicyConfig",
    "RedactionResult",
    "Redactor",
    "SitePolicy",
    "default_redactor",
    "redact_survey_text",
    "redact_text",
    "redact_url",
    "reduce_user_agent",
    "truncate_ip",
]

_default: Redactor | None = None
_default_lock = threading.Lock()


def default_redactor() -> Redactor:
    """The process-wide redactor with the default model and policy, built on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Redactor()
        return _default


def redact_text(text: str, kind: str = "text", context: tuple[str, ...] = ()) -> str:
    """Redact one string by field kind (text, survey, error, selector, pattern)."""
    return default_redactor().redact_text(text, kind, context)


def redact_url(url: str) -> str:
    """Redact one URL by the URL rule."""
    return default_redactor().redact_url(url)


def redact_survey_text(text: str) -> tuple[str, dict[str, Any]]:
    """Redact survey free text; returns the text and audit counts."""
    return default_redactor().redact_survey_text(text)
