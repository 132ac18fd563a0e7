"""Stuckpoint's own errors. HTTP and GraphQL map them to clear messages without raw values."""

from __future__ import annotations


class StuckpointError(Exception):
    """Base of our errors; ``status`` is the HTTP status it maps to."""

    status = 500
    code = "internal"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str]:
        body = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidInput(StuckpointError):
    status = 400
    code = "invalid_input"


class Unauthorized(StuckpointError):
    status = 401
    code = "unauthorized"


class Forbidden(StuckpointError):
    status = 403
    code = "forbidden"


class NotFound(StuckpointError):
    status = 404
    code = "not_found"


class TooManyRequests(StuckpointError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(StuckpointError):
    status = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after_s: int = 5) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
