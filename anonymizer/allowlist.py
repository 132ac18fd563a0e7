"""Ordinary interface text that looks like PII to a pattern but is not: findings inside it drop."""

from __future__ import annotations

import regex

from anonymizer.guard import finditer

ALLOW_PATTERNS: tuple[regex.Pattern[str], ...] = tuple(
    regex.compile(pattern)
    for pattern in (
        # Pagination and progress: "Page 2 of 10", "Step 3/5", "1 of 24 results".
        r"(?i)\b(?:(?:page|step|item|slide|photo|image|question|part|section|result|row)s?\s+)?"
        r"\d{1,4}\s*(?:of|/)\s*\d{1,6}\b",
        # Freshness labels: "updated today", "posted 3 days ago".
        r"(?i)\b(?:last\s+)?(?:updated|posted|modified|published|edited|created|reviewed)\s+"
        r"(?:today|yesterday|just now|"
        r"\d{1,3}\s+(?:second|minute|hour|day|week|month|year)s?\s+ago)",
        # Amounts and order numbers with decimals: "1607635102.00", "-0.96", "$1,200.50".
        r"(?<![\d.,])[-+$]?\d[\d,]*\.\d{1,2}(?![\d.])",
        # Error class names: "TypeError", "HTTPException".
        r"\b[A-Z][A-Za-z]*(?:Error|Exception|Warning)\b",
        # Short codes: "A1 (duplicate)", "B12", "Form W-9".
        r"\b[A-Z]{1,2}-?\d{1,3}\b",
        # Epoch milliseconds and timestamps as "t=1748503543012".
        r"(?<![\d])1[4-9]\d{11}(?![\d])",
        # Clock times and version numbers: "10:30 am", "v2.3.1".
        r"(?i)\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm)?\b",
        r"\bv\d+(?:\.\d+){1,3}\b",
    )
)


def allowed_regions(text: str) -> list[tuple[int, int]]:
    """Spans of `text` covered by an allow pattern."""
    regions: list[tuple[int, int]] = []
    for pattern in ALLOW_PATTERNS:
        regions.extend(match.span() for match in finditer(pattern, text))
    return regions


def inside_any(start: int, end: int, regions: list[tuple[int, int]]) -> bool:
    """True when [start, end) lies within one region."""
    return any(r_start <= start and end <= r_end for r_start, r_end in regions)
