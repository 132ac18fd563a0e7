"""Unusualness models as plain data: a sample of page views' features and forest parameters.

A model document never holds a pickled object. The scikit-learn IsolationForest is refitted
from the stored sample with the stored seed, which gives the same trees, so the same document
always gives the same scores.
"""

from __future__ import annotations

import hashlib
import random
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from signals.errors import InvalidModel
from signals.features import FEATURE_NAMES

if TYPE_CHECKING:
    from sklearn.ensemble import IsolationForest

MODEL_VERSION = "1"
SITE_WIDE = "*"
"""The template of a site's model over all its pages, used where a page has no model of its own."""
MAX_SAMPLE_ROWS = 2048
N_ESTIMATORS = 100
MAX_SAMPLES = 256
RANDOM_STATE = 0
FORESTS_KEPT = 64


def build_model(
    site_id: str,
    template: str,
    rows: Sequence[Mapping[str, float]],
    sessions: int,
    *,
    max_rows: int = MAX_SAMPLE_ROWS,
) -> dict[str, Any]:
    """A model document for one site and page template (SITE_WIDE for all its pages).

    Rows are sorted first, so the document does not depend on the order the store returned the
    page views in, and keeps nothing of it; above `max_rows` a seeded sample is kept.
    """
    table = sorted(tuple(float(row[name]) for name in FEATURE_NAMES) for row in rows)
    if len(table) > max_rows:
        table = sorted(random.Random(RANDOM_STATE).sample(table, max_rows))
    params = {
        "n_estimators": N_ESTIMATORS,
        "max_samples": MAX_SAMPLES,
        "random_state": RANDOM_STATE,
    }
    sample = {name: [row[i] for row in table] for i, name in enumerate(FEATURE_NAMES)}
    return {
        "site_id": site_id,
        "template": template,
        "version": MODEL_VERSION,
        "features": list(FEATURE_NAMES),
        "sample": sample,
        "page_views": len(rows),
        "sessions": sessions,
        "params": params,
        "sample_hash": _content_hash(sample, params),
        "sklearn_version": _sklearn_version(),
    }


@dataclass(frozen=True)
class Fitted:
    """A model's forest and the anomaly scores of its own sample, sorted (for ranks)."""

    forest: IsolationForest
    sample_scores: np.ndarray

    def anomaly(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """The forest's anomaly score s per row: about 0.5 for ordinary, near 1 if isolated."""
        matrix = np.array([[float(row[name]) for name in FEATURE_NAMES] for row in rows])
        return -self.forest.score_samples(np.log1p(matrix))  # type: ignore[no-any-return]

    def rank(self, anomaly: float) -> float:
        """Share of the sample less unusual than `anomaly` (equal ones count half)."""
        below = np.searchsorted(self.sample_scores, anomaly, side="left")
        up_to = np.searchsorted(self.sample_scores, anomaly, side="right")
        return float(below + up_to) / (2 * len(self.sample_scores))


_fitted: OrderedDict[str, Fitted] = OrderedDict()


def fitted(model: Mapping[str, Any]) -> Fitted:
    """The model's forest, refitted from its sample (the last FORESTS_KEPT are kept).

    The cache key is the hash of the document's content, checked against its `sample_hash`, so
    an altered document is refused rather than answered with an earlier forest.
    """
    key = _checked_hash(model)
    if key in _fitted:
        _fitted.move_to_end(key)
        return _fitted[key]

    # Imported here: scikit-learn and SciPy weigh about 90 MB, and the API imports `signals`
    # without ever fitting a forest.
    from sklearn.ensemble import IsolationForest

    matrix = _matrix(model)
    params = model["params"]
    forest = IsolationForest(
        n_estimators=int(params["n_estimators"]),
        max_samples=min(int(params["max_samples"]), len(matrix)),
        random_state=int(params["random_state"]),
    )
    forest.fit(np.log1p(matrix))
    result = Fitted(forest, np.sort(-forest.score_samples(np.log1p(matrix))))
    _fitted[key] = result
    if len(_fitted) > FORESTS_KEPT:
        _fitted.popitem(last=False)
    return result


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def _content_hash(sample: Mapping[str, Sequence[float]], params: Mapping[str, int]) -> str:
    content = orjson.dumps(
        {"version": MODEL_VERSION, "sample": sample, "params": params},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def _checked_hash(model: Mapping[str, Any]) -> str:
    if model.get("version") != MODEL_VERSION or model.get("features") != list(FEATURE_NAMES):
        raise InvalidModel("model version or feature names differ from this code's")
    try:
        digest = _content_hash(model["sample"], model["params"])
    except (KeyError, TypeError) as err:
        raise InvalidModel("model sample or parameters are missing") from err
    if digest != model.get("sample_hash"):
        raise InvalidModel("model sample does not match its sample_hash")
    return digest


def _matrix(model: Mapping[str, Any]) -> np.ndarray:
    """The sample as a matrix, after checking it has the shape build_model writes."""
    sample, params = model["sample"], model["params"]
    try:
        matrix = np.array([sample[name] for name in FEATURE_NAMES], dtype=float).T
        int(params["n_estimators"]), int(params["max_samples"]), int(params["random_state"])
    except (KeyError, TypeError, ValueError) as err:
        raise InvalidModel("model sample or parameters are malformed") from err
    if matrix.ndim != 2 or len(matrix) < 2 or not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise InvalidModel("model sample must hold at least 2 rows of non-negative numbers")
    return matrix
