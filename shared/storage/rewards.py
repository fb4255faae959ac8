"""Rewards of the catalog: one item per reward in the application's rewards partition.

The item holds the merchant's settings as one map (``definition``, checked by the domain before it is
written) and, as top-level attributes, what the store itself filters or counts on: ``reward_type``,
``brand``, ``active``, ``stock``, ``stock_left``, ``redeemed`` and ``version``. ``stock_left`` is kept
equal to ``stock - redeemed`` by the same writes that change either, so that a redemption takes one
unit with the condition ``stock_left >= 1`` (never below zero, however many redeem at once), and
``version`` changes on every settings change, so that a redemption fails if the reward it read changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.storage import dynamodb, keys, pagination
from shared.storage.coupons.records import CouponRecord, record_from_item
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import ConditionFailed, Expression, Item, Update


@dataclass(frozen=True, slots=True)
class RewardRecord:
    reward_id: str
    reward_type: str
    active: bool
    brand: str | None
    stock: int | None
    stock_left: int | None
    redeemed: int
    version: int
    created_at: str
    updated_at: str | None
    definition: Mapping[str, Any]

    @classmethod
    def from_item(cls, item: Item) -> RewardRecord:
        return cls(
            reward_id=item["reward_id"],
            reward_type=item["reward_type"],
            active=item["active"],
            brand=item.get("brand"),
            stock=item.get("stock"),
            stock_left=item.get("stock_left"),
            redeemed=item.get("redeemed", 0),
            version=item["version"],
            created_at=item["created_at"],
            updated_at=item.get("updated_at"),
            definition=item["definition"],
        )


class RewardChanged(Exception):
    """The reward changed since it was read (``item``: as stored now, None if it is gone)."""

    def __init__(self, item: Item | None) -> None:
        super().__init__("reward changed")
        self.current = RewardRecord.from_item(item) if item else None


def create(app_id: str, record: RewardRecord) -> None:
    dynamodb.put_item(
        {
            **keys.reward(app_id, record.reward_id),
            "type": "reward",
            "reward_id": record.reward_id,
            "reward_type": record.reward_type,
            "active": record.active,
            "brand": record.brand,
            "stock": record.stock,
            "stock_left": record.stock,
            "redeemed": 0,
            "version": 1,
            "created_at": record.created_at,
            "definition": dict(record.definition),
        },
        condition=Expression("attribute_not_exists(PK)"),
    )


def get(app_id: str, reward_id: str) -> RewardRecord | None:
    item = dynamodb.get_item(keys.reward(app_id, reward_id))
    return RewardRecord.from_item(item) if item else None


def coupon_keys(app_id: str, coupon_ids: list[str]) -> list[dict[str, str]]:
    return [keys.coupon(app_id, coupon_id) for coupon_id in coupon_ids]


def coupons_of(items: list[Item]) -> dict[str, CouponRecord]:
    """The coupon definitions among ``items`` (read with the keys of ``coupon_keys``), by id."""
    return {item["coupon_id"]: record_from_item(item) for item in items if item.get("type") == "coupon"}


def read_coupons(app_id: str, coupon_ids: list[str]) -> dict[str, CouponRecord]:
    """The definitions (with their pool counts) of CAMPAIGN rewards' coupons: one round trip."""
    return coupons_of(dynamodb.batch_get(coupon_keys(app_id, coupon_ids))) if coupon_ids else {}


def profile_and_coupons(
    app_id: str, source_id: str, coupon_ids: list[str]
) -> tuple[CustomerRecord | None, dict[str, CouponRecord]]:
    """A customer's profile and the given coupon definitions: one round trip."""
    found = dynamodb.batch_get([keys.customer(app_id, source_id), *coupon_keys(app_id, coupon_ids)])
    profile = next((CustomerRecord.from_item(i) for i in found if i.get("type") == "customer"), None)
    return profile, coupons_of(found)


def get_with_profile(app_id: str, reward_id: str, source_id: str) -> tuple[RewardRecord | None, CustomerRecord | None]:
    """The reward and a customer's profile, in one round trip."""
    record = profile = None
    for item in dynamodb.batch_get([keys.reward(app_id, reward_id), keys.customer(app_id, source_id)]):
        if item.get("type") == "reward":
            record = RewardRecord.from_item(item)
        elif item.get("type") == "customer":
            profile = CustomerRecord.from_item(item)
    return record, profile


def page(
    app_id: str,
    limit: int,
    cursor: str | None,
    *,
    reward_type: str | None = None,
    brand: str | None = None,
    active: bool | None = None,
) -> tuple[list[RewardRecord], str | None]:
    """In id order (creation order is not kept: ids are random); each filter applied by the store."""
    wanted = {"reward_type": reward_type, "brand": brand, "active": active}
    items, next_cursor = pagination.page(
        keys.rewards_partition(app_id),
        keys.REWARD_ID_PREFIX,
        limit,
        cursor,
        filter_equals={name: value for name, value in wanted.items() if value is not None},
    )
    return [RewardRecord.from_item(item) for item in items], next_cursor


def cursor_after(reward_id: str) -> str:
    """The cursor of a page that ends at ``reward_id`` (a reward's sort key is its id: ``keys.reward``)."""
    return pagination.cursor_for(reward_id)


def update(
    app_id: str,
    before: RewardRecord,
    definition: Mapping[str, Any],
    *,
    active: bool,
    brand: str | None,
    stock: int | None,
    now: str,
) -> RewardRecord:
    """New settings, if the reward is still the version read. A new ``stock`` keeps ``stock_left`` equal
    to ``stock - redeemed`` in the same write, and is refused (``RewardChanged`` with the current item)
    if more than that were redeemed already."""
    names = {f"#{name}": name for name in ("brand", "stock", "definition", "active", "version")}
    values: dict[str, Any] = {
        ":definition": dict(definition),
        ":active": active,
        ":now": now,
        ":one": 1,
        ":version": before.version,
    }
    sets = ["#definition = :definition", "#active = :active", "updated_at = :now", "#version = #version + :one"]
    removes = []
    condition = "#version = :version"
    if brand is None:
        removes.append("#brand")
    else:
        sets.append("#brand = :brand")
        values[":brand"] = brand
    if stock is None:
        removes += ["#stock", "stock_left"]
    else:
        sets += ["#stock = :stock", "stock_left = :stock - #redeemed"]
        values[":stock"] = stock
        names["#redeemed"] = "redeemed"
        condition += " AND #redeemed <= :stock"
    text = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    try:
        item = dynamodb.update_item(
            keys.reward(app_id, before.reward_id),
            Expression(text, names, values),
            condition=Expression(condition),
        )
    except ConditionFailed as error:
        raise RewardChanged(error.item) from error
    return RewardRecord.from_item(item)


def take_one(app_id: str, reward: RewardRecord) -> Update:
    """A redemption's part: one more redeemed (and one less in stock), only if the reward is still the
    active version that was read and, with a stock, one is left."""
    condition = "#version = :version AND #active = :true"
    sets = "#redeemed = #redeemed + :one"
    if reward.stock is not None:
        condition += " AND stock_left >= :one"
        sets += ", stock_left = stock_left - :one"
    return Update(
        keys.reward(app_id, reward.reward_id),
        Expression("SET " + sets, {"#redeemed": "redeemed"}, {":one": 1}),
        condition=Expression(
            condition, {"#version": "version", "#active": "active"}, {":version": reward.version, ":true": True}
        ),
    )


def give_back(app_id: str, reward: RewardRecord) -> Update:
    """A cancelled redemption's part: one less redeemed and, when the reward (as read) keeps a stock,
    one back in it; refused if the stock was added or removed meanwhile."""
    sets = "#redeemed = #redeemed - :one"
    condition = "attribute_exists(stock_left)" if reward.stock is not None else "attribute_not_exists(stock_left)"
    if reward.stock is not None:
        sets += ", stock_left = stock_left + :one"
    return Update(
        keys.reward(app_id, reward.reward_id),
        Expression("SET " + sets, {"#redeemed": "redeemed"}, {":one": 1}),
        condition=Expression(f"attribute_exists(PK) AND {condition}"),
    )
