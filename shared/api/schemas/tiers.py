"""API models of the tier program and of a member's tier (with its gaps) and override."""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from shared.api.schemas.common import IsoDateTime, Label, RequestModel, ResponseModel, ShortText
from shared.clock import iso_from_epoch_ms
from shared.domain.tier_program import TierDistribution
from shared.domain.tiers import Gap, TierView
from shared.entities.numbers import Number, exact
from shared.entities.tiers import DowngradePolicy, QualifyOn, Tier, TierProgram
from shared.limits import MAX_ROLLING_MONTHS

MAX_TIERS = 20
MAX_THRESHOLD = 1_000_000_000
MAX_GRACE_DAYS = 366


class TierIn(RequestModel):
    name: Label
    threshold: Annotated[int, Field(ge=0, le=MAX_THRESHOLD)] = Field(
        description="Qualifying points to reach it (on spend: the order value, in the currency's units)"
    )
    multiplier: Annotated[float, Field(ge=1, le=100, allow_inf_nan=False)] | None = Field(
        default=None, description="What earning rules' credits are multiplied by for members of this tier"
    )


class RollingWindow(RequestModel):
    rolling_months: Annotated[int, Field(ge=1, le=MAX_ROLLING_MONTHS)] = Field(
        description="Count the current UTC month and the months before it, this many in all"
    )


class CalendarWindow(RequestModel):
    calendar: Literal["year"] = Field(description="Count the current UTC calendar year")


class DowngradeIn(RequestModel):
    policy: DowngradePolicy = Field(
        default="one_down",
        description="one_down: one tier at a time (each with its own grace); to_qualified: to the tier qualified for",
    )
    grace_days: Annotated[int, Field(ge=0, le=MAX_GRACE_DAYS)] = Field(
        default=30, description="Days the tier is kept once the qualifying points fell below it"
    )
    notice_days: Annotated[int, Field(ge=0, le=MAX_GRACE_DAYS)] = Field(
        default=7, description="tier.downgrade_pending is announced this many days before the drop; 0: never"
    )


class TierProgramIn(RequestModel):
    qualify_on: QualifyOn = Field(
        default="points_earned",
        description="points_earned: credits of campaigns and earning rules, less their reversals and returns; "
        "spend: orders' value (selling_price x quantity of their items) less returns and cancels",
    )
    window: RollingWindow | CalendarWindow
    tiers: Annotated[list[TierIn], Field(min_length=1, max_length=MAX_TIERS)] = Field(
        description=(
            "Lowest first: thresholds strictly increasing, the first at 0, names unique (ignoring case and "
            "surrounding spaces)"
        )
    )
    downgrade: DowngradeIn = DowngradeIn()

    def command(self) -> tuple[list[Tier], int | None, DowngradePolicy, int, int, QualifyOn]:
        """The program as ``tier_program.set_program`` takes it."""
        months = self.window.rolling_months if isinstance(self.window, RollingWindow) else None
        tier_list = [Tier(t.name, t.threshold, t.multiplier) for t in self.tiers]
        downgrade = self.downgrade
        return tier_list, months, downgrade.policy, downgrade.grace_days, downgrade.notice_days, self.qualify_on

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.tiers[0].threshold != 0:
            raise ValueError("tiers.0.threshold: must be 0 (every member is in the first tier)")
        for index in range(1, len(self.tiers)):
            if self.tiers[index].threshold <= self.tiers[index - 1].threshold:
                raise ValueError(f"tiers.{index}.threshold: must be greater than tiers.{index - 1}.threshold")
        # "Gold" and "gold " would be two tiers an override or a reward's tier could not tell apart
        names = [tier.name.strip().casefold() for tier in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("tiers: names must be unique (ignoring case and surrounding spaces)")
        return self


class TierResponse(ResponseModel):
    name: str
    threshold: int
    multiplier: float | None


class TierProgramResponse(ResponseModel):
    object: Literal["tier_program"] = "tier_program"
    qualify_on: QualifyOn
    window: RollingWindow | CalendarWindow
    tiers: list[TierResponse]
    downgrade: DowngradeIn
    updated_at: str = Field(description="When the program took effect: members are judged by it from then")

    @classmethod
    def from_program(cls, program: TierProgram) -> "TierProgramResponse":
        months = program.rolling_months
        window = RollingWindow(rolling_months=months) if months else CalendarWindow(calendar="year")
        return cls(
            qualify_on=program.qualify_on,
            window=window,
            tiers=[TierResponse(name=t.name, threshold=t.threshold, multiplier=t.multiplier) for t in program.tiers],
            downgrade=DowngradeIn(
                policy=program.policy, grace_days=program.grace_days, notice_days=program.notice_days
            ),
            updated_at=program.version,
        )


class TierMembers(ResponseModel):
    name: str
    members: int


class TierProgramWithMembers(TierProgramResponse):
    """The program with its distribution (GET /settings/tiers)."""

    members: list[TierMembers] = Field(
        description="Members per tier of the program, lowest first: the tier each holds as stored (an upgrade "
        "counts in the write that crosses; a drop once the tier job records it; an override is not counted)"
    )
    former_tiers: list[TierMembers] = Field(
        description="Members still counted in a tier a previous program had (renamed or removed): each moves "
        "to its tier under this program at its next qualifying write or tier job run"
    )

    @classmethod
    def from_distribution(cls, found: TierDistribution) -> "TierProgramWithMembers":
        return cls(
            **TierProgramResponse.from_program(found.program).model_dump(),
            members=[TierMembers(name=name, members=count) for name, count in found.tiers],
            former_tiers=[TierMembers(name=name, members=count) for name, count in found.former],
        )


def json_number(value: Number) -> int | float:
    """An exact total as JSON shows it: whole as an int, else the float of its shortest form (a spend
    total has the few decimals of its prices and quantities, kept exactly in storage)."""
    number = exact(value)
    return number if isinstance(number, int) else float(number)


class TierGap(ResponseModel):
    name: str
    needed: int | float = Field(
        description="Qualifying points (on spend: order value) still to earn (0 or less: already there)"
    )
    by: str = Field(description="When: the window's next move (next), or the drop (keep)")

    @classmethod
    def from_gap(cls, gap: Gap | None) -> "TierGap | None":
        if gap is None or gap.name is None or gap.by_ms is None:
            return None
        return cls(name=gap.name, needed=json_number(max(gap.needed, 0)), by=iso_from_epoch_ms(gap.by_ms))


class TierOverrideResponse(ResponseModel):
    name: str
    until: str
    reason: str | None


class TierStatus(ResponseModel):
    name: str = Field(description="The tier that applies now (an override's while it lasts and is higher)")
    since: str
    qualifying: int | float = Field(description="Qualifying points (on spend: order value) in the window now")
    qualify_on: QualifyOn = Field(description="What `qualifying` counts: the program's `qualify_on`")
    held: str = Field(description="The tier the qualifying points earned, whatever an override says")
    next: TierGap | None = Field(description="To reach the tier above: points to earn, and when the window moves")
    keep: TierGap | None = Field(description="To keep the held tier: points the window must hold by the drop")
    override: TierOverrideResponse | None = Field(description="A floor set by hand, until a date")

    @classmethod
    def from_view(cls, view: TierView) -> "TierStatus":
        override = view.override
        return cls(
            name=view.name,
            since=iso_from_epoch_ms(view.since_ms),
            qualifying=json_number(view.qualifying),
            qualify_on=view.qualify_on,
            held=view.held,
            next=TierGap.from_gap(view.next),
            keep=TierGap.from_gap(view.keep),
            override=TierOverrideResponse(
                name=override.name, until=iso_from_epoch_ms(override.until_ms), reason=override.reason
            )
            if override
            else None,
        )


class TierOverrideIn(RequestModel):
    name: Label = Field(description="A tier of the program: the member's floor until `until`")
    until: IsoDateTime = Field(description="When the override ends (it never lasts longer)")
    reason: ShortText | None = None

    def until_ms(self) -> int:
        return round(self.until.timestamp() * 1000) if isinstance(self.until, datetime) else 0
