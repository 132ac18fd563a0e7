"""Deterministic sampling: the same visitor always falls on the same side of a survey's cut."""

from __future__ import annotations

import hashlib

_SCALE = 2**64


def sample_point(survey_id: str, visitor_id: str) -> float:
    """A stable position in [0, 100) for this visitor and survey, spread evenly over visitors.

    The survey id is part of the hash so one visitor is not in every survey's sample at once.
    """
    digest = hashlib.sha256(f"{survey_id}\x00{visitor_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE * 100.0


def in_sample(survey_id: str, visitor_id: str, percent: float) -> bool:
    """Whether the visitor is among the `percent` % who may see the survey."""
    return sample_point(survey_id, visitor_id) < percent
