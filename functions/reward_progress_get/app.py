"""GET /campaigns/reward-progress: a customer's progress on every campaign rule (seed 000)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.pages import fit
from shared.api.params import PageCursor, PageLimit
from shared.api.schemas.progress import CampaignProgress
from shared.domain import progress

router = new_router()

NEXT_CURSOR_HEADER = "x-next-cursor"
MAX_CAMPAIGNS = 100


@router.get(
    "/campaigns/reward-progress",
    summary="Reward progress of a customer",
    description=(
        "Exactly seed 000's answer: each campaign with its rules and each rule's actions (`progress` in "
        "percent, `current`, `target`, `trigger`, `status`; AWT actions add `start_time`, `end_time`, "
        "`time_duration`, `time_left` and `expired`). The filters combine. An unknown customer answers the "
        "seed's 404 body, as does a request without `source_id` (its details say it is required). The answer "
        "stays the seed's array, so it pages through a header: at most `limit` "
        f"campaigns (default and most {MAX_CAMPAIGNS}), in campaign id order, fewer when they are large; when "
        f"more follow, the `{NEXT_CURSOR_HEADER}` header holds the `cursor` of the next page."
    ),
    operation_id="getRewardProgress",
    tags=["Campaigns"],
    responses={
        200: {
            "description": "The campaigns of this page",
            "headers": {
                NEXT_CURSOR_HEADER: {
                    "description": "Present when more campaigns follow: pass it as `cursor`",
                    "schema": {"type": "string"},
                }
            },
            "content": {"application/json": {"model": list[CampaignProgress]}},
        }
    },
)
def reward_progress(
    source_id: Annotated[str | None, Query(max_length=128)] = None,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    campaign_type: Annotated[Literal["loyalty", "referral"] | None, Query()] = None,
    limit: PageLimit = MAX_CAMPAIGNS,
    cursor: PageCursor = None,
) -> Response[list[CampaignProgress]]:
    app_id = tenant_id(router)
    data, next_cursor = fit(
        limit,
        lambda size: progress.reward_progress(app_id, source_id, campaign_id, campaign_type, size, cursor),
        CampaignProgress.from_view,
    )
    headers = {NEXT_CURSOR_HEADER: next_cursor} if next_cursor else None
    return Response(200, content_types.APPLICATION_JSON, data, headers=headers)


lambda_handler = http_handler(router)
