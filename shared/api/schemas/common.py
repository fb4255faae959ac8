"""Field types and shapes shared by the API models.

The model modules evaluate their annotations eagerly (no ``from __future__ import annotations``): with
string annotations pydantic evaluates each one again at import, measured at several milliseconds of
every function's cold start per module of models.
"""

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

# The field types live with their limits in shared/limits.py; these are the names models import.
from shared.limits import IsoDateTime, Label, ShortText, SourceId

__all__ = ["ErrorKey", "ErrorResponse", "IsoDateTime", "Label", "ListResponse", "RequestModel", "ResponseModel",
           "ShortText", "SourceId"]  # fmt: skip


class RequestModel(BaseModel):
    """Request bodies reject unknown fields, so a misspelt field is a clear 400 rather than silently
    ignored, and are strict: ``true`` or ``"5"`` is not a number (JSON has the types; a client sending
    the wrong one has a bug worth reporting).

    Their validators are built when first used (``defer_build``), not at import: a module of models
    serves several functions, and a function that reads (GET) never validates a request body, so it
    never pays for building them at cold start."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class ResponseModel(BaseModel):
    """Response bodies; ``from_attributes`` lets them be read straight from the domain's dataclasses.

    Built when first used, as request models are: a module's models serve several routes, and each
    function builds only the ones its route renders."""

    model_config = ConfigDict(extra="ignore", from_attributes=True, defer_build=True)


T = TypeVar("T")


class ListResponse(ResponseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool
    next_cursor: str | None


# SPEC §2's keys, plus one per HTTP status that has its own meaning (413, 405), so a client can tell them
# apart by key alone: the only keys an error body carries (every domain error's key is one of them: a test checks).
ErrorKey = Literal[
    "bad_request",
    "unauthorized",
    "not_found",
    "method_not_allowed",
    "conflict",
    "payload_too_large",
    "validation_failed",
    "rate_limited",
    "internal_error",
]


class ErrorResponse(ResponseModel):
    """The one error body of every 4xx and 5xx; ``request_id`` is also the ``x-request-id`` header."""

    code: int = Field(description="The HTTP status")
    key: ErrorKey
    message: str
    details: str
    request_id: str
