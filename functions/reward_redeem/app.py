"""POST /customers/{source_id}/rewards/{reward_id}/redeem: redeem a reward with points, in one transaction."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader, RewardIdPath, SourceIdPath
from shared.api.schemas.redeem import RedeemRequest
from shared.api.schemas.redemptions import RedemptionResponse
from shared.domain import redemptions
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/customers/<source_id>/rewards/<reward_id>/redeem",
    summary="Redeem a reward",
    description=(
        "Redeems a reward with points in one atomic write: the ledger debit (carrying the custom transaction "
        "attributes; mandatory ones required), and per type one pool code (CAMPAIGN), one unit of stock "
        '(MATERIAL) or a single-use amount coupon worth N x exchange_ratio / points_ratio (COIN, `{"points": '
        "N}`). Insufficient points, out of stock, not eligible, inactive or outside the window answer a 4xx "
        "that changes nothing. Idempotency-Key makes a retry return the first answer."
    ),
    operation_id="redeemReward",
    tags=["Rewards"],
    responses={201: {"description": "Redeemed"}},
    middlewares=[idempotent],
)
def redeem_reward(
    source_id: SourceIdPath, reward_id: RewardIdPath, body: RedeemRequest, idempotency_key: IdempotencyKeyHeader = None
) -> Response[RedemptionResponse]:
    record = redemptions.redeem(tenant_id(router), source_id, reward_id, body.to_command(), request_key=idempotency_key)
    metrics.add_metric(name="RewardRedeemed", unit=MetricUnit.Count, value=1)
    return Response(201, content_types.APPLICATION_JSON, RedemptionResponse.from_record(record))


lambda_handler = http_handler(router)
