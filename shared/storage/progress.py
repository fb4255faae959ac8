"""Customers' rule progress, the markers that make counting exactly-once, and the transactions that
apply an event: several per event when it touches many rules, each one all or nothing.

An event's work is cut into ``EventWrite`` transactions of whole rules (``RuleWrite``): a rule's
progress, the marker saying this delivery was applied to it, the referees it counted, and what
completing it grants (ledger entries, other grant kinds' items), with the profile updates those need.
Each rule is therefore applied exactly once on its own, whatever happens to the others: a retry meets
the markers of the rules already applied and writes only the missing ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared import clock
from shared.entities.campaigns import RuleProgress
from shared.entities.numbers import exact
from shared.entities.points import SETTLEMENT_ENTRIES, PointsWrite, Posting
from shared.storage import customers, dynamodb, keys, points
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import Expression, Item, Put, TransactAction, TransactionCancelled, Update
from shared.values import value_class

RuleKey = tuple[str, str]  # (campaign_id, rule_id)


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
        counts=tuple(exact(count) for count in item["counts"]),
        triggered=tuple(item["triggered"]),
        status=item["status"],
        start_time=item.get("start_time"),
        end_time=item.get("end_time"),
        completed_at=item.get("completed_at"),
        version=item["version"],
    )


ProgressKey = tuple[str, RuleKey]  # (owner's source_id, rule)
RefereeMark = tuple[str, str, int, str]  # (referrer, rule_id, action index, referee)
# DynamoDB's cap on one transaction; and beyond this many rules the customer's progress is read as one
# key range (one query per MB) rather than item by item (one BatchGetItem per 100 keys).
MAX_TRANSACTION_ITEMS = 100
RANGE_READ_FROM = 50


@value_class
class Wanted:
    """What an event reads before it writes: profiles, progress per (owner, rule), the referee marks
    present, and the rules a delivery was already applied to (markers in ``source_id``'s partition)."""

    profiles: Sequence[str] = ()
    progress: Sequence[ProgressKey] = ()
    referees: Sequence[RefereeMark] = ()
    source_id: str = ""
    delivery_id: str | None = None
    applied: Sequence[RuleKey] = ()


@dataclass(slots=True)
class Snapshot:
    """What was read for an event; ``merge`` lays a newer read over it (after a conflict)."""

    profiles: dict[str, CustomerRecord] = field(default_factory=dict)
    progress: dict[ProgressKey, RuleProgress] = field(default_factory=dict)
    referee_keys: set[tuple[str, str]] = field(default_factory=set)
    applied: dict[RuleKey, Item] = field(default_factory=dict)

    def counted(self, app_id: str, mark: RefereeMark) -> bool:
        """Whether the referee was already counted for that action of that referrer rule."""
        key = keys.referee(app_id, *mark)
        return (key[keys.PK], key[keys.SK]) in self.referee_keys

    def merge(self, newer: Snapshot, wanted: Wanted) -> None:
        for source_id in wanted.profiles:
            self.profiles.pop(source_id, None)
        for key in wanted.progress:
            self.progress.pop(key, None)
        self.profiles |= newer.profiles
        self.progress |= newer.progress
        self.referee_keys |= newer.referee_keys
        self.applied |= newer.applied


def load(app_id: str, wanted: Wanted) -> Snapshot:
    """Strongly consistent: one BatchGetItem per 100 keys, or for an owner with many rules one query of
    the profile and progress range plus the other keys."""
    snapshot = Snapshot()
    by_owner: dict[str, list[RuleKey]] = {}
    for owner, rule_key in wanted.progress:
        by_owner.setdefault(owner, []).append(rule_key)
    ranged = {owner for owner, rule_keys in by_owner.items() if len(rule_keys) >= RANGE_READ_FROM}
    for owner in ranged:
        profile, found = customer_view(app_id, owner)
        if profile is not None and owner in wanted.profiles:
            snapshot.profiles[owner] = profile
        snapshot.progress |= {(owner, rule_key): state for rule_key, state in found.items()}
    item_keys = [keys.customer(app_id, source_id) for source_id in wanted.profiles if source_id not in ranged]
    item_keys += [keys.progress(app_id, owner, *rule_key) for owner, rule_key in wanted.progress if owner not in ranged]
    item_keys += [keys.referee(app_id, *mark) for mark in wanted.referees]
    if wanted.delivery_id is not None:
        item_keys += [
            keys.rule_applied(app_id, wanted.source_id, wanted.delivery_id, *rule_key) for rule_key in wanted.applied
        ]
    for item in dynamodb.batch_get(item_keys) if item_keys else []:
        kind = item.get("type")
        if kind == "customer":
            snapshot.profiles[item["source_id"]] = CustomerRecord.from_item(item)
        elif kind == "progress":
            snapshot.progress[(item["source_id"], (item["campaign_id"], item["rule_id"]))] = progress_from_item(item)
        elif kind == "rule_applied":
            snapshot.applied[(item["campaign_id"], item["rule_id"])] = item["record"]
        elif kind == "referee_marker":
            snapshot.referee_keys.add((item[keys.PK], item[keys.SK]))
    return snapshot


def customer_view(app_id: str, source_id: str) -> tuple[CustomerRecord | None, dict[RuleKey, RuleProgress]]:
    """The profile and every rule's progress: one query over the key range PROFILE..PROGRESS$."""
    partition = keys.customer_partition(app_id, source_id)
    profile, progress = None, {}
    start: Item | None = None
    while True:
        result = dynamodb.query(
            Expression(
                "PK = :pk AND SK BETWEEN :first AND :last",
                values={":pk": partition, ":first": keys.PROFILE_SK, ":last": keys.PROGRESS_RANGE_END},
            ),
            consistent=True,
            start_key=start,
        )
        for item in result.items:
            if item.get("type") == "customer":
                profile = CustomerRecord.from_item(item)
            elif item.get("type") == "progress":
                progress[(item["campaign_id"], item["rule_id"])] = progress_from_item(item)
        if result.last_key is None:
            return profile, progress
        start = result.last_key


@value_class
class RuleWrite:
    """One rule's share of an event, applied exactly once on its own.

    - ``progress``: the rule's progress after the event, written only if the stored version is still
      ``progress.version`` (the one read);
    - ``record``: what the event's answer says about this rule, kept in the delivery's marker for this
      rule (written only if absent), so that a retry answers it again without applying it again;
    - ``referees``: referee marks this rule counted (referrer rules), each written only if absent;
    - ``postings``: ledger entries for ``owner`` (points); the profile's balance and ledger head move in
      the same transaction, only if unchanged since read;
    - ``items``: what other grant kinds write with the completion (a coupon code issued, a reward
      issued). They are written in the same transaction as the marker, so a grant writer may draw new
      ids freely: if the transaction is cancelled nothing of it exists and the rule is planned again.
      Each item may appear once per transaction (DynamoDB's rule): ``EventWrite`` starts a new
      transaction rather than repeat a key.
    """

    owner: str
    rule_key: RuleKey
    progress: RuleProgress
    record: dict[str, Any]
    referees: tuple[RefereeMark, ...] = ()
    postings: tuple[Posting, ...] = ()
    items: tuple[TransactAction, ...] = ()
    reward: Item | None = None  # on completion: the reward granted, kept on the progress item

    @property
    def item_count(self) -> int:
        # each posting: its ledger entry and its transaction record
        return 2 + len(self.referees) + 2 * len(self.postings) + len(self.items)


def _action_key(action: TransactAction) -> tuple[Any, ...]:
    key = action.item if isinstance(action, Put) else action.key
    return (key[keys.PK], key[keys.SK])


@dataclass(slots=True)
class EventWrite:
    """One transaction of an event: whole rules (``RuleWrite``), the source customer's profile (created
    if new) and each beneficiary's ledger head; at most ``MAX_TRANSACTION_ITEMS`` items, each once."""

    app_id: str
    source_id: str
    delivery_id: str
    marker_expires_at: int
    now_ms: int
    new_customer_ids: Mapping[str, str]  # per customer: its cust_ id should this write create it
    # Customers no profile was read for: this write creates them, each with this referral code claimed.
    new_referral_codes: Mapping[str, str] = field(default_factory=dict)
    rules: list[RuleWrite] = field(default_factory=list)
    _extra_keys: set[tuple[Any, ...]] = field(default_factory=set)

    def _owners(self, extra: RuleWrite | None = None) -> set[str]:
        return {self.source_id, *(rule.owner for rule in self.rules), *([extra.owner] if extra else [])}

    def add(self, rule: RuleWrite) -> bool:
        """Add ``rule`` if it fits in this transaction; False (and nothing added) when it does not."""
        owners = self._owners(rule)
        credited = {r.owner for r in [*self.rules, rule] if r.postings}
        profile_items = len(owners) + len(owners & set(self.new_referral_codes)) + SETTLEMENT_ENTRIES * len(credited)
        item_count = sum(r.item_count for r in self.rules) + rule.item_count + profile_items
        extra_keys = {_action_key(action) for action in rule.items}
        if self.rules and (item_count > MAX_TRANSACTION_ITEMS or extra_keys & self._extra_keys):
            return False
        if len(extra_keys) != len(rule.items):
            raise ValueError("a rule's grant items must be distinct items")
        self.rules.append(rule)
        self._extra_keys |= extra_keys
        return True

    def postings(self) -> dict[str, list[Posting]]:
        """Per customer credited: its postings in order (the domain places them)."""
        postings: dict[str, list[Posting]] = {}
        for rule in self.rules:
            postings.setdefault(rule.owner, []).extend(rule.postings)
        return {owner: owned for owner, owned in postings.items() if owned}

    def actions(self, placements: Mapping[str, PointsWrite]) -> list[TransactAction]:
        """The transaction, with the ``placements`` of ``postings()`` for the customers it credits."""
        now_iso = clock.iso_from_epoch_ms(self.now_ms)
        actions: list[TransactAction] = []
        for owner in sorted(self._owners()):
            placed = placements.get(owner)
            code = self.new_referral_codes.get(owner)
            condition = customers.ledger_head_is(placed.read_head) if placed else None
            if code is not None:  # new: no profile may have appeared since read (which implies the head)
                condition = _ABSENT
                actions.append(customers.code_claim(self.app_id, code, owner))
            actions.append(
                Update(
                    keys.customer(self.app_id, owner),
                    customers.touch(
                        self.app_id,
                        owner,
                        self.new_customer_ids[owner],
                        now_iso,
                        placed.after if placed else None,
                        code,
                    ),
                    condition=condition,
                )
            )
        for rule in self.rules:
            actions.append(_progress_put(self.app_id, rule, now_iso))
            actions.append(
                Put(
                    {
                        **keys.rule_applied(self.app_id, self.source_id, self.delivery_id, *rule.rule_key),
                        "type": "rule_applied",
                        "campaign_id": rule.rule_key[0],
                        "rule_id": rule.rule_key[1],
                        "record": rule.record,
                        keys.TTL_ATTRIBUTE: self.marker_expires_at,
                    },
                    condition=_ABSENT,
                )
            )
            actions.extend(
                Put(
                    {**keys.referee(self.app_id, *mark), "type": "referee_marker", "created_at": now_iso},
                    condition=_ABSENT,
                )
                for mark in rule.referees
            )
            actions.extend(rule.items)
        for placed in placements.values():
            actions.extend(points.ledger_writes(placed))
        return actions

    def wanted(self) -> Wanted:
        """What to read again after this write lost a race."""
        return Wanted(
            profiles=sorted(self._owners()),
            progress=[(rule.owner, rule.rule_key) for rule in self.rules],
            referees=[mark for rule in self.rules for mark in rule.referees],
            source_id=self.source_id,
            delivery_id=self.delivery_id,
            applied=[rule.rule_key for rule in self.rules],
        )


_ABSENT = Expression("attribute_not_exists(PK)")


def _progress_put(app_id: str, rule: RuleWrite, now_iso: str) -> Put:
    progress = rule.progress
    condition = (
        _ABSENT
        if progress.version == 0
        else Expression("version = :expected_version", values={":expected_version": progress.version})
    )
    return Put(_progress_item(app_id, rule.owner, rule.rule_key, progress, now_iso, rule.reward), condition=condition)


class WriteConflict(Exception):
    """A concurrent writer (another event of the customer, or this very delivery) got there first."""


def write(event_write: EventWrite, placements: Mapping[str, PointsWrite]) -> None:
    """Apply one transaction of an event, with the ``placements`` of the customers it credits."""
    try:
        dynamodb.transact_write(event_write.actions(placements))
    except TransactionCancelled as error:
        raise WriteConflict from error


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
