"""Request-body checks for endpoints that read the whole body at once (GraphQL).

Strawberry reads the body into memory, decodes it as UTF-8 and hands it to ``json.loads``: an
endless body would fill memory, a compressed or cut-in-a-character body raises
``UnicodeDecodeError`` and deep nesting ``RecursionError`` (500s, found by bench/fuzz_http.py).
This middleware refuses a declared encoding (415), reads at most ``max_bytes`` (413 beyond),
refuses bytes that are not UTF-8, JSON that is not an object or array, and nesting deeper than
``max_depth`` without parsing (400), and only then passes the body on. ``/collect`` and the
survey endpoints do their own checks.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.body import nesting_depth

logger = logging.getLogger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The JSON of a request refused before GraphQL ran: our error shape (``error``,
    ``message``, ``field``) plus GraphQL's ``errors`` list, which GraphQL clients read."""
    extensions = {"code": code, **({"field": field} if field else {})}
    body: dict[str, Any] = {"error": code, "message": message}
    if field:
        body["field"] = field
    return {**body, "errors": [{"message": message, "extensions": extensions}]}


class BodyTooLarge(Exception):
    """The body went past the limit while being read."""


class BodyLimit:
    """Refuse bodies over ``max_bytes`` (413) or nested deeper than ``max_depth`` (400)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = 1_048_576,
        max_depth: int = 64,
        paths: tuple[str, ...] = ("/graphql",),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or not scope["path"].startswith(self.paths)
        ):
            await self.app(scope, receive, send)
            return

        headers = dict(scope["headers"])
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"", b"identity"):
            await self._refuse(send, 415, "content-encoding", "send the body uncompressed")
            return
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(
                send, 413, "body", f"request body is larger than {self.max_bytes} bytes"
            )
            return
        try:
            body = await self._read(receive)
        except BodyTooLarge:
            await self._refuse(
                send, 413, "body", f"request body is larger than {self.max_bytes} bytes"
            )
            return
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            await self._refuse(send, 400, "body", "the body is not UTF-8 text")
            return
        media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if media in (b"", b"application/json") and body.lstrip()[:1] not in (b"{", b"["):
            # `null` or a bare number is valid JSON that Strawberry cannot take (a 500).
            await self._refuse(send, 400, "body", "the body must be a JSON object")
            return
        if body.count(b"[") + body.count(b"{") > self.max_depth and (
            nesting_depth(body) > self.max_depth
        ):
            await self._refuse(send, 400, "body", f"JSON nested deeper than {self.max_depth}")
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _refuse(self, send: Send, status: int, field: str, message: str) -> None:
        logger.info("request body refused (%d): %s", status, message)
        body = orjson.dumps(refusal("invalid_input", message, field))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
