"""API models of the points policy, a customer's points and ledger entries, adjustments and reversals."""

from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from shared.api.schemas.common import RequestModel, ResponseModel, ShortText
from shared.clock import iso_from_epoch_ms
from shared.domain.points.lots import Wallet
from shared.entities.points import DAY_MS, LedgerEntry, PolicyRecord, Reason, ReturnPolicy, dated_lots
from shared.limits import ExpireAfterDays, PendingDays, TimeZoneName

MAX_ADJUSTMENT = 10_000_000
EXPIRING_SHOWN = 5  # expiry days a customer's points show


def _day_iso(day: int) -> str:
    return iso_from_epoch_ms(day * DAY_MS)


class ExpiringPoints(ResponseModel):
    points: int
    expires_at: str = Field(description="When these points expire: the end of a UTC day")


class Points(ResponseModel):
    balance: int = Field(description="Spendable now: active, unexpired points (negative only after a reversal)")
    pending: int = Field(description="Earned but not yet spendable (the policy's pending_days)")
    earned: int
    redeemed: int
    expired: int
    expiring: list[ExpiringPoints] = Field(description="The next days on which points expire, soonest first")

    @classmethod
    def from_wallet(cls, wallet: Wallet, shown: int) -> "Points":
        return cls(
            balance=wallet.balance,
            pending=wallet.pending,
            earned=wallet.earned,
            redeemed=wallet.redeemed,
            expired=wallet.expired,
            expiring=[ExpiringPoints(points=p, expires_at=_day_iso(day)) for day, p in wallet.expiring(shown)],
        )


class PointsPolicyIn(RequestModel):
    expire_after_days: ExpireAfterDays | None = Field(
        default=None, description="Days after the event until credited points expire; null: never"
    )
    pending_days: PendingDays = Field(
        default=0, description="Days after the event until points can be spent; 0: at once"
    )
    return_policy: ReturnPolicy = Field(
        default="within_balance",
        description=(
            "What a reversal takes when the credit's own points are gone: within_balance takes what the balance"
            " holds and records the shortfall; allow_negative lets the balance go below zero"
        ),
    )
    time_zone: TimeZoneName = Field(
        default="UTC",
        description=(
            "IANA time zone in which the earning rules' per-customer periods (day, week, month, year) begin and"
            " end, unless a rule sets its own; lots' activation and expiry stay UTC days"
        ),
    )

    @model_validator(mode="after")
    def _pending_before_expiry(self) -> Self:
        if self.expire_after_days is not None and self.pending_days >= self.expire_after_days:
            raise ValueError("pending_days must be less than expire_after_days: points would expire before activating")
        return self


class PointsPolicyResponse(ResponseModel):
    object: Literal["points_policy"] = "points_policy"
    expire_after_days: int | None
    pending_days: int
    return_policy: ReturnPolicy
    time_zone: str = Field(description="IANA time zone of the earning rules' per-customer periods")
    updated_at: str | None = Field(description="null until the policy is first set (the defaults apply)")

    @classmethod
    def from_record(cls, record: PolicyRecord) -> "PointsPolicyResponse":
        return cls(
            expire_after_days=record.expire_after_days,
            pending_days=record.pending_days,
            return_policy=record.return_policy,
            time_zone=record.time_zone,
            updated_at=record.updated_at,
        )


class AdjustmentIn(RequestModel):
    points: Annotated[int, Field(ge=-MAX_ADJUSTMENT, le=MAX_ADJUSTMENT)] = Field(
        description="Points to credit (positive) or debit (negative); not 0"
    )
    description: ShortText = Field(description="Why, as customer service tells it: the entry's description")
    qualifying: bool = Field(
        default=False, description="A credit that counts toward tiers, in the current month (default: it does not)"
    )

    @model_validator(mode="after")
    def _not_zero(self) -> Self:
        if self.points == 0:
            raise ValueError("points must not be 0")
        if self.qualifying and self.points < 0:
            raise ValueError("qualifying: only a credit qualifies; reverse the credit to take its points back")
        return self


class ReversalIn(RequestModel):
    points: Annotated[int, Field(ge=1, le=MAX_ADJUSTMENT)] | None = Field(
        default=None, description="Points to take back; omitted: all that is left of the credit"
    )


class LotShare(ResponseModel):
    points: int = Field(description="Added to this lot (positive) or taken from it (negative)")
    expires_at: str | None = Field(description="When the lot's points expire (the end of a UTC day); null: never")
    activates_at: str | None = Field(description="When a pending lot's points become spendable; null: already active")


class TransactionResponse(ResponseModel):
    object: Literal["transaction"] = "transaction"
    id: str
    source_id: str
    points: int = Field(description="The change of the spendable balance")
    balance_after: int
    pending_points: int = Field(description="The change of the pending points (a pending credit, an activation)")
    pending_after: int
    reason: Reason  # the ledger's own reasons, as the ?reason= filter names them too
    campaign_id: str | None
    rule_id: str | None
    event_name: str | None
    reward_id: str | None
    description: str | None
    redemption_id: str | None = Field(default=None, description="The red_ redemption that debited or refunded")
    attributes: dict[str, Any] | None = Field(default=None, description="A redemption's custom transaction attributes")
    lots: list[LotShare] = Field(description="The lots this entry added to or took from, soonest expiry first")
    shortfall: int = Field(
        description="A reversal: what the balance could not give back (return policy within_balance)"
    )
    reverses: str | None = Field(description="A reversal: the txn_ id of the credit it takes back")
    expired: int = Field(
        default=0, description="A reversal: what of the credit had already expired, so was not taken again"
    )
    order_id: str | None = Field(default=None, description="An earning rule's credit on this order, or its take-back")
    return_id: str | None = Field(default=None, description="The order's return (order.cancel: its cancel)")
    created_at: str

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> "TransactionResponse":
        return cls(
            id=entry.txn_id,
            source_id=entry.source_id,
            points=entry.points,
            balance_after=entry.balance_after,
            reason=entry.reason,
            campaign_id=entry.campaign_id,
            rule_id=entry.rule_id,
            event_name=entry.event_name,
            reward_id=entry.reward_id,
            description=entry.description,
            redemption_id=entry.redemption_id,
            attributes=entry.attributes,
            pending_points=entry.pending_points,
            pending_after=entry.pending_after,
            lots=lot_shares(entry.lots),
            shortfall=entry.shortfall,
            reverses=entry.reverses,
            expired=entry.expired,
            order_id=entry.order_id,
            return_id=entry.return_id,
            created_at=entry.created_at,
        )


def lot_shares(lots: dict[str, int] | None) -> list[LotShare]:
    return [
        LotShare(points=lot.points, expires_at=lot.expires_at, activates_at=lot.activates_at)
        for lot in dated_lots(lots)
    ]
