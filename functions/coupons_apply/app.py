"""POST /coupons/apply?type=redeem|revert: redeem or revert the order's coupons, exactly as seed 004."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import request_id, tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.coupon_apply import ApplyResponse, CouponApplyIn, SeveralAppliedResponse, apply_type_of
from shared.domain import coupon_apply
from shared.observability import MetricUnit, metrics

router = new_router()
# Declared as text, so that a wrong value gets seed 004's own answer ("Invalid query param").
ApplyTypeQuery = Annotated[
    str | None,
    Query(alias="type", description="redeem or revert", json_schema_extra={"enum": ["redeem", "revert"]}),
]


@router.post(
    "/coupons/apply",
    summary="Redeem or revert coupons on an order (seed 004)",
    description=(
        "Seed 004. `type=redeem` redeems every coupon of `coupon_details` on the order, all or nothing in one"
        " transaction, within the total and per-customer limits even under concurrent requests; the same "
        "coupon, code, customer and order again answers the first result, anything else on that order id is "
        "a 409 naming the field. `type=revert` gives back exactly what the order used, once (another code is "
        "a 400). Metadata "
        "keys the coupon does not define, or of the wrong type, are nullified. Errors carry the seed's "
        "messages and details verbatim."
    ),
    operation_id="applyCoupons",
    tags=["Coupons"],
    middlewares=[idempotent],
)
def apply_coupons(
    body: CouponApplyIn, apply_type: ApplyTypeQuery = None, idempotency_key: IdempotencyKeyHeader = None
) -> ApplyResponse | SeveralAppliedResponse:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    chosen = apply_type_of(apply_type)
    applied = coupon_apply.apply_coupons(tenant_id(router), body.to_command(), chosen, request_id(router))
    metric = "CouponsRedeemed" if chosen == "redeem" else "CouponsReverted"
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=len(applied))
    return ApplyResponse.from_applied(applied)


lambda_handler = http_handler(router)
