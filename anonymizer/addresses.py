"""Address recognizers: US street lines, ZIP codes, and multi-line or foreign address blocks."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, RecognizerResult

from anonymizer.guard import GuardedPatternRecognizer

_STREET_TYPES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl|"
    "terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|loop|row|alley|aly|"
    "plaza|plz|crescent|cres|close|grove|gardens|gdns|walk|path|pike|run|point|pt|ridge|"
    "heights|hts|hill|park|commons|crossing|xing|view|vista|glen|green|mews|expressway|expy|"
    "freeway|fwy|turnpike|tpke|broadway|causeway|estates|junction|jct|landing|manor|meadows?|"
    "pass|pines|spur|station|sta|summit|track|trace|village|vlg|well|wells"
)
# One more line of an address block: a short line, or words up to a postal code.
_BLOCK_LINE_RE = regex.compile(
    r"\n+[ \t,]*(?:[^\n:@]{1,40}?(?=\n|$)|(?:[^\W\d_][\w'’.-]*,?[ \t]+){1,3}\d{4,5}\b)"
)
# Comma-separated places after an address on the same line: ", Monte Gil, Canada".
_PLACE_TAIL_RE = regex.compile(
    r"(?:,[ \t]*(?:\d{4,5}[ \t]+)?\p{Lu}[\w'’.-]*(?:[ \t]+\p{Lu}[\w'’.-]*){0,2}){1,3}"
)
# A date written as "29 March 2017" or "3 May 2024": a date, never an address.
_DATE_RE = regex.compile(
    r"(?i)\d{1,2}(?:st|nd|rd|th)?\.?[ \t]+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"januar|februar|märz|mai|juni|juli|oktober|dezember)[a-zä]*\.?,?[ \t]+(?:19|20)\d{2}"
)
# UK postcodes ("SW1A 1AA", "M1 1AE"), with the town written before them.
_UK_POSTCODE = (
    r"(?-i:(?:\b\p{Lu}[\p{L}'’-]+,?[ \t]+)?\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)[ \t]?\d[A-Z]{2})\b"
)
# Street words of other languages that no English interface word ends in (not "ring": "Spring").
_FOREIGN_STREET_STRICT = (
    r"(?-i:\p{Lu})[\w'’-]*(?:straat|strasse|straße|gasse|laan|plein|platz|allee|gracht|gatan|"
    r"vej|veien|utca|ulica)"
)
# Street-first spellings: "7 Rue de la Paix", "12 Calle Mayor" (capitalized: "2 via email" is not).
_STREET_WORD_FIRST = r"(?-i:Rue|Calle|Via|Avenida|Rua|Chemin|Camino|Praça|Piazza|Viale|Avinguda)"
# A flat written before the house number: "Flat 3, 12 High Street".
_FLAT = r"(?:\b(?:flat|apartment|apt\.?)[ \t]+\d{1,4}[a-z]?,?[ \t]+)?"
_UNIT = (
    r"(?:,?\s*(?:apt|apartment|suite|ste|unit|room|rm|floor|fl|bldg|building|#)\.?\s*#?\s*"
    r"[\w-]{1,6})"
)


def extend_over_lines(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Stretch each address over up to four following short lines (town, region, country, code)."""
    for result in results:
        tail = _PLACE_TAIL_RE.match(text, result.end)
        if tail is not None:
            result.end = tail.end()
        for _ in range(4):
            line = _BLOCK_LINE_RE.match(text, result.end)
            if line is None:
                break
            result.end = line.end()
    return results


class _AddressRecognizer(GuardedPatternRecognizer):
    """Address matches that pass `keep`, each extended over the short lines that follow it."""

    def keep(self, span: str) -> bool:
        """Whether a match is an address; dates are not."""
        return _DATE_RE.fullmatch(span.strip(" .,")) is None

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: object = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Kept matches, stretched over the place names and lines after them."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        results = [r for r in results if self.keep(text[r.start : r.end])]
        return extend_over_lines(text, results)


class StreetAddressRecognizer(_AddressRecognizer):
    """US street addresses (number, direction, 1-4 name words, street type, unit) and PO boxes."""

    PATTERNS = [
        Pattern(
            "street address",
            rf"(?i){_FLAT}\b\d{{1,6}}[a-z]?(?:-\d{{1,5}})?(?:\s+\d{{1,5}})?\s+"
            rf"(?:(?:n|s|e|w|ne|nw|se|sw|north|south|east|west)\.?\s+)?"
            rf"(?:[a-z0-9][a-z0-9'.\-]*\s+){{0,3}}[a-z][a-z'.\-]*\s+(?:{_STREET_TYPES})\b\.?"
            rf"(?:\s+(?:n|s|e|w|ne|nw|se|sw)\b\.?)?{_UNIT}?",
            0.6,
        ),
        Pattern("unit", r"(?i)\b(?:apt|apartment|suite|ste|unit)\.?\s*#?\s*\d[\w-]{0,5}\b", 0.4),
        Pattern("po box", r"(?i)\bp\.?\s?o\.?\s*box\s+\d{1,6}\b", 0.7),
        Pattern(
            "foreign street",
            rf"(?<![\w-])(?:\d{{1,5}}[ \t]+)?{_FOREIGN_STREET_STRICT}\.?[ \t]+\d{{1,5}}[a-z]?\b",
            0.6,
        ),
        Pattern(
            "street word first",
            rf"{_FLAT}(?<![\w.,-])\d{{1,5}}[ \t]+{_STREET_WORD_FIRST}[ \t]+"
            r"(?:(?:de|del|la|le|les|da|do|di|des)[ \t]+){0,2}(?-i:\p{Lu})[\w'’.-]*",
            0.6,
        ),
        Pattern("uk postcode", _UK_POSTCODE, 0.6),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="US_STREET_ADDRESS",
            patterns=self.PATTERNS,
            context=["address", "live", "lives", "living", "street", "home", "mail", "billing"],
            name="StreetAddressRecognizer",
        )


_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)


class ZipCodeRecognizer(GuardedPatternRecognizer):
    """ZIP codes after a state abbreviation (strong) or with a zip/postal word nearby (weak)."""

    PATTERNS = [
        Pattern("state zip", rf"\b(?:{_STATES}),?\s+\d{{5}}(?:-\d{{4}})?\b", 0.7),
        Pattern("zip+4", r"(?<![\w.\-/])\d{5}-\d{4}(?![\w\-/])", 0.3),
        Pattern("zip", r"(?<![\w.\-/#$])\d{5}(?![\w\-/]|\.\d)", 0.1),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="US_ZIP_CODE",
            patterns=self.PATTERNS,
            context=["zip", "zipcode", "postal", "postcode", "address", "billing", "mailing"],
            name="ZipCodeRecognizer",
        )


# Street words of other languages, written before the house number ("Nassaustraat 123").
_FOREIGN_STREET = (
    r"[^\W\d_][\w'’-]*(?:straat|strasse|straße|gasse|weg|laan|plein|gata|gatan|gade|vej|veien|"
    r"utca|útja|ulica|platz|allee|ring|damm|kade|gracht|rkp)"
)


class AddressBlockRecognizer(_AddressRecognizer):
    """Addresses written as "number words number" or "Street-word number", and the short lines
    (town, region, country and postal code) that follow them. Loose enough to flag interface
    text, so the text redactor keeps its findings for the `survey` field kind, and in interface
    text only right after an address label ("Address: Jakobi 69").
    """

    PATTERNS = [
        Pattern(
            "number words number",
            r"(?<![\w.,-])\d{1,5}[ \t]+(?:[^\W\d_][\w'’.-]*[ \t]+){1,4}\d{1,5}[a-zA-Z]?\b\.?",
            0.5,
        ),
        Pattern(
            "two numbers then words",
            r"(?<![\w.,-])\d{1,5}[ \t]+\d{1,5}[ \t]+[^\W\d_][\w'’.-]*"
            r"(?:[ \t]+[^\W\d_][\w'’.-]*){0,3}",
            0.5,
        ),
        Pattern(
            "street word first",
            r"(?i)(?<![\w.,-])\d{1,5}[ \t]+(?:\d{1,5}[ \t]+)?(?:rue|calle|via|avenida|rua|chemin|"
            r"camino|praça|piazza|viale|boulevard|avenue)[ \t]+[^\W\d_][\w'’.-]*"
            r"(?:[ \t]+[^\W\d_][\w'’.-]*){0,2}",
            0.6,
        ),
        Pattern(
            "foreign street",
            rf"(?i)(?<![\w-])(?:\d{{1,5}}[ \t]+)?{_FOREIGN_STREET}\.?[ \t]+\d{{1,5}}[a-z]?\b",
            0.6,
        ),
        Pattern(
            "country or town and postal code",
            r"(?<![\w-])[^\W\d_][\w'’-]+(?:[ \t]+[^\W\d_][\w'’-]+){0,2},?[ \t]+\d{4,5}(?![\w-])",
            0.3,
        ),
    ]

    def __init__(self, english_words: frozenset[str] = frozenset()) -> None:
        self.english_words = english_words
        super().__init__(
            # Its own entity, so Presidio's de-duplication never trades a street line found by
            # StreetAddressRecognizer for a block that the field kind then drops.
            supported_entity="ADDRESS_BLOCK",
            patterns=self.PATTERNS,
            context=["address", "live", "lives", "lived", "located", "return", "mail"],
            name="AddressBlockRecognizer",
        )

    def keep(self, span: str) -> bool:
        """Not a date, and some word is capitalized or no everyday English word ("Ibirapita",
        "velký")."""
        if not super().keep(span):
            return False
        for word in regex.findall(r"[^\W\d_][\w'’-]*", span):
            lower = word.lower()
            known = lower in self.english_words or lower.removesuffix("s") in self.english_words
            if word[0].isupper() or not known:
                return True
        return False
