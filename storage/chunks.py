"""Event chunks: a batch's redacted events stored together as one compressed JSON blob.

FerretDB v1 cannot store nested arrays (rrweb data has them), and replay reads a chunk whole.
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson
from bson import Binary


def pack(items: list[Any]) -> Binary:
    return Binary(zlib.compress(orjson.dumps(items), 3))


def unpack(blob: bytes | None) -> list[dict[str, Any]]:
    return orjson.loads(zlib.decompress(blob)) if blob else []  # type: ignore[no-any-return]
