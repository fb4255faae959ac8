"""GET /stats: the application's daily figures (points credited and debited, coupons and rewards
redeemed, new customers), counted off the request path by the stream consumer."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.stats import DayStats, StatsResponse
from shared.domain import stats
from shared.limits import IsoDate

router = new_router()


@router.get(
    "/stats",
    summary="Daily statistics",
    description="Figures per UTC day from `from` to `to` (both inclusive, YYYY-MM-DD; default: the last 30 "
    "days; at most 92 days): points credited and debited, coupons and rewards redeemed, new customers. "
    "Counted from the table's stream shortly after each change (not on the request path), each change once.",
    operation_id="getStats",
    tags=["Stats"],
)
def get_stats(
    from_: Annotated[IsoDate | None, Query(alias="from", description="First UTC day, YYYY-MM-DD")] = None,
    to: Annotated[IsoDate | None, Query(description="Last UTC day, YYYY-MM-DD")] = None,
) -> StatsResponse:
    days = stats.daily_stats(tenant_id(router), from_, to)
    return StatsResponse(
        first_day=days[0].day, last_day=days[-1].day, days=[DayStats.from_figures(day) for day in days]
    )


lambda_handler = http_handler(router)
