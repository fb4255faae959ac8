"""GET /earning-rules/{earning_rule_id}: one earning rule and its budget used."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import EarningRuleIdPath
from shared.api.schemas.earning import EarningRuleResponse
from shared.domain import earning_rules

router = new_router()


@router.get(
    "/earning-rules/<earning_rule_id>",
    summary="Get an earning rule",
    description="The rule, with `budget_used` (points granted less what returns took back) and `budget_left`.",
    operation_id="getEarningRule",
    tags=["Earning"],
)
def get_earning_rule(earning_rule_id: EarningRuleIdPath) -> EarningRuleResponse:
    return EarningRuleResponse.from_view(earning_rules.get_rule(tenant_id(router), earning_rule_id))


lambda_handler = http_handler(router)
