"""GET /orders/{order_id}: an order, what each rule earned on each item, and its returns."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import OrderIdPath
from shared.api.schemas.orders import OrderResponse
from shared.domain import orders

router = new_router()


@router.get(
    "/orders/<order_id>",
    summary="Get an order",
    description="The order as received, its points per rule and item (earned, taken back), its returns and cancel.",
    operation_id="getOrder",
    tags=["Orders"],
)
def get_order(order_id: OrderIdPath) -> OrderResponse:
    return OrderResponse.from_record(orders.get_order(tenant_id(router), order_id))


lambda_handler = http_handler(router)
