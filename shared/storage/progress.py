"""Customers' rule progress, the markers that make counting exactly-once, and the one transaction that
applies an event: progress, points, ledger entries and markers together or not at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.domain.rules import RuleProgress
from shared.storage import customers, dynamodb, keys, ledger
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import Expression, Item, Put, TransactAction, TransactionCancelled, Update
from shared.storage.ledger import LedgerEntry

RuleKey = tuple[str, str]  # (campaign_id, rule_id)
DELIVERY_RETENTION_SECONDS = 7 * 24 * 3600


def _progress_item(
    app_id: str, source_id: str, rule_key: RuleKey, progress: RuleProgress, now: str, reward: Item | None = None
) -> Item:
    key = keys.progress(app_id, source_id, *rule_key)
    item: Item = {
        **key,
        "type": "progress",
        "source_id": source_id,
        "campaign_id": rule_key[0],
        "rule_id": rule_key[1],
        "counts": list(progress.counts),
        "triggered": list(progress.triggered),
        "status": progress.status,
        "start_time": progress.start_time,
        "end_time": progress.end_time,
        "completed_at": progress.completed_at,
        "version": progress.version + 1,
        "updated_at": now,
        # What the completion granted, on the item that records it: the stream's rule.completed says so.
        "reward": reward,
    }
    if progress.status == "active" and progress.end_time is not None:
        item |= keys.due_entry(progress.end_time, key)
    return item


def progress_from_item(item: Item) -> RuleProgress:
    return RuleProgress(
        counts=tuple(item["counts"]),
        triggered=tuple(item["triggered"]),
        status=item["status"],
        start_time=item.get("start_time"),
        end_time=item.get("end_time"),
        completed_at=item.get("completed_at"),
        version=item["version"],
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one customer's partition holds for an event: profile, progress per rule, markers present."""

    profile: CustomerRecord | None
    progress: dict[RuleKey, RuleProgress]
    markers: frozenset[str]
    delivery: Item | None = None


def load(
    app_id: str,
    source_id: str,
    rule_keys: Sequence[RuleKey],
    marker_keys: Sequence[Mapping[str, str]] = (),
    delivery_id: str | None = None,
) -> Snapshot:
    """One round trip: the profile, the given rules' progress, the given markers and the delivery."""
    wanted = [keys.customer(app_id, source_id)]
    wanted += [keys.progress(app_id, source_id, *rule_key) for rule_key in rule_keys]
    wanted += [dict(marker) for marker in marker_keys]
    if delivery_id is not None:
        wanted.append(keys.delivery(app_id, source_id, delivery_id))
    profile, progress, markers, delivery = None, {}, set(), None
    for item in dynamodb.batch_get(wanted):
        kind = item.get("type")
        if kind == "customer":
            profile = CustomerRecord.from_item(item)
        elif kind == "progress":
            progress[(item["campaign_id"], item["rule_id"])] = progress_from_item(item)
        elif kind == "delivery":
            delivery = item
        else:
            markers.add(item[keys.SK])
    return Snapshot(profile, progress, frozenset(markers), delivery)


def customer_view(app_id: str, source_id: str) -> tuple[CustomerRecord | None, dict[RuleKey, RuleProgress]]:
    """The profile and every rule's progress: one query over the key range PROFILE..PROGRESS$."""
    result = dynamodb.query(
        Expression(
            "PK = :pk AND SK BETWEEN :first AND :last",
            values={
                ":pk": keys.customer_partition(app_id, source_id),
                ":first": keys.PROFILE_SK,
                ":last": keys.PROGRESS_RANGE_END,
            },
        ),
        consistent=True,
    )
    profile, progress = None, {}
    for item in result.items:
        if item.get("type") == "customer":
            profile = CustomerRecord.from_item(item)
        elif item.get("type") == "progress":
            progress[(item["campaign_id"], item["rule_id"])] = progress_from_item(item)
    return profile, progress


@dataclass(slots=True)
class ProfileTouch:
    """A customer the event writes to: created if new; credited ``credit`` points, conditioned on the
    balance read (``balance``) still being the stored one, so that ledger entries' ``balance_after`` is exact."""

    new_customer_id: str
    balance: int
    credit: int = 0


@dataclass(slots=True)
class EventWrite:
    """Everything one event changes, collected by the domain and written in one transaction."""

    app_id: str
    now_iso: str
    profiles: dict[str, ProfileTouch] = field(default_factory=dict)
    progress: list[tuple[str, RuleKey, RuleProgress]] = field(default_factory=list)
    markers: list[Mapping[str, str]] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    rewards: dict[tuple[str, RuleKey], Item] = field(default_factory=dict)  # granted on completion
    delivery: tuple[str, str, dict[str, Any], int] | None = None  # (source_id, id, outcome, expires_at)

    def credit(self, source_id: str, points: int) -> int:
        """Credit ``points`` to a customer already touched; the balance after this credit."""
        touch = self.profiles[source_id]
        touch.credit += points
        return touch.balance + touch.credit

    def actions(self) -> list[TransactAction]:
        actions: list[TransactAction] = []
        if self.delivery is not None:
            source_id, delivery_id, outcome, expires_at = self.delivery
            actions.append(
                Put(
                    {
                        **keys.delivery(self.app_id, source_id, delivery_id),
                        "type": "delivery",
                        "outcome": outcome,
                        keys.TTL_ATTRIBUTE: expires_at,
                    },
                    condition=Expression("attribute_not_exists(PK)"),
                )
            )
        for source_id, touch in self.profiles.items():
            actions.append(
                Update(
                    keys.customer(self.app_id, source_id),
                    customers.touch(source_id, touch.new_customer_id, self.now_iso, touch.credit),
                    condition=customers.balance_is(touch.balance) if touch.credit else None,
                )
            )
        for source_id, rule_key, progress in self.progress:
            reward = self.rewards.get((source_id, rule_key))
            item = _progress_item(self.app_id, source_id, rule_key, progress, self.now_iso, reward)
            condition = (
                Expression("attribute_not_exists(PK)")
                if progress.version == 0
                else Expression("version = :expected_version", values={":expected_version": progress.version})
            )
            actions.append(Put(item, condition=condition))
        actions.extend(
            Put(
                {**marker, "type": "referee_marker", "created_at": self.now_iso},
                condition=Expression("attribute_not_exists(PK)"),
            )
            for marker in self.markers
        )
        actions.extend(ledger.put(self.app_id, entry) for entry in self.entries)
        return actions


class WriteConflict(Exception):
    """A concurrent writer got there first; ``redelivered`` when it was this very delivery."""

    def __init__(self, redelivered: bool) -> None:
        super().__init__("redelivered" if redelivered else "conflict")
        self.redelivered = redelivered


def write(event_write: EventWrite) -> None:
    try:
        dynamodb.transact_write(event_write.actions())
    except TransactionCancelled as error:
        redelivered = event_write.delivery is not None and error.reasons[:1] == ["ConditionalCheckFailed"]
        raise WriteConflict(redelivered) from error


def expire_window(item_key: Mapping[str, str], now: int, now_iso: str) -> bool:
    """Close one due window; False when it was completed, closed or extended meanwhile (never twice)."""
    try:
        dynamodb.update_item(
            item_key,
            Expression(
                "SET #status = :expired, updated_at = :now_iso, version = version + :one REMOVE DuePK, DueSK",
                {"#status": "status"},
                {":expired": "expired", ":now_iso": now_iso, ":one": 1},
            ),
            condition=Expression(
                "#status = :active AND end_time <= :now",
                {"#status": "status"},
                {":active": "active", ":now": now},
            ),
        )
    except dynamodb.ConditionFailed:
        return False
    return True


def due_windows(
    shard: int, now: int, limit: int, start_after: Item | None = None
) -> tuple[list[dict[str, str]], Item | None]:
    """Keys of up to ``limit`` open windows of one shard whose end has passed (only due entries are
    read), and where to continue: the index is eventually consistent, so a run moves forward rather
    than re-reading entries it has just closed."""
    result = dynamodb.query(
        Expression(
            "DuePK = :shard AND DueSK < :bound",
            values={":shard": keys.due_shard_partition(shard), ":bound": f"{now + 1:012d}"},
        ),
        index=keys.DUE_INDEX,
        limit=limit,
        start_key=start_after,
    )
    return [{keys.PK: item[keys.PK], keys.SK: item[keys.SK]} for item in result.items], result.last_key
