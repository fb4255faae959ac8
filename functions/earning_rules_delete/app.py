"""DELETE /earning-rules/{earning_rule_id}: the rule grants nothing more (orders keep naming it)."""

from aws_lambda_powertools.event_handler import Response

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import EarningRuleIdPath
from shared.domain import earning_rules

router = new_router()


@router.delete(
    "/earning-rules/<earning_rule_id>",
    summary="Delete an earning rule",
    description=(
        "Deletes the rule: it grants nothing more. Orders it earned on keep naming it, and their returns "
        "still take its points back."
    ),
    operation_id="deleteEarningRule",
    tags=["Earning"],
    responses={204: {"description": "Deleted", "content": {}}},
)
def delete_earning_rule(earning_rule_id: EarningRuleIdPath) -> Response[None]:
    earning_rules.delete_rule(tenant_id(router), earning_rule_id)
    return Response(204)


lambda_handler = http_handler(router)
