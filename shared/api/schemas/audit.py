"""The audit log's entries as the API shows them."""

from typing import Any

from pydantic import Field

from shared.api.schemas.common import ResponseModel
from shared.entities.audit import Action, ObjectType


class AuditEntryOut(ResponseModel):
    id: str = Field(validation_alias="audit_id", description="aud_… id (starts with its time)")
    object_type: ObjectType
    object_id: str = Field(description="The changed object's id (a customer's cust_… id; credentials: the API key)")
    action: Action
    credential: str | None = Field(
        description="The API key whose request made the change (never its secret); `operator` for the "
        "command line; null if unknown"
    )
    request_id: str | None = Field(description="The request's x-request-id")
    created_at: str
    before: dict[str, Any] = Field(description="The changed fields' values before (nested fields as `a.b`)")
    after: dict[str, Any] = Field(description="The changed fields' values after; secrets read `redacted`")
    omitted: list[str] = Field(description="Changed fields whose values were too large to keep: named only")
