"""GET /stats: daily figures of the application."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.api.schemas.common import ResponseModel
from shared.storage.stats import DayFigures


class DayStats(ResponseModel):
    date: str = Field(description="UTC day, YYYY-MM-DD")
    points_credited: int
    points_debited: int = Field(description="Points taken off balances (a positive number)")
    coupons_redeemed: int
    rewards_redeemed: int
    new_customers: int
    points_expired: int = Field(description="Points that reached their expiry day, active or pending (positive)")
    points_reversed: int = Field(description="Points taken back by reversals of credits (positive)")

    @classmethod
    def from_figures(cls, day: DayFigures) -> DayStats:
        return cls(date=day.day, **day.figures)


class StatsResponse(ResponseModel):
    object: Literal["stats"] = "stats"
    first_day: str = Field(description="The range's first day (from), inclusive")
    last_day: str = Field(description="The range's last day (to), inclusive")
    days: list[DayStats] = Field(description="Every day of the range, oldest first; zeros where nothing happened")
