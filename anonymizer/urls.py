"""The URL rule: keep scheme, host and path shape; replace identifiers; filter query values."""

from __future__ import annotations

import ipaddress
import math
import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, unquote_plus, urlsplit

from anonymizer.audit import Audit
from anonymizer.policy import PolicyConfig

if TYPE_CHECKING:
    from anonymizer.names import CensusNameRecognizer

# Analyzes one decoded value and returns it redacted (placeholders in place of findings).
ValueAnalyzer = Callable[[str, Audit], str]

EMAIL_RE = re.compile(r"[^\s/@]+@[^\s/@]+\.[^\s/@]+")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
JWT_RE = re.compile(r"eyJ[\w-]{8,}\.[\w-]{4,}\.[\w-]*")
VOWELS = frozenset("aeiouäöüàáâèéêìíîòóôùúû")
# Values that stay readable after quoting: our placeholders and ordinary punctuation.
SAFE_CHARS = "<>/:@!$'()*,;-._~"

# Words joined by `+` ("12+Oak+Street"), as forms and map links write spaces.
PLUS_WORDS_RE = re.compile(r"[A-Za-z0-9]\+[A-Za-z0-9]")
# Bounded URL finder for free text: no nested quantifiers, so no backtracking blow-up.
URL_IN_TEXT_RE = re.compile(r"(?:\b[a-zA-Z][a-zA-Z0-9+.\-]{1,15}://|\bwww\.)[^\s<>\"'`]{1,2048}")
# Words of a slug ("maria-lopez", "section_maria_lopez", "maria.lopez", "maria-lopez.html");
# other separators end a slug.
SLUG_SPLIT_RE = re.compile(r"([-_.])")
# Words after a kind's word that keep the key about that kind: "phone_number", "zip_code",
# "address_line1"; not "phone_type", "social_media", "mobile_menu".
KIND_SUFFIXES = frozenset(
    {"number", "no", "num", "nr", "code", "address", "addr", "line", "line1", "line2", "1", "2"}
)
# Words before "name" that make it the name of a thing: "file_name", "type_name".
THING_WORDS = frozenset(
    """
    file type page form category product service field event site app tab group layer business
    company org organization department doc document template report item project program
    dataset table column key class tag
    """.split()
)


def decode(raw: str) -> str:
    """Percent-decode (`+` as space) until stable, at most three times (double encoding)."""
    decoded = unquote_plus(raw)
    for _ in range(2):
        if "%" not in decoded:
            break
        again = unquote_plus(decoded)
        if again == decoded:
            break
        decoded = again
    return decoded


def entropy_bits(value: str) -> float:
    """Shannon entropy per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def looks_like_token(value: str, config: PolicyConfig) -> bool:
    """Long, mixed letters and digits, and varied: an id or secret, not a word or slug."""
    if len(value) < config.token_min_chars:
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if not (has_digit and has_alpha):
        if has_digit:
            return False
        return letters_token(value, config)
    return entropy_bits(value) >= config.token_min_entropy_bits


def letters_token(value: str, config: PolicyConfig) -> bool:
    """A long run of letters that is too varied or too poor in vowels to be words."""
    bits = entropy_bits(value)
    if len(value) >= 32 and bits >= 4.0:
        return True
    if len(value) < config.token_letters_min_chars or not value.isalpha():
        return False
    vowel_share = sum(c in VOWELS for c in value.lower()) / len(value)
    sparse = vowel_share < config.token_letters_max_vowel_share
    return bits >= config.token_letters_min_entropy_bits or (
        sparse and bits >= config.token_letters_sparse_entropy_bits
    )


def name_words(name: str) -> list[str]:
    """Lower-case words of a key or field name: `apiKey`, `api_key`, `api-key` → [api, key]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word for word in re.split(r"[^a-zA-Z0-9]+", spaced.lower()) if word]


def is_secret_key(key: str, config: PolicyConfig) -> bool:
    """A query key whose value is a credential or one-time secret."""
    words = name_words(key)
    joined = "".join(words)
    secret = set(config.url_secret_words)
    if joined in config.url_secret_keys:
        return True
    return joined in secret or any(word in secret for word in words)


def personal_key_entity(key: str, config: PolicyConfig) -> str:
    """The entity a query key's value holds by the key's name ("ssn", "zip_code", "home_phone",
    "contact_name", "phone_number"), or "" for keys of no known personal kind."""
    # A trailing number numbers the field ("address1", "phone_2"); it does not change its kind.
    words = [re.sub(r"[0-9]+$", "", word) or word for word in name_words(key)]
    if not words:
        return ""
    kinds = config.url_personal_keys
    joined = "".join(words)
    if joined in kinds:
        return kinds[joined]
    if is_secret_key(key, config):
        return ""  # "email_token", "phone_code": secrets, not the kind's value
    if words[-1] in kinds and not (words[-1] == "name" and THING_WORDS & set(words)):
        return kinds[words[-1]]
    if words[0] in kinds and set(words[1:]) <= KIND_SUFFIXES:
        return kinds[words[0]]
    return ""


_nesting = threading.local()


class UrlRedactor:
    """Applies the URL rule; free-text values go to `analyze_value`."""

    def __init__(
        self,
        config: PolicyConfig,
        analyze_value: ValueAnalyzer,
        names: CensusNameRecognizer | None = None,
    ) -> None:
        self.config = config
        self.analyze_value = analyze_value
        self.names = names
        self.allowed_keys = frozenset(config.url_allowed_keys)
        min_run = config.url_digit_run_min
        self.digit_run_re = re.compile(rf"(?<![0-9])[0-9]{{{min_run},}}(?![0-9])")

    def redact(
        self, url: str, audit: Audit, extra_allowed_keys: frozenset[str] = frozenset()
    ) -> str:
        """Redact one URL (absolute or relative); never replaces it as a whole."""
        if not isinstance(url, str):
            return ""
        if not url:
            return url
        # A path segment's text is analyzed, and the analyzer sends URLs it finds back here:
        # a URL nested inside a URL is replaced whole rather than recursed into.
        if getattr(_nesting, "depth", 0) >= 1:
            audit.count("URL", "url", "url_rule", "replace")
            return "<URL>"
        _nesting.depth = getattr(_nesting, "depth", 0) + 1
        try:
            return self._redact(url, audit, extra_allowed_keys)
        finally:
            _nesting.depth -= 1

    def _redact(self, url: str, audit: Audit, extra_allowed_keys: frozenset[str]) -> str:
        if not url:
            return url
        audit.seen("url")
        if len(url) > self.config.url_max_chars:
            audit.count("TRUNCATED", "url", "size_cap", "truncate")
            url = url[: self.config.url_max_chars]
        lowered = url.lstrip().lower()
        if lowered.startswith("data:"):
            audit.count("DATA_URL", "url", "url_rule", "drop")
            return "data:,"
        if lowered.startswith(("mailto:", "tel:", "sms:")):
            scheme, _, rest = url.partition(":")
            entity = "<EMAIL_ADDRESS>" if scheme.lower() == "mailto" else "<PHONE_NUMBER>"
            if rest:
                audit.count(entity.strip("<>"), "url", "url_rule", "replace")
            return f"{scheme}:{entity}" if rest else url
        if lowered.startswith("javascript:"):
            return self.analyze_value(url, audit)

        try:
            parts = urlsplit(url)
        except ValueError:
            return self.analyze_value(url, audit)
        keys = (self.allowed_keys | extra_allowed_keys, extra_allowed_keys)

        netloc = self._netloc(parts.netloc, audit)
        path = self._path(parts.path, audit)
        query = self._query(parts.query, keys, audit)
        fragment = self._fragment(parts.fragment, keys, audit)

        out = f"{parts.scheme}:" if parts.scheme else ""
        if parts.netloc or url.startswith("//") or parts.scheme in ("http", "https"):
            out += f"//{netloc}"
        out += path
        if query or "?" in url.split("#", 1)[0]:
            out += f"?{query}"
        if fragment or "#" in url:
            out += f"#{fragment}"
        return out

    def _netloc(self, netloc: str, audit: Audit) -> str:
        """Drop user:password@, replace IP hosts; keep names and port."""
        if "@" in netloc:
            audit.count("USERINFO", "url", "url_rule", "drop")
            netloc = netloc.rsplit("@", 1)[1]
        host, port = netloc, ""
        match = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(:\d*)?", netloc)
        if match:
            host, port = match.group(1), match.group(2) or ""
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return host + port
        audit.count("IP_ADDRESS", "url", "url_rule", "replace")
        return "<IP_ADDRESS>" + port

    def _segment(self, raw: str, audit: Audit) -> str:
        """One path segment: identifiers become placeholders, the rest goes to the analyzer."""
        decoded = unquote(raw)
        if not decoded:
            return raw
        if EMAIL_RE.fullmatch(decoded):
            audit.count("EMAIL_ADDRESS", "url", "url_rule", "replace")
            return "<EMAIL_ADDRESS>"
        if JWT_RE.fullmatch(decoded):
            audit.count("JWT", "url", "url_rule", "replace")
            return "<JWT>"
        out = decoded
        out, uuids = UUID_RE.subn("<UUID>", out)
        if uuids:
            audit.count("UUID", "url", "url_rule", "replace", uuids)
        out = self._digit_runs(out, audit)
        pieces = re.split(r"([-_.~+,;])", out)
        for index, piece in enumerate(pieces):
            if looks_like_token(piece, self.config):
                pieces[index] = "<TOKEN>"
                audit.count("TOKEN", "url", "url_rule", "replace")
        out = self._slug_names("".join(pieces), audit)
        if PLUS_WORDS_RE.search(out) and not any(c.isspace() for c in out):
            # "1600+Amphitheatre+Parkway,+Mountain+View": `+` joins the words of a place or
            # a search in paths too; the analyzer needs them as words.
            out = self.analyze_value(out.replace("+", " "), audit).replace(" ", "+")
        else:
            out = self.analyze_value(out, audit)
        if out == decoded:
            return raw
        return quote(out, safe=SAFE_CHARS)

    def _digit_runs(self, value: str, audit: Audit) -> str:
        """`value` with each run of `url_digit_run_min` or more digits replaced by `<ID>`."""
        out, ids = self.digit_run_re.subn("<ID>", value)
        if ids:
            audit.count("ID", "url", "url_rule", "replace", ids)
        return out

    def _slug_names(self, segment: str, audit: Audit) -> str:
        """A first and last name among a slug's words ("maria-lopez", "section-maria-lopez-
        contact") becomes `<PERSON>`; ordinary slugs ("parks-and-recreation") stay."""
        if self.names is None or not any(c in segment for c in "-_."):
            return segment
        pieces = SLUG_SPLIT_RE.split(segment)
        words = pieces[::2]
        index = 0
        found = 0
        while index < len(words) - 1:
            pair = [words[index].lower(), words[index + 1].lower()]
            # Known gap: a surname first ("lopez-maria"); trying both orders also took file
            # names ("main.min.js": Min Main) for people.
            if all(w.isalpha() for w in pair) and self.names.score(pair) >= 0.6:
                words[index : index + 2] = ["<PERSON>"]
                del pieces[2 * index + 1 : 2 * index + 3]
                found += 1
            index += 1
        if not found:
            return segment
        audit.count("PERSON", "url", "url_rule", "replace", found)
        pieces[::2] = words
        return "".join(pieces)

    def _path(self, path: str, audit: Audit) -> str:
        return "/".join(self._segment(segment, audit) for segment in path.split("/"))

    def _value(
        self, key: str, raw: str, keys: tuple[frozenset[str], frozenset[str]], audit: Audit
    ) -> str:
        """One query value by its key: keep, label, remove or analyze.

        `keys`: the allow-listed keys (policy and site), and the site's own among them, whose
        values keep their long numbers."""
        decoded = decode(raw)
        if not decoded:
            return raw
        allowed, site_kept = keys
        lowered = key.lower()
        if lowered in allowed and len(decoded) <= 64:
            out = self.analyze_value(decoded, audit)
            if lowered not in site_kept:
                out = self._digit_runs(out, audit)  # "sort=536228714": no order is six digits
            return raw if out == decoded else quote(out, safe=SAFE_CHARS)
        entity = personal_key_entity(key, self.config)
        if entity:
            audit.count(entity, "url", "personal_key", "replace")
            return f"<{entity}>"
        if is_secret_key(key, self.config):
            audit.count("SECRET", "url", "secret_key", "drop")
            return "<REDACTED>"
        if JWT_RE.fullmatch(decoded):
            audit.count("JWT", "url", "url_rule", "replace")
            return "<JWT>"
        out = self._digit_runs(self.analyze_value(decoded, audit), audit)
        if out != decoded:
            return quote(out, safe=SAFE_CHARS)
        if looks_like_token(decoded, self.config) and " " not in decoded:
            audit.count("TOKEN", "url", "entropy", "replace")
            return "<TOKEN>"
        return raw

    def _query(self, query: str, keys: tuple[frozenset[str], frozenset[str]], audit: Audit) -> str:
        if not query:
            return query
        pairs = []
        for item in query.split("&"):
            if "=" not in item:
                pairs.append(self._segment(item, audit))
                continue
            key, _, value = item.partition("=")
            pairs.append(f"{key}={self._value(unquote_plus(key), value, keys, audit)}")
        return "&".join(pairs)

    def _fragment(
        self, fragment: str, keys: tuple[frozenset[str], frozenset[str]], audit: Audit
    ) -> str:
        """A hash route (`#/a/b?x=1`) gets the path and query rules; a plain anchor the analyzer."""
        if not fragment:
            return fragment
        route, sep, query = fragment.partition("?")
        if route.startswith(("/", "!/")) or sep:
            return self._path(route, audit) + sep + self._query(query, keys, audit)
        if "=" in fragment:
            # Parameters in the fragment, as OAuth's implicit flow sends them (#access_token=...).
            return self._query(fragment, keys, audit)
        return self._segment(fragment, audit)
