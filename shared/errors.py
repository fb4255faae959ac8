"""Typed domain errors: what went wrong, in words a client can act on. How each one answers over HTTP is
the API's business: one table, in shared/api/errors.py."""

from __future__ import annotations


class DomainError(Exception):
    """An error a client can act on; ``message`` and ``details`` are shown to the client verbatim."""

    def __init__(self, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else message


class BadRequest(DomainError):
    """The request cannot be served as sent (for rules without a kind of their own)."""


class ValidationFailed(DomainError):
    """The payload is well-formed but a field breaks a rule; ``details`` names the field."""

    def __init__(self, details: str) -> None:
        super().__init__("Invalid payload", details)


class PayloadTooLarge(DomainError):
    def __init__(self, details: str) -> None:
        super().__init__("Payload too large", details)


class Unauthorized(DomainError):
    def __init__(self) -> None:
        super().__init__("Unauthorized", "app id or app secret invalid")


class NotFound(DomainError):
    def __init__(self, details: str) -> None:
        super().__init__("Resource not found", details)


class CustomerNotFound(NotFound):
    def __init__(self, source_id: str) -> None:
        super().__init__(f"Cannot find customer with source id {source_id}")


class SourceIdMissing(NotFound):
    """Seed 000 answers a progress read without ``source_id`` as an unknown customer (a 404): the details
    name the parameter to send rather than an empty id."""

    def __init__(self) -> None:
        super().__init__("source_id is required to find the customer")


class Conflict(DomainError):
    """The request clashes with the current state of what it names."""


class ServiceUnavailable(DomainError):
    """The store refused or timed out after the SDK's own retries; the client may retry safely."""

    def __init__(self, details: str = "please retry the request") -> None:
        super().__init__("Service temporarily unavailable", details)


class InternalError(DomainError):
    """Anything unexpected: the client sees this body only, the details go to the log."""

    def __init__(self) -> None:
        super().__init__("Internal server error", "an unexpected error occurred; quote the request_id")
