"""Identity document numbers and spoken passwords, found by the words written before them."""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, Pattern

from anonymizer.guard import GuardedPatternRecognizer

# Document words (any case) and abbreviations (upper case only: "NI", not "ni").
_ID_CUE = (
    r"(?:passport|drivers?'?s?[ \t]+licen[cs]e|driving[ \t]+licen[cs]e|licen[cs]e|"
    r"national[ \t]+(?:id|identity|insurance)|(?:id|identity)[ \t]+card|identity[ \t]+document|"
    r"personalausweis|ausweis|reisepass|carte[ \t]+d'identit[ée]|social[ \t]+insurance|"
    r"(?-i:DL|NI|NINO|SIN|BSN|DNI|NIE|ID))"
)


class IdNumberRecognizer(GuardedPatternRecognizer):
    """Passport, driver's licence and national id numbers after the document's name.

    The number alone looks like any reference; the word before it makes it an identity number.
    Values need 6-20 letters and digits with at least one digit ("Passport photos" is no number).
    """

    PATTERNS = [
        Pattern(
            "id after document word",
            rf"\b{_ID_CUE}(?:[ \t]+(?:number|no\.?|num|nr\.?))?[ \t]*(?:#|:|=|-|is|was)?[ \t]*"
            r"(?P<value>(?-i:[A-Z0-9](?:[A-Z0-9]|[ -](?=[A-Z0-9])){4,24}))(?![\w-])",
            0.8,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="ID_NUMBER", patterns=self.PATTERNS, name="IdNumberRecognizer"
        )

    def adjust_score(self, found: str, score: float) -> float:
        """6-20 letters and digits, at least one digit."""
        alnum = re.sub(r"[^A-Za-z0-9]", "", found)
        if not 6 <= len(alnum) <= 20 or not any(c.isdigit() for c in alnum):
            return EntityRecognizer.MIN_SCORE
        return score


class PasswordPhraseRecognizer(GuardedPatternRecognizer):
    """Passwords told in prose: "my password is hunter2", "the PIN was 4821".

    Only values that look made up count (a digit, a symbol or an inner capital), so "my password
    is wrong" keeps its last word.
    """

    PATTERNS = [
        Pattern(
            "password phrase",
            r"\b(?:password|passwd|pwd|passcode|passphrase|pin(?:[ \t]+code)?)[ \t]+"
            # The value: 4-64 chars, not ending in sentence punctuation ("hunter2.").
            r"(?:is|was|=|:)[ \t]+[\"'“‘]?"
            r"(?P<value>(?=[^\s\"'”’]{4})[^\s\"'”’]{0,63}[^\s\"'”’.,;:!?)])",
            0.8,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="SECRET", patterns=self.PATTERNS, name="PasswordPhraseRecognizer"
        )

    def adjust_score(self, found: str, score: float) -> float:
        """Made-up values only."""
        return score if self.made_up(found) else EntityRecognizer.MIN_SCORE

    @staticmethod
    def made_up(value: str) -> bool:
        """A digit, a symbol or a capital after a small letter: not an everyday word."""
        return (
            any(c.isdigit() for c in value)
            or any(not c.isalnum() for c in value)
            or re.search(r"[a-z][A-Z]", value) is not None
        )
