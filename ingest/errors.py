"""Errors raised while reading what a browser sent. Messages name fields, never their values."""

from __future__ import annotations


class IngestError(Exception):
    """Base of ingest's errors."""


class InvalidBatch(IngestError):
    """The request body cannot be accepted; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, field: str, reason: str) -> None:
        super().__init__(f"{status} {field}: {reason}")
        self.status = status
        self.field = field
        self.reason = reason
