"""The points aggregate's items: the application's points policy, the ledger (one immutable entry per
credit or debit, in the customer's partition, newest last by sort key), the transaction records, and
the writes of a placement. Storage decides nothing about points: it reads them and writes what
``shared.domain.points.placement`` placed. Entries are written in the same transaction as the balance
they change, and that transaction moves the customer's ledger head (balance, entry count, last entry's
time) on the profile only if it is still the head read, so ``balance_after`` is exact and sort keys
strictly increase."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from shared.entities.points import LedgerEntry, LotKey, PointsWrite, PolicyRecord, Reason, TransactionRecord
from shared.storage import audit, customers, due, dynamodb, keys, pagination, tiers
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import Expression, Item, Put, TransactAction, TransactionCancelled, Update
from shared.storage.versioned_cache import VersionedCache

# ------------------------------------------------------------------------------------------ writes


def writes(placed: PointsWrite, now_iso: str) -> list[TransactAction]:
    """The writes of a placement for a profile that exists: the profile's points (only if its ledger
    head is still the one read), the entries and the transaction records."""
    app_id, source_id = placed.app_id, placed.source_id
    set_clauses, remove, values = customers.points_update(app_id, source_id, placed.after)
    unchanged = customers.ledger_head_is(placed.read_head)
    tier = placed.after.tier
    spend = customers.spend_version_is(tier.spend.read_version) if tier and tier.spend else Expression("")
    held = customers.held_is(tier.read_held) if tier and tier.state else Expression("")
    profile = Update(
        keys.customer(app_id, source_id),
        Expression(
            "SET updated_at = :now, " + ", ".join(set_clauses) + (" REMOVE " + ", ".join(remove) if remove else ""),
            values=values | {":now": now_iso},
        ),
        condition=Expression(
            f"attribute_exists(PK) AND ({unchanged.text})" + "".join(f" AND {c.text}" for c in (spend, held) if c.text),
            unchanged.names,
            unchanged.values | spend.values | held.values,
        ),
    )
    return [profile, *ledger_writes(placed)]


def ledger_writes(placed: PointsWrite) -> list[TransactAction]:
    """A placement's entries and transaction records, each written only once, and its tier changes."""
    entries: list[TransactAction] = [_entry_put(placed.app_id, entry) for entry in placed.entries]
    entries += [_record_put(placed.app_id, placed.source_id, record) for record in placed.records]
    return entries + tiers.writes(placed.app_id, placed.source_id, placed.after.tier)


def _entry_put(app_id: str, entry: LedgerEntry) -> Put:
    return Put(
        {
            **keys.ledger_entry(app_id, entry.source_id, entry.created_ms, entry.sequence or 0),
            "type": "ledger_entry",
            **asdict(entry),
        },
        condition=Expression("attribute_not_exists(PK)"),
    )


def _record_put(app_id: str, source_id: str, record: TransactionRecord) -> Put:
    """Written only once: a retried request whose first attempt landed finds it (and is not applied twice)."""
    item: Item = {**keys.transaction_record(app_id, source_id, record.txn_id), "type": "transaction_record"}
    item |= {"txn_id": record.txn_id, "points": record.points}
    if record.lot is not None:
        item |= {"lot": record.lot.encode(), "reversed": record.reversed}
    if record.qualifies_in is not None:
        item["qualifies_in"] = record.qualifies_in
    if record.entry is not None:
        item["entry"] = asdict(record.entry)
    return Put(item, condition=Expression("attribute_not_exists(PK)"))


def count_reversal(app_id: str, source_id: str, credit: TransactionRecord, reversed_after: int) -> Update:
    """The credit's reversed count set to ``reversed_after``, only if no other reversal counted meanwhile."""
    return Update(
        keys.transaction_record(app_id, source_id, credit.txn_id),
        Expression("SET reversed = :reversed", values={":reversed": reversed_after}),
        condition=Expression("reversed = :seen", values={":seen": credit.reversed}),
    )


# ------------------------------------------------------------------------------------------ reads


def entry_from_item(item: Item) -> LedgerEntry:
    fields = LedgerEntry.__dataclass_fields__
    return LedgerEntry(**{name: item[name] for name in fields if name in item})


def page(
    app_id: str, source_id: str, limit: int, cursor: str | None, reason: Reason | None = None
) -> tuple[list[LedgerEntry], str | None]:
    """The ledger newest first; ``reason``: only entries of that reason."""
    items, next_cursor = pagination.page(
        keys.customer_partition(app_id, source_id),
        keys.TRANSACTION_SK_PREFIX,
        limit,
        cursor,
        newest_first=True,
        consistent=True,
        filter_equals={"reason": reason} if reason else None,
    )
    return [entry_from_item(item) for item in items], next_cursor


def _record_from_item(item: Item) -> TransactionRecord:
    return TransactionRecord(
        item["txn_id"],
        item["points"],
        LotKey.decode(item["lot"]) if "lot" in item else None,
        item.get("reversed", 0),
        entry_from_item(item["entry"]) if "entry" in item else None,
        item.get("qualifies_in"),
    )


def read(
    app_id: str, source_id: str, txn_ids: Sequence[str]
) -> tuple[CustomerRecord | None, dict[str, TransactionRecord]]:
    """The profile and the transaction records of ``txn_ids`` that exist: one round trip."""
    profile, records, _ = _read(app_id, source_id, txn_ids, with_policy=False)
    return profile, records


_MEMBER_ATTRIBUTES = ("type", "txn_id", "customer_id", "source_id", "created_at", "updated_at",
                      *customers.PROFILE_FIELDS)  # fmt: skip


def read_members(app_id: str, wanted: Sequence[tuple[str, str]]) -> dict[str, tuple[CustomerRecord | None, set[str]]]:
    """For each (source_id, txn_id): the profile (its identity and profile fields only: no points) and
    which of the named transactions it has, in batches of a hundred keys (two a member) rather than a
    round trip each."""
    found: dict[str, tuple[CustomerRecord | None, set[str]]] = {source_id: (None, set()) for source_id, _ in wanted}
    owner_of = {txn_id: source_id for source_id, txn_id in wanted}
    item_keys = [k for source_id, txn_id in wanted for k in (keys.customer(app_id, source_id),
                 keys.transaction_record(app_id, source_id, txn_id))]  # fmt: skip
    for start in range(0, len(item_keys), 100):
        for item in dynamodb.batch_get(item_keys[start : start + 100], attributes=_MEMBER_ATTRIBUTES):
            if item.get("type") == "customer":
                profile = CustomerRecord.from_item(item)
                found[profile.source_id] = (profile, found[profile.source_id][1])
            elif item.get("type") == "transaction_record":
                found[owner_of[item["txn_id"]]][1].add(item["txn_id"])
    return found


def read_with_policy(
    app_id: str, source_id: str, txn_ids: Sequence[str]
) -> tuple[CustomerRecord | None, dict[str, TransactionRecord], PolicyRecord]:
    """``read`` and the application's points policy, in the same round trip."""
    return _read(app_id, source_id, txn_ids, with_policy=True)


def _read(
    app_id: str, source_id: str, txn_ids: Sequence[str], with_policy: bool
) -> tuple[CustomerRecord | None, dict[str, TransactionRecord], PolicyRecord]:
    profile, records, policy = None, {}, PolicyRecord()
    item_keys = [keys.customer(app_id, source_id)] + [keys.transaction_record(app_id, source_id, t) for t in txn_ids]
    if with_policy:
        item_keys.append(keys.points_policy(app_id))
    for item in dynamodb.batch_get(item_keys):
        if item.get("type") == "customer":
            profile = CustomerRecord.from_item(item)
        elif item.get("type") == "transaction_record":
            record = _record_from_item(item)
            records[record.txn_id] = record
        elif item.get("type") == "points_policy":
            policy = policy_from_item(item)
    return profile, records, policy


def due_customers(
    shard: int, now: int, limit: int, start_after: Item | None = None
) -> tuple[list[tuple[str, str]], Item | None]:
    """``(app_id, source_id)`` of up to ``limit`` customers of one shard with an activation or expiry due
    by ``now`` (epoch seconds), and where to continue (the index is eventually consistent: a run moves
    forward rather than re-reading what it has just settled)."""
    return due.customers_due(keys.points_due_shard_partition(shard), now, limit, start_after)


# ------------------------------------------------------------------------------------------ policy
#
# Read exactly (``get_policy``, and ``read_with_policy`` in the customer's round trip) where a request
# decides something a merchant may just have changed and is rare: showing the policy, a customer service
# adjustment or reversal. Read from each container's copy (``recent_policy``, at most STALENESS_SECONDS
# old: shared/storage/versioned_cache.py) where every request needs it: the credits events make, which
# would otherwise all read this one item on the application partition (3,000 events a second at most).
# The item is as small as a version item, so it is its own version.

POLICY_CACHE: VersionedCache[PolicyRecord] = VersionedCache()


def get_policy(app_id: str) -> PolicyRecord:
    item = dynamodb.get_item(keys.points_policy(app_id))
    return policy_from_item(item) if item else PolicyRecord()


def recent_policy(app_id: str) -> PolicyRecord:
    """The policy as it was at most ``STALENESS_SECONDS`` ago (at once after a change this container
    made): usually no read at all."""
    return POLICY_CACHE.get_whole(app_id, lambda: get_policy(app_id))


def policy_from_item(item: Item) -> PolicyRecord:
    return PolicyRecord(
        item.get("expire_after_days"),
        item.get("pending_days", 0),
        item["return_policy"],
        item.get("updated_at"),
        item.get("time_zone", "UTC"),  # a policy set before the time zone existed: UTC, as it was
    )


class PolicyChanged(Exception):
    """The policy changed since it was read."""


def put_policy(app_id: str, before: PolicyRecord, policy: PolicyRecord) -> None:
    """``policy`` over ``before``, the policy read (``PolicyChanged`` when it changed), with its audit entry
    (the settings object ``points``). This container's copy is forgotten whatever the outcome (an error may
    follow a write that was made)."""
    read = (
        Expression("attribute_not_exists(PK)")
        if before.updated_at is None
        else Expression("updated_at = :read", values={":read": before.updated_at})
    )
    change = audit.entry(app_id, "settings", "points", "updated", asdict(before), asdict(policy))
    try:
        audit.audited([Put({**keys.points_policy(app_id), "type": "points_policy", **asdict(policy)}, read)], change)
    except TransactionCancelled as error:
        raise PolicyChanged from error
    finally:
        POLICY_CACHE.forget(app_id)
