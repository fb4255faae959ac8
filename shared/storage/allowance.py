"""Allowances: the units that every redemption counts (a coupon's uses under its limit, a reward's
redeemed under its stock), spread over ``keys.ALLOWANCE_SHARDS`` items on as many partitions, so that no
partition takes every redemption of one owner (nor sits beside every definition of the application).

Each shard holds ``taken`` (units taken from it) and, while the allowance is limited, ``left`` (units it
may still give). Every write keeps the invariant ``limit = sum(left) + sum(taken)``:

- created: the limit split evenly over the shards' ``left``;
- a take: ``left - 1, taken + 1`` on one shard, under ``left >= 1``: no shard goes below zero, so the
  limit is never exceeded however many take at once;
- a give-back: ``left + 1, taken - 1`` on a shard with ``taken >= 1``;
- a new limit: ``left`` moved by the difference, in the transaction that writes the limit on the owner
  (conditioned there on the limit read), the shards levelled on the way: each shard gets its even share
  of what is left, a cut made under ``left >= cut``.

A taker reads every shard (in the batch it reads anyway) and picks one with units left, at random,
weighted by them: the shards drain together, and the last unit, on whichever shard, is found. A shard
emptied meanwhile cancels the transaction, as does another transaction changing the shard at that moment
(``TransactionConflicted``): the taker reads again and takes from a shard none of its earlier attempts
took from (``Tried``), as long as one with units left remains, else from any with units left, so that
the last units are still found; a refusal comes only from a read finding nothing left. The shards also
carry the owner's ``stamp`` (attributes a take must find unchanged, e.g. a reward's version), so a
redemption's transaction never touches the owner's item.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.storage import keys
from shared.storage.dynamodb import Expression, Item, Put, Update
from shared.values import value_class

SHARDS = keys.ALLOWANCE_SHARDS
SHARD_TYPE = "allowance_shard"


@value_class
class Allowance:
    """An owner's shards as read: ``left`` per shard (None: unlimited) and ``taken`` per shard."""

    left: tuple[int, ...] | None
    taken: tuple[int, ...]

    @classmethod
    def fresh(cls, limit: int | None) -> Allowance:
        """As ``creation`` writes it: nothing taken, ``limit`` left (None: unlimited)."""
        return cls(None if limit is None else tuple(split(limit)), (0,) * SHARDS)

    @property
    def used(self) -> int:
        return sum(self.taken)

    @property
    def remaining(self) -> int | None:
        return None if self.left is None else sum(self.left)

    def shard_to_take(self, avoid: Collection[int] = ()) -> int | None:
        """A shard to take a unit from, weighted by the units left on each (any shard when unlimited), none
        of ``avoid`` unless only those have units left; None when no unit is left."""
        left = self.left if self.left is not None else (1,) * SHARDS
        elsewhere = [0 if shard in avoid else units for shard, units in enumerate(left)]
        return _weighted(elsewhere) if sum(elsewhere) else _weighted(left)

    def shard_to_give_back(self) -> int | None:
        """A shard that gave a unit, weighted by the units taken from each; None when none was taken."""
        return _weighted(self.taken)


def _weighted(counts: Sequence[int]) -> int | None:
    if sum(counts) < 1:
        return None
    return random.choices(range(SHARDS), weights=counts)[0]  # noqa: S311 - spreading load, not crypto


def split(total: int) -> list[int]:
    """``total`` over the shards as evenly as it goes, the first shards one more."""
    share, rest = divmod(total, SHARDS)
    return [share + (shard < rest) for shard in range(SHARDS)]


def shard_keys(app_id: str, owner_id: str) -> list[dict[str, str]]:
    return [keys.allowance_shard(app_id, owner_id, shard) for shard in range(SHARDS)]


def creation(app_id: str, owner_id: str, limit: int | None, stamp: Mapping[str, Any]) -> list[Put]:
    """The owner's shards, for the transaction that creates it: ``limit`` split over them (None: unlimited)."""
    shares = split(limit) if limit is not None else [None] * SHARDS
    return [
        Put(
            {
                **key,
                "type": SHARD_TYPE,
                "owner_id": owner_id,
                "shard": shard,
                "taken": 0,
                **({"left": share} if share is not None else {}),
                **stamp,
            },
            condition=Expression("attribute_not_exists(PK)"),
        )
        for shard, (key, share) in enumerate(zip(shard_keys(app_id, owner_id), shares, strict=True))
    ]


def from_items(owner_id: str, items: Iterable[Item]) -> Allowance:
    """The owner's allowance from a batch read that included its ``shard_keys``."""
    shards: list[Item] = [{} for _ in range(SHARDS)]
    for item in items:
        if item.get("type") == SHARD_TYPE and item["owner_id"] == owner_id:
            shards[int(item["shard"])] = item
    limited = any("left" in shard for shard in shards)
    return Allowance(
        left=tuple(int(shard.get("left", 0)) for shard in shards) if limited else None,
        taken=tuple(int(shard.get("taken", 0)) for shard in shards),
    )


def _stamp_clauses(stamp: Mapping[str, Any], prefix: str) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """``#<prefix>N = :<prefix>N`` per attribute of ``stamp``, with the placeholders."""
    clauses, names, values = [], {}, {}
    for index, (name, value) in enumerate(stamp.items()):
        names[f"#{prefix}{index}"] = name
        values[f":{prefix}{index}"] = value
        clauses.append(f"#{prefix}{index} = :{prefix}{index}")
    return clauses, names, values


class NoShardFits(Exception):
    """No shard has a unit left to take (or, to give back, a unit taken), as read."""


@dataclass
class Tried:
    """The shards one request's attempts took from, per owner: a shard that ran dry or that another
    transaction was changing is likely to again, so the next attempt goes elsewhere."""

    shards: dict[str, set[int]] = field(default_factory=dict)


def take(
    app_id: str, owner_id: str, read: Allowance, expected: Mapping[str, Any], tried: Tried | None = None
) -> Update:
    """A redemption's part: one unit from a shard chosen by ``shard_to_take`` (one left fewer, when the
    read is limited), only if the shard still carries the ``expected`` stamp and, limited, has a unit left
    (unlimited: is still unlimited); avoiding the shards the request's earlier attempts (``tried``) took
    from, and counted there. ``NoShardFits`` when the read has no unit left."""
    avoided = tried.shards.setdefault(owner_id, set()) if tried is not None else set()
    shard = read.shard_to_take(avoided)
    if shard is None:
        raise NoShardFits
    avoided.add(shard)
    clauses, names, values = _stamp_clauses(expected, "expected")
    limited = read.left is not None
    update, left = (
        ("ADD taken :one SET #left = #left - :one", "#left >= :one")
        if limited
        else ("ADD taken :one", "attribute_not_exists(#left)")
    )
    # :one is the condition's, as in give_back (DynamoDB refuses a value that the request does not use)
    return Update(
        keys.allowance_shard(app_id, owner_id, shard),
        Expression(update),
        condition=Expression(" AND ".join([*clauses, left]), {**names, "#left": "left"}, {**values, ":one": 1}),
    )


def give_back(app_id: str, owner_id: str, read: Allowance) -> Update:
    """A cancelled redemption's part: a unit back to a shard that gave one (one more left, when the read is
    limited), refused if that shard gave none or was made limited or unlimited since the read.
    ``NoShardFits`` when the read has no unit taken."""
    shard = read.shard_to_give_back()
    if shard is None:
        raise NoShardFits
    limited = read.left is not None
    adds, kept = (
        ("taken :minus_one, #left :one", "attribute_exists(#left)")
        if limited
        else ("taken :minus_one", "attribute_not_exists(#left)")
    )
    # :one is the condition's: an update and its condition send DynamoDB one map of values
    return Update(
        keys.allowance_shard(app_id, owner_id, shard),
        Expression(f"ADD {adds}", values={":minus_one": -1}),
        condition=Expression(f"taken >= :one AND {kept}", {"#left": "left"}, {":one": 1}),
    )


class BelowUsed(Exception):
    """The new limit is below the units already taken (``used``, as read)."""

    def __init__(self, used: int) -> None:
        super().__init__(f"{used} already taken")
        self.used = used


def change(app_id: str, owner_id: str, before: Allowance, limit: int | None, stamp: Mapping[str, Any]) -> list[Update]:
    """The shards' writes that move the allowance to ``limit`` (None: unlimited) and give them ``stamp``,
    for the transaction that writes ``limit`` on the owner conditioned on the limit ``before`` was read
    with. ``BelowUsed`` when ``limit`` is below the units taken. A take landing between the read and the
    write is allowed for (each shard moves by a difference) except where it would cut a shard below zero,
    or where an unlimited allowance becomes limited (every shard conditioned on its count read): there
    the transaction is cancelled and the caller reads again."""
    if limit is not None and limit < before.used:
        raise BelowUsed(before.used)
    clauses, names, values = _stamp_clauses(stamp, "stamp")
    names["#left"] = "left"
    shares = split(limit - before.used) if limit is not None else []
    updates = []
    for shard, key in enumerate(shard_keys(app_id, owner_id)):
        shard_values = dict(values)
        sets, condition = list(clauses), "attribute_exists(PK)"
        tail = ""
        if limit is None:
            tail = " REMOVE #left"
        elif before.left is None:
            sets.append("#left = :share")
            shard_values |= {":share": shares[shard], ":taken": before.taken[shard]}
            condition += " AND attribute_not_exists(#left) AND taken = :taken"
        else:
            difference = shares[shard] - before.left[shard]
            tail = " ADD #left :difference"
            shard_values[":difference"] = difference
            condition += " AND attribute_exists(#left)"
            if difference < 0:
                condition += " AND #left >= :cut"
                shard_values[":cut"] = -difference
        text = ("SET " + ", ".join(sets) if sets else "") + tail
        updates.append(Update(key, Expression(text.strip(), dict(names), shard_values), Expression(condition)))
    return updates
