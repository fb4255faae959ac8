"""GET /earning-rules: the application's earning rules, paginated."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fitted
from shared.api.params import DEFAULT_PAGE_LIMIT, PageCursor, PageLimit
from shared.api.schemas.common import ListResponse
from shared.api.schemas.earning import EarningRuleResponse
from shared.domain import earning_rules

router = new_router()


@router.get(
    "/earning-rules",
    summary="List earning rules",
    description="The application's earning rules with their budget used, paginated with `limit` and `cursor`.",
    operation_id="listEarningRules",
    tags=["Earning"],
)
def list_earning_rules(
    limit: PageLimit = DEFAULT_PAGE_LIMIT, cursor: PageCursor = None
) -> ListResponse[EarningRuleResponse]:
    return fitted(
        ListResponse[EarningRuleResponse],
        limit,
        lambda size: earning_rules.list_rules(tenant_id(router), size, cursor),
        EarningRuleResponse.from_view,
    )


lambda_handler = http_handler(router)
