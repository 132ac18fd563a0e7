"""Redaction of analytics events, rrweb events and survey text before anything is stored.

The names below load on first use (module ``__getattr__``): importing ``anonymizer.client``
alone, as the API does, must not load Presidio and spaCy (about 100 MB of resident memory).
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anonymizer.client import reduce_user_agent, truncate_ip
    from anonymizer.policy import POLICY_VERSION, PolicyConfig, SitePolicy
    from anonymizer.redactor import DEFAULT_MODEL, RedactionResult, Redactor

# Public name → the module that defines it.
_LAZY = {
    "DEFAULT_MODEL": "anonymizer.redactor",
    "POLICY_VERSION": "anonymizer.policy",
    "PolicyConfig": "anonymizer.policy",
    "RedactionResult": "anonymizer.redactor",
    "Redactor": "anonymizer.redactor",
    "SitePolicy": "anonymizer.policy",
    "reduce_user_agent": "anonymizer.client",
    "truncate_ip": "anonymizer.client",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def default_redactor() -> Redactor:
    """The process-wide redactor with the default model and policy, built on first use."""
    from anonymizer.redactor import Redactor

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
