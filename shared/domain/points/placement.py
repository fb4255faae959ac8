"""The one place a customer's points move: every credit, debit, refund, reversal, activation and expiry
is placed here as ledger entries over the customer's lots (``lots``), with the profile's new points, and
written by storage (``storage.points``) only if the ledger head read is still the stored one. So
``balance_after`` is exact, sort keys strictly increase, the balance equals the ledger's sum, and a debit
never spends an expired lot: every placement first records what time has done (``Wallet.settle``), and
records again after its postings (a credit whose expiry is already past expires at once)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field, replace
from decimal import Decimal
from typing import Literal

from shared import clock
from shared.domain import tiers
from shared.domain.points.lots import Claim, Movement, Wallet, day_at_or_after
from shared.entities.numbers import Number
from shared.entities.points import (
    DAY_MS,
    NEVER,
    LedgerEntry,
    LedgerHead,
    LotKey,
    PointsWrite,
    Posting,
    ProfilePoints,
    Reason,
    TransactionRecord,
)
from shared.entities.tiers import SpendWrite, TierProgram, TierState, TierWrite
from shared.ids import new_id
from shared.limits import MAX_ROLLING_MONTHS
from shared.storage import customers, points
from shared.storage import tiers as tier_store
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import TransactAction
from shared.values import value_class


@value_class
class TierHolding:
    """A profile's tier part as read: qualifying points by month, the tier state (None: never judged),
    when the tier job has something to do for it, and the qualifying spend by month with its version."""

    months: Mapping[str, Number] = field(default_factory=dict)
    state: TierState | None = None
    due_ms: int | None = None
    spend: Mapping[str, Number] = field(default_factory=dict)
    spend_version: int = 0

    def counted(self, program: TierProgram) -> Mapping[str, Number]:
        return self.spend if program.qualify_on == "spend" else self.months


@value_class
class PointsState:
    """A profile's points: its wallet and its ledger head (as read, or once a write's entries are in)."""

    wallet: Wallet
    head: LedgerHead
    tier: TierHolding = TierHolding()

    @classmethod
    def empty(cls) -> PointsState:
        return cls(Wallet(), LedgerHead())


def wallet_of(profile: CustomerRecord) -> Wallet:
    """The profile's points as lots. A profile credited before lots existed (a balance, no lots, no debt:
    every write since keeps the balance as the active lots less the debt) holds its balance as one
    never-expiring active lot."""
    lots = {LotKey.decode(text): points for text, points in profile.lots.items()}
    if not lots and profile.points_balance > 0:
        lots = {LotKey(NEVER): profile.points_balance}
    return Wallet(
        lots=lots,
        balance=profile.points_balance,
        pending=profile.points_pending,
        earned=profile.points_earned,
        redeemed=profile.points_redeemed,
        expired=profile.points_expired,
        debt=profile.points_debt,
        lapsed={int(day): points for day, points in profile.points_lapsed.items()},
        clawed={Claim.decode(text): points for text, points in profile.points_clawed.items()},
    )


def points_state(profile: CustomerRecord) -> PointsState:
    state, due_ms = customers.tier_state_of(profile.tier_state)
    return PointsState(
        wallet_of(profile),
        profile.ledger_head,
        TierHolding(profile.tier_months, state, due_ms, profile.tier_spend_months, profile.tier_spend_version),
    )


@value_class
class Placed:
    """Postings placed after a ledger head (``read_head``): the points after, and the entries in order
    (settlements included) with the transaction records reversals and retries need."""

    app_id: str
    source_id: str
    read_head: LedgerHead
    after: PointsState
    entries: list[LedgerEntry]
    records: list[TransactionRecord]
    tier: TierWrite | None = None

    @property
    def moved(self) -> bool:
        return bool(self.entries)

    def write(self) -> PointsWrite:
        """What storage writes for this placement: the profile's points as its item keeps them, the
        entries and the records."""
        wallet, head = self.after.wallet, self.after.head
        stored = ProfilePoints(
            balance=wallet.balance,
            pending=wallet.pending,
            earned=wallet.earned,
            redeemed=wallet.redeemed,
            expired=wallet.expired,
            debt=wallet.debt,
            lots={key.encode(): points for key, points in wallet.lots.items()},
            lapsed={str(day): points for day, points in wallet.lapsed.items()},
            clawed={claim.encode(): points for claim, points in wallet.clawed.items()},
            head=head,
            due_day=wallet.next_due_day(),
            tier=self.tier,
        )
        return PointsWrite(self.app_id, self.source_id, self.read_head, stored, self.entries, self.records)


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


# What an activation or expiry entry says: time placed it, no request did.
_SETTLED: dict[Literal["activation", "expiry"], str] = {
    "activation": "Pending points became active",
    "expiry": "Points expired",
}


def place(
    app_id: str,
    source_id: str,
    state: PointsState,
    postings: Sequence[Posting],
    now_ms: int,
    program: TierProgram | None = None,
    spend: Mapping[str, Decimal] | None = None,
) -> Placed:
    """``postings`` after ``state``, in order, with the member's tier under ``program`` once they are in;
    raises ``NotEnoughPoints`` for a debit beyond the balance."""
    wallet, head = state.wallet, state.head
    today = now_ms // DAY_MS
    entries: list[LedgerEntry] = []
    records: list[TransactionRecord] = []

    def entry(txn_id: str, reason: Reason, description: str | None, movement: Movement) -> LedgerEntry:
        """The entry of ``movement``, the next in the ledger."""
        nonlocal head
        head = _head_after(head, movement.points, now_ms)
        return _entry(source_id, txn_id, reason, description, head, movement, wallet.pending)

    def settle() -> None:
        nonlocal wallet
        wallet, transitions = wallet.settle(today)
        for transition in transitions:
            kind = transition.kind
            entries.append(entry(new_id("txn"), kind, _SETTLED[kind], transition.movement))

    settle()
    for posting in postings:
        wallet, movement = _apply(wallet, posting, now_ms)
        entries.append(_requested(entry(posting.txn_id, posting.reason, posting.description, movement), posting))
        if posting.operation == "credit" or posting.reason in RECORDED_REASONS:
            record = _transaction_record(entries[-1], movement, posting.operation == "credit")
            records.append(replace(record, qualifies_in=posting.qualifies_in))
    settle()
    holding, tier_write = placed_tier(program, state.tier, postings, now_ms, spend)
    return Placed(app_id, source_id, state.head, PointsState(wallet, head, holding), entries, records, tier_write)


def qualifying(postings: Sequence[Posting]) -> bool:
    """Some posting counts toward tiers: only such a write judges the tier (time's changes in between are
    the tier job's and every read's), so the others never read the tier program."""
    return any(posting.qualifies_in is not None for posting in postings)


def placed_tier(
    program: TierProgram | None,
    holding: TierHolding,
    postings: Sequence[Posting],
    now_ms: int,
    spend: Mapping[str, Decimal] | None = None,
) -> tuple[TierHolding, TierWrite | None]:
    """The member's tier once ``postings`` (and ``spend``: order value by month, less for a return) are in:
    qualifying credits and their reversals counted in their months, spend in its own counter, the tier
    judged on the program's counter at ``now_ms`` (what time did since it was stored, then the write's
    upgrade or fall). Nothing is written when no counter moves and no program judges the member."""
    months = dict(holding.months)
    for posting in postings:
        if posting.qualifies_in is not None:
            months[posting.qualifies_in] = months.get(posting.qualifies_in, 0) + posting.points
    months = tiers.kept_months(MAX_ROLLING_MONTHS, now_ms, months)
    spent = dict(holding.spend)
    for month, amount in (spend or {}).items():
        spent[month] = spent.get(month, 0) + amount
    spent = tiers.kept_months(MAX_ROLLING_MONTHS, now_ms, spent)
    spend_write = SpendWrite(spent, holding.spend_version) if spent != holding.spend else None
    if program is None:
        moved = months != holding.months or spend_write is not None
        after = TierHolding(months, holding.state, holding.due_ms, spent, holding.spend_version)
        return after, TierWrite(months, None, spend=spend_write) if moved else None
    before = holding.counted(program)
    judged, changes = tiers.at(program, holding.state, before, now_ms)
    counted = spent if program.qualify_on == "spend" else months
    if counted != before:
        judged, upgraded = tiers.after_credit(program, judged, counted, now_ms)
        changes += upgraded
    due_ms = tiers.due_at(program, judged, counted, now_ms, holding.due_ms)
    after = TierHolding(months, judged, due_ms, spent, holding.spend_version)
    read_held = holding.state.held if holding.state else None
    return after, TierWrite(months, judged, due_ms, changes, due_ms != holding.due_ms, spend_write, read_held)


def post(
    app_id: str,
    profile: CustomerRecord,
    postings: Sequence[Posting],
    now_ms: int,
    spend: Mapping[str, Decimal] | None = None,
) -> tuple[Placed, list[TransactAction]]:
    """``postings`` for a customer read as ``profile``: what is placed, and its writes for the caller's
    transaction."""
    program = tier_store.recent_program(app_id) if qualifying(postings) or spend else None
    placed = place(app_id, profile.source_id, points_state(profile), postings, now_ms, program, spend)
    return placed, points.writes(placed.write(), clock.iso_from_epoch_ms(now_ms))


def _head_after(head: LedgerHead, points: int, now_ms: int) -> LedgerHead:
    """The head once one more entry of ``points`` is written at ``now_ms`` (never before the last one)."""
    return LedgerHead(head.balance + points, head.sequence + 1, max(now_ms, head.last_ms))


def _entry(
    source_id: str,
    txn_id: str,
    reason: Reason,
    description: str | None,
    head: LedgerHead,
    movement: Movement,
    pending_after: int,
) -> LedgerEntry:
    """The entry that moved the ledger to ``head``; ``movement``: what the lots gave."""
    return LedgerEntry(
        txn_id=txn_id,
        source_id=source_id,
        points=movement.points,
        balance_after=head.balance,
        reason=reason,
        created_at=clock.iso_from_epoch_ms(head.last_ms),
        created_ms=head.last_ms,
        description=description,
        sequence=head.sequence,
        pending_points=movement.pending_points,
        pending_after=pending_after,
        lots={key.encode(): points for key, points in movement.lots.items()},
        shortfall=movement.shortfall,
        expired=movement.expired,
    )


def _requested(entry: LedgerEntry, posting: Posting) -> LedgerEntry:
    """``entry`` with what ``posting``'s request named: its campaign and rule, event, reward, redemption,
    attributes, the credit it reverses, and the order and return."""
    return replace(
        entry,
        campaign_id=posting.campaign_id,
        rule_id=posting.rule_id,
        event_name=posting.event_name,
        reward_id=posting.reward_id,
        redemption_id=posting.redemption_id,
        attributes=posting.attributes,
        reverses=posting.reverses,
        order_id=posting.order_id,
        return_id=posting.return_id,
    )


# Entries whose request may be retried keep their whole entry in their record: a retry answers it.
RECORDED_REASONS = frozenset({"adjustment", "reversal", "import"})


def _transaction_record(entry: LedgerEntry, movement: Movement, credit: bool) -> TransactionRecord:
    lot: LotKey | None = None
    if credit:
        ((lot, _),) = movement.lots.items()
    return TransactionRecord(
        txn_id=entry.txn_id,
        points=entry.points + entry.pending_points,
        lot=lot,
        reversed=0,
        entry=entry if entry.reason in RECORDED_REASONS else None,
    )


def refund_lots(debit_lots: Mapping[str, int] | None, points: int) -> dict[LotKey, int]:
    """The lots a refund of ``points`` gives back to: those the debit took from (its entry names only
    lots it took from); a debit made before lots existed took from the never-expiring lot."""
    if not debit_lots:
        return {LotKey(NEVER): points}
    return {LotKey.decode(text): -taken for text, taken in debit_lots.items()}
