"""POST /orders: an order, credited by the earning rules and delivered to the campaigns as ``order``."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.orders import OrderPost, OrderResponse
from shared.domain import orders
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/orders",
    summary="Receive an order",
    description=(
        "Seed 004's order with `source_id` and `occurred_at`: every active earning rule grants its points "
        "(per item, within its caps and budget; the answer says what each rule earned on each item and "
        "what a limit withheld), and campaigns receive it as the event `order`. Once per `order_id`: the "
        "same order again answers the first result (200), another body under its id is a 409."
    ),
    operation_id="createOrder",
    tags=["Orders"],
    responses={200: {"description": "Received before"}, 201: {"description": "Received"}},
)
def create_order(body: OrderPost) -> Response[OrderResponse]:
    placed = orders.place_order(tenant_id(router), body.to_command())
    metrics.add_metric(name="OrderReceived", unit=MetricUnit.Count, value=1)
    status = 201 if placed.created else 200
    return Response(status, content_types.APPLICATION_JSON, OrderResponse.from_record(placed.record))


lambda_handler = http_handler(router)
