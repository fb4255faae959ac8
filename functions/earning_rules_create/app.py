"""POST /earning-rules: add a rule that grants points on every matching order."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.earning import EarningRuleIn, EarningRuleResponse
from shared.domain import earning_rules
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/earning-rules",
    summary="Create an earning rule",
    description=(
        "A rule grants points on every matching order: `earn` points per `per` units of the matching items' "
        "value (or of a property), or fixed points per order, rounded once; items chosen in the coupon "
        "conditions' grammar with `exclude`; an optional `multiplier` (within a window); `limits` per "
        "customer per period and a total `budget`. At most 20 rules per application. Idempotency-Key makes "
        "a retry return the first answer."
    ),
    operation_id="createEarningRule",
    tags=["Earning"],
    responses={201: {"description": "Created"}},
    middlewares=[idempotent],
)
def create_earning_rule(
    body: EarningRuleIn, idempotency_key: IdempotencyKeyHeader = None
) -> Response[EarningRuleResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    view = earning_rules.create_rule(tenant_id(router), body.to_spec())
    metrics.add_metric(name="EarningRuleCreated", unit=MetricUnit.Count, value=1)
    return Response(201, content_types.APPLICATION_JSON, EarningRuleResponse.from_view(view))


lambda_handler = http_handler(router)
