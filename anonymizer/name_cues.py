"""Names after the words interfaces and error messages put before them.

"Welcome back, Maria Gonzalez", "Signed in as jsmith", "Not Roland? Sign out", "Cannot read
profile of Krylova": the cue makes a single or foreign name recognisable where neither the small
NER model nor the census lists would be sure. Each word after the cue must read as a name: a
census name, or no everyday English word; role words ("Guest", "Administrator") and runs that
name a place or an organisation ("Profile of Springfield Public Library") are skipped.
"""

from __future__ import annotations

import regex
from presidio_analyzer import LocalRecognizer, RecognizerResult
from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.guard import finditer
from anonymizer.names import PLACE_WORDS, CensusNameRecognizer, person_result

# Cue words, case-insensitive, then a separator (the longer cues first: "Account of maria
# lopez" is "account of", not "account"); `name` is up to three words of letters.
_WORD = r"[^\W\d_][\w'’.-]*"
CUE_RE = regex.compile(
    r"(?:^|(?<=[\s(\[\"'’:;,]))(?i:welcome back|welcome|signed in as|logged in as|"
    r"hello|hi|hey|dear|good (?:morning|afternoon|evening)|"
    r"(?:profile|avatar|record|application|details|data|account) for user|"
    r"(?:profile|avatar|record|application|details|data|account|permit|request) (?:of|for)|"
    r"account(?: holder| name)?|"
    r"full name|name|applicant|owner|holder|requester|submitted by|assigned to|"
    r"user(?:name)?|customer|resident|member|patient|contact|employee)"
    rf"[ \t]*[:,]?[ \t]+(?P<name>{_WORD}(?:[ \t]+{_WORD}){{0,2}})"
)
# Above spaCy's 0.85: of two equal spans Presidio keeps only the stronger.
CUE_SCORE = 0.9
# "Not Roland? Sign out": the account switcher.
NOT_YOU_RE = regex.compile(rf"\b(?i:not)[ \t]+(?P<name>{_WORD}(?:[ \t]+{_WORD})?)\?")
# Words that follow a cue without being a name.
ROLE_WORDS = frozenset(
    """
    admin administrator administrators guest guests user users visitor visitors resident
    residents citizen citizens customer customers member members staff team everyone everybody
    all there again back world you your me us our my anonymous unknown undefined null none nil
    current new test demo support friend friends neighbor neighbour sir madam colleague
    applicant owner holder name first last full required optional missing invalid id account
    profile settings details data record records not found loaded
    """.split()
)
# Interface words after a cue: frequent census names ("Name: English") or not in WordNet ("login").
INTERFACE_WORDS = frozenset(
    """
    english spanish french german chinese close grant field home search page may help more
    next back open save edit view print share select apply start
    login logon logout signin signup email inbox dashboard homepage website webpage online app
    apps faq faqs pdf ok okay wifi covid
    """.split()
)
# Organisation words: a run holding one is not a person ("Springfield Public Library").
ORG_WORDS = PLACE_WORDS | frozenset(
    """
    services service inc llc ltd council committee board team portal public office agency
    authority unit division bureau group company corporation association
    """.split()
)


class NameCueRecognizer(LocalRecognizer):
    """PERSON for the name words after a greeting, sign-in, label or "profile of" cue."""

    name: str

    def __init__(self, names: CensusNameRecognizer) -> None:
        self.names = names
        super().__init__(supported_entities=["PERSON"], name="NameCueRecognizer")

    def load(self) -> None:
        """Nothing to load."""

    def reads_as_name(self, word: str, first: bool) -> bool:
        """Whether one word after a cue reads as part of a name.

        Yes for a census first name ("Frank" too when capitalized), a capitalized last name
        that is frequent ("Nielsen") or follows another name word ("Bruce Alexander"; not
        "user Session"), and any word that is no everyday English word ("Duqyaha", "shamhan").
        """
        lower = word.lower().replace("’", "'").removesuffix("'s").rstrip(".")
        if lower in ROLE_WORDS or lower in ORG_WORDS or not lower.replace("'", "").isalpha():
            return False
        if lower in INTERFACE_WORDS or lower in STOP_WORDS:
            return False  # "no account for Maria": "for" is no name
        capitalized = word[0].isupper()
        if lower in self.names.first or (capitalized and lower in self.names.all_first):
            return True
        if (
            capitalized
            and lower in self.names.last
            and (not first or lower in self.names.frequent_last)
        ):
            return True
        return len(lower) >= 3 and not self.names.is_word_form(lower)

    def name_span(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The leading words of text[start:end] that read as a name, in one letter case."""
        words = [(m.start(), m.end()) for m in regex.finditer(r"\S+", text[start:end])]
        if any(text[start + s : start + e].lower().strip(".") in ORG_WORDS for s, e in words):
            return None
        capitalized = text[start].isupper()
        taken = 0
        for s, e in words:
            word = text[start + s : start + e]
            if word[0].isupper() != capitalized or not self.reads_as_name(word, first=not taken):
                break
            taken = e
        if not taken:
            return None
        name_end = start + taken
        while name_end > start and text[name_end - 1] in ".'’":
            name_end -= 1
        return (start, name_end) if name_end > start else None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: object = None
    ) -> list[RecognizerResult]:
        """One finding per cue followed by name words."""
        results: list[RecognizerResult] = []
        for pattern in (CUE_RE, NOT_YOU_RE):
            for match in finditer(pattern, text):
                span = self.name_span(text, match.start("name"), match.end("name"))
                if span is not None:
                    results.append(person_result(self.name, self.id, *span, CUE_SCORE))
        return results
