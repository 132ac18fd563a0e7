"""Length cuts that never leave part of a personal detail behind.

A plain ``text[:limit]`` can split an e-mail address, card or phone number; the half that stays
escapes the recognizers (``jane.roe@exa``, ``4111 1111``). ``cut_raw`` is for text not yet
redacted, ``cut_redacted`` for text whose details are already replaced by labels.
"""

from __future__ import annotations

import re

# What a number written in groups is made of besides digits: a card, phone or SSN's separators.
_DIGIT_SEPARATORS = " \t\r\n\f\v\u00a0-.()/+"
# A replacement label (`<EMAIL_ADDRESS>`) left open by the cut.
_OPEN_LABEL = re.compile(r"<[A-Z_]*$")


def cut_raw(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, before redaction.

    The token the cut falls in is dropped whole (back to the whitespace before it), and so is
    a run of digits and separators when the cut text goes on with a digit: no partial e-mail,
    card, phone or SSN is left for the recognizers to miss. A single token longer than
    ``limit`` leaves nothing.
    """
    if len(text) <= limit:
        return text

    head = text[:limit]
    if not text[limit].isspace() and not head[-1:].isspace():
        # The cut falls inside a token: keep only what ends before its first character.
        head = head[: _last_space(head) + 1]

    rest = text[len(head) :].lstrip(_DIGIT_SEPARATORS)
    if rest[:1].isdigit():
        # A number in groups crosses the cut ("4111 1111 | 1111 1111"): drop its kept groups.
        head = _without_digit_run(head)
    return head


def cut_redacted(text: str, limit: int) -> str:
    """``text`` (already redacted) cut to at most ``limit`` characters, no label left open."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    return _OPEN_LABEL.sub("", head)


def _without_digit_run(text: str) -> str:
    """``text`` without its trailing run of digits and separators."""
    end = len(text)
    while end and (text[end - 1].isdigit() or text[end - 1] in _DIGIT_SEPARATORS):
        end -= 1
    return text[:end]


def _last_space(text: str) -> int:
    """Index of the last whitespace character of ``text``, or -1."""
    for index in range(len(text) - 1, -1, -1):
        if text[index].isspace():
            return index
    return -1
