"""Per-field time budget: a deadline shared by every regex that runs on one field."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import regex
from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)


class FieldTimeoutError(Exception):
    """A field used up its time budget; the caller masks the whole field."""


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


@contextmanager
def field_budget(budget_ms: int) -> Iterator[None]:
    """Run the block with a deadline `budget_ms` from now (never later than an enclosing one)."""
    deadline = time.perf_counter() + budget_ms / 1000
    outer = _deadline.get()
    token = _deadline.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining_s() -> float:
    """Seconds left in the current field's budget; raises once it is spent."""
    deadline = _deadline.get()
    if deadline is None:
        return 1.0
    left = deadline - time.perf_counter()
    if left <= 0:
        raise FieldTimeoutError("field budget spent")
    return left


def finditer(
    pattern: regex.Pattern[str], text: str, overlapped: bool = False
) -> Iterator[regex.Match[str]]:
    """`pattern.finditer` bounded by the field budget (`overlapped`: also matches that start
    inside an earlier one, so "the clerk named priya" yields the cue "named" too)."""
    try:
        yield from pattern.finditer(text, overlapped=overlapped, timeout=remaining_s())
    except TimeoutError as err:
        raise FieldTimeoutError("regex timed out") from err


class GuardedPatternRecognizer(PatternRecognizer):
    """A PatternRecognizer whose regexes share the field deadline and fail closed.

    Presidio's own loop logs a timeout and skips the pattern, which would let the value through;
    here a timeout raises `FieldTimeoutError` so the whole field is masked instead.
    """

    patterns: list[Pattern]
    name: str

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Run every pattern under the field deadline."""
        flags: Any = regex_flags if regex_flags else self.global_regex_flags
        results: list[RecognizerResult] = []
        for pattern in self.patterns:
            if not pattern.compiled_regex or pattern.compiled_with_flags != flags:
                pattern.compiled_with_flags = flags
                pattern.compiled_regex = regex.compile(pattern.regex, flags=flags)

            for match in finditer(pattern.compiled_regex, text):
                # A pattern with a `value` group redacts only that part (keeps "Bearer ", "sid=").
                has_value = "value" in match.groupdict() and match.group("value") is not None
                start, end = match.span("value") if has_value else match.span()
                if start == end:
                    continue
                found = text[start:end]
                score = pattern.score
                valid = self.validate_result(found)
                if valid is not None:
                    score = EntityRecognizer.MAX_SCORE if valid else EntityRecognizer.MIN_SCORE
                if self.invalidate_result(found):
                    score = EntityRecognizer.MIN_SCORE
                score = self.adjust_score(found, score)
                if score <= EntityRecognizer.MIN_SCORE:
                    continue
                results.append(
                    RecognizerResult(
                        entity_type=self.supported_entities[0],
                        start=start,
                        end=end,
                        score=score,
                        analysis_explanation=AnalysisExplanation(
                            recognizer=self.name,
                            original_score=score,
                            pattern_name=pattern.name,
                        ),
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return EntityRecognizer.remove_duplicates(results)

    def adjust_score(self, found: str, score: float) -> float:
        """Hook for recognizers whose score depends on the matched text; default: unchanged."""
        return score
