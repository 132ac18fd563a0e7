"""Our recognizers: the stock Presidio ones made offline and time-bounded, plus custom patterns."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import regex
import tldextract
from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    RecognizerResult,
)
from presidio_analyzer.predefined_recognizers import (
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

from anonymizer.addresses import StreetAddressRecognizer, ZipCodeRecognizer
from anonymizer.guard import GuardedPatternRecognizer, finditer
from anonymizer.identifiers import IdNumberRecognizer, PasswordPhraseRecognizer

# The public suffix list bundled with tldextract; `suffix_list_urls=()` means it never downloads.
OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def has_public_suffix(domain: str) -> bool:
    """True when `domain` ends in a known public suffix (offline list) or is an IP literal."""
    host = domain.strip("[]").rstrip(".")
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    parts = OFFLINE_TLD(host)
    return bool(parts.suffix) and bool(parts.domain)


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of a digit string."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_prefix_ok(digits: str) -> bool:
    """Issuer prefixes of cards in use: Visa, Mastercard (51-55, 2221-2720), Amex, Discover, JCB."""
    if digits[0] in "3456":
        return True
    return 2221 <= int(digits[:4]) <= 2720


class GuardedIp(GuardedPatternRecognizer, IpRecognizer):
    """Presidio's IP patterns under the field deadline."""


class GuardedSsn(GuardedPatternRecognizer, UsSsnRecognizer):
    """Presidio's SSN patterns under the field deadline."""


class GuardedIban(GuardedPatternRecognizer, IbanRecognizer):
    """Presidio's IBAN patterns under the field deadline."""


class EmailPatternRecognizer(GuardedPatternRecognizer):
    """Plain, percent-encoded and IP-literal emails; the TLD is checked against the offline list."""

    PATTERNS = [
        Pattern(
            "email",
            r"(?<![\w.%+-])[\w!#$%*+?^{|}~-]+(?:\.[\w!#$%*+?^{|}~-]+)*"
            r"(?:@|%40|%2540)(?:\[?[\d.]{7,15}\]?|[\w](?:[\w-]*[\w])?(?:\.[\w](?:[\w-]*[\w])?)+)",
            0.5,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            patterns=self.PATTERNS,
            context=["email", "e-mail", "mail"],
            name="EmailPatternRecognizer",
        )

    def validate_result(self, pattern_text: str) -> bool:
        """The domain must have a public suffix or be an IP literal."""
        domain = re.split(r"@|%40|%2540", pattern_text)[-1]
        return has_public_suffix(domain)


_AT = r"(?:\s*[\[(<{]\s*(?:at|@)\s*[\])>}]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[(<{]\s*dot\s*[\])>}]\s*|\s+dot\s+|\.)"
_WORD = r"[a-z0-9][a-z0-9_+\-]*"


class SpelledEmailRecognizer(GuardedPatternRecognizer):
    """Emails written out: "jane dot roe at example dot com", "jane[at]x[dot]org"."""

    PATTERNS = [
        Pattern(
            "spelled email",
            rf"(?i)\b{_WORD}(?:{_DOT}{_WORD}){{0,3}}{_AT}{_WORD}(?:{_DOT}{_WORD}){{1,3}}\b",
            0.6,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            patterns=self.PATTERNS,
            context=["email", "mail", "write"],
            name="SpelledEmailRecognizer",
        )

    def validate_result(self, pattern_text: str) -> bool:
        """Rebuild the address and check its suffix; plain "a.b" words alone do not count."""
        text = pattern_text.lower()
        text = re.sub(r"\s*[\[(<{]\s*(at|@)\s*[\])>}]\s*|\s+at\s+", "@", text)
        text = re.sub(r"\s*[\[(<{]\s*dot\s*[\])>}]\s*|\s+dot\s+", ".", text)
        if text.count("@") != 1:
            return False
        return has_public_suffix(text.split("@")[1])


class CardRecognizer(GuardedPatternRecognizer):
    """13-19 digit card numbers with any single separators (space, dot, dash, slash).

    Luhn-valid numbers with an issuer prefix score 1.0. Luhn-invalid numbers with an issuer prefix
    score 0.3 when written in groups, so a "card" nearby still gets them redacted (typos happen).
    """

    PATTERNS = [
        Pattern("card", r"(?<![\d.,-])\d(?:[ .\-/]?\d){12,18}(?![\d])(?![.,]\d)", 0.3),
        # Contiguous digits again, for numbers glued to a suffix ("4532015112830366-001").
        Pattern("card contiguous", r"(?<!\d)\d{13,19}(?!\d)", 0.3),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            patterns=self.PATTERNS,
            context=["card", "credit", "debit", "visa", "mastercard", "amex", "cc", "payment"],
            name="CardRecognizer",
        )

    def adjust_score(self, found: str, score: float) -> float:
        """Score by Luhn, issuer prefix and grouping."""
        digits = re.sub(r"\D", "", found)
        if not 13 <= len(digits) <= 19 or not card_prefix_ok(digits):
            return EntityRecognizer.MIN_SCORE
        if luhn_ok(digits):
            return EntityRecognizer.MAX_SCORE
        grouped = re.fullmatch(r"\d{4}([ .\-])\d{4,6}\1\d{4,5}(?:\1\d{1,4})?", found)
        return 0.3 if grouped else EntityRecognizer.MIN_SCORE


DATE_SHAPE_RE = re.compile(
    r"(?:19|20)\d{2}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ](?:19|20)\d{2}"
)


class PhonePatternRecognizer(GuardedPatternRecognizer):
    """Phone numbers written the ways people write them, including short local numbers.

    A regex instead of `phonenumbers`' matcher: survey and form text uses loose formats
    ("(96) 627-277", "415.555.0134 x12") that the strict matcher misses.
    """

    PATTERNS = [
        Pattern(
            "phone international",
            r"(?<![\w+])\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)|\d{1,4})(?:[ .\-]?\d{2,4}){1,4}(?!\w)",
            0.6,
        ),
        Pattern(
            "phone parenthesised area",
            r"(?<![\w(])\(\d{2,4}\)[ .\-]?\d{3,4}(?:[ .\-]?\d{3,4})?"
            r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?!\w)",
            0.6,
        ),
        Pattern(
            "phone separated",
            r"(?<![\w.\-/])(?:1[ .\-])?\d{3}[ .\-]\d{3}[ .\-]\d{4}(?:\s*(?:x|ext\.?)\s*\d{1,5})?"
            r"(?![\w\-/]|\.\d)",
            0.5,
        ),
        Pattern(
            "phone local",
            r"(?<![\w.\-/$])\d{3}-\d{4}(?![\w\-/]|\.\d)",
            0.2,
        ),
        # "Call Jane Roe at 555-0142": spaCy counts "call" as a stop word, so Presidio's
        # context step never sees it; the cue is matched here, up to 40 characters before.
        Pattern(
            "phone local after a cue",
            r"(?i)\b(?:call|dial|ring|text|phone|tel|reach)\b[^\n\d]{0,40}?"
            r"(?P<value>(?<![\w.\-/$])\d{3}-\d{4})(?![\w\-/]|\.\d)",
            0.6,
        ),
        Pattern("phone bare", r"(?<![\w.\-/$])1?\d{10}(?![\w\-/]|\.\d)", 0.2),
        # Digit groups as written abroad or with trunk prefixes: "027 896 92 86", "001-420-...".
        Pattern(
            "phone groups",
            r"(?<![\w.+\-/$#])(?:\+|00)?\d{2,4}(?:[ .\-]\d{2,4}){2,5}"
            r"(?:\s*(?:x|ext\.?)\s*\d{1,6})?(?![\w\-/]|\.\d)",
            0.4,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            patterns=self.PATTERNS,
            context=["phone", "call", "tel", "telephone", "cell", "mobile", "text", "fax", "reach"],
            name="PhonePatternRecognizer",
        )

    def adjust_score(self, found: str, score: float) -> float:
        """Too few or too many digits, a date or a dotted quad is not a phone number."""
        digits = re.sub(r"\D", "", found.split("x")[0].split("ext")[0])
        if not 7 <= len(digits) <= 15 or DATE_SHAPE_RE.fullmatch(found):
            return EntityRecognizer.MIN_SCORE
        if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", found):
            return EntityRecognizer.MIN_SCORE
        return score


_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|maerz|mai|juni|"
    r"juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|octobre|décembre)"
    r"[a-zéû]*\.?"
)
_YEAR = r"(?:19|20)\d{2}"
_DATE = (
    rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:{_YEAR}|\d{{2}})|{_YEAR}[/.\-]\d{{1,2}}[/.\-]\d{{1,2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?[ \t]+{_MONTH}(?:,?[ \t]+{_YEAR})?"
    rf"|{_MONTH}[ \t]+\d{{1,2}}(?:st|nd|rd|th)?(?:,?[ \t]+{_YEAR})?)"
)
# Words that make the date after them a date of birth, in English and a few other languages.
_BIRTH_CUE = (
    r"(?:born(?:[ \t]+(?:on|in))?|dob|d\.o\.b\.?|date[ \t]+of[ \t]+birth|birth[ \t]*date|"
    r"birthday|geboren(?:[ \t]+am)?|geburtsdatum|n[ée]e?[ \t]+le|fecha[ \t]+de[ \t]+nacimiento)"
)


class DateOfBirthRecognizer(GuardedPatternRecognizer):
    """Dates right after a birth word (strong); other full dates count only with birth words
    near them (weak alone), so "On 29 March 2017" and "Updated 12 March 2024" stay."""

    PATTERNS = [
        Pattern(
            "date after birth word",
            rf"\b{_BIRTH_CUE}[ \t]*(?:[:#-]|is|was)?[ \t]*(?P<value>{_DATE})(?![\w/])",
            0.85,
        ),
        Pattern(
            "numeric date",
            r"(?<![\w./-])(?:0?[1-9]|1[0-2]|[12]\d|3[01])[/.\-](?:0?[1-9]|[12]\d|3[01])[/.\-]"
            r"(?:19|20)\d{2}(?![\w/-])",
            0.1,
        ),
        Pattern("iso date", r"(?<![\w./-])(?:19|20)\d{2}-[01]\d-[0-3]\d(?![\w/-])", 0.1),
        Pattern(
            "written date",
            r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+"
            r"\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b",
            0.1,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="DATE_OF_BIRTH",
            patterns=self.PATTERNS,
            # "bear": Presidio matches context on lemmas, and spaCy lemmatizes "born" to it.
            context=["born", "bear", "birth", "birthday", "dob", "birthdate", "age", "geboren"],
            name="DateOfBirthRecognizer",
        )


class JwtRecognizer(GuardedPatternRecognizer):
    """JSON Web Tokens: base64url header starting `eyJ`, payload and optional signature."""

    PATTERNS = [
        Pattern("jwt", r"\beyJ[\w-]{8,}\.[\w-]{4,}\.[\w-]*", 0.9),
    ]

    def __init__(self) -> None:
        super().__init__(supported_entity="JWT", patterns=self.PATTERNS, name="JwtRecognizer")


_SECRET_NAME = (
    r"(?:token|secret|session|sessid|sess|api[_-]?key|apikey|passw(?:or)?d|auth|credential|"
    r"cookie|sid)"
)

# A Cookie or Set-Cookie header label, then its `name=value` pairs separated by ";".
COOKIE_LABEL_RE = regex.compile(r"(?i)\b(?:set-)?cookie[ \t]*:[ \t]*")
COOKIE_PAIR_RE = regex.compile(r"(?P<name>[\w.%!#$&'*+^`|~-]+)(?:=(?P<value>[^;\s\\\"]*))?")
COOKIE_SEPARATOR_RE = regex.compile(r"[ \t]*;[ \t]*")
# Set-Cookie attributes: their values say how the cookie is kept, not what it holds.
COOKIE_ATTRIBUTES = frozenset({"path", "domain", "expires", "max-age", "samesite", "priority"})
# "Expires=Thu, 01 Jan 2025 00:00:00 GMT": the one attribute whose value holds spaces.
COOKIE_DATE_RE = regex.compile(r"[^;\r\n\\\"]*")
# A Cookie label right before a value, and a value that is one plain word: "Cookie: preferences"
# names a setting (a header's values come as `name=value`), it holds no secret.
COOKIE_LABEL_END_RE = regex.compile(r"(?i)\b(?:set-)?cookie[ \t]*:[ \t]*$")
PLAIN_WORD_RE = regex.compile(r"[^\W\d_]+(?:[-_][^\W\d_]+)*")


def cookie_value_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each cookie value after a `Cookie:` or `Set-Cookie:` label; names kept.

    A linear scan with no limit on the number of cookies, so the text redactor can run it on a
    whole long text: its windows may start far from the header's label.
    """
    spans: list[tuple[int, int]] = []
    for label in finditer(COOKIE_LABEL_RE, text):
        position = label.end()
        while True:
            pair = COOKIE_PAIR_RE.match(text, position)
            if pair is None:
                break
            name = pair.group("name").lower()
            position = pair.end()
            if name == "expires" and pair.group("value") is not None:
                position = COOKIE_DATE_RE.match(text, position).end()  # type: ignore[union-attr]
            start, end = pair.span("value")
            if start < end and name not in COOKIE_ATTRIBUTES:
                spans.append((start, end))
            separator = COOKIE_SEPARATOR_RE.match(text, position)
            if separator is None:
                break
            position = separator.end()
    return spans


class SecretRecognizer(GuardedPatternRecognizer):
    """Bearer/basic credentials, cookies and session ids, and API keys with a known prefix."""

    PATTERNS = [
        Pattern(
            "auth scheme",
            r"(?i)\b(?:bearer|basic|token|digest)\s+(?P<value>[A-Za-z0-9\-._~+/]{12,}=*)",
            0.8,
        ),
        # `\\?` before quotes: JSON kept as escaped text (`{\"sessionId\": \"…\"}`). Base64
        # padding ends a value; a trailing colon makes it the next YAML key, not a value.
        Pattern(
            "secret assignment",
            rf"(?i)\b[\w.-]*{_SECRET_NAME}[\w.-]*\\?\"?\s*[:=]\s*\\?[\"']?"
            r"(?P<value>(?!(?i:bearer|basic|digest|token)\b)(?>[^\s\"';,&=\\]{6,})"
            r"(?:(?>={1,2})(?=[\s\"';,&)\\]|$))?(?<!:)(?!=))",
            0.7,
        ),
        # A quoted secret name, a comma, a quoted value: `setItem('sessionToken', '…')`.
        Pattern(
            "secret argument",
            rf"(?i)[\"'][\w.-]*{_SECRET_NAME}[\w.-]*\\?[\"']\s*,\s*\\?[\"']"
            r"(?P<value>[^\s\"'\\]{6,})",
            0.7,
        ),
        Pattern(
            "api key prefix",
            r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}"
            r"|\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_\w{20,}|\bxox[abprse]-[\w-]{10,}"
            r"|\bxapp-[\w-]{10,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bAIza[\w-]{25,}"
            r"|\bSG\.[\w-]{10,}\.[\w-]{10,}|\bya29\.[\w-]{20,}|\bglpat-[\w-]{20}",
            0.9,
        ),
        Pattern("hex key", r"(?<![\w-])[a-fA-F0-9]{32,}(?![\w-])", 0.6),
    ]

    def __init__(self) -> None:
        super().__init__(supported_entity="SECRET", patterns=self.PATTERNS, name="SecretRecognizer")

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """The patterns, plus each value of a Cookie header (names kept)."""
        results = [
            result
            for result in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if not (
                PLAIN_WORD_RE.fullmatch(text[result.start : result.end])
                and COOKIE_LABEL_END_RE.search(text[max(0, result.start - 24) : result.start])
            )
        ]
        for start, end in cookie_value_spans(text):
            results.append(
                RecognizerResult(
                    entity_type="SECRET",
                    start=start,
                    end=end,
                    score=0.8,
                    analysis_explanation=AnalysisExplanation(
                        recognizer=self.name, original_score=0.8, pattern_name="cookie header"
                    ),
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )
        return EntityRecognizer.remove_duplicates(results)

    def adjust_score(self, found: str, score: float) -> float:
        """A long hex run needs both letters and digits to look like a key."""
        if len(found) >= 32 and re.fullmatch(r"[a-fA-F0-9]+", found):
            has_digit = any(c.isdigit() for c in found)
            has_alpha = any(c.isalpha() for c in found)
            return score if has_digit and has_alpha else EntityRecognizer.MIN_SCORE
        return score


def pattern_recognizers() -> list[Any]:
    """Every pattern recognizer of the policy, fresh instances."""
    return [
        EmailPatternRecognizer(),
        SpelledEmailRecognizer(),
        CardRecognizer(),
        PhonePatternRecognizer(),
        GuardedSsn(),
        GuardedIp(),
        GuardedIban(),
        StreetAddressRecognizer(),
        ZipCodeRecognizer(),
        DateOfBirthRecognizer(),
        JwtRecognizer(),
        SecretRecognizer(),
        IdNumberRecognizer(),
        PasswordPhraseRecognizer(),
    ]
