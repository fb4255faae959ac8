"""Points that behave like money with a shelf life: the application's points policy, a customer's
ledger newest first, customer-service adjustments, reversals of a credit, and the scheduled job that
records activations and expiries. The arithmetic is ``lots``, placed as entries by ``placement``; every
write goes through ``storage.points`` (one transaction, conditioned on the ledger head read).

- Reads are right before any job runs: they show ``Wallet.as_of(now)``, the stored lots settled in
  memory, so expired points never count and pending points count as active from their day.
- An adjustment or reversal is written with a record keyed by its txn_id (``attribute_not_exists``):
  a retry of a request whose write landed finds it and answers it, never applying it twice; the
  route's Idempotency-Key makes a client's own retry a replay. With a key, the txn_id is derived from
  it (and the request): when the idempotency record could not keep the answer (its save throttled, so
  the claim expires unanswered), the request run again finds its own entry.
- A reversal takes back at most what its credit gave, over any number of partial reversals: the
  credit's record counts what was reversed, under a condition on the count read. Of that, it takes only
  what the credit still holds or spent, never what expired (``Wallet.reverse``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from shared import clock
from shared.domain.customers import get_customer
from shared.domain.points import placement
from shared.domain.points.lots import NotEnoughPoints
from shared.domain.tiers import month_key
from shared.entities.audit import Action
from shared.entities.points import DAY_MS, LedgerEntry, PolicyRecord, Posting, Reason, ReturnPolicy, TransactionRecord
from shared.errors import Conflict, CustomerNotFound, NotFound, ServiceUnavailable, ValidationFailed
from shared.ids import keyed_id, new_id
from shared.retries import retries
from shared.storage import audit, dynamodb, keys, points
from shared.storage.dynamodb import TransactionCancelled
from shared.values import value_class


class InsufficientBalance(Conflict):
    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(
            "Insufficient points",
            f"points: the balance is {balance}, so at most {balance} can be debited, not {needed}",
        )


class TransactionNotFound(NotFound):
    def __init__(self, txn_id: str) -> None:
        super().__init__(f"Cannot find transaction with id {txn_id}")


class NotReversible(Conflict):
    """The transaction is not a credit, or nothing of it is left to take back."""


# ------------------------------------------------------------------------------------------ policy


def policy(app_id: str) -> PolicyRecord:
    return points.get_policy(app_id)


def recent_policy(app_id: str) -> PolicyRecord:
    """What events credit by: at most ``STALENESS_SECONDS`` old (shared/storage/points.py says why)."""
    return points.recent_policy(app_id)


def set_policy(
    app_id: str, expire_after_days: int | None, pending_days: int, return_policy: ReturnPolicy, time_zone: str
) -> PolicyRecord:
    """Replace the policy; it applies to credits (and earning caps' periods) from now on. Written over the
    policy read (the audit log's before): a concurrent change makes this read again."""
    for _ in retries():
        before = points.get_policy(app_id)
        stored = PolicyRecord(expire_after_days, pending_days, return_policy, clock.now_iso(), time_zone)
        try:
            points.put_policy(app_id, before, stored)
        except points.PolicyChanged:
            continue
        return stored
    raise ServiceUnavailable


@value_class
class LotTimes:
    activates_ms: int | None
    expires_ms: int | None


def lot_times(
    policy: PolicyRecord, event_ms: int, expire_after_days: int | None = None, pending_days: int | None = None
) -> LotTimes:
    """When a credit earned at ``event_ms`` activates and expires: a rule's own days override the policy's."""
    expire = expire_after_days if expire_after_days is not None else policy.expire_after_days
    pending = pending_days if pending_days is not None else policy.pending_days
    return LotTimes(
        event_ms + pending * DAY_MS if pending else None,
        event_ms + expire * DAY_MS if expire is not None else None,
    )


# ------------------------------------------------------------------------------------------ reads


def list_transactions(
    app_id: str, source_id: str, limit: int, cursor: str | None, reason: Reason | None = None
) -> tuple[list[LedgerEntry], str | None]:
    """The ledger newest first; ``reason``: only the entries of that reason (a cursor of a filtered page
    continues the filter)."""
    get_customer(app_id, source_id)  # the seed's not-found for an unknown customer
    return points.page(app_id, source_id, limit, cursor, reason)


# ------------------------------------------------------------------------------------------ writes


Plan = Callable[[dict[str, TransactionRecord], PolicyRecord], tuple[Posting, list[dynamodb.Update]]]


def adjust(
    app_id: str,
    source_id: str,
    amount: int,
    description: str,
    request_key: str | None = None,
    *,
    qualifying: bool = False,
) -> LedgerEntry:
    """Customer service credits (following the policy) or debits (at most the balance) ``amount`` points;
    ``request_key``: the request's Idempotency-Key; ``qualifying``: a credit that counts toward tiers."""
    txn_id = _txn_id(request_key, app_id, source_id, "adjust", amount, description, *(["qualifying"] * qualifying))

    def plan(records: dict[str, TransactionRecord], policy: PolicyRecord) -> tuple[Posting, list[dynamodb.Update]]:
        # a credit is a lot under the policy; a debit corrects what was earned (not a redemption)
        times = lot_times(policy, clock.now_epoch_ms()) if amount > 0 else LotTimes(None, None)
        adjustment = Posting(
            txn_id=txn_id,
            points=amount,
            reason="adjustment",
            operation="credit" if amount > 0 else "debit",
            description=description,
            activates_ms=times.activates_ms,
            expires_ms=times.expires_ms,
            counted_as="earned",
            qualifies_in=month_key(clock.now_epoch_ms()) if qualifying else None,
        )
        return adjustment, []

    return _write_once(app_id, source_id, txn_id, plan, "points_adjusted")[0]


def open_balance(app_id: str, source_id: str, txn_id: str, amount: int, expires_ms: int | None) -> bool:
    """Credit a member's balance brought from another engine as the entry ``txn_id`` (reason ``import``,
    active at once, expiring at ``expires_ms`` or never); whether this call wrote it (False: it was
    already there, so an import run again credits nothing). Not an audit log entry: the import's job and
    the ledger's reason ``import`` are its record."""

    def plan(records: dict[str, TransactionRecord], policy: PolicyRecord) -> tuple[Posting, list[dynamodb.Update]]:
        del records, policy  # the opening balance keeps the old engine's expiry, not this policy's
        return opening_balance(txn_id, amount, expires_ms), []

    return _write_once(app_id, source_id, txn_id, plan, None)[1]


def opening_balance(txn_id: str, amount: int, expires_ms: int | None) -> Posting:
    """The credit of a balance brought from another engine: active at once, expiring when it said."""
    return Posting(
        txn_id=txn_id,
        points=amount,
        reason="import",
        operation="credit",
        description="Opening balance imported",
        expires_ms=expires_ms,
    )


def reverse(
    app_id: str, source_id: str, txn_id: str, amount: int | None, request_key: str | None = None
) -> LedgerEntry:
    """Take back ``amount`` (default: all that is left) of the credit ``txn_id``, by the return policy;
    ``request_key``: the request's Idempotency-Key."""
    reversal_id = _txn_id(request_key, app_id, source_id, "reverse", txn_id, amount)

    def plan(records: dict[str, TransactionRecord], policy: PolicyRecord) -> tuple[Posting, list[dynamodb.Update]]:
        credit = records.get(txn_id)
        if credit is None:
            raise TransactionNotFound(txn_id)
        if credit.lot is None:
            raise NotReversible("Not a credit", f"transaction {txn_id} is not a credit: only credits can be reversed")
        left = credit.points - credit.reversed
        if left <= 0:
            raise NotReversible(
                "Already reversed", f"transaction {txn_id} was reversed in full ({credit.points} points)"
            )
        wanted = left if amount is None else amount
        if wanted > left:
            raise ValidationFailed(
                f"points: {wanted} is more than is left to reverse of transaction {txn_id} "
                f"({left} of {credit.points} points)"
            )
        reversal = Posting(
            txn_id=reversal_id,
            points=-wanted,
            reason="reversal",
            operation="reversal",
            description=f"Reversal of {txn_id}",
            reverses=txn_id,
            own_lot=credit.lot,
            return_policy=policy.return_policy,
            qualifies_in=credit.qualifies_in,
        )
        return reversal, [points.count_reversal(app_id, source_id, credit, credit.reversed + wanted)]

    return _write_once(app_id, source_id, reversal_id, plan, "points_reversed", also_read=[txn_id])[0]


def _txn_id(request_key: str | None, *request: object) -> str:
    return new_id("txn") if request_key is None else keyed_id("txn", request_key, *request)


def _write_once(
    app_id: str, source_id: str, txn_id: str, plan: Plan, action: Action | None, also_read: Sequence[str] = ()
) -> tuple[LedgerEntry, bool]:
    """Read (the profile, the records, the policy: one round trip), decide, write the entry ``txn_id`` with
    its audit entry (``action``; none for an imported balance) in one transaction; read again when another
    write got there first. A retry whose earlier attempt landed (a timeout after the write) finds the
    entry's record and answers it. Also: whether this call wrote it."""
    for _ in retries():
        profile, records, policy = points.read_with_policy(app_id, source_id, [txn_id, *also_read])
        landed = records.get(txn_id)
        if landed is not None and landed.entry is not None:
            return landed.entry, False
        if profile is None:
            raise CustomerNotFound(source_id)
        posting, extra = plan(records, policy)
        try:
            placed, actions = placement.post(app_id, profile, [posting], clock.now_epoch_ms())
        except NotEnoughPoints as short:
            raise InsufficientBalance(short.balance, short.needed) from short
        entry = next(entry for entry in placed.entries if entry.txn_id == txn_id)
        try:
            audited = [] if action is None else [_audited(app_id, profile.customer_id, action, entry)]
            dynamodb.transact_write([*actions, *extra, *audited])
        except (TransactionCancelled, ServiceUnavailable):
            continue
        return entry, True
    raise ServiceUnavailable


def _audited(app_id: str, customer_id: str, action: Action, entry: LedgerEntry) -> dynamodb.Put:
    """The audit entry of an adjustment or reversal: the customer by its cust_ id and the balances moved,
    never the source_id or the description (the ledger keeps those, and erasure treats the ledger), so an
    erased customer's audit entries hold nothing personal."""
    before = {"balance": entry.balance_after - entry.points, "pending": entry.pending_after - entry.pending_points}
    after = {"balance": entry.balance_after, "pending": entry.pending_after, "transaction_id": entry.txn_id}
    return audit.entry(app_id, "customer", customer_id, action, before, after)


# ------------------------------------------------------------------------------------------ the job

# Customers read from the points-due index per query, and shards worked at once (each shard's
# customers are settled one by one; shards are independent partitions of the index).
BATCH_SIZE = 100
PARALLEL_SHARDS = 8


@value_class
class SettleReport:
    customers_settled: int  # customers for whom this run wrote entries
    entries_written: int  # activation and expiry entries
    customers_read: int  # customers the index listed as due (a customer with nothing due is never read)
    customers_skipped: int  # customers left to the next run: their writes kept racing this run's
    backlog_left: bool  # due customers remain for the next run (time ran out, or some were skipped)


@dataclass(slots=True)
class _ShardTally:
    settled: int = 0
    written: int = 0
    read: int = 0
    skipped: int = 0
    backlog_left: bool = False


def settle_due(time_left_ms: Callable[[], int], safety_ms: int = 5_000) -> SettleReport:
    """Record the activations and expiries due by now, customer by customer through the points-due
    index (never a scan), in bounded batches, shards in parallel, each customer in one transaction
    conditioned on the ledger head: two runs at once, or a run racing a customer's own write, record
    each once (the loser reads again and finds nothing due). What the run's time does not cover is
    reported (``backlog_left``) and picked up by the next run."""
    now_ms = clock.now_epoch_ms()

    def out_of_time() -> bool:
        return time_left_ms() <= safety_ms

    def work_shard(shard: int) -> _ShardTally:
        tally = _ShardTally()
        position = None
        while True:
            if out_of_time():
                tally.backlog_left = True
                return tally
            due, position = points.due_customers(shard, now_ms // 1000, BATCH_SIZE, position)
            tally.read += len(due)
            for app_id, source_id in due:
                if out_of_time():  # the rest of the batch is still due: the next run's
                    tally.backlog_left = True
                    return tally
                entries = _settle_one(app_id, source_id, now_ms)
                if entries is None:
                    tally.skipped += 1
                    tally.backlog_left = True
                else:
                    tally.settled += entries > 0
                    tally.written += entries
            if position is None:
                return tally

    with ThreadPoolExecutor(max_workers=PARALLEL_SHARDS) as pool:
        tallies = list(pool.map(work_shard, range(keys.POINTS_DUE_SHARDS)))
    return SettleReport(
        customers_settled=sum(t.settled for t in tallies),
        entries_written=sum(t.written for t in tallies),
        customers_read=sum(t.read for t in tallies),
        customers_skipped=sum(t.skipped for t in tallies),
        backlog_left=any(t.backlog_left for t in tallies),
    )


def _settle_one(app_id: str, source_id: str, now_ms: int) -> int | None:
    """Entries written for one customer (0: nothing was due any more, as when another run or the
    customer's own write recorded it first); None: every attempt lost a race or met a store fault,
    so the customer is left, still on the index, to the next run."""
    for _ in retries():
        profile = points.read(app_id, source_id, [])[0]
        if profile is None:
            return 0
        placed, actions = placement.post(app_id, profile, [], now_ms)
        if not placed.moved:
            return 0
        try:
            dynamodb.transact_write(actions)
        except (TransactionCancelled, ServiceUnavailable):
            continue
        return len(placed.entries)
    return None
