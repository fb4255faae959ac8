"""POST /rewards: add a reward to the catalog."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.rewards import RewardCreate, RewardResponse
from shared.domain import rewards
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/rewards",
    summary="Create a reward",
    description=(
        "Creates a catalog reward holding the fields of seeds 001, 002 and 003: MATERIAL (a product with "
        "`stock`), CAMPAIGN (issues one code of a coupon's pool per redemption) or COIN (points to a single-"
        "use amount coupon by `exchange_ratio`/`points_ratio`); member eligibility rules are checked when "
        "saved (a bad operator, attribute or value is a 400 naming the condition). Idempotency-Key makes a "
        "retry return the first answer."
    ),
    operation_id="createReward",
    tags=["Rewards"],
    responses={201: {"description": "Created"}},
    middlewares=[idempotent],
)
def create_reward(body: RewardCreate, idempotency_key: IdempotencyKeyHeader = None) -> Response[RewardResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    reward = rewards.create_reward(tenant_id(router), body)
    metrics.add_metric(name="RewardCreated", unit=MetricUnit.Count, value=1)
    return Response(201, content_types.APPLICATION_JSON, RewardResponse.from_reward(reward))


lambda_handler = http_handler(router)
