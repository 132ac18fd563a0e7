"""Which surveys a page view may show: live, targeted, triggered, sampled, within caps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from surveys.caps import VisitorHistory, within_caps
from surveys.model import SIGNAL, Survey, Trigger
from surveys.sampling import in_sample
from surveys.targeting import department_of, targets


@dataclass(frozen=True)
class PageRequest:
    """One tracker question: `session_id` is the stored key `<site_id>:<client session id>`."""

    session_id: str
    visitor_id: str
    path: str
    signal: str | None = None


def trigger_fits(trigger: Trigger, signal: str | None) -> bool:
    """A plain ask gets the load, delay and exit surveys; an ask with a signal only the surveys
    waiting for that signal, so the tracker is not offered the others twice."""
    if signal is None:
        return trigger.kind != SIGNAL
    return trigger.kind == SIGNAL and trigger.signal == signal


def candidates(
    surveys: Iterable[Survey], request: PageRequest, departments: Mapping[str, str], now_ms: int
) -> list[Survey]:
    """Surveys for this page before caps (which need the visitor's history from the store)."""
    department = department_of(request.path, departments)
    return [
        s
        for s in surveys
        if s.is_live(now_ms)
        and trigger_fits(s.trigger, request.signal)
        and targets(s.rules, request.path, department)
        and in_sample(s.id, request.visitor_id, s.sample_percent)
    ]


def eligible(
    surveys: Iterable[Survey], history: VisitorHistory, session_id: str, now_ms: int
) -> list[Survey]:
    """The candidates this visitor may still be shown, oldest survey first."""
    allowed = [s for s in surveys if within_caps(s.id, s.caps, history, session_id, now_ms)]
    return sorted(allowed, key=lambda s: (s.created_at, s.id))
