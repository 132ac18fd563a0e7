"""The replay shortlist: one representative session per kind of struggle."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from signals.model import PageView, Signal
from signals.score import DEFAULT_WEIGHTS, Score, ScoreWeights

Struggle = tuple[str, str, tuple[str, ...]]
"""(page template, element selector or "" for the page, sorted signal kinds)."""


@dataclass(frozen=True)
class SessionSummary:
    """What the shortlist needs of a session."""

    session_id: str
    page_views: Sequence[PageView]
    signals: Sequence[Signal]
    score: Score


@dataclass(frozen=True)
class Group:
    """Sessions with the same struggle, and the one to watch."""

    template: str
    element: str
    pattern: tuple[str, ...]
    representative: str
    representative_score: float
    size: int
    session_ids: list[str] = field(default_factory=list)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "element": self.element,
            "pattern": list(self.pattern),
            "representative": self.representative,
            "representative_score": self.representative_score,
            "size": self.size,
            "session_ids": self.session_ids,
            "reason": self.reason,
        }


def struggle_of(
    summary: SessionSummary, weights: ScoreWeights = DEFAULT_WEIGHTS
) -> tuple[Struggle, str] | None:
    """The session's main struggle and the element's text, or None when nothing stands out.

    Signals are grouped by page template and element; the group with the most weight wins. A
    session without signals but with a score is grouped by its last page (a negative survey
    answer), or by the page it was most unusual on.
    """
    templates = {view.id: view.template for view in summary.page_views}
    groups: dict[tuple[str, str], list[Signal]] = {}
    for signal in summary.signals:
        if signal.false_positive:
            continue
        template = templates.get(signal.page_view_id or "", "")
        selector = (signal.target or {}).get("selector", "")
        groups.setdefault((template, selector), []).append(signal)

    if groups:

        def weight(key: tuple[str, str]) -> tuple[float, str, str]:
            total = sum(weights.signals.get(s.kind, 1.0) for s in groups[key])
            return (total, key[0], key[1])

        template, selector = max(groups, key=weight)
        kinds = tuple(sorted({s.kind for s in groups[(template, selector)]}))
        text = next(((s.target or {}).get("text", "") for s in groups[(template, selector)]), "")
        return (template, selector, kinds), text

    if summary.score.total <= 0:
        return None
    last = max(summary.page_views, key=lambda v: (v.start_ts, v.id), default=None)
    parts = tuple(sorted(k for k, v in summary.score.breakdown.items() if v > 0))
    template = last.template if last else ""
    unusual = summary.score.unusual
    if unusual and "unusualness" in parts and "negative_survey" not in parts:
        # An unusual visit is about the page it was unusual on, not where it ended.
        template = str(unusual.get("template") or template)
    return ((template, "", parts), "")


def shortlist(
    sessions: Iterable[SessionSummary], limit: int = 20, weights: ScoreWeights = DEFAULT_WEIGHTS
) -> list[Group]:
    """Up to `limit` groups, most worth watching first (by the sum of their sessions' scores)."""
    members: dict[Struggle, list[SessionSummary]] = {}
    texts: dict[Struggle, str] = {}
    for summary in sessions:
        found = struggle_of(summary, weights)
        if found is None:
            continue
        key, text = found
        members.setdefault(key, []).append(summary)
        texts.setdefault(key, text)

    groups = []
    for key, summaries in members.items():
        ranked = sorted(summaries, key=lambda s: (-s.score.total, s.session_id))
        template, element, pattern = key
        groups.append(
            Group(
                template=template,
                element=element,
                pattern=pattern,
                representative=ranked[0].session_id,
                representative_score=ranked[0].score.total,
                size=len(ranked),
                session_ids=[s.session_id for s in ranked],
                reason=_reason(key, texts[key], len(ranked)),
            )
        )
    groups.sort(
        key=lambda g: (
            -sum(s.score.total for s in members[(g.template, g.element, g.pattern)]),
            g.template,
            g.element,
            g.pattern,
        )
    )
    return groups[:limit]


def _reason(key: Struggle, text: str, size: int) -> str:
    template, element, pattern = key
    what = " + ".join(kind.replace("_", " ") for kind in pattern) or "unusual session"
    where = f'{element} "{text}"' if element and text else element
    sessions = "1 session" if size == 1 else f"{size} sessions"
    on = f" on {where}" if where else ""
    return f"{sessions}: {what}{on} ({template or 'unknown page'})"
