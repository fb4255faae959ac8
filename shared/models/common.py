"""Field types and shapes shared by the API models."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

# The field types live with their limits in shared/models/limits.py; these are the names models import.
from shared.models.limits import IsoDateTime, Label, ShortText, SourceId

__all__ = ["ErrorResponse", "IsoDateTime", "Label", "ListResponse", "RequestModel", "ResponseModel", "ShortText",
           "SourceId"]  # fmt: skip


class RequestModel(BaseModel):
    """Request bodies reject unknown fields, so a misspelt field is a clear 400 rather than silently
    ignored, and are strict: ``true`` or ``"5"`` is not a number (JSON has the types; a client sending
    the wrong one has a bug worth reporting)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    """Response bodies; ``from_attributes`` lets them be read straight from the domain's dataclasses."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


T = TypeVar("T")


class ListResponse(ResponseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool
    next_cursor: str | None


class ErrorResponse(ResponseModel):
    code: int
    key: str
    message: str
    details: str
    request_id: str
