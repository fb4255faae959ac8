"""POST /orders/{order_id}/returns: take back what the returned units earned."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import OrderIdPath
from shared.api.schemas.orders import OrderResponse, ReturnIn
from shared.domain import orders

router = new_router()


@router.post(
    "/orders/<order_id>/returns",
    summary="Return items of an order",
    description=(
        "Takes back exactly what the returned units earned, per rule (multipliers included; what a cap or "
        "budget withheld is never taken), from each credit's own lot first, then by the return policy; "
        "budgets and the customer's caps get it back. Once per `return_id`; more units than are left is a 400 "
        "naming the item."
    ),
    operation_id="returnOrderItems",
    tags=["Orders"],
)
def return_order_items(order_id: OrderIdPath, body: ReturnIn) -> OrderResponse:
    return OrderResponse.from_record(orders.return_items(tenant_id(router), order_id, body.to_command()))


lambda_handler = http_handler(router)
