"""Errors raised by the signals package."""

from __future__ import annotations


class SignalsError(Exception):
    """Base error of the signals package."""


class InvalidThresholds(SignalsError, ValueError):
    """A threshold override is unknown or has a wrong type or value; `field` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"threshold {field!r}: {problem}")
        self.field = field
        self.problem = problem


class InvalidModel(SignalsError, ValueError):
    """A stored unusualness model is not what `build_model` writes (version, shape, hash)."""
