"""The one place a customer's points move: every credit, debit, refund, reversal, activation and expiry
is placed here as ledger entries over the customer's lots (``shared/lots.py``), and written with the
profile's new points, only if the ledger head read is still the stored one. So ``balance_after`` is
exact, sort keys strictly increase, the balance equals the ledger's sum, and a debit never spends an
expired lot: every placement first records what time has done (``Wallet.settle``), and records again
after its postings (a credit whose expiry is already past expires at once)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from shared import clock
from shared.ids import new_id
from shared.lots import DAY_MS, LotKey, Movement, NotEnoughPoints, ReturnPolicy, Wallet, day_at_or_after
from shared.storage import customers, dynamodb, keys, ledger
from shared.storage.customers import CustomerRecord, PointsState
from shared.storage.dynamodb import Expression, Item, Put, TransactAction, Update
from shared.storage.ledger import LedgerEntry, LedgerHead, Posting, Reason

# Entries a placement may add besides its postings: an activation and an expiry before them, and an
# expiry after (a credit already past its expiry). Transactions budget for them.
SETTLEMENT_ENTRIES = 3

InsufficientPoints = NotEnoughPoints


@dataclass(frozen=True, slots=True)
class Placed:
    """Postings placed after a ledger head: the points after, and the entries in order (settlements
    included) with the credit records reversals need."""

    after: PointsState
    entries: list[LedgerEntry]
    records: list[Put]  # a transaction record per posting (see ``keys.transaction_record``)

    @property
    def moved(self) -> bool:
        return bool(self.entries)


def lot_of(posting: Posting, now_ms: int) -> LotKey:
    """Where a credit's points go: its days rounded up to day boundaries; active when that has passed."""
    expires = day_at_or_after(posting.expires_ms) if posting.expires_ms is not None else 0
    if posting.activates_ms is None:
        return LotKey(expires)
    activates = day_at_or_after(posting.activates_ms)
    return LotKey(expires) if activates * DAY_MS <= now_ms else LotKey(expires, activates)


def _apply(wallet: Wallet, posting: Posting, now_ms: int) -> tuple[Wallet, Movement]:
    match posting.operation:
        case "credit":
            return wallet.credit(posting.points, lot_of(posting, now_ms))
        case "debit":
            return wallet.debit(-posting.points, posting.counted_as)
        case "refund":
            return wallet.refund(posting.refund_lots)
        case "reversal":
            assert posting.own_lot is not None
            return wallet.reverse(-posting.points, posting.own_lot, posting.return_policy)


def _settlement(kind: Literal["activation", "expiry"]) -> Posting:
    reason: Reason = kind
    description = "Points expired" if kind == "expiry" else "Pending points became active"
    return Posting(txn_id=new_id("txn"), points=0, reason=reason, operation="credit", description=description)


def place(app_id: str, source_id: str, state: PointsState, postings: Sequence[Posting], now_ms: int) -> Placed:
    """``postings`` after ``state``, in order; raises ``InsufficientPoints`` for a debit beyond the balance."""
    wallet, head = state.wallet, state.head
    today = now_ms // DAY_MS
    entries: list[LedgerEntry] = []
    records: list[Put] = []

    def record(posting: Posting, movement: Movement) -> None:
        nonlocal head
        head = head.after(movement.points, now_ms)
        entries.append(
            ledger.entry(
                source_id, posting, head, clock.iso_from_epoch_ms(head.last_ms), movement, pending_after=wallet.pending
            )
        )

    def settle() -> None:
        nonlocal wallet
        wallet, transitions = wallet.settle(today)
        for transition in transitions:
            record(_settlement(transition.kind), transition.movement)

    settle()
    for posting in postings:
        wallet, movement = _apply(wallet, posting, now_ms)
        record(posting, movement)
        if posting.operation == "credit" or posting.reason in RECORDED_REASONS:
            records.append(_transaction_record(app_id, entries[-1], movement, posting.operation == "credit"))
    settle()
    return Placed(PointsState(wallet, head), entries, records)


# Entries whose request may be retried keep their whole entry in their record: a retry answers it.
RECORDED_REASONS = frozenset({"adjustment", "reversal"})


def _transaction_record(app_id: str, entry: LedgerEntry, movement: Movement, credit: bool) -> Put:
    """Written only once: a retried request whose first attempt landed finds it (and is not applied twice)."""
    item: Item = {**keys.transaction_record(app_id, entry.source_id, entry.txn_id), "type": "transaction_record"}
    item |= {"txn_id": entry.txn_id, "points": entry.points + entry.pending_points}
    if credit:
        ((lot, _),) = movement.lots.items()
        item |= {"lot": lot.encode(), "reversed": 0}
    if entry.reason in RECORDED_REASONS:
        item["entry"] = asdict(entry)
    return Put(item, condition=Expression("attribute_not_exists(PK)"))


def actions(app_id: str, source_id: str, placed: Placed, read_head: LedgerHead, now_iso: str) -> list[TransactAction]:
    """The writes of a placement for a profile that exists: the profile's points (only if its ledger
    head is still ``read_head``), the entries and the credit records."""
    set_clauses, remove, values = customers.points_update(app_id, source_id, placed.after)
    unchanged = customers.ledger_head_is(read_head)
    profile = Update(
        keys.customer(app_id, source_id),
        Expression(
            "SET updated_at = :now, " + ", ".join(set_clauses) + (" REMOVE " + ", ".join(remove) if remove else ""),
            values=values | {":now": now_iso},
        ),
        condition=Expression(f"attribute_exists(PK) AND ({unchanged.text})", unchanged.names, unchanged.values),
    )
    return [profile, *(ledger.put(app_id, entry) for entry in placed.entries), *placed.records]


def post(
    app_id: str, profile: CustomerRecord, postings: Sequence[Posting], now_ms: int
) -> tuple[Placed, list[TransactAction]]:
    """``postings`` for a customer read as ``profile``: what is placed, and its writes for the caller's
    transaction."""
    placed = place(app_id, profile.source_id, profile.points_state, postings, now_ms)
    return placed, actions(app_id, profile.source_id, placed, profile.ledger_head, clock.iso_from_epoch_ms(now_ms))


# ------------------------------------------------------------------------------------------ records


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    txn_id: str
    points: int
    lot: LotKey | None  # credits: the lot the points went to
    reversed: int
    entry: LedgerEntry | None  # adjustments and reversals: the entry, for a retry's answer

    @classmethod
    def from_item(cls, item: Item) -> TransactionRecord:
        return cls(
            item["txn_id"],
            item["points"],
            LotKey.decode(item["lot"]) if "lot" in item else None,
            item.get("reversed", 0),
            ledger.from_item(item["entry"]) if "entry" in item else None,
        )


def count_reversal(app_id: str, source_id: str, credit: TransactionRecord, points: int) -> Update:
    """The credit's reversed count moved by ``points``, only if no other reversal counted meanwhile."""
    return Update(
        keys.transaction_record(app_id, source_id, credit.txn_id),
        Expression("SET reversed = :reversed", values={":reversed": credit.reversed + points}),
        condition=Expression("reversed = :seen", values={":seen": credit.reversed}),
    )


def read(
    app_id: str, source_id: str, txn_ids: Sequence[str]
) -> tuple[CustomerRecord | None, dict[str, TransactionRecord]]:
    """The profile and the transaction records of ``txn_ids`` that exist: one round trip."""
    profile, records = None, {}
    item_keys = [keys.customer(app_id, source_id)] + [keys.transaction_record(app_id, source_id, t) for t in txn_ids]
    for item in dynamodb.batch_get(item_keys):
        if item.get("type") == "customer":
            profile = CustomerRecord.from_item(item)
        elif item.get("type") == "transaction_record":
            record = TransactionRecord.from_item(item)
            records[record.txn_id] = record
    return profile, records


def refund_lots(debit_lots: dict[str, Any] | None, points: int) -> dict[LotKey, int]:
    """The lots a refund of ``points`` gives back to: those the debit took from (a debit made before
    lots existed took from the never-expiring lot)."""
    if not debit_lots:
        return {LotKey(0): points}
    return {LotKey.decode(text): -taken for text, taken in debit_lots.items() if taken < 0}


# ------------------------------------------------------------------------------------------ policy


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    """An application's points policy; the default (no item): points activate at once and never expire."""

    expire_after_days: int | None = None
    pending_days: int = 0
    return_policy: ReturnPolicy = "within_balance"
    updated_at: str | None = None


def get_policy(app_id: str) -> PolicyRecord:
    item = dynamodb.get_item(keys.points_policy(app_id))
    return policy_from_item(item) if item else PolicyRecord()


def policy_from_item(item: Item) -> PolicyRecord:
    return PolicyRecord(
        item.get("expire_after_days"), item.get("pending_days", 0), item["return_policy"], item.get("updated_at")
    )


def put_policy(app_id: str, policy: PolicyRecord) -> None:
    dynamodb.put_item({**keys.points_policy(app_id), "type": "points_policy", **asdict(policy)})


def due_customers(
    shard: int, now: int, limit: int, start_after: Item | None = None
) -> tuple[list[tuple[str, str]], Item | None]:
    """``(app_id, source_id)`` of up to ``limit`` customers of one shard with an activation or expiry due
    by ``now`` (epoch seconds), and where to continue (the index is eventually consistent: a run moves
    forward rather than re-reading what it has just settled)."""
    result = dynamodb.query(
        Expression(
            f"{keys.DUE_PK} = :shard AND {keys.DUE_SK} < :bound",
            values={":shard": keys.points_due_shard_partition(shard), ":bound": f"{now + 1:012d}"},
        ),
        index=keys.DUE_INDEX,
        limit=limit,
        start_key=start_after,
    )
    found = [keys.customer_of(item[keys.PK]) for item in result.items]
    return [customer for customer in found if customer is not None], result.last_key
