"""The URL rule: keep scheme, host and path shape; replace identifiers; filter query values."""

from __future__ import annotations

import ipaddress
import math
import re
import threading
from collections import Counter
from collections.abc import Callable
from urllib.parse import quote, unquote, unquote_plus, urlsplit

from anonymizer.audit import Audit
from anonymizer.policy import PolicyConfig

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


_nesting = threading.local()


class UrlRedactor:
    """Applies the URL rule; free-text values go to `analyze_value`."""

    def __init__(self, config: PolicyConfig, analyze_value: ValueAnalyzer) -> None:
        self.config = config
        self.analyze_value = analyze_value
        self.allowed_keys = frozenset(config.url_allowed_keys)

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
        allowed = self.allowed_keys | extra_allowed_keys

        netloc = self._netloc(parts.netloc, audit)
        path = self._path(parts.path, audit)
        query = self._query(parts.query, allowed, audit)
        fragment = self._fragment(parts.fragment, allowed, audit)

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
        min_run = self.config.url_digit_run_min
        out, ids = re.subn(rf"(?<![0-9]){'[0-9]'}{{{min_run},}}(?![0-9])", "<ID>", out)
        if ids:
            audit.count("ID", "url", "url_rule", "replace", ids)
        pieces = re.split(r"([-_.~+,;])", out)
        for index, piece in enumerate(pieces):
            if looks_like_token(piece, self.config):
                pieces[index] = "<TOKEN>"
                audit.count("TOKEN", "url", "url_rule", "replace")
        out = "".join(pieces)
        if PLUS_WORDS_RE.search(out) and not any(c.isspace() for c in out):
            # "1600+Amphitheatre+Parkway,+Mountain+View": `+` joins the words of a place or
            # a search in paths too; the analyzer needs them as words.
            out = self.analyze_value(out.replace("+", " "), audit).replace(" ", "+")
        else:
            out = self.analyze_value(out, audit)
        if out == decoded:
            return raw
        return quote(out, safe=SAFE_CHARS)

    def _path(self, path: str, audit: Audit) -> str:
        return "/".join(self._segment(segment, audit) for segment in path.split("/"))

    def _value(self, key: str, raw: str, allowed: frozenset[str], audit: Audit) -> str:
        """One query value by its key: keep, remove or analyze."""
        decoded = decode(raw)
        if not decoded:
            return raw
        if key.lower() in allowed and len(decoded) <= 64:
            out = self.analyze_value(decoded, audit)
            return raw if out == decoded else quote(out, safe=SAFE_CHARS)
        if is_secret_key(key, self.config):
            audit.count("SECRET", "url", "secret_key", "drop")
            return "<REDACTED>"
        if JWT_RE.fullmatch(decoded):
            audit.count("JWT", "url", "url_rule", "replace")
            return "<JWT>"
        out = self.analyze_value(decoded, audit)
        if out != decoded:
            return quote(out, safe=SAFE_CHARS)
        if looks_like_token(decoded, self.config) and " " not in decoded:
            audit.count("TOKEN", "url", "entropy", "replace")
            return "<TOKEN>"
        return raw

    def _query(self, query: str, allowed: frozenset[str], audit: Audit) -> str:
        if not query:
            return query
        pairs = []
        for item in query.split("&"):
            if "=" not in item:
                pairs.append(self._segment(item, audit))
                continue
            key, _, value = item.partition("=")
            pairs.append(f"{key}={self._value(unquote_plus(key), value, allowed, audit)}")
        return "&".join(pairs)

    def _fragment(self, fragment: str, allowed: frozenset[str], audit: Audit) -> str:
        """A hash route (`#/a/b?x=1`) gets the path and query rules; a plain anchor the analyzer."""
        if not fragment:
            return fragment
        route, sep, query = fragment.partition("?")
        if route.startswith(("/", "!/")) or sep:
            return self._path(route, audit) + sep + self._query(query, allowed, audit)
        if "=" in fragment:
            # Parameters in the fragment, as OAuth's implicit flow sends them (#access_token=...).
            return self._query(fragment, allowed, audit)
        return self._segment(fragment, audit)
