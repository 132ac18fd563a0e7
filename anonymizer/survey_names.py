"""Names and places written in lower case in survey answers.

"my neighbour john smith at 12 oak street", "ask jennifer in permits", "i'm oluwaseun adeyemi",
"we live near lincoln park": residents type in lower case, and the small model tags few of
these. Names are found after words that introduce a person (a relation, "named", "ask", "i'm"),
or as a census first name followed by a census last name that is no everyday English word
("maria lopez"); places after "near", "on", "at" when they end in a street or place word.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.guard import finditer
from anonymizer.name_cues import INTERFACE_WORDS, ORG_WORDS, ROLE_WORDS
from anonymizer.names import CensusNameRecognizer, is_product_word, person_result

SCORE = 0.6
_LOWER = r"[\p{Ll}][\p{Ll}'’-]*\p{Ll}"
_RELATION = (
    r"neighbou?rs?|son|daughter|wife|husband|partner|brother|sister|mom|mum|mother|dad|father|"
    r"friend|boyfriend|girlfriend|fianc[ée]e?|landlord|landlady|tenant|roommate|boss|manager|"
    r"co-?worker|colleague|kid|child|grandson|granddaughter|grandmother|grandfather|grandma|"
    r"grandpa|aunt|uncle|cousin|nephew|niece|case[ \t]?worker|teacher|doctor|nurse|lawyer|"
    r"attorney|caregiver|inspector|officer|clerk|supervisor|agent|representative|rep"
)
RELATION_RE = regex.compile(_RELATION)
# Words that introduce a person; the name after them may be in lower case.
CUE_RE = regex.compile(
    rf"(?i:\b(?:(?:my|our|his|her|their|the)[ \t]+(?:{_RELATION})|named|called|"
    r"(?:my[ \t]+)?name[ \t]+is|name's|i'm|i[ \t]+am|this[ \t]+is|ask(?:ed)?(?:[ \t]+for)?|"
    r"thanks[ \t]+to|thank(?:s|[ \t]+you)?|contact|spoke[ \t]+(?:to|with)|talked[ \t]+(?:to|with)|"
    r"mr|mrs|ms|dr)\.?),?[ \t]+"
    rf"(?P<name>{_LOWER}(?:[ \t]+{_LOWER})?)(?![\w.'’-]*@)"
)
# Lower-case words; two of them next to each other may be a first + last name ("maria lopez").
# A word glued to an email ("jane.roe@…") is part of the address, for the email pattern.
WORD_RE = regex.compile(rf"(?<![\w'’-]){_LOWER}(?![\w'’-])(?![\w.'’-]*@)")
# Street and park words only: "way", "place", "square" end ordinary phrases ("in a timely way").
_PLACE_WORDS = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|drive|lane|ln|parkway|pkwy|highway|hwy|plaza|park"
)
# Parts of speech no name word takes (spaCy's tags on the survey text).
NOT_NAME_POS = frozenset(
    {"VERB", "AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "ADV", "NUM", "INTJ"}
)
# "near lincoln park", "on harlem ave": a place named by lower-case words and a place word.
PLACE_RE = regex.compile(
    r"(?i:\b(?:near|on|at|by|off|along|across[ \t]+from|corner[ \t]+of|in|from|to)[ \t]+)"
    rf"(?P<place>{_LOWER}(?:[ \t]+{_LOWER})?[ \t]+(?:{_PLACE_WORDS}))\b\.?"
)

# A lower-case word acting as a person: "wijtze called", "tyler said he would".
SUBJECT_RE = regex.compile(
    rf"(?<![\w'’-])(?P<name>{_LOWER})[ \t]+(?:called|calls|phoned|emailed|texted|messaged|said|"
    r"says|told|tells|helped|asked|wrote|replied|answered|visited|promised|explained)\b"
)
# A word joined to a name found elsewhere: "wijtze and <tyler brooks>", "<maria> or wijtze".
BEFORE_NAME_RE = regex.compile(rf"(?<![\w'’-])({_LOWER})[ \t]*(?:,|&|\band\b|\bor\b)[ \t]*$")
AFTER_NAME_RE = regex.compile(rf"[ \t]*(?:,|&|\band\b|\bor\b)[ \t]*({_LOWER})(?![\w'’-])")


# Known gap: a lone lower-case first name without a cue ("tyler from parks fixed it") and a
# lower-case place without a street or park word after "the" ("near the harlem ave stop") are
# missed; a lower-case gazetteer of US places and a truecasing pass before NER would find more.


class LowerCaseNameRecognizer:
    """PERSON and LOCATION findings in lower-case survey text (not a Presidio recognizer: the
    text redactor runs it beside the analyzer, for the survey field kind only)."""

    name = "LowerCaseNameRecognizer"

    def __init__(self, names: CensusNameRecognizer) -> None:
        self.names = names

    def _ordinary(self, word: str) -> bool:
        """A word no name is: a stop, role, interface or product word."""
        key = word.lower().replace("’", "'")
        return (
            key in STOP_WORDS
            or key in ROLE_WORDS
            or key in INTERFACE_WORDS
            or key in ORG_WORDS
            or is_product_word(word)
        )

    def first_name(self, word: str, cued: bool) -> bool:
        """A census first name; after a cue also any word that is no English word form."""
        key = word.lower().replace("’", "'")
        if self._ordinary(word) or RELATION_RE.fullmatch(key):
            return False  # "son kevin": a relation word is no first name
        if key in self.names.first or (cued and key in self.names.all_first):
            return True
        return cued and len(key) >= 3 and not self.names.is_word_form(key.replace("'", ""))

    def last_name(self, word: str, cued: bool) -> bool:
        """A census last name (after a cue any), else one that is no everyday English word."""
        key = word.lower().replace("’", "'")
        squashed = key.replace("'", "")
        if self._ordinary(word):
            return False
        if squashed in self.names.last:
            return cued or not self.names.is_word(squashed)
        return len(key) >= 3 and not self.names.is_word_form(squashed)

    def analyze(self, text: str, tags: dict[int, tuple[str, str]]) -> list[RecognizerResult]:
        """Cued names, census name pairs and places with a place word. `tags` maps a token's
        start offset to its part of speech and lemma: a known word tagged as a verb, adverb,
        pronoun… is no name ("my friend told"); the tagger's guesses on unknown words
        ("lopez" as an adverb) are not trusted."""
        results: list[RecognizerResult] = []

        def nameable(start: int, end: int) -> bool:
            pos, lemma = tags.get(start, ("PROPN", ""))
            known = self.names.is_word_form(lemma.lower()) or self.names.is_word_form(
                text[start:end].lower()
            )
            return not (pos in NOT_NAME_POS and known)

        for match in finditer(CUE_RE, text, overlapped=True):
            words = [(m.start(), m.end()) for m in regex.finditer(r"\S+", match.group("name"))]
            spans = [(match.start("name") + s, match.start("name") + e) for s, e in words]
            if not nameable(*spans[0]) or not self.first_name(text[slice(*spans[0])], True):
                continue
            end = spans[0][1]
            if (
                len(spans) > 1
                and nameable(*spans[1])
                and self.last_name(text[slice(*spans[1])], True)
            ):
                end = spans[1][1]
            results.append(person_result(self.name, "lowercase", spans[0][0], end, SCORE))

        words = [m.span() for m in finditer(WORD_RE, text)]
        for (s1, e1), (s2, e2) in zip(words, words[1:], strict=False):
            if text[e1:s2].strip(" \t") or not (nameable(s1, e1) and nameable(s2, e2)):
                continue
            if self.first_name(text[s1:e1], False) and self.last_name(text[s2:e2], False):
                results.append(person_result(self.name, "lowercase", s1, e2, SCORE))

        for match in finditer(SUBJECT_RE, text):
            start, end = match.span("name")
            if nameable(start, end) and self.first_name(text[start:end], True):
                results.append(person_result(self.name, "lowercase", start, end, SCORE))

        for match in finditer(PLACE_RE, text):
            named = match.group("place").split()[:-1]
            if any(self._ordinary(w) for w in named):
                continue  # "near the park", "on a dirt road"
            result = person_result(self.name, "lowercase", *match.span("place"), SCORE)
            result.entity_type = "LOCATION"
            results.append(result)
        return results

    def joined(self, text: str, people: list[tuple[int, int]]) -> list[RecognizerResult]:
        """Lower-case words that are no English words, joined by "and", "or", "&" or a comma to
        a name found by any recognizer (`people`): "wijtze and tyler brooks"."""
        results: list[RecognizerResult] = []
        for start, end in people:
            before = BEFORE_NAME_RE.search(text, max(0, start - 40), start)
            after = AFTER_NAME_RE.match(text, end)
            for match in (before, after):
                if match is None:
                    continue
                s, e = match.span(1)
                word = text[s:e]
                key = word.replace("’", "'").replace("'", "")
                if self._ordinary(word) or self.names.is_word_form(key):
                    continue
                if len(key) >= 3 and not RELATION_RE.fullmatch(key):
                    results.append(person_result(self.name, "lowercase", s, e, SCORE))
        return results
