"""PATCH /earning-rules/{earning_rule_id}: change a rule (checked whole again)."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import EarningRuleIdPath
from shared.api.schemas.earning import EarningRulePatch, EarningRuleResponse
from shared.domain import earning_rules

router = new_router()


@router.patch(
    "/earning-rules/<earning_rule_id>",
    summary="Update an earning rule",
    description=(
        "Changes the fields sent (`multiplier: null` removes it); the rule is checked whole again and "
        "applies to orders received from now on. A budget below `budget_used` leaves nothing to grant."
    ),
    operation_id="updateEarningRule",
    tags=["Earning"],
)
def update_earning_rule(earning_rule_id: EarningRuleIdPath, body: EarningRulePatch) -> EarningRuleResponse:
    return EarningRuleResponse.from_view(earning_rules.update_rule(tenant_id(router), earning_rule_id, body.apply))


lambda_handler = http_handler(router)
