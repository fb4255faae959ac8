"""Redemptions of rewards: one item per redemption in its customer's partition, written in the same
transaction as the debit, the stock and the code it issues; cancelled once by a conditional status change."""

from __future__ import annotations

from dataclasses import asdict, field
from typing import Any, Literal

from shared.storage import dynamodb, keys, pagination
from shared.storage.coupons.records import CouponRecord, normalize, record_from_item
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import Expression, Item, Put, Update
from shared.storage.rewards import RewardRecord, reward_keys
from shared.values import value_class

Status = Literal["completed", "cancelled"]


@value_class
class RewardRedemptionRecord:
    redemption_id: str
    source_id: str
    reward_id: str
    reward_type: str
    reward_name: str
    points: int
    status: Status
    created_at: str
    transaction_id: str | None = None  # the debit; None for free rewards and campaign grants
    points_lots: dict[str, int] | None = None  # the lots the debit took from (LotKey.encode() -> -points)
    product_id: str | None = None
    coupon_id: str | None = None
    code: str | None = None
    amount: str | None = None  # COIN: the coupon's value, in currency units with cents ("12.34")
    coupon_grant: dict[str, str] | None = None  # what the coupons module gave, to void it on cancel
    custom_transaction_attributes: dict[str, Any] = field(default_factory=dict)
    granted_by: dict[str, str] | None = None  # {campaign_id, rule_id} when a campaign rule granted it
    cancelled_at: str | None = None
    refund_transaction_id: str | None = None
    cancel_request: str | None = None  # the cancelling request's own id: its retry knows its write landed

    @classmethod
    def from_item(cls, item: Item) -> RewardRedemptionRecord:
        names = cls.__dataclass_fields__
        values = {name: item[name] for name in names if name in item}
        values["amount"] = str(item["amount"]) if item.get("amount") is not None else None
        return cls(**values)


def put(app_id: str, record: RewardRedemptionRecord) -> Put:
    return Put(
        {
            **keys.redemption(app_id, record.source_id, record.redemption_id),
            "type": "redemption",
            **asdict(record),
        },
        condition=Expression("attribute_not_exists(PK)"),
    )


def get(app_id: str, source_id: str, redemption_id: str) -> RewardRedemptionRecord | None:
    item = dynamodb.get_item(keys.redemption(app_id, source_id, redemption_id))
    return RewardRedemptionRecord.from_item(item) if item else None


def cancel(
    app_id: str, record: RewardRedemptionRecord, now: str, refund_transaction_id: str | None, *, cancel_request: str
) -> Update:
    """Completed to cancelled, exactly once."""
    return Update(
        keys.redemption(app_id, record.source_id, record.redemption_id),
        Expression(
            "SET #status = :cancelled, cancelled_at = :now, refund_transaction_id = :refund, cancel_request = :request",
            {"#status": "status"},
            {":cancelled": "cancelled", ":now": now, ":refund": refund_transaction_id, ":request": cancel_request},
        ),
        condition=Expression("#status = :completed", {"#status": "status"}, {":completed": "completed"}),
    )


def page(
    app_id: str, source_id: str, limit: int, cursor: str | None
) -> tuple[list[RewardRedemptionRecord], str | None]:
    """Newest first: red_ ids begin with their creation time."""
    items, next_cursor = pagination.page(
        keys.customer_partition(app_id, source_id),
        keys.REDEMPTION_SK_PREFIX,
        limit,
        cursor,
        newest_first=True,
        consistent=True,
    )
    return [RewardRedemptionRecord.from_item(item) for item in items], next_cursor


@value_class
class IssuedDetails:
    """What a page of redemptions refers to: the rewards, the coupons and the customer's holdings."""

    customer_exists: bool
    rewards: dict[str, RewardRecord]
    coupons: dict[str, CouponRecord]
    code_status: dict[tuple[str, str], str]  # (coupon_id, code as issued) -> issued | redeemed | voided
    coupon_uses: dict[str, int]  # coupon_id -> the customer's uses of it


def issued_details(app_id: str, source_id: str, records: list[RewardRedemptionRecord]) -> IssuedDetails:
    """Whether the customer exists, the rewards and coupons ``records`` (theirs) name, and their holding of
    each code issued: one round trip per 100 keys (a reward is 9 of them: its item and allowance shards)."""
    reward_ids = list(dict.fromkeys(record.reward_id for record in records))
    coupon_ids = list(dict.fromkeys(record.coupon_id for record in records if record.coupon_id))
    codes = list(dict.fromkeys((r.coupon_id, r.code) for r in records if r.coupon_id and r.code))
    wanted = [
        keys.customer(app_id, source_id),
        *(key for reward_id in reward_ids for key in reward_keys(app_id, reward_id)),
        *(keys.coupon(app_id, coupon_id) for coupon_id in coupon_ids),
        *(keys.customer_coupon(app_id, source_id, coupon_id) for coupon_id in coupon_ids),
        *(keys.customer_coupon_code(app_id, source_id, coupon_id, normalize(code)) for coupon_id, code in codes),
    ]
    found = dynamodb.batch_get(wanted)
    details = IssuedDetails(any(item.get("type") == "customer" for item in found), {}, {}, {}, {})
    for item in found:
        kind = item.get("type")
        if kind == "reward":
            details.rewards[item["reward_id"]] = RewardRecord.from_item(item, found)
        elif kind == "coupon":
            details.coupons[item["coupon_id"]] = record_from_item(item)
        elif kind == "customer_coupon":
            details.coupon_uses[item["coupon_id"]] = int(item.get("uses", 0))
        elif kind == "customer_coupon_code":
            details.code_status[item["coupon_id"], item["coupon_code"]] = item["status"]
    return details


def cursor_after(app_id: str, source_id: str, redemption_id: str) -> str:
    """The cursor of a page (of ``page``) that ends at ``redemption_id``."""
    return pagination.cursor_for(keys.redemption(app_id, source_id, redemption_id)[keys.SK])


REQUEST_RETENTION_SECONDS = 7 * 24 * 3600


@value_class
class RedeemSnapshot:
    """What a redemption is decided on, read in one round trip."""

    profile: CustomerRecord | None
    reward: RewardRecord | None
    redemption: RewardRedemptionRecord | None = None
    requested: str | None = None  # the redemption an earlier attempt of this request made
    coupon: CouponRecord | None = None


def load(
    app_id: str,
    source_id: str,
    *,
    reward_id: str | None = None,
    redemption_id: str | None = None,
    request_key: str | None = None,
    coupon_id: str | None = None,
) -> RedeemSnapshot:
    """The customer's profile with the reward, one of the customer's redemptions and the marker of a
    redeem request, as asked: one round trip."""
    wanted = [keys.customer(app_id, source_id)]
    if reward_id is not None:
        wanted += reward_keys(app_id, reward_id)
    if redemption_id is not None:
        wanted.append(keys.redemption(app_id, source_id, redemption_id))
    if request_key is not None:
        wanted.append(keys.redemption_request(app_id, source_id, request_key))
    if coupon_id is not None:
        wanted.append(keys.coupon(app_id, coupon_id))
    profile = reward = redemption = requested = coupon = None
    found = dynamodb.batch_get(wanted)
    for item in found:
        kind = item.get("type")
        if kind == "customer":
            profile = CustomerRecord.from_item(item)
        elif kind == "reward":
            reward = RewardRecord.from_item(item, found)
        elif kind == "redemption":
            redemption = RewardRedemptionRecord.from_item(item)
        elif kind == "redemption_request":
            requested = item["redemption_id"]
        elif kind == "coupon":
            coupon = record_from_item(item)
    return RedeemSnapshot(profile, reward, redemption, requested, coupon)


def mark_request(app_id: str, source_id: str, request_key: str, redemption_id: str, now: int) -> Put:
    """Written with the redemption: this request (its Idempotency-Key) made ``redemption_id``."""
    return Put(
        {
            **keys.redemption_request(app_id, source_id, request_key),
            "type": "redemption_request",
            "redemption_id": redemption_id,
            keys.TTL_ATTRIBUTE: now + REQUEST_RETENTION_SECONDS,
        },
        condition=Expression("attribute_not_exists(PK)"),
    )
