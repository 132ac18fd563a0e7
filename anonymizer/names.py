"""A name recognizer from US Census name lists, for names the small NER model misses.

spaCy's small model misses many names ("Sophy Santino", names in ALL CAPS). This recognizer
finds runs of capitalized words that read as first + last name, or as a title + name, and skips
runs made of ordinary English words (WordNet lemmas shipped in the spaCy model's lemmatizer).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import regex
from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult
from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.guard import finditer

CAPITALIZED_RUN_RE = regex.compile(
    r"\b\p{Lu}[\p{L}'’]+(?:-\p{Lu}[\p{L}'’]+)?"
    r"(?:[ \t]+\p{Lu}[\p{L}'’]+(?:-\p{Lu}[\p{L}'’]+)?){0,3}\b"
)
TITLE_NAME_RE = regex.compile(
    r"\b(?i:Mr|Mrs|Ms|Miss|Mx|Dr|Officer|Sgt|Judge|Councilmember|Councilwoman|Councilman)\.?"
    r"[ \t]+(?:[A-Z][a-z'’]+|[a-z]{3,})(?:[ \t]+[A-Z][a-z'’]+)?\b"
)
# Words that introduce a name: "my name is", "call me", "speak to", "directed by", "Dear".
CUE_NAME_RE = regex.compile(
    r"(?:\b(?i:my name is|name is|name's|call me|called|speak (?:to|with)|talk to|ask for|"
    r"directed by|starring|written by|signed|regards|dear|hi|hello|thanks|thank you)[ \t,]+)"
    r"(?P<name>[A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’-]+)?)"
)
# A capitalized word addressed or acting at the start of a sentence: "Marisca, can I ...".
VOCATIVE_RE = regex.compile(
    r"(?:^|(?<=[.!?]\s))(?P<name>[A-Z][\w'’-]+),?[ \t]+(?i:can|could|would|will|please|i|lives|"
    r"lived|said|says|told|helped|asked|called|had|has|was|is)\b"
)
# First names that are also everyday interface words.
COMMON_FIRST_NAMES = frozenset(
    """
    will mark grace june may april august bill art pat rose lane hope joy faith dawn summer
    page chase jack sign don guy lee ray major sterling hunter tag case rich frank gay sunday
    monday tuesday wednesday thursday friday saturday herb penny ruby crystal amber ivy holly
    iris lily olive pearl royal king prince duke earl miles dale glen forest cliff park more
    long young see view love do so in an christian jewel star sky river rain storm winter
    autumn general angel joan sam max robin bob bud buck cash price
    """.split()
)
# Words after which a capitalized run is a place or an organisation, not a person.
PLACE_WORDS = frozenset(
    """
    street st avenue ave road rd boulevard blvd drive dr lane ln way court ct place pl park
    hall center centre library school county city department office station bridge square
    plaza building tower river lake creek hill hills heights valley beach bay island airport
    hospital church college university academy museum theater theatre stadium field gardens
    day act fund program project foundation memorial terrace
    """.split()
)


def _load(name: str) -> frozenset[str]:
    text = resources.files("names").joinpath(name).read_text()
    return frozenset(line.split()[0].lower() for line in text.splitlines() if line.strip())


def _load_top(name: str, count: int) -> frozenset[str]:
    """The `count` most frequent names of a list (the files are sorted by frequency)."""
    lines = resources.files("names").joinpath(name).read_text().splitlines()[:count]
    return frozenset(line.split()[0].lower() for line in lines if line.strip())


@lru_cache(maxsize=1)
def census_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(all first names, last names, the 2,000 most frequent last names) from the 1990 US
    Census lists in the `names` package."""
    first = _load("dist.female.first") | _load("dist.male.first")
    return first, _load("dist.all.last"), _load_top("dist.all.last", 2_000)


def person_result(
    name: str, identifier: str, start: int, end: int, score: float
) -> RecognizerResult:
    """A PERSON finding of recognizer `name`, with the metadata Presidio's context step needs."""
    return RecognizerResult(
        entity_type="PERSON",
        start=start,
        end=end,
        score=score,
        analysis_explanation=AnalysisExplanation(name, score),
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: identifier,
        },
    )


class CensusNameRecognizer(LocalRecognizer):
    """PERSON from census first/last names and titles; ordinary English words are skipped."""

    name: str

    def __init__(self, english_words: frozenset[str]) -> None:
        self.english_words = english_words
        self.all_first, self.last, self.frequent_last = census_names()
        self.first = self.all_first - COMMON_FIRST_NAMES
        super().__init__(
            supported_entities=["PERSON"],
            name="CensusNameRecognizer",
            context=["name", "thanks", "helped", "officer", "staff", "clerk"],
        )

    def load(self) -> None:
        """Nothing to load: lists are read at construction."""

    def is_word(self, word: str) -> bool:
        """An everyday English word (or its plural)."""
        return word in self.english_words or (
            word.endswith("s") and word[:-1] in self.english_words
        )

    def is_word_form(self, word: str) -> bool:
        """An everyday English word or an inflection of one ("aborted", "locked", "didn't"):
        the word list holds lemmas only."""
        word = word.replace("’", "'")
        if word.endswith("n't") or self.is_word(word):
            return True  # no name ends in "n't" ("didn't", "won't")
        for suffix, replacement in (("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("es", "")):
            stem = word.removesuffix(suffix)
            if stem == word or len(stem) < 3:
                continue
            if self.is_word(stem + replacement) or (
                stem[-1] == stem[-2] and self.is_word(stem[:-1])  # "stopped", "running"
            ):
                return True
        return False

    def has_name_word(self, span: str) -> bool:
        """Some word of `span` is a census first name, or a census last name that is no everyday
        English word. WordNet lists many first names ("melissa", "tyler") as words; the
        interface words among first names are left out of the list instead."""
        for word in span.lower().replace("’", "'").split():
            word = word.strip(".,;:!?()'\"")
            if word in self.first or (word in self.last and not self.is_word(word)):
                return True
        return False

    def mentions_name(self, span: str) -> bool:
        """Some word of `span` is a census first or last name (English words included)."""
        words = (w.strip(".,;:!?()'\"") for w in span.lower().replace("’", "'").split())
        return any(w in self.first or w in self.last for w in words)

    def score(self, words: list[str]) -> float:
        """Score a run of 2-3 lower-cased words as a person's name."""
        if words[-1] in PLACE_WORDS or any(w in PLACE_WORDS for w in words[1:]):
            return 0.0
        first, last = words[0], words[-1]
        if first in self.first and (last in self.last or not self.is_word(last)):
            return 0.7
        if all(w in self.last or w in self.first for w in words) and not any(
            self.is_word(w) for w in words
        ):
            return 0.6
        return 0.0

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: object = None
    ) -> list[RecognizerResult]:
        """Find names in capitalized runs (every 2-3 word window) and after titles."""
        results: list[RecognizerResult] = []
        for match in finditer(CAPITALIZED_RUN_RE, text):
            spans = [(m.start(), m.end()) for m in regex.finditer(r"\S+", match.group(0))]
            words = [match.group(0)[s:e].lower().replace("’", "'") for s, e in spans]
            for size in (3, 2):
                for i in range(len(words) - size + 1):
                    score = self.score(words[i : i + size])
                    if score:
                        start = match.start() + spans[i][0]
                        end = match.start() + spans[i + size - 1][1]
                        results.append(person_result(self.name, self.id, start, end, score))
        for match in finditer(TITLE_NAME_RE, text):
            after = match.group(0).split()[1]
            if after.lower() in STOP_WORDS or (after.islower() and self.is_word(after)):
                continue  # "the officer was polite", "Dr. appointment"
            results.append(person_result(self.name, self.id, match.start(), match.end(), 0.7))
        for pattern in (CUE_NAME_RE, VOCATIVE_RE):
            for match in finditer(pattern, text):
                words = [
                    w.lower().removesuffix("'s").removesuffix("’s")
                    for w in match.group("name").split()
                ]
                if not all(self.is_word(w) or w in STOP_WORDS for w in words):
                    results.append(
                        person_result(
                            self.name, self.id, match.start("name"), match.end("name"), 0.6
                        )
                    )
        return results


# ALL-CAPS words up to this long are read as acronyms. Names written in capitals are runs of two
# or more words ("SOPHY SANTINO"), title-cased for the model before it tags them.
ACRONYM_MAX_CHARS = 5
# Brands and software that residents name in feedback about a website; the small model and the
# proper-noun rule read them as people ("Google <PERSON>" for "Google API").
PRODUCT_WORDS = frozenset(
    """
    google microsoft apple android iphone ipad ios macos windows linux chrome chromebook firefox
    safari edge opera samsung pixel facebook instagram twitter tiktok youtube whatsapp zoom
    teams skype gmail outlook yahoo hotmail icloud amazon alexa siri cortana paypal venmo
    zelle stripe adobe acrobat docusign linkedin nextdoor reddit uber lyft waze bing duckduckgo
    wordpress drupal salesforce esri arcgis javascript java python oauth wifi bluetooth
    react vue angular jquery node nodejs npm webpack vite redux vuex lodash axios leaflet mapbox
    redis postgres mongodb firebase sentry hotjar qualtrics granicus recaptcha cloudflare akamai
    tableau
    """.split()
)
# What comes before an inner capital in a name ("McDonald", "DeShawn", "LaToya", "MacArthur").
NAME_PREFIXES = frozenset({"mc", "mac", "de", "di", "da", "la", "le", "van", "von", "du", "st"})


def is_product_word(word: str) -> bool:
    """An acronym ("API"), a camel-case product name ("iPhone", "ArcGIS", "OAuth") or a brand."""
    bare = word.strip(".,;:!?()[]'\"’")
    if not bare or not bare[0].isalpha():
        return False
    if bare.lower() in PRODUCT_WORDS:
        return True
    if bare.isupper() and len(bare) <= ACRONYM_MAX_CHARS:
        return True
    for part in regex.split(r"[-'’]", bare):
        inner = next((i for i, c in enumerate(part) if i > 0 and c.isupper()), None)
        if part and inner is not None and not part.isupper():
            if part[0].islower() or part[:inner].lower() not in NAME_PREFIXES:
                return True
    return False


def names_a_product(span: str) -> bool:
    """Every word of `span` is a product word; a run of ALL-CAPS words reads as a name instead."""
    words = span.split()
    if len(words) >= 2 and all(w.isupper() for w in words):
        return False
    return bool(words) and all(is_product_word(w) for w in words)


class ProperNounRecognizer(LocalRecognizer):
    """Proper nouns (spaCy tags) that are no everyday English word: likely a person or place.

    For resident-written text only (the text redactor keeps its findings for `survey`), where
    over-redacting a rare place or brand name is the lesser harm.
    """

    name: str

    def __init__(self, english_words: frozenset[str]) -> None:
        self.english_words = english_words
        super().__init__(supported_entities=["PERSON"], name="ProperNounRecognizer")

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: object = None
    ) -> list[RecognizerResult]:
        """One finding per run of unknown proper nouns."""
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None:
            return []
        results: list[RecognizerResult] = []
        for token in doc:
            word = token.text.lower()
            if token.pos_ != "PROPN" or not token.is_alpha or len(word) < 3 or token.is_lower:
                continue
            if is_product_word(token.text):
                continue  # "Google API", "the DMV", "iPhone": products and offices, not people
            if word in self.english_words or (
                word.endswith("s") and word[:-1] in self.english_words
            ):
                continue
            if results and results[-1].end >= token.idx - 1:
                results[-1].end = token.idx + len(token.text)
                continue
            results.append(
                person_result(self.name, self.id, token.idx, token.idx + len(token.text), 0.45)
            )
        return results
