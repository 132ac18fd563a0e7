"""Long texts are analyzed in overlapping windows: nothing is lost where a window is cut."""

from __future__ import annotations

import dataclasses

import pytest

from anonymizer import PolicyConfig, Redactor
from anonymizer.audit import Audit
from anonymizer.chunks import CHUNK_CHARS, CHUNK_OVERLAP_CHARS, chunk_text
from anonymizer.text import TextRedactor

FILLER = "the request failed and the form was sent again later " * 20  # 1,060 chars, no PII


def test_windows_cover_the_text_and_every_short_span_lies_whole_in_one() -> None:
    text = "word " * 90 + "call 415 555 0134 now " + "x" * 700 + " tail" * 50
    windows = chunk_text(text, 400, 120)
    assert windows[0][0] == 0
    assert windows[-1][0] + len(windows[-1][1]) == len(text)
    assert all(text[offset : offset + len(chunk)] == chunk for offset, chunk in windows)
    for start in range(len(text) - 120):
        assert any(o <= start and start + 120 <= o + len(c) for o, c in windows), start


def test_windows_never_cut_a_word_shorter_than_the_window() -> None:
    text = ("short words then " + "a" * 150 + " ") * 12
    for offset, chunk in chunk_text(text, 400, 120):
        end = offset + len(chunk)
        assert end == len(text) or text[end].isspace() or text[end - 1].isspace()


def test_a_word_longer_than_two_windows_is_cut_hard_with_overlap() -> None:
    windows = chunk_text("x" * 1300, 600, 200)
    assert [(offset, len(chunk)) for offset, chunk in windows] == [(0, 600), (400, 600), (800, 500)]


def test_chunk_size_below_three_overlaps_is_refused() -> None:
    with pytest.raises(ValueError):
        chunk_text("x" * 1000, 300, 120)


@pytest.fixture(scope="module")
def roomy(redactor: Redactor) -> TextRedactor:
    """A roomy time budget: these tests pin the windows, not a shared machine's speed."""
    return TextRedactor(
        redactor.engine, dataclasses.replace(PolicyConfig(), field_budget_ms=30_000)
    )


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("jane.roe@example.com", "<EMAIL_ADDRESS>"),
        ("4111 1111 1111 1111", "<CREDIT_CARD>"),
        ("Authorization: Bearer abcDEFghiJKLmnoPQRstu123", "Authorization: Bearer <SECRET>"),
        ("call (415) 555-0134", "call <PHONE_NUMBER>"),
    ],
)
def test_a_value_across_every_window_boundary_offset_is_redacted(
    roomy: TextRedactor, value: str, label: str
) -> None:
    cut_through = 0
    for position in range(CHUNK_CHARS - 2 * CHUNK_OVERLAP_CHARS - 40, CHUNK_CHARS + 40):
        head, tail = FILLER[:position], FILLER[position:]
        text = f"{head} {value} {tail}"
        start, end = len(head) + 1, len(head) + 1 + len(value)
        windows = chunk_text(text, CHUNK_CHARS, CHUNK_OVERLAP_CHARS)
        # A window holding part of the value but not all of it.
        cut_through += any(
            o < end and start < o + len(c) and not (o <= start and end <= o + len(c))
            for o, c in windows
        )
        assert roomy.redact(text, "error", Audit()) == f"{head} {label} {tail}", position
    # The loop did cut values of several words; a single word is never cut.
    assert cut_through >= 8 if " " in value else cut_through == 0


def test_every_value_of_a_long_cookie_header_is_redacted(roomy: TextRedactor) -> None:
    pairs = [f"pref_{n}=v{n}x{n * 7919:06d}" for n in range(120)]
    header = "Cookie: " + "; ".join(pairs)
    assert len(header) > 3 * CHUNK_CHARS
    text = f"HTTP trace:\n> GET /permits HTTP/1.1\n> {header}\n> Accept: */*"
    redacted = roomy.redact(text, "error", Audit())
    expected = "; ".join(f"pref_{n}=<SECRET>" for n in range(120))
    assert redacted == f"HTTP trace:\n> GET /permits HTTP/1.1\n> Cookie: {expected}\n> Accept: */*"


def test_an_email_straddling_a_hard_cut_in_a_long_word_is_redacted(roomy: TextRedactor) -> None:
    for shift in range(0, 30, 3):
        head = "a" * (CHUNK_CHARS * 2 - 10 + shift) + "/"
        text = f"{head}jane.roe@example.com/{'b' * 300}"
        assert roomy.redact(text, "error", Audit()) == f"{head}<EMAIL_ADDRESS>/{'b' * 300}"
