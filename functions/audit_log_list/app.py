"""GET /audit-log: every management change, newest first, filtered by object, change and time."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from shared.api.schemas.audit import AuditEntryOut
from shared.api.schemas.common import IsoDateTime, ListResponse
from shared.domain import audit
from shared.entities.audit import Action, ObjectType

router = new_router()


@router.get(
    "/audit-log",
    summary="The audit log",
    description=(
        "Every management change (campaigns, earning rules, rewards, coupons and their pools, settings, webhooks, "
        "points adjustments and reversals, credentials rotated or disabled), newest first, paginated: who made "
        "it (the API key, never its secret), when, the request id, and the changed fields before and after. "
        "`object_type` with `object_id` is one object's history; `from` and `to` are both included; pages "
        "continue with the same filters. Entries are kept 400 days."
    ),
    operation_id="listAuditLog",
    tags=["Audit"],
)
def list_audit_log(
    object_type: Annotated[ObjectType | None, Query(description="Only changes of this kind of object")] = None,
    object_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            pattern=r"^[A-Za-z0-9_]+$",
            description="With object_type: one object's history",
        ),
    ] = None,
    action: Annotated[Action | None, Query(description="Only changes of this kind")] = None,
    from_: Annotated[IsoDateTime | None, Query(alias="from", description="Changes at or after this time")] = None,
    to: Annotated[IsoDateTime | None, Query(description="Changes at or before this time")] = None,
    limit: PageLimit = DEFAULT_PAGE_LIMIT,
    cursor: PageCursor = None,
) -> ListResponse[AuditEntryOut]:
    wanted = audit.AuditFilter(object_type, object_id, action, from_, to)
    return fitted(
        ListResponse[AuditEntryOut],
        limit,
        lambda size: audit.list_entries(tenant_id(router), wanted, size, cursor),
        AuditEntryOut.model_validate,
    )


lambda_handler = http_handler(router)
