"""POST /coupons: define a coupon, with a fixed code or a pool of codes to import."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.coupons import CouponCreate, CouponResponse
from shared.domain import coupons

router = new_router()


@router.post(
    "/coupons",
    summary="Create a coupon",
    description=(
        "Defines a coupon (SPEC §10 payload): a fixed `coupon_code`, or none for a pool filled by "
        "importCouponCodes; the discount (amount, percent with an optional cap, free_shipping), validity "
        "window, total and per-customer usage limits (null = unlimited), an optional assigned customer, "
        "order- and item-level conditions and the metadata schema. Codes are unique per application and match"
        " case-insensitively. Idempotency-Key makes a retry return the first answer."
    ),
    operation_id="createCoupon",
    tags=["Coupons"],
    responses={201: {"description": "Created"}},
    middlewares=[idempotent],
)
def create_coupon(body: CouponCreate, idempotency_key: IdempotencyKeyHeader = None) -> Response[CouponResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    created = coupons.create_coupon(tenant_id(router), body.to_command())
    return Response(
        status_code=201, content_type=content_types.APPLICATION_JSON, body=CouponResponse.from_record(created)
    )


lambda_handler = http_handler(router)
