"""Overlapping windows over a long text, cut between words, so no finding is lost at a cut."""

from __future__ import annotations

# Longer texts are analyzed in overlapping windows of about this size (Presidio's context step
# is quadratic in findings x tokens on one text); a span of up to CHUNK_OVERLAP_CHARS chars always
# lies whole in one window.
CHUNK_CHARS = 600
CHUNK_OVERLAP_CHARS = 150


def chunk_text(text: str, size: int, overlap: int) -> list[tuple[int, str]]:
    """(offset, window) pieces of `text` that overlap, so no finding is lost at a cut.

    Each window is at least `size` chars (the last may be shorter). It ends at the first
    whitespace within `size` chars after that, so a word (an email, a token, a card written
    without spaces) is never cut unless it is longer than `size`. The next window starts at
    whitespace `overlap` to `2 * overlap` chars before that end, so any span of up to `overlap`
    chars (a name, an address line, "Bearer <token>") lies whole inside one window: take the
    last window starting at or before the span; the next one starts after the span's start and
    at least `overlap` chars before this one's end. Needs `size >= 3 * overlap`.
    """
    # Known gap: a finding of several words longer than `overlap` (an address block running
    # over many lines) can still be split between two windows, each seeing only a part; so can
    # one word longer than `2 * size`. Both would need windows cut at finding boundaries.
    if size < 3 * overlap:
        raise ValueError("chunk size must be at least three times the overlap")
    windows: list[tuple[int, str]] = []
    start = 0
    while True:
        if len(text) - start <= size:
            windows.append((start, text[start:]))
            return windows
        end = _first_space(text, start + size, start + 2 * size) or start + size
        windows.append((start, text[start:end]))
        if end >= len(text):
            return windows
        # The latest whitespace in [end - 2 * overlap, end - overlap]; else a hard start there.
        start = _last_space(text, end - 2 * overlap, end - overlap) or end - overlap


def _first_space(text: str, low: int, high: int) -> int | None:
    """Index of the first whitespace in text[low:high], if any."""
    for index in range(low, min(high, len(text))):
        if text[index].isspace():
            return index
    return None


def _last_space(text: str, low: int, high: int) -> int | None:
    """Index of the last whitespace in text[low:high + 1], if any."""
    for index in range(high, low - 1, -1):
        if text[index].isspace():
            return index
    return None
