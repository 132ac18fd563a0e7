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
        while result.end > result.start + 1 and text[result.end - 1] in "'’\"":
            result.end -= 1  # the closing quote of "'742 Evergreen Terrace, Springfield'"
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


_STATE_NAMES = (
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|"
    "hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|"
    "michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|new[ \t]+hampshire|"
    "new[ \t]+jersey|new[ \t]+mexico|new[ \t]+york|north[ \t]+carolina|north[ \t]+dakota|ohio|"
    "oklahoma|oregon|pennsylvania|rhode[ \t]+island|south[ \t]+carolina|south[ \t]+dakota|"
    "tennessee|texas|utah|vermont|virginia|washington|west[ \t]+virginia|wisconsin|wyoming|"
    "puerto[ \t]+rico|district[ \t]+of[ \t]+columbia"
)
# The abbreviations newspapers use: "Springfield, Ill. 62704".
_STATE_AP = (
    "Ala|Ariz|Ark|Calif|Cal|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Kans|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|"
    "Mont|Neb|Nebr|Nev|N\\.H|N\\.J|N\\.M|N\\.Y|N\\.C|N\\.D|Okla|Ore|Pa|R\\.I|S\\.C|S\\.D|Tenn|Tex|"
    "Vt|Va|Wash|W\\.Va|Wis|Wyo"
)
_STATES_LOWER = (
    "il|ca|tx|ny|nj|fl|wa|va|az|ct|mn|nc|nv|ky|tn|wi|ia|ks|md|mi|nh|nm|ri|sc|sd|ut|vt|wv|wy|ak|"
    "ar|nd|mt|dc|ga"
)
_ZIP = r"\d{5}(?:-\d{4})?(?![\w-]|\.\d)"
# A reference number is no ZIP code: "Order 62704", "Case #62704", "Ticket: 62704-0001".
_REFERENCE_LABEL_RE = regex.compile(
    r"(?i)\b(?:order|case|ticket|invoice|ref|reference|confirmation|tracking|serial|part|model|"
    r"item|sku|account|acct|permit|parcel|application|request|claim|policy|member|id|no|nr|"
    r"number|page|room|form|report|record|file|version|build|error|"
    r"(?<!(?:zip|postal|post)[ \t_-]?)code)"
    r"\.?[ \t:#,-]*$"
)


class ZipCodeRecognizer(GuardedPatternRecognizer):
    """ZIP codes after a state (strong), after a place name and a comma, ZIP+4 codes, and bare
    ZIP codes with a zip/postal word nearby (weak); reference numbers after a label are kept."""

    PATTERNS = [
        Pattern("state zip", rf"\b(?-i:{_STATES}),?\s+{_ZIP}", 0.7),
        # Residents write "springfield il 62704"; two-letter English words ("in", "or") left out.
        Pattern("state zip lower", rf"(?<=\w,?[ \t])(?-i:{_STATES_LOWER}),?[ \t]+{_ZIP}", 0.5),
        Pattern("state name zip", rf"(?i)\b(?:{_STATE_NAMES}),?[ \t]+{_ZIP}", 0.7),
        Pattern("state abbreviation zip", rf"\b(?-i:{_STATE_AP})\.,?[ \t]+{_ZIP}", 0.7),
        # "Springfield, 62704", "Springfield 62704-1234": a capitalized place, then the code.
        Pattern(
            "place zip",
            r"(?<![\w-])(?-i:\p{Lu})[\p{L}'’.-]+(?:[ \t]+(?-i:\p{Lu})[\p{L}'’.-]+){0,2}"
            rf"(?:,[ \t]*|[ \t]+(?=\d{{5}}-\d{{4}}))(?P<value>{_ZIP})",
            0.5,
        ),
        # Known gap: five digits after a town without comma or state ("Springfield 62704") stay:
        # they read like "Population 62704". A gazetteer of US towns would tell them apart.
        Pattern("zip+4", r"(?<![\w.\-/])\d{5}-\d{4}(?![\w\-/])", 0.4),
        # A ZIP key's value in data an error or page quotes: `{"zip":"62704"}`, `zip_code=62704`.
        Pattern(
            "zip key",
            r"(?i)\b(?:zip|zip[_ -]?code|zipcode|postal[_ -]?code|post[_ -]?code|postcode)"
            rf"\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?(?P<value>{_ZIP})",
            0.7,
        ),
        Pattern("zip", r"(?<![\w.\-/#$])\d{5}(?![\w\-/]|\.\d)", 0.1),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="US_ZIP_CODE",
            patterns=self.PATTERNS,
            context=["zip", "zipcode", "postal", "postcode", "address", "billing", "mailing"],
            name="ZipCodeRecognizer",
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: object = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """The matches that do not follow a reference label."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        kept = []
        for result in results:
            before = text[max(0, result.start - 40) : result.start]
            digits = regex.search(r"\d", text[result.start : result.end])
            place = text[result.start : result.start + digits.start()] if digits else ""
            if _REFERENCE_LABEL_RE.search(before + place) is None:
                kept.append(result)
        return kept


# Labels after which an address block is expected: "Address: Jakobi 69", "Deliver to …", also
# keys in error text and JSON: `"address":"…"`, `street=…`, `address_line1: '…'` ("street" only
# as a key: "Street Light Repair" is a service).
_ADDRESS_KEY = r"(?:\w*_)?(?:address(?:[_ -]?(?:line)?[_ -]?[12])?|addr[12]?|street)"
_ADDRESS_CUE = (
    rf"(?i:\b(?:{_ADDRESS_KEY}\\?[\"']?[ \t]*[:=]|(?:address|deliver(?:ed|y)?[ \t]+to|"
    r"ship(?:ping)?[ \t]+to|send[ \t]+to|lives?[ \t]+at|located[ \t]+at|mail(?:ing)?[ \t]+to|"
    r"return[ \t]+to|residence)(?!\w))[ \t:,=\\\"'-]*)"
)
ADDRESS_CUE_RE = regex.compile(_ADDRESS_CUE + "$")


class CuedAddressRecognizer(_AddressRecognizer):
    """A house number and words without a street word: "1234 Elm", "Jakobi 69".

    Far too loose alone; the text redactor keeps its findings only right after an address cue
    ("address:", `"street":"`, "Deliver to"), in every field kind."""

    PATTERNS = [
        Pattern(
            "number and name",
            r"(?<![\w.,-])\d{1,5}[a-zA-Z]?[ \t]+(?-i:\p{Lu})[\p{L}'’.-]+"
            r"(?:[ \t]+(?-i:\p{Lu})[\p{L}'’.-]+){0,3}",
            0.4,
        ),
        # "Deliver to Jakobi 69", "address: velký průhon 426": words, then the house number.
        Pattern(
            "name and number after a cue",
            rf"(?<={_ADDRESS_CUE})[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*){{0,3}}"
            r"[ \t]+\d{1,5}[a-zA-Z]?(?![\w-])",
            0.4,
        ),
    ]

    def __init__(self, english_words: frozenset[str] = frozenset()) -> None:
        self.english_words = english_words
        super().__init__(
            # Its own entity, so Presidio's de-duplication never trades a finding of another
            # recognizer for one that the text redactor then drops for want of a cue.
            supported_entity="CUED_ADDRESS",
            patterns=self.PATTERNS,
            name="CuedAddressRecognizer",
        )

    def keep(self, span: str) -> bool:
        """Not a date; words before the number need one that is no everyday English word
        ("Jakobi 69"; not "Page 3", "Room 101", "Printer 2")."""
        if not super().keep(span):
            return False
        if span[0].isdigit():
            return True  # "1234 Elm": the number comes first
        words = (w.lower() for w in regex.findall(r"[^\W\d_][\w'’-]*", span))
        # The word list holds lemmas: "explained" is known as "explain".
        return any(not self._known(w) for w in words)

    def _known(self, word: str) -> bool:
        """An everyday English word, or one with a plural or verb ending."""
        stems = (word, word.removesuffix("s"), word.removesuffix("ed"), word.removesuffix("d"))
        stems += (word.removesuffix("ing"), word.removesuffix("ing") + "e")
        return any(stem in self.english_words for stem in stems)


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
