"""POST /orders/{order_id}/cancel: everything left returned, and the order's coupon redemptions reverted."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import OrderIdPath
from shared.api.schemas.orders import OrderResponse
from shared.domain import orders

router = new_router()


@router.post(
    "/orders/<order_id>/cancel",
    summary="Cancel an order",
    description=(
        "Takes back what every unit not yet returned earned (the return `order.cancel`) and reverts the "
        "coupon redemptions named by the order's `coupon_details` (seed 004's revert). Once: a second "
        "cancel changes nothing."
    ),
    operation_id="cancelOrder",
    tags=["Orders"],
)
def cancel_order(order_id: OrderIdPath) -> OrderResponse:
    return OrderResponse.from_record(orders.cancel_order(tenant_id(router), order_id))


lambda_handler = http_handler(router)
