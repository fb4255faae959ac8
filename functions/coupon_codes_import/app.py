"""POST /coupons/{coupon_id}/codes: import up to 10,000 unique codes into a coupon's pool."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import CouponIdPath, IdempotencyKeyHeader
from shared.api.schemas.coupons import CodesImport, CodesImportResponse, PoolCounts
from shared.domain import coupons
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/coupons/<coupon_id>/codes",
    summary="Import codes into a coupon's pool",
    description=(
        "Imports up to 10,000 unique codes per call into the coupon's pool; larger pools arrive in several "
        "calls. A duplicate inside the call is a 400 naming it, a code another coupon holds is a 409 naming "
        "it, and then nothing is written; repeating an import changes nothing. Each pool code redeems under "
        "this coupon_id."
    ),
    operation_id="importCouponCodes",
    tags=["Coupons"],
    middlewares=[idempotent],
)
def import_codes(
    coupon_id: CouponIdPath, body: CodesImport, idempotency_key: IdempotencyKeyHeader = None
) -> CodesImportResponse:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    result, coupon = coupons.import_codes(tenant_id(router), coupon_id, body.codes)
    metrics.add_metric(name="CouponCodesImported", unit=MetricUnit.Count, value=result.created)
    return CodesImportResponse(
        coupon_id=coupon_id,
        created=result.created,
        already_in_pool=result.already_in_pool,
        codes=PoolCounts.of(coupon),
    )


lambda_handler = http_handler(router)
