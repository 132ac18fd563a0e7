"""Frequency caps: how often one visitor may see one survey."""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.model import Caps

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Showing:
    survey_id: str
    session_id: str
    ts: int


@dataclass
class VisitorHistory:
    """What one visitor has been shown, and which surveys they answered or dismissed."""

    shown: list[Showing] = field(default_factory=list)
    closed: set[str] = field(default_factory=set)


def within_caps(
    survey_id: str, caps: Caps, history: VisitorHistory, session_id: str, now_ms: int
) -> bool:
    """Whether the survey may be shown once more in this session.

    Never after the visitor answered or dismissed it. Within a session, at most `per_session`
    showings. Across sessions, at most `per_visitor` sessions with a showing in the last
    `per_visitor_days` days, the current session included once it had one.
    """
    if survey_id in history.closed:
        return False
    mine = [s for s in history.shown if s.survey_id == survey_id]

    if sum(1 for s in mine if s.session_id == session_id) >= caps.per_session:
        return False

    since_ms = now_ms - caps.per_visitor_days * DAY_MS
    recent_sessions = {s.session_id for s in mine if s.ts >= since_ms}
    return session_id in recent_sessions or len(recent_sessions) < caps.per_visitor
