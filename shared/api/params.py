"""Query and path parameters shared by routes."""

from __future__ import annotations

import re
from typing import Annotated

from annotated_types import Interval
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import BeforeValidator

from shared.api.schemas.common import Label, SourceId


def _query_text(pattern: str, expected: str) -> BeforeValidator:
    """A query value's text must be its type's one spelling (as the document types it): pydantic's lax
    parsing would also read ``1.0``, ``+1``, `` 1`` or ``1_0`` as an integer and ``yes``, ``on`` or ``1``
    as true, which the document does not say and a client's typo should not meet."""
    form = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, str) and not form.fullmatch(value):
            raise ValueError(f"must be {expected}")
        return value

    return BeforeValidator(check)


IntegerText = _query_text(r"-?[0-9]{1,18}", "an integer written in digits (20)")
QueryBoolean = Annotated[bool, _query_text(r"true|false", "true or false")]

# The bounds before the text check: Query's own ge/le on a type with a validator would be documented as
# "ge"/"le", which no OpenAPI reader knows (the document would lose the bounds the code enforces).
PageLimit = Annotated[int, Interval(ge=1, le=100), IntegerText, Query(description="Items per page (1 to 100)")]
# A cursor is only ever a next_cursor this API gave out, never empty: ``cursor=`` is a 400, not a first page.
PageCursor = Annotated[str | None, Query(min_length=1, max_length=1024, description="next_cursor of the previous page")]
SourceIdPath = Annotated[SourceId, Path(description="The merchant's own customer id")]
CampaignIdPath = Annotated[str, Path(min_length=1, max_length=64, description="camp_… id")]
DEFAULT_PAGE_LIMIT = 20
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        max_length=255,
        description="Makes a retry safe: the same key with the same request returns the first response "
        "and changes nothing again; with another request it is a 409. Remembered 24 hours.",
    ),
]
RewardIdPath = Annotated[str, Path(min_length=1, max_length=64, description="rew_… id")]
RedemptionIdPath = Annotated[str, Path(min_length=1, max_length=64, description="red_… id")]
CouponIdPath = Annotated[str, Path(min_length=1, max_length=64, description="coupm_… id")]
WebhookIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="whk_… id")]
DeliveryIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="dlv_… id")]
ImportIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="imp_… id")]
TxnIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="txn_… id")]
ExportIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="exp_… id")]
EarningRuleIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$", description="ern_… id")
]

# Capillary's list parameters (the two Capillary-compatible lists): ``size`` is its page size; its page
# number is only accepted as 0 (the first page), the next pages follow ``cursor`` (pagingDto.nextCursor):
# a client asking page 1 gets a 400 rather than the first page again.
CapillaryPageSize = Annotated[int, Interval(ge=1, le=100), IntegerText, Query(description="Items per page (1 to 100)")]
CapillaryFirstPage = Annotated[
    int | None,
    Interval(ge=0, le=0),
    IntegerText,
    Query(description="Capillary's page number: only 0; further pages follow `cursor` (pagingDto.nextCursor)"),
]
BrandNamePath = Annotated[Label, Path(description="The rewards' brand (a reward's `brand`)")]
OrderIdPath = Annotated[str, Path(min_length=1, max_length=128, description="The merchant's order_id")]
