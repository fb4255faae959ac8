"""Typed domain errors. The API layer maps each to the one error body (SPEC §2) in one place."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """An error a client can act on; ``message`` and ``details`` are shown to the client verbatim."""

    status: ClassVar[int] = 400
    key: ClassVar[str] = "bad_request"
    retry_after_seconds: ClassVar[int | None] = None  # sent as Retry-After when set

    def __init__(self, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else message


class BadRequest(DomainError):
    status = 400
    key = "bad_request"


class ValidationFailed(DomainError):
    """The payload is well-formed but a field breaks a rule; ``details`` names the field."""

    status = 400
    key = "validation_failed"

    def __init__(self, details: str) -> None:
        super().__init__("Invalid payload", details)


class PayloadTooLarge(DomainError):
    status = 413
    key = "bad_request"

    def __init__(self, details: str) -> None:
        super().__init__("Payload too large", details)


class Unauthorized(DomainError):
    status = 401
    key = "unauthorized"

    def __init__(self) -> None:
        super().__init__("Unauthorized", "app id or app secret invalid")


class NotFound(DomainError):
    status = 404
    key = "not_found"

    def __init__(self, details: str) -> None:
        super().__init__("Resource not found", details)


class CustomerNotFound(NotFound):
    def __init__(self, source_id: str) -> None:
        super().__init__(f"Cannot find customer with source id {source_id}")


class Conflict(DomainError):
    status = 409
    key = "conflict"


class ServiceUnavailable(DomainError):
    """The store refused or timed out after the SDK's own retries; the client may retry safely."""

    status = 503
    key = "rate_limited"
    retry_after_seconds = 1

    def __init__(self, details: str = "please retry the request") -> None:
        super().__init__("Service temporarily unavailable", details)


class InternalError(DomainError):
    """Anything unexpected: the client sees this body only, the details go to the log."""

    status = 500
    key = "internal_error"

    def __init__(self) -> None:
        super().__init__("Internal server error", "an unexpected error occurred; quote the request_id")
