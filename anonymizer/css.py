"""The CSS rule: `url(...)` values get the URL rule, the rest of the text the pattern recognizers.

Applies to `style` attributes, `<style>` text and rrweb's style sheet and style declaration
events. A style sheet can be tens of kilobytes, so the text is cut into declarations and
selectors (at `;`, `{` and `}`) and only the pieces that can hold a pattern are analyzed: pieces
with `@`, a quote, or digits left over once CSS numbers (`12px`, `1.5em`, `#fff`) are set aside.
"""

from __future__ import annotations

import re

from anonymizer.audit import Audit
from anonymizer.text import TextRedactor

CSS_DATA_URL_RE = re.compile(r"url\(\s*(['\"]?)data:[^)'\"]*\1\s*\)", re.IGNORECASE)
CSS_URL_RE = re.compile(r"(url\(\s*(['\"]?))(.*?)(\2\s*\))", re.IGNORECASE | re.DOTALL)
PIECE_RE = re.compile(r"[^;{}]+|[;{}]")
# CSS numbers with their unit, small plain numbers and hex colours: never personal data.
CSS_NUMBER_RE = re.compile(
    r"#[0-9a-f]{3,8}(?![\w-])|(?<![\w.])-?(?:\d{1,4}(?:\.\d+)?|\.\d+)(?:[a-z]{1,4}|%)?(?![\w.])",
    re.IGNORECASE,
)


def strip_css_data_urls(css: str, audit: Audit, field_kind: str) -> str:
    """Replace `url(data:...)` in CSS with an empty data URL."""
    css, n = CSS_DATA_URL_RE.subn("url(data:,)", css)
    if n:
        audit.count("DATA_URL", field_kind, "url_rule", "drop", n)
    return css


def may_hold_pattern(piece: str) -> bool:
    """A CSS piece worth analyzing: it has `@`, a quoted string or a digit beyond CSS numbers."""
    if "@" in piece or '"' in piece or "'" in piece:
        return True
    return any(c.isdigit() for c in CSS_NUMBER_RE.sub(" ", piece))


def redact_css(css: str, texts: TextRedactor, audit: Audit, field_kind: str) -> str:
    """CSS text with data URLs emptied, `url(...)` values redacted as URLs and patterns
    replaced elsewhere; the layout of the CSS is kept."""
    if not css:
        return css
    audit.seen(field_kind)
    css = strip_css_data_urls(css, audit, field_kind)

    # Even positions: CSS between url() values; odd positions: whole url() values.
    parts: list[str] = []
    last = 0
    for match in CSS_URL_RE.finditer(css):
        parts.append(css[last : match.start()])
        inner = match.group(3)
        redacted = texts.urls.redact(inner, audit) if inner.strip() else inner
        parts.append(match.group(1) + redacted + match.group(4))
        last = match.end()
    parts.append(css[last:])

    pieces: list[list[str]] = [
        PIECE_RE.findall(part) if i % 2 == 0 else [part] for i, part in enumerate(parts)
    ]
    todo = [
        (i, j)
        for i, group in enumerate(pieces)
        if i % 2 == 0
        for j, piece in enumerate(group)
        if len(piece) > 1 and may_hold_pattern(piece)
    ]
    if todo:
        found = texts.redact_many(
            [pieces[i][j] for i, j in todo], "pattern", audit, part_of=field_kind
        )
        for (i, j), redacted in zip(todo, found, strict=True):
            pieces[i][j] = redacted
    return "".join("".join(group) for group in pieces)
