"""Session relevance: how much a session is worth watching, with the reasons kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from signals.model import (
    DEAD_CLICK,
    ERROR_CLICK,
    EXCESSIVE_SCROLL,
    FORM_ABANDONMENT,
    PAGE_LOOP,
    QUICK_BACK,
    RAGE_CLICK,
    SLOW_CLICK,
    THRASHED_CURSOR,
    PageView,
    Signal,
)
from signals.unusual import Unusualness

SCORE_VERSION = "2"

DEFAULT_SIGNAL_WEIGHTS: dict[str, float] = {
    RAGE_CLICK: 3.0,
    ERROR_CLICK: 3.0,
    DEAD_CLICK: 2.0,
    FORM_ABANDONMENT: 2.0,
    PAGE_LOOP: 2.0,
    QUICK_BACK: 1.5,
    SLOW_CLICK: 1.0,
    EXCESSIVE_SCROLL: 1.0,
    THRASHED_CURSOR: 1.0,
}


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of each part of the score; counts are capped so one noisy page cannot dominate."""

    signals: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SIGNAL_WEIGHTS))
    max_count_per_kind: int = 5
    error: float = 0.5
    max_errors: int = 10
    negative_survey: float = 5.0
    unusualness: float = 3.0


DEFAULT_WEIGHTS = ScoreWeights()


@dataclass(frozen=True)
class Score:
    """A session's score and the parts it is made of (stored as is)."""

    total: float
    breakdown: dict[str, float]
    counts: dict[str, int]
    version: str = SCORE_VERSION
    unusual: dict[str, Any] | None = None
    """Why the session is unusual (`Unusualness.to_dict()` plus `reason`), when it was rated."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "breakdown": self.breakdown,
            "counts": self.counts,
            "version": self.version,
            "unusual": self.unusual,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Score:
        return cls(
            total=float(doc["total"]),
            breakdown={str(k): float(v) for k, v in (doc.get("breakdown") or {}).items()},
            counts={str(k): int(v) for k, v in (doc.get("counts") or {}).items()},
            version=str(doc.get("version", SCORE_VERSION)),
            unusual=dict(doc["unusual"]) if doc.get("unusual") else None,
        )


def score_session(
    page_views: Sequence[PageView],
    signals: Sequence[Signal],
    survey_negative: bool,
    *,
    unusual: Unusualness | None = None,
    weights: ScoreWeights = DEFAULT_WEIGHTS,
) -> Score:
    """Score one session: weighted signal counts, page errors, a negative survey answer and how
    unusual its most unusual page view is for its page (`session_unusualness`). Signals marked
    false positive count for nothing."""
    kinds = Counter(s.kind for s in signals if not s.false_positive)
    breakdown: dict[str, float] = {}
    for kind, count in sorted(kinds.items()):
        weight = weights.signals.get(kind, 1.0)
        breakdown[f"signal:{kind}"] = weight * min(count, weights.max_count_per_kind)

    errors = sum(1 for v in page_views for e in v.events if e.get("kind") in ("error", "request"))
    if errors:
        breakdown["errors"] = weights.error * min(errors, weights.max_errors)
    if survey_negative:
        breakdown["negative_survey"] = weights.negative_survey

    explanation = None
    if unusual is not None:
        explanation = {**unusual.to_dict(), "reason": unusual.reason}
        if unusual.value > 0:
            breakdown["unusualness"] = round(weights.unusualness * unusual.value, 4)

    counts = dict(sorted(kinds.items()))
    counts["errors"] = errors
    total = round(sum(breakdown.values()), 4)
    return Score(
        total=total,
        breakdown={k: round(v, 4) for k, v in breakdown.items()},
        counts=counts,
        unusual=explanation,
    )
