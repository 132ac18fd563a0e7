"""How unusual a page view is for its page template (scikit-learn IsolationForest)."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.ensemble import IsolationForest

from signals.model import PageView

logger = logging.getLogger(__name__)

FEATURE_NAMES = (
    "duration_s",
    "clicks",
    "clicked_elements",
    "scroll_px",
    "inputs",
    "errors",
    "failed_requests",
    "page_changes",
)
MIN_PAGE_VIEWS = 30
"""A template needs this many page views before its page views are rated at all."""


def page_view_features(page_view: PageView) -> list[float]:
    """The page view's behaviour as numbers (log-scaled counts), in FEATURE_NAMES order."""
    clicks = errors = failed = inputs = changes = 0
    clicked: set[int] = set()
    scroll_px = 0.0
    last_scroll: dict[object, float] = {}
    last_ts = page_view.start_ts

    for event in page_view.events:
        kind, data = event.get("kind"), event.get("data") or {}
        last_ts = max(last_ts, int(event.get("ts", last_ts)))
        if kind == "click":
            clicks += 1
            clicked.add(event.get("node") or -1)
        elif kind == "input":
            inputs += 1
        elif kind == "error":
            errors += 1
        elif kind == "request":
            failed += 1
        elif kind == "mutation":
            changes += 1
        elif kind == "scroll" and isinstance(data.get("y"), (int, float)):
            key = event.get("node")
            scroll_px += abs(float(data["y"]) - last_scroll.get(key, float(data["y"])))
            last_scroll[key] = float(data["y"])

    end_ts = page_view.end_ts if page_view.end_ts is not None else last_ts
    duration_s = max(0.0, (end_ts - page_view.start_ts) / 1000)
    raw = (duration_s, clicks, len(clicked), scroll_px, inputs, errors, failed, changes)
    return [math.log1p(value) for value in raw]


@dataclass
class UnusualnessModel:
    """One fitted IsolationForest per page template."""

    forests: dict[str, IsolationForest] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    def unusualness(self, page_views: Sequence[PageView]) -> list[float | None]:
        """For each page view: 0 (ordinary) … 1 (very unusual), or None without a model."""
        results: list[float | None] = [None] * len(page_views)
        by_template: dict[str, list[int]] = {}
        for index, view in enumerate(page_views):
            if view.template in self.forests:
                by_template.setdefault(view.template, []).append(index)

        for template, indexes in sorted(by_template.items()):
            rows = np.array([page_view_features(page_views[i]) for i in indexes])
            # decision_function is below 0 for outliers and at most 0.5 from it; scale to 0…1.
            scores = -self.forests[template].decision_function(rows)
            for index, score in zip(indexes, scores, strict=True):
                results[index] = round(float(min(1.0, max(0.0, 2 * score))), 4)
        return results


def fit_unusualness(
    page_views: Iterable[PageView],
    *,
    min_page_views: int = MIN_PAGE_VIEWS,
    random_state: int = 0,
    n_estimators: int = 100,
) -> UnusualnessModel:
    """Fit one forest per template that has at least `min_page_views` page views.

    A fixed `random_state` makes the same page views give the same model and scores.
    """
    rows: dict[str, list[list[float]]] = {}
    for view in page_views:
        rows.setdefault(view.template, []).append(page_view_features(view))

    model = UnusualnessModel()
    for template, features in sorted(rows.items()):
        if len(features) < min_page_views:
            continue
        forest = IsolationForest(n_estimators=n_estimators, random_state=random_state)
        forest.fit(np.array(features))
        model.forests[template] = forest
        model.sizes[template] = len(features)
    logger.info("fitted unusualness for %d of %d templates", len(model.forests), len(rows))
    return model
