"""The last line of defence for logs: scrub emails, phone, card and SSNs, URL query strings.

Our own code never logs payloads, but a library may (an exception message that quotes a value,
an access log line with a query string). Installed as the process's log record factory, the
scrubber rewrites every record when it is created, so every handler, including ones added
later (uvicorn's, pytest's caplog), only ever sees the scrubbed text.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

EMAIL = "<email>"
PHONE = "<phone>"
CARD = "<card>"
SSN = "<ssn>"
QUERY = "<query>"

# Bare digit runs kept although phone-long: Unix times in seconds (2001-09 to 2033-05) and in
# milliseconds. Every other bare run of 10 to 15 digits is masked: a national number written
# without spaces (a NANP one starts with 2-9, others with a 0 trunk prefix) or an international
# one without its "+".
EPOCH_S_RANGE = range(1_000_000_000, 2_000_000_000)
EPOCH_MS_RANGE = range(1_000_000_000_000, 2_000_000_000_000)

MESSAGE_LIMIT = 8192  # characters of a message kept; longer ones are cut, then scrubbed
TRACEBACK_LIMIT = 32768

# Quantifiers are bounded so no pattern can backtrack quadratically on a long line. An email
# is found from its "@": the local part is matched backwards on the reversed text before it.
_LOCAL_REVERSED_RE = re.compile(r"[\w.+%-]{1,64}")
_DOMAIN_RE = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
# A query string or fragment with at least one name=value pair, after a URL or a path.
_QUERY_RE = re.compile(r"(?<=[^\s\"'<>=])([?#])[^\s\"'<>?#]{0,4096}=[^\s\"'<>]{0,8192}")
_CARD_RE = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?!\w|\.\d)")
# Not after "-" either: the last group of a UUID is a run of up to 12 digits.
_PHONE_RE = re.compile(r"(?<![\w@/.:-])[+(]?\d[\d ().-]{5,22}\d(?![\w@/]|\.\d)")
_SSN_RE = re.compile(r"(?<![\w.-])\d{3}-\d{2}-\d{4}(?![\w-]|\.\d)")
_IPV4_RE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}(?:[:.]?\d{2}.*)?)?")
_DECIMAL_RE = re.compile(r"\d+\.\d+")
_SEPARATORS = frozenset(" ().-")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return CARD if _luhn_ok(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    if _is_phone(text):
        return PHONE
    # The match may have taken in a number before the phone ("ids 1234567 (555) 019-7731" or a
    # date): look once more from its next space (once: a deeper search costs far more).
    cut = text.find(" ")
    return text if cut == -1 else text[:cut] + _PHONE_RE.sub(_phone_only, text[cut:])


def _phone_only(match: re.Match[str]) -> str:
    return PHONE if _is_phone(match.group()) else match.group()


def _is_phone(text: str) -> bool:
    digits = "".join(c for c in text if c.isdigit())
    if not 7 <= len(digits) <= 15:
        return False
    if _IPV4_RE.fullmatch(text) or _DATE_RE.fullmatch(text) or _DECIMAL_RE.fullmatch(text):
        return False
    if _SEPARATORS & set(text) or text.startswith("+"):
        return True
    return _bare_phone(digits)


def _bare_phone(digits: str) -> bool:
    """Whether a run of digits without separators is a phone number rather than a count or time.

    Counts and ids under ten digits are kept, and so are epoch times; what is left of 10 to 15
    digits is masked. Known shortcoming: a count of ten digits or more (bytes, say) is masked
    too; log such sizes in larger units.
    """
    if len(digits) < 10:
        return False
    value = int(digits)
    return not (
        (len(digits) == 10 and value in EPOCH_S_RANGE)
        or (len(digits) == 13 and value in EPOCH_MS_RANGE)
    )


def _scrub_emails(text: str) -> str:
    out: list[str] = []
    done = 0
    at = text.find("@")
    while at != -1:
        domain = _DOMAIN_RE.match(text, at + 1)
        window = text[max(done, at - 64) : at][::-1]
        local = _LOCAL_REVERSED_RE.match(window)
        if domain:
            # Without a local part (cut off, or glued to the previous address) "@domain" goes too.
            out.append(text[done : at - (local.end() if local else 0)])
            out.append(EMAIL)
            done = domain.end()
        at = text.find("@", max(at + 1, done))
    out.append(text[done:])
    return "".join(out)


def scrub(text: str) -> str:
    """``text`` with emails, URL query strings, card, social security and phone numbers masked."""
    if "@" in text:
        text = _scrub_emails(text)
    if "?" in text or "#" in text:
        text = _QUERY_RE.sub(lambda m: m.group(1) + QUERY, text)
    if sum(c.isdigit() for c in text) >= 7:
        text = _CARD_RE.sub(_card, text)
        text = _SSN_RE.sub(SSN, text)
        text = _PHONE_RE.sub(_phone, text)
    return text


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters; the word cut in two is dropped, it may be half an address."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    return head[: max(head.rfind(" "), head.rfind("\n"), 0)] + " [cut]"


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite one record in place: message, exception text and stack, all scrubbed."""
    if getattr(record, "_scrubbed", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string must not lose the record
        message = str(record.msg)
    record.msg = scrub(_cut(message, MESSAGE_LIMIT))
    record.args = None

    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = scrub(_cut(text, TRACEBACK_LIMIT))
    elif record.exc_text:
        record.exc_text = scrub(_cut(record.exc_text, TRACEBACK_LIMIT))
    # The exception object may hold raw values in its attributes; only its scrubbed text stays.
    record.exc_info = None
    if record.stack_info:
        record.stack_info = scrub(_cut(record.stack_info, TRACEBACK_LIMIT))
    setattr(record, "_scrubbed", True)  # noqa: B010 - LogRecord has no such attribute
    return record


class ScrubbingFilter(logging.Filter):
    """The same scrubbing as a filter, for a handler in a process that did not install it."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


class DropDebug(logging.Filter):
    """Drops DEBUG records: for a library whose debug output quotes the text it analyses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


# Loggers that carry raw values by design get a filter of their own, which holds even where the
# record factory is replaced: Presidio logs analysed text at DEBUG ("Context list is: ..."), and
# uvicorn's access log prints query strings (the survey endpoints take ids in them).
LOGGER_FILTERS: dict[str, type[logging.Filter]] = {
    "presidio-analyzer": DropDebug,
    "presidio-anonymizer": DropDebug,
    "uvicorn.access": ScrubbingFilter,
}


def install_log_scrubbing() -> None:
    """Make every log record created from now on in this process a scrubbed one (idempotent)."""
    for name, kind in LOGGER_FILTERS.items():
        target = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in target.filters):
            target.addFilter(kind())
    current = logging.getLogRecordFactory()
    if getattr(current, "_stuckpoint_scrubbing", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(current(*args, **kwargs))

    factory._stuckpoint_scrubbing = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
