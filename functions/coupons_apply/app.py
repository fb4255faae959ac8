"""POST /coupons/apply?type=redeem|revert: redeem or revert the order's coupons, exactly as seed 004."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import request_id, tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.coupons import AppliedCouponOut, ApplyResponse, CouponApplyIn, SeveralAppliedResponse
from shared.domain import coupons
from shared.observability import MetricUnit, metrics

router = new_router()
# Declared as text, so that a wrong value gets seed 004's own answer ("Invalid query param").
ApplyType = Annotated[
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
    body: CouponApplyIn, apply_type: ApplyType = None, idempotency_key: IdempotencyKeyHeader = None
) -> ApplyResponse | SeveralAppliedResponse:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    applied = coupons.apply_coupons(tenant_id(router), body, apply_type, request_id(router))
    metric = "CouponsRedeemed" if apply_type == "redeem" else "CouponsReverted"
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=len(applied))
    first = applied[0]
    seed_fields = {
        "status": first.status,
        "couponId": first.coupon_id,
        "orderId": first.order_id,
        "request_id": first.request_id,
        "coupon_code": first.coupon_code,
    }
    if len(applied) == 1:
        return ApplyResponse.model_validate(seed_fields)
    coupons_applied = [
        AppliedCouponOut(status=a.status, couponId=a.coupon_id, coupon_code=a.coupon_code, request_id=a.request_id)
        for a in applied
    ]
    return SeveralAppliedResponse.model_validate({**seed_fields, "coupons": coupons_applied})


lambda_handler = http_handler(router)
