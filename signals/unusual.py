"""How unusual a page view is for its page, and which of its features make it so.

The model (signals/unusual_model.py) is a scikit-learn IsolationForest over the features of the
page's recent page views. A page view's unusualness comes from its rank among them: page views
less unusual than nine in ten of the page's own count 0; above that it rises to 1 for one more
unusual than all of them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from signals.errors import InvalidModel
from signals.features import FEATURE_NAMES, page_view_features
from signals.model import PageView
from signals.unusual_model import SITE_WIDE, fitted

logger = logging.getLogger(__name__)

# Known shortcoming: an isolation forest does not extrapolate, so a page view far outside the
# sample ranks like the sample's most extreme page views, not above them, and a feature constant
# in the sample (often errors) is never split on. `explain` still shows such distances; a second
# model that extrapolates (distance from the sample's quantiles) would be needed to rank them.
ORDINARY_SHARE = 0.9
"""Page views less unusual than this share of the page's own are not unusual at all."""
MIN_SPREAD = 0.25
"""Smallest interquartile range (log scale) `explain` divides by."""
MIN_DISTANCE = 1.0
"""Features closer than this to the typical value are not named as a reason."""


def unusualness(features: Mapping[str, float], model: Mapping[str, Any]) -> float:
    """0 (ordinary) … 1 (more unusual than every sampled page view) under the model."""
    return unusualness_of([features], model)[0][0]


def unusualness_of(
    rows: Sequence[Mapping[str, float]], model: Mapping[str, Any]
) -> list[tuple[float, float]]:
    """(unusualness, rank) of several page views at once (one pass through the forest).

    The rank is the share of the model's sampled page views that are less unusual.
    """
    model_fit = fitted(model)
    found = []
    for anomaly in model_fit.anomaly(rows):
        rank = model_fit.rank(float(anomaly))
        value = max(0.0, (rank - ORDINARY_SHARE) / (1 - ORDINARY_SHARE))
        found.append((round(value, 4), round(rank, 4)))
    return found


def explain(
    features: Mapping[str, float], model: Mapping[str, Any], top: int = 3
) -> list[dict[str, Any]]:
    """Up to `top` features furthest from the model's sample, furthest first.

    Each names the value, the typical (median) value, and the percentile: the share of sampled
    page views below the value (ties count half). Distance is measured on the log scale the forest
    sees, in units of the sample's interquartile range (at least MIN_SPREAD, so a feature that is
    always 0, such as errors, still ranks by how far the value is).
    """
    found: list[dict[str, Any]] = []
    for name in FEATURE_NAMES:
        column = np.sort(np.asarray(model["sample"][name], dtype=float))
        value = float(features[name])
        q25, median, q75 = np.quantile(np.log1p(column), [0.25, 0.5, 0.75])
        distance = abs(math.log1p(value) - median) / max(q75 - q25, MIN_SPREAD)
        below = np.count_nonzero(column < value) + 0.5 * np.count_nonzero(column == value)
        found.append(
            {
                "feature": name,
                "value": value,
                "typical": float(column[len(column) // 2]),
                "percentile": round(100 * float(below) / len(column), 1),
                "distance": round(float(distance), 2),
            }
        )
    found.sort(key=lambda f: -f["distance"])
    return [f for f in found[:top] if f["distance"] >= MIN_DISTANCE]


@dataclass(frozen=True)
class Unusualness:
    """The session's most unusual page view, and why."""

    value: float
    rank: float
    """Share of the page's sampled page views that were less unusual."""
    page_view_id: str
    template: str
    model: str
    """The template of the model used: the page's own, or SITE_WIDE."""
    features: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "rank": self.rank,
            "page_view_id": self.page_view_id,
            "template": self.template,
            "model": self.model,
            "features": self.features,
        }

    @property
    def reason(self) -> str:
        """Such as `more unusual than 98% of page views on /pay: errors 12 (typical 0), …`."""
        where = "this site" if self.model == SITE_WIDE else self.template
        parts = [f"{f['feature']} {f['value']:g} (typical {f['typical']:g})" for f in self.features]
        detail = f": {', '.join(parts)}" if parts else ""
        return f"more unusual than {self.rank:.0%} of page views on {where}{detail}"


def session_unusualness(
    page_views: Sequence[PageView], models: Mapping[str, Mapping[str, Any]]
) -> Unusualness | None:
    """The most unusual page view of a session under `models` (by template, SITE_WIDE for the
    rest), or None when no page view has a model. A malformed model is skipped and logged."""
    by_model: dict[str, list[int]] = {}
    for index, view in enumerate(page_views):
        template = view.template if view.template in models else SITE_WIDE
        if template in models:
            by_model.setdefault(template, []).append(index)

    # (value, rank, -index): the highest value, then rank, then the earliest page view wins.
    best: tuple[float, float, int] | None = None
    best_of: tuple[str, dict[str, float]] | None = None
    for template, indexes in sorted(by_model.items()):
        rows = [page_view_features(page_views[i]) for i in indexes]
        try:
            rated = unusualness_of(rows, models[template])
        except InvalidModel as err:
            site = page_views[indexes[0]].site
            logger.warning("unusualness model %s|%s skipped: %s", site, template, err)
            continue
        for index, features, (value, rank) in zip(indexes, rows, rated, strict=True):
            if best is None or (value, rank, -index) > best:
                best, best_of = (value, rank, -index), (template, features)
    if best is None or best_of is None:
        return None

    value, rank, index = best
    view, (template, features) = page_views[-index], best_of
    explanation = explain(features, models[template])
    return Unusualness(value, rank, view.id, view.template, template, explanation)
