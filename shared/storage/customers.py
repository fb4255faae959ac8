"""Customer profiles, one item per customer, carrying the points counters the ledger keeps in step.

Listing: every profile carries its place on the sparse Customers index from the write that creates it
(``keys.customers_entry``): CUSTOMER_SHARDS partitions per application, sorted by source_id, keys only.
Shards, because one index partition takes at most 1,000 writes a second and a sign-up burst (an import,
a campaign launch) would otherwise queue behind it. A page (``page``) costs CUSTOMER_SHARDS queries of at
most ``limit + 1`` index keys each (0.5 RCU each up to 4 KB: keys only, eventually consistent) and one
BatchGetItem of the page's profiles (0.5 RCU per profile up to 4 KB, eventually consistent like the index):
for 20 customers, 5 round trips and 12 RCU (as bench/inprocess.py measures it), for 100 about 56. Profiles
created before the index existed are not listed until an event's write (``touch``) gives them their keys:
there were no deployed users, so nothing backfills them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from shared.entities.numbers import Number, exact
from shared.entities.points import DAY_MS, LedgerHead, ProfilePoints
from shared.entities.tiers import TierState
from shared.errors import ValidationFailed
from shared.limits import MAX_SOURCE_ID_LENGTH
from shared.storage import dynamodb, keys, pagination
from shared.storage.dynamodb import Expression, Item, Put, TransactionCancelled, Update

PROFILE_FIELDS = ("name", "email", "phone", "tags", "enrolled_at", "tier", "brand", "attributes")


@dataclass(slots=True)
class CustomerRecord:
    customer_id: str
    source_id: str
    created_at: str
    updated_at: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    tags: list[str] = field(default_factory=list)
    enrolled_at: str | None = None
    tier: str | None = None
    brand: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    referred_by: str | None = None
    referral_code: str | None = None
    profile_version: int = 0
    points_balance: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    ledger_sequence: int = 0
    ledger_ms: int = 0
    points_pending: int = 0
    points_expired: int = 0
    points_debt: int = 0
    # the points as lots (see shared.domain.points.placement.wallet_of)
    lots: dict[str, int] = field(default_factory=dict)  # LotKey.encode() -> points
    points_lapsed: dict[str, int] = field(default_factory=dict)  # expiry day -> points (Wallet.lapsed)
    points_clawed: dict[str, int] = field(default_factory=dict)  # Claim.encode() -> points (Wallet.clawed)
    erased_at: str | None = None  # personal fields removed (shared/domain/erasure.py)
    pseudonym: str | None = None
    # tiers (shared/domain/tiers.py): qualifying points by month, the tier state, an override
    tier_months: dict[str, int] = field(default_factory=dict)
    tier_state: dict[str, Any] | None = None
    # qualifying spend by month (order value less returns) and its version (bumped by each write of it)
    tier_spend_months: dict[str, Number] = field(default_factory=dict)
    tier_spend_version: int = 0
    tier_override: dict[str, Any] | None = None

    @property
    def ledger_head(self) -> LedgerHead:
        return LedgerHead(self.points_balance, self.ledger_sequence, self.ledger_ms)

    @classmethod
    def from_item(cls, item: Item) -> CustomerRecord:
        return cls(
            customer_id=item["customer_id"],
            source_id=item["source_id"],
            created_at=item["created_at"],
            updated_at=item["updated_at"],
            name=item.get("name"),
            email=item.get("email"),
            phone=item.get("phone"),
            tags=item.get("tags") or [],
            enrolled_at=item.get("enrolled_at"),
            tier=item.get("tier"),
            brand=item.get("brand"),
            attributes=item.get("attributes") or {},
            referred_by=item.get("referred_by"),
            referral_code=item.get("referral_code"),
            profile_version=item.get("profile_version", 0),
            points_balance=item.get("points_balance", 0),
            points_earned=item.get("points_earned", 0),
            points_redeemed=item.get("points_redeemed", 0),
            ledger_sequence=item.get("ledger_seq", 0),
            ledger_ms=item.get("ledger_ms", 0),
            points_pending=item.get("points_pending", 0),
            points_expired=item.get("points_expired", 0),
            points_debt=item.get("points_debt", 0),
            lots=item.get("lots") or {},
            points_lapsed=item.get("points_lapsed") or {},
            points_clawed=item.get("points_clawed") or {},
            erased_at=item.get("erased_at"),
            pseudonym=item.get("pseudonym"),
            tier_months=item.get("tier_months") or {},
            tier_state=item.get("tier_state"),
            # exact again: reads give a float for a decimal a float holds exactly, and sums of floats drift
            tier_spend_months={month: exact(amount) for month, amount in (item.get("tier_spend_months") or {}).items()},
            tier_spend_version=int(item.get("tier_spend_version", 0)),
            tier_override=item.get("tier_override"),
        )


class CustomerChanged(Exception):
    """The profile changed (or was created, or the new referral code was taken) since it was read: read
    again and retry."""


def get(app_id: str, source_id: str) -> CustomerRecord | None:
    item = dynamodb.get_item(keys.customer(app_id, source_id))
    return CustomerRecord.from_item(item) if item else None


def read(app_id: str, source_id: str, referral_code: str | None = None) -> tuple[CustomerRecord | None, str | None]:
    """The profile and, when a referral code is given, the source_id of the customer owning it: one round trip."""
    if referral_code is None:
        return get(app_id, source_id), None
    profile, owner = None, None
    for item in dynamodb.batch_get([keys.customer(app_id, source_id), keys.referral_code(app_id, referral_code)]):
        if item.get("type") == "customer":
            profile = CustomerRecord.from_item(item)
        else:
            owner = item["source_id"]
    return profile, owner


def code_claim(app_id: str, code: str, source_id: str) -> Put:
    """The referral code item, written in the transaction that gives ``source_id`` its code."""
    return Put(
        {**keys.referral_code(app_id, code), "type": "referral_code", "source_id": source_id},
        condition=Expression("attribute_not_exists(PK)"),
    )


def referral_mark(app_id: str, referrer: str, referee: str) -> Put:
    """Written with the referee's ``referred_by`` (set once, so never twice)."""
    return Put({**keys.referral(app_id, referrer, referee), "type": "referral", "referee": referee})


def creation_values(
    app_id: str, source_id: str, new_customer_id: str, now: str, referral_code: str | None = None
) -> tuple[list[str], dict[str, Any]]:
    """The SET clauses that make a profile exist without touching one that does: shared by every writer
    that may be first to see a customer (upsert, event ingestion). A writer that read no profile gives
    ``referral_code`` and claims it in the same transaction."""
    listed = keys.customers_entry(app_id, source_id)
    clauses = [
        f"{keys.CUSTOMERS_PK} = if_not_exists({keys.CUSTOMERS_PK}, :customers_pk)",
        f"{keys.CUSTOMERS_SK} = if_not_exists({keys.CUSTOMERS_SK}, :source_id)",
        "#type = :customer_type",
        "source_id = :source_id",
        "customer_id = if_not_exists(customer_id, :new_customer_id)",
        "created_at = if_not_exists(created_at, :now)",
        "updated_at = :now",
        "points_balance = if_not_exists(points_balance, :zero)",
        "points_earned = if_not_exists(points_earned, :zero)",
        "points_redeemed = if_not_exists(points_redeemed, :zero)",
    ]
    values = {
        ":customer_type": "customer",
        ":customers_pk": listed[keys.CUSTOMERS_PK],
        ":source_id": source_id,
        ":new_customer_id": new_customer_id,
        ":now": now,
        ":zero": 0,
    }
    if referral_code is not None:
        clauses.append("referral_code = if_not_exists(referral_code, :referral_code)")
        values[":referral_code"] = referral_code
    return clauses, values


def points_attributes(app_id: str, source_id: str, after: ProfilePoints) -> dict[str, Any]:
    """The profile's attributes that store ``after``: counters, lots, ledger head and, when something
    falls due, the profile's place on the points-due index (where the scheduled job finds it)."""
    head = after.head
    stored: dict[str, Any] = {
        "points_balance": after.balance,
        "points_pending": after.pending,
        "points_earned": after.earned,
        "points_redeemed": after.redeemed,
        "points_expired": after.expired,
        "points_debt": after.debt,
        "lots": after.lots,
        "points_lapsed": after.lapsed,
        "points_clawed": after.clawed,
        "ledger_seq": head.sequence,
        "ledger_ms": head.last_ms,
    }
    if after.tier is not None:
        stored["tier_months"] = dict(after.tier.months)
        if after.tier.state is not None:
            stored["tier_state"] = tier_state_item(after.tier.state, after.tier.due_ms)
        if after.tier.spend is not None:
            stored["tier_spend_months"] = dict(after.tier.spend.months)
            stored["tier_spend_version"] = after.tier.spend.read_version + 1
    if after.due_day is not None:
        stored |= keys.points_due_entry(after.due_day * DAY_MS // 1000, keys.customer(app_id, source_id))
    return stored


def points_update(app_id: str, source_id: str, after: ProfilePoints) -> tuple[list[str], list[str], dict[str, Any]]:
    """SET and REMOVE clauses (and values) that store ``after`` on the profile (``points_attributes``).
    Written whole: every writer of points conditions on the ledger head it read (``ledger_head_is``)."""
    stored = points_attributes(app_id, source_id, after)
    set_clauses = [f"{name} = :{name}" for name in stored]
    remove = [] if after.due_day is not None else [keys.DUE_PK, keys.DUE_SK]
    return set_clauses, remove, {f":{name}": value for name, value in stored.items()}


def spend_version_is(read_version: int) -> Expression:
    """The profile's qualifying spend is still the version read (a write moving spend but no points)."""
    if not read_version:
        return Expression("attribute_not_exists(tier_spend_version)")
    return Expression("tier_spend_version = :read_spend_version", values={":read_spend_version": read_version})


def tier_state_item(state: TierState, due_ms: int | None) -> dict[str, Any]:
    """The profile's tier state, with when the tier job has something to do for it (None: nothing)."""
    return {k: v for k, v in asdict(state).items() if v is not None} | ({"due_ms": due_ms} if due_ms else {})


def held_is(read_held: str | None) -> Expression:
    """The profile's held tier is still the one read (None: no tier state): the tier distribution moves
    from it in the same transaction."""
    if read_held is None:
        return Expression("attribute_not_exists(tier_state)")
    return Expression("tier_state.held = :read_held", values={":read_held": read_held})


def tier_state_update(app_id: str, read: CustomerRecord, state: TierState, due_ms: int | None) -> Update:
    """The profile's tier state set, only if neither its ledger, its spend nor its tier state moved since
    ``read``."""
    head = ledger_head_is(read.ledger_head)
    spend = spend_version_is(read.tier_spend_version)
    held = held_is((read.tier_state or {}).get("held"))
    evaluated = (read.tier_state or {}).get("evaluated_ms")
    same_state = " AND tier_state.evaluated_ms = :read_evaluated" if evaluated is not None else ""
    return Update(
        keys.customer(app_id, read.source_id),
        Expression("SET tier_state = :tier_state", values={":tier_state": tier_state_item(state, due_ms)}),
        condition=Expression(
            f"attribute_exists(PK) AND ({head.text}) AND {spend.text} AND {held.text}{same_state}",
            head.names,
            head.values
            | spend.values
            | held.values
            | ({":read_evaluated": evaluated} if evaluated is not None else {}),
        ),
    )


def tier_state_of(item: Mapping[str, Any] | None) -> tuple[TierState | None, int | None]:
    if not item:
        return None, None
    fell = item.get("fell_ms")
    state = TierState(
        item["held"],
        int(item["since_ms"]),
        int(fell) if fell is not None else None,
        int(item["evaluated_ms"]),
        item["version"],
    )
    return state, int(item["due_ms"]) if item.get("due_ms") is not None else None


def touch(
    app_id: str,
    source_id: str,
    new_customer_id: str,
    now: str,
    points: ProfilePoints | None = None,
    referral_code: str | None = None,
) -> Expression:
    """Create or touch the profile; ``points``: its points once this write's entries are in (condition
    it with ``ledger_head_is`` on the head read); ``referral_code``: the code of a profile this write
    creates (with ``code_claim`` in the same transaction)."""
    clauses, values = creation_values(app_id, source_id, new_customer_id, now, referral_code)
    remove: list[str] = []
    if points is not None:
        clauses = [c for c in clauses if not c.startswith("points_")]
        points_set, remove, points_values = points_update(app_id, source_id, points)
        clauses += points_set
        values |= points_values
    text = "SET " + ", ".join(clauses) + (" REMOVE " + ", ".join(remove) if remove else "")
    return Expression(text, {"#type": "type"}, values)


def ledger_head_is(expected: LedgerHead) -> Expression:
    """The head a write's ledger entries were placed after (``balance_after``, sequence) is still the
    stored one: no other entry was written meanwhile."""
    if expected.sequence == 0:  # no entry yet: a write without entries (an order's spend alone) stores 0
        return Expression(
            "attribute_not_exists(PK) OR (points_balance = :expected_balance AND "
            "(attribute_not_exists(ledger_seq) OR ledger_seq = :expected_sequence))",
            values={":expected_balance": expected.balance, ":expected_sequence": 0},
        )
    return Expression(
        "points_balance = :expected_balance AND ledger_seq = :expected_sequence",
        values={":expected_balance": expected.balance, ":expected_sequence": expected.sequence},
    )


def create(
    app_id: str,
    source_id: str,
    new_customer_id: str,
    referral_code: str,
    now: str,
    fields: Mapping[str, Any],
    referred_by: str | None = None,
) -> CustomerRecord:
    """A new profile and its referral code item, together or not at all."""
    profile = new_profile(app_id, source_id, new_customer_id, referral_code, now, fields, referred_by)
    marks = [referral_mark(app_id, referred_by, source_id)] if referred_by is not None else []
    try:
        dynamodb.transact_write([profile, code_claim(app_id, referral_code, source_id), *marks])
    except TransactionCancelled as error:
        raise CustomerChanged from error
    return CustomerRecord.from_item(dict(profile.item))


def new_profile(
    app_id: str,
    source_id: str,
    new_customer_id: str,
    referral_code: str,
    now: str,
    fields: Mapping[str, Any],
    referred_by: str | None = None,
    points: ProfilePoints | None = None,
) -> Put:
    """A profile that does not exist yet (for a transaction with ``code_claim``), with its fields and,
    when given, its points once its first entries are in (written in the same transaction)."""
    item: Item = {
        **keys.customer(app_id, source_id),
        **keys.customers_entry(app_id, source_id),
        "type": "customer",
        "source_id": source_id,
        "customer_id": new_customer_id,
        "created_at": now,
        "updated_at": now,
        "points_balance": 0,
        "points_earned": 0,
        "points_redeemed": 0,
        "referral_code": referral_code,
        "profile_version": 1,
        "referred_by": referred_by,
        **{name: value for name, value in fields.items() if value is not None},
        **(points_attributes(app_id, source_id, points) if points is not None else {}),
    }
    return Put(item, condition=Expression("attribute_not_exists(PK)"))


def update(
    app_id: str,
    current: CustomerRecord,
    now: str,
    changes: Mapping[str, Any],
    referred_by: str | None = None,
    referral_code: str | None = None,
) -> CustomerRecord:
    """Set the given fields (None removes one) if the profile is still the version read; ``referral_code``
    gives a profile created before codes existed its code, claimed in the same transaction."""
    names = {"#type": "type"}
    values: dict[str, Any] = {":now": now, ":one": 1}
    set_clauses = ["updated_at = :now", "profile_version = if_not_exists(profile_version, :zero) + :one"]
    values[":zero"] = 0
    remove_clauses: list[str] = []
    for index, (name, value) in enumerate(changes.items()):
        names[f"#f{index}"] = name
        if value is None:
            remove_clauses.append(f"#f{index}")
        else:
            set_clauses.append(f"#f{index} = :f{index}")
            values[f":f{index}"] = value
    if referred_by is not None:
        set_clauses.append("referred_by = :referred_by")
        values[":referred_by"] = referred_by
    if referral_code is not None:
        set_clauses.append("referral_code = :referral_code")
        values[":referral_code"] = referral_code
    text = "SET " + ", ".join(set_clauses) + (" REMOVE " + ", ".join(remove_clauses) if remove_clauses else "")
    condition = (
        Expression("#type = :customer_type AND profile_version = :seen", values={":seen": current.profile_version})
        if current.profile_version
        else Expression("#type = :customer_type AND attribute_not_exists(profile_version)")
    )
    condition.values[":customer_type"] = "customer"
    key = keys.customer(app_id, current.source_id)
    together = [code_claim(app_id, referral_code, current.source_id)] if referral_code is not None else []
    if referred_by is not None:
        together.append(referral_mark(app_id, referred_by, current.source_id))
    try:
        if not together:
            return CustomerRecord.from_item(
                dynamodb.update_item(key, Expression(text, names, values), condition=condition)
            )
        dynamodb.transact_write([Update(key, Expression(text, names, values), condition=condition), *together])
    except (dynamodb.ConditionFailed, TransactionCancelled) as error:
        raise CustomerChanged from error
    updated = get(app_id, current.source_id)
    if updated is None:
        raise CustomerChanged
    return updated


def page(app_id: str, limit: int, cursor: str | None, prefix: str | None) -> tuple[list[CustomerRecord], str | None]:
    """The application's profiles in source_id order, those starting with ``prefix`` when given, after the
    cursor's source_id. Each shard gives its first ``limit + 1`` keys (the next page's first ``limit`` are
    among them, whichever shards they are on); merged, the first ``limit`` are read in one BatchGetItem."""
    after = pagination.sort_key_of(cursor, "") if cursor else None
    if after is not None and not 0 < len(after) <= MAX_SOURCE_ID_LENGTH:
        raise ValidationFailed("cursor: is not a cursor this API returned")
    following: list[str] = []
    for shard in range(keys.CUSTOMER_SHARDS):
        partition = keys.customers_shard_partition(app_id, shard)
        condition = f"{keys.CUSTOMERS_PK} = :pk" + (f" AND begins_with({keys.CUSTOMERS_SK}, :prefix)" if prefix else "")
        start = (
            {**keys.customer(app_id, after), keys.CUSTOMERS_PK: partition, keys.CUSTOMERS_SK: after} if after else None
        )
        found = dynamodb.query(
            Expression(condition, values={":pk": partition} | ({":prefix": prefix} if prefix else {})),
            index=keys.CUSTOMERS_INDEX,
            limit=limit + 1,
            start_key=start,
        )
        following += [item[keys.CUSTOMERS_SK] for item in found.items]
    following.sort()
    shown = following[:limit]
    profiles = {
        item["source_id"]: CustomerRecord.from_item(item)
        # eventually consistent, as the index the page was found on: half the read units
        for item in dynamodb.batch_get([keys.customer(app_id, source_id) for source_id in shown], consistent=False)
    }
    next_cursor = pagination.cursor_for(shown[-1]) if len(following) > limit else None
    return [profiles[source_id] for source_id in shown if source_id in profiles], next_cursor
