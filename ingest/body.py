"""Request body bytes → a JSON value: content type, gzip, byte limits, nesting depth, syntax."""

from __future__ import annotations

import json
import re
import zlib
from array import array
from itertools import accumulate
from typing import Any

import orjson

from ingest.errors import InvalidBatch

JSON_TYPES = frozenset({"application/json", "text/plain", ""})
GZIP_ENCODINGS = frozenset({"gzip", "x-gzip"})
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"

_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
# Escaped UTF-16 halves without their partner: valid for JSON.stringify, not for UTF-8 storage.
_LONE_HIGH = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})")
_LONE_LOW = re.compile(rb"(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def check_content_type(content_type: str | None) -> None:
    """Accept JSON, text/plain (what sendBeacon sends for a string) or no type, in UTF-8."""
    media, _, params = (content_type or "").partition(";")
    if media.strip().lower() not in JSON_TYPES:
        raise InvalidBatch(415, "content-type", "unsupported media type")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise InvalidBatch(415, "content-type", "unsupported charset")


def decompress(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """Undo gzip (declared, or recognised by its magic bytes), refusing output over `max_bytes`."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding not in GZIP_ENCODINGS and encoding != "identity":
        raise InvalidBatch(415, "content-encoding", "unsupported encoding")
    if not body.startswith(GZIP_MAGIC):
        if encoding in GZIP_ENCODINGS:
            raise InvalidBatch(400, "body", "not gzip data")
        return body

    out: list[bytes] = []
    size = 0
    data = body
    # A gzip stream may hold several members back to back.
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            chunk = inflater.decompress(data, max_bytes - size + 1)
        except zlib.error as err:
            raise InvalidBatch(400, "body", "corrupt gzip data") from err
        size += len(chunk)
        out.append(chunk)
        if size > max_bytes or inflater.unconsumed_tail:
            raise InvalidBatch(413, "body", "decompressed body too large")
        if not inflater.eof:
            raise InvalidBatch(400, "body", "truncated gzip data")
        data = inflater.unused_data
        if data and not data.startswith(GZIP_MAGIC):
            raise InvalidBatch(400, "body", "trailing data after gzip")
    return b"".join(out)


def outside_strings(raw: bytes) -> bytes:
    """The bytes of JSON text `raw` that are not inside strings; an unterminated string runs to
    the end. Linear, and about 3x faster than a regular expression over the same text."""
    if b"\\" in raw:
        # Escaped backslashes pair up left to right, as a JSON reader pairs them; what is left
        # of an escaped quote is then `\"`. Neither can end a string, so both go.
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Between an even and the next odd quote is a string; an odd count leaves the tail inside one.
    return b"".join(raw.split(b'"')[::2])


def nesting_depth(raw: bytes) -> int:
    """Deepest nesting of arrays and objects, found without parsing (strings are skipped)."""
    skeleton = outside_strings(raw).translate(None, _NOT_BRACKETS)
    # Openers become +1 and closers -1 (signed bytes); the running sum is the depth.
    steps = array("b", skeleton.translate(_DEPTH_STEPS))
    return max(0, max(accumulate(steps), default=0))


def load_json(raw: bytes, max_depth: int) -> Any:
    """Parse UTF-8 JSON after a cheap depth check, so deep nesting never reaches the parser."""
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    # Only count precisely when there are enough brackets for the limit to matter.
    if raw.count(b"[") + raw.count(b"{") > max_depth and nesting_depth(raw) > max_depth:
        raise InvalidBatch(400, "body", "nesting too deep")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        if "surrogate" not in str(err):
            raise InvalidBatch(400, "body", "not valid JSON") from err

    # Text cut in the middle of an emoji arrives as a lone escaped surrogate; keep the rest.
    repaired = _LONE_LOW.sub(rb"\\ufffd", _LONE_HIGH.sub(rb"\\ufffd", raw))
    try:
        return orjson.loads(repaired)
    except orjson.JSONDecodeError as err:
        raise InvalidBatch(400, "body", "not valid JSON") from err


def json_size(value: Any) -> int:
    """UTF-8 bytes of `value` as `json.dumps(value, ensure_ascii=False)` writes it.

    Known shortcoming: a float below 1e-4 is written by orjson as `1.5e-7` or `0.00001` where the
    stdlib writes `1.5e-07` or `1e-05`, so each one can be off by a few bytes; exact would need a
    pass over every number written with an exponent or leading zeros.
    """
    return measure_json(value)[0]


def measure_json(value: Any) -> tuple[int, bytes]:
    """`json_size(value)` and the compact JSON it was measured from (b"" when orjson cannot
    write `value`, which is then measured by the stdlib).

    orjson writes the same text without the space after each `,` and `:`; counting those outside
    strings gives the stdlib's size at a fraction of the cost.
    """
    try:
        compact = orjson.dumps(value)
    except orjson.JSONEncodeError:
        # orjson stops at 255 levels and at 64-bit integers; the stdlib goes on (and raises
        # RecursionError past its own depth limit).
        text = json.dumps(value, ensure_ascii=False)
        return len(text.encode("utf-8", "surrogatepass")), b""
    structure = outside_strings(compact)
    return len(compact) + structure.count(b",") + structure.count(b":"), compact


def read_json(
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    *,
    max_request_bytes: int,
    max_decompressed_bytes: int,
    max_depth: int,
) -> Any:
    """Check, decompress and parse a request body."""
    if len(body) > max_request_bytes:
        raise InvalidBatch(413, "body", "request too large")
    check_content_type(content_type)
    raw = decompress(body, content_encoding, max_decompressed_bytes)
    if len(raw) > max_decompressed_bytes:
        raise InvalidBatch(413, "body", "request too large")
    return load_json(raw, max_depth)
