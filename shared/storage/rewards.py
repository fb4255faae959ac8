"""Rewards of the catalog: one item per reward in the application's rewards partition, and its allowance.

The item holds the merchant's settings as one map (``definition``, checked by the domain before it is
written) and, as top-level attributes, what the store itself filters on: ``reward_type``, ``brand``,
``active``, ``stock`` and ``version``. What redemptions count, ``redeemed`` and (with a stock) the units
left, lives on the reward's allowance shards (shared/storage/allowance.py), never on this item: a
redemption takes one unit from one shard under ``left >= 1`` (the stock never exceeded, however many
redeem at once) and only while the shard carries the version and active flag it read, which every
settings change writes on the shards in the same transaction as on the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from shared.entities.audit import Action
from shared.storage import allowance, audit, dynamodb, keys, pagination
from shared.storage.allowance import Allowance
from shared.storage.coupons.records import CouponRecord, record_with_uses, usage_keys
from shared.storage.dynamodb import Expression, Item, Put, TransactionCancelled, Update
from shared.values import value_class

if TYPE_CHECKING:
    from shared.storage.customers import CustomerRecord


@value_class
class RewardRecord:
    reward_id: str
    reward_type: str
    active: bool
    brand: str | None
    stock: int | None
    version: int
    created_at: str
    updated_at: str | None
    definition: Mapping[str, Any]
    usage: Allowance  # redeemed (and, with a stock, left), as read

    @property
    def redeemed(self) -> int:
        return self.usage.used

    @property
    def stock_left(self) -> int | None:
        return self.usage.remaining

    @classmethod
    def from_item(cls, item: Item, found: Iterable[Item]) -> RewardRecord:
        """The reward ``item`` with its allowance, from a batch read that included its ``usage_keys``."""
        return cls(
            reward_id=item["reward_id"],
            reward_type=item["reward_type"],
            active=item["active"],
            brand=item.get("brand"),
            stock=item.get("stock"),
            version=item["version"],
            created_at=item["created_at"],
            updated_at=item.get("updated_at"),
            definition=item["definition"],
            usage=allowance.from_items(item["reward_id"], found),
        )


class RewardChanged(Exception):
    """The reward changed since it was read (a setting, or a redemption that a new stock's cut needed)."""


class StockBelowRedeemed(Exception):
    """A new stock below the units already redeemed (``redeemed``, as read)."""

    def __init__(self, redeemed: int) -> None:
        super().__init__(f"{redeemed} already redeemed")
        self.redeemed = redeemed


def reward_keys(app_id: str, reward_id: str) -> list[dict[str, str]]:
    """The reward's item and its allowance shards: what ``RewardRecord.from_item`` reads."""
    return [keys.reward(app_id, reward_id), *allowance.shard_keys(app_id, reward_id)]


def _stamp(version: int, active: bool) -> dict[str, Any]:
    """What the allowance shards carry of the reward: a redemption checks it instead of the reward's item."""
    return {"version": version, "active": active}


def _settings(record: RewardRecord) -> dict[str, Any]:
    """What a change of the reward's settings changes (the audit log's before and after)."""
    return {"active": record.active, "brand": record.brand, "stock": record.stock, "definition": record.definition}


def create(app_id: str, record: RewardRecord) -> None:
    item = {
        **keys.reward(app_id, record.reward_id),
        "type": "reward",
        "reward_id": record.reward_id,
        "reward_type": record.reward_type,
        "active": record.active,
        "brand": record.brand,
        "stock": record.stock,
        "version": 1,
        "created_at": record.created_at,
        "definition": dict(record.definition),
    }
    dynamodb.transact_write(
        [
            Put(item, condition=Expression("attribute_not_exists(PK)")),
            *allowance.creation(app_id, record.reward_id, record.stock, _stamp(1, record.active)),
            audit.entry(app_id, "reward", record.reward_id, "created", after=item),
        ]
    )


def _rewards_in(found: list[Item]) -> list[RewardRecord]:
    return [RewardRecord.from_item(item, found) for item in found if item.get("type") == "reward"]


def get(app_id: str, reward_id: str) -> RewardRecord | None:
    """The reward with its allowance: one round trip."""
    return next(iter(_rewards_in(dynamodb.batch_get(reward_keys(app_id, reward_id)))), None)


def coupon_keys(app_id: str, coupon_ids: list[str]) -> list[dict[str, str]]:
    """The definitions of ``coupon_ids`` with their uses."""
    return [key for coupon_id in coupon_ids for key in (keys.coupon(app_id, coupon_id), *usage_keys(app_id, coupon_id))]


def coupons_of(items: list[Item]) -> dict[str, CouponRecord]:
    """The coupon definitions among ``items`` (read with the keys of ``coupon_keys``), by id."""
    return {item["coupon_id"]: record_with_uses(item, items) for item in items if item.get("type") == "coupon"}


def read_coupons(app_id: str, coupon_ids: list[str]) -> dict[str, CouponRecord]:
    """The definitions (with their pool counts) of CAMPAIGN rewards' coupons: one round trip."""
    return coupons_of(dynamodb.batch_get(coupon_keys(app_id, coupon_ids))) if coupon_ids else {}


def profile_and_coupons(
    app_id: str, source_id: str, coupon_ids: list[str]
) -> tuple[CustomerRecord | None, dict[str, CouponRecord]]:
    """A customer's profile and the given coupon definitions: one round trip."""
    found = dynamodb.batch_get([keys.customer(app_id, source_id), *coupon_keys(app_id, coupon_ids)])
    return _profile_in(found), coupons_of(found)


def get_with_profile(app_id: str, reward_id: str, source_id: str) -> tuple[RewardRecord | None, CustomerRecord | None]:
    """The reward and a customer's profile, in one round trip."""
    found = dynamodb.batch_get([*reward_keys(app_id, reward_id), keys.customer(app_id, source_id)])
    return next(iter(_rewards_in(found)), None), _profile_in(found)


def _profile_in(found: list[Item]) -> CustomerRecord | None:
    # Customers' records (and the points' values they hold) load with the member views that read them,
    # not with every catalogue route.
    from shared.storage import customers

    return next((customers.CustomerRecord.from_item(i) for i in found if i.get("type") == "customer"), None)


def page(
    app_id: str,
    limit: int,
    cursor: str | None,
    *,
    reward_type: str | None = None,
    brand: str | None = None,
    active: bool | None = None,
) -> tuple[list[RewardRecord], str | None]:
    """In id order (creation order is not kept: ids are random); each filter applied by the store. Their
    allowances are read after the page: a round trip per 12 rewards (100 keys)."""
    wanted = {"reward_type": reward_type, "brand": brand, "active": active}
    items, next_cursor = pagination.page(
        keys.rewards_partition(app_id),
        keys.REWARD_ID_PREFIX,
        limit,
        cursor,
        filter_equals={name: value for name, value in wanted.items() if value is not None},
    )
    found = dynamodb.batch_get([key for item in items for key in allowance.shard_keys(app_id, item["reward_id"])])
    return [RewardRecord.from_item(item, found) for item in items], next_cursor


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
    action: Action = "updated",
) -> RewardRecord:
    """New settings, if the reward is still the version read, with the allowance shards moved to the new
    stock (``stock - redeemed`` left) and given the new version and active flag in the same transaction.
    ``StockBelowRedeemed`` when the stock is below what was redeemed; ``RewardChanged`` when a concurrent
    change or redemption made the write impossible. Answers the reward as stored after the change."""
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
    if brand is None:
        removes.append("#brand")
    else:
        sets.append("#brand = :brand")
        values[":brand"] = brand
    if stock is None:
        removes.append("#stock")
    else:
        sets.append("#stock = :stock")
        values[":stock"] = stock
    text = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    try:
        shards = allowance.change(app_id, before.reward_id, before.usage, stock, _stamp(before.version + 1, active))
    except allowance.BelowUsed as error:
        raise StockBelowRedeemed(error.used) from error
    item = Update(
        keys.reward(app_id, before.reward_id),
        Expression(text, names, values),
        condition=Expression("#version = :version"),
    )
    after = {"active": active, "brand": brand, "stock": stock, "definition": definition}
    change = audit.entry(app_id, "reward", before.reward_id, action, _settings(before), after)
    try:
        dynamodb.transact_write([item, *shards, change])
    except TransactionCancelled as error:
        raise RewardChanged from error
    changed = get(app_id, before.reward_id)
    assert changed is not None  # rewards are disabled, never deleted
    return changed


def take_one(app_id: str, reward: RewardRecord, tried: allowance.Tried | None = None) -> Update:
    """A redemption's part: one more redeemed (and, with a stock, one less left) on one of the reward's
    shards (none of ``tried`` while another has stock), only if the reward is still the active version
    that was read and, with a stock, one is left on that shard."""
    return allowance.take(app_id, reward.reward_id, reward.usage, _stamp(reward.version, True), tried)


def give_back(app_id: str, reward: RewardRecord) -> Update:
    """A cancelled redemption's part: one less redeemed and, when the reward (as read) keeps a stock,
    one back in it; refused if the stock was added or removed meanwhile."""
    return allowance.give_back(app_id, reward.reward_id, reward.usage)
