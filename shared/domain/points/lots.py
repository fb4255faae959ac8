"""Points as lots: the arithmetic of a customer's points, pure (no I/O), used by the placement of
ledger entries (``placement``) and by reads of balances. Property-tested in ``tests/unit/test_lots.py``.

Design:

- Every credit is a lot: the points, the day it becomes spendable and the day it expires. Lots are
  grouped by those two days (``LotKey``), so a customer with thousands of small credits holds at most
  one lot per (activation day, expiry day): a debit is one write whatever it spans. Days are UTC
  days; a lot's times are rounded *up* to the next day boundary (points expire at the end of the UTC
  day on which they reach their age, and pending points activate at the end of the day on which their
  pending period ends). An activated lot joins the active lot of its expiry day.
- A debit spends active lots first-expiring-first, never-expiring lots last, and names the lots it took.
- ``balance`` is what a customer can spend: active lots minus ``debt``. Debt exists only when the
  application's return policy lets a reversal take more than the balance (``allow_negative``); lots
  that become active pay it off first.
- ``settle(now)`` applies what time has done (activations, then expiries, day by day), and names it
  as at most one activation and one expiry movement, which the ledger records. Reads settle in memory,
  so a balance never counts an expired lot even before the scheduled job has recorded the expiry.
- A reversal takes back at most what its credit still holds or spent, never what expired: the points
  each expiry day's lots held when they expired stay counted (``lapsed``) until reversals of that day's
  credits count them. What a reversal takes back of spent points is remembered on the lot they were
  spent from (``clawed``: taken from another lot, charged as debt, or forgiven as a shortfall), so that
  a refund of those spent points undoes exactly that instead of giving them to the customer again.
- Every movement changes ``balance`` by ``points`` and ``pending`` by ``pending_points``: the ledger's
  sums of those two equal the stored balance and pending at every step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from shared.entities.points import DAY_MS, LAST_DAY, NEVER, LotKey, ReturnPolicy
from shared.values import value_class

# Lots a customer holds at most, so that the profile (and a debit's entry naming its lots) stays well
# within DynamoDB's 400 KB item: about 20 bytes each. Day grouping keeps real customers far below it
# (one policy gives at most one lot per expiry day); past it, a credit joins the existing lot of the
# same activation expiring soonest at or after its own (only when there is none, the latest before).
MAX_LOTS = 5_000


def day_at_or_after(epoch_ms: int) -> int:
    """The first UTC day boundary at or after ``epoch_ms``, as a day number (days since 1970-01-01)."""
    return min(max(-(-epoch_ms // DAY_MS), 1), LAST_DAY)


def _spend_order(key: LotKey) -> tuple[int, int]:
    return (1, 0) if key.expires_day == NEVER else (0, key.expires_day)


@value_class
class Movement:
    """What one operation did: ``points`` changes the balance, ``pending_points`` the pending points,
    ``lots`` the lots it added to (positive) or took from (negative), ``shortfall`` what a reversal
    could not take back."""

    points: int = 0
    pending_points: int = 0
    lots: Mapping[LotKey, int] = field(default_factory=dict)
    shortfall: int = 0
    expired: int = 0  # a reversal: what of the credit had expired, so was not taken


# Where a reversal found the spent points of a lot that it took back, besides other lots.
DEBT = "debt"
FORGIVEN = "forgiven"


@dataclass(frozen=True, slots=True, order=True)
class Claim:
    """Spent points of ``lot`` (an active lot) that a reversal took back, and from where: another lot
    (``LotKey.encode()``), ``DEBT`` or ``FORGIVEN`` (a shortfall). A refund of points spent from ``lot``
    pays its claims first."""

    lot: LotKey
    source: str

    def encode(self) -> str:
        return f"{self.lot.encode()}>{self.source}"

    @classmethod
    def decode(cls, text: str) -> Claim:
        lot, source = text.split(">")
        return cls(LotKey.decode(lot), source)

    def unwind_order(self) -> tuple[int, tuple[int, int]]:
        """Forgiven first, then debt, then the lots taken from, latest-spent first: a refund undoes what the
        reversal took as a last resort before what it took from the balance."""
        if self.source in (FORGIVEN, DEBT):
            return (0 if self.source == FORGIVEN else 1), (0, 0)
        first, second = _spend_order(LotKey.decode(self.source))
        return 2, (-first, -second)


@value_class
class Transition:
    """Activations or expiries ``settle`` applied (``kind``), as one movement."""

    kind: Literal["activation", "expiry"]
    movement: Movement


class NotEnoughPoints(Exception):
    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(f"balance {balance}, needed {needed}")
        self.balance = balance
        self.needed = needed


@value_class
class Wallet:
    """A customer's points: the lots and the counters the profile keeps with them."""

    lots: Mapping[LotKey, int] = field(default_factory=dict)
    balance: int = 0  # spendable: active lots - debt
    pending: int = 0
    earned: int = 0
    redeemed: int = 0
    expired: int = 0
    debt: int = 0
    lapsed: Mapping[int, int] = field(default_factory=dict)  # expiry day -> expired points no reversal counted yet
    clawed: Mapping[Claim, int] = field(default_factory=dict)

    # ------------------------------------------------------------------------------ reading

    def active_points(self) -> int:
        return sum(points for key, points in self.lots.items() if not key.pending)

    def next_due_day(self) -> int | None:
        """The first day on which ``settle`` has something to do (an activation or an expiry)."""
        days = [key.activates_day for key in self.lots if key.pending]
        days += [key.expires_day for key in self.lots if key.expires_day != NEVER]
        return min(days) if days else None

    def expiring(self, count: int) -> list[tuple[int, int]]:
        """The next ``count`` expiry days with the points (active or pending) that expire on each."""
        by_day: dict[int, int] = {}
        for key, points in self.lots.items():
            if key.expires_day != NEVER:
                by_day[key.expires_day] = by_day.get(key.expires_day, 0) + points
        return sorted(by_day.items())[:count]

    # ------------------------------------------------------------------------------ time

    def as_of(self, now_ms: int) -> Wallet:
        """The wallet as it stands at ``now_ms``, what reads show (nothing is recorded)."""
        return self.settle(now_ms // DAY_MS)[0]

    def settle(self, today: int) -> tuple[Wallet, list[Transition]]:
        """Apply every activation and expiry due on or before day ``today``, in day order (activations
        of a day before its expiries)."""
        wallet = self
        activated: dict[LotKey, int] = {}
        expired: dict[LotKey, int] = {}
        activation = expiry = Movement()
        for day, is_expiry in sorted(_due_days(self.lots, today)):
            if is_expiry:
                lots = {key: points for key, points in wallet.lots.items() if key.expires_day == day}
                active = sum(points for key, points in lots.items() if not key.pending)
                wallet = replace(
                    wallet,
                    lots=_without(wallet.lots, lots),
                    balance=wallet.balance - active,
                    pending=wallet.pending - (sum(lots.values()) - active),
                    expired=wallet.expired + sum(lots.values()),
                    lapsed=_add(wallet.lapsed, day, sum(lots.values())),
                )
                expired |= lots
                expiry = Movement(expiry.points - active, expiry.pending_points - (sum(lots.values()) - active))
            else:
                lots = {key: points for key, points in wallet.lots.items() if key.activates_day == day}
                moved = sum(lots.values())
                remaining = _without(wallet.lots, lots)
                for key, points in lots.items():
                    remaining = _add(remaining, key.activated(), points)
                wallet = replace(
                    wallet, lots=remaining, balance=wallet.balance + moved, pending=wallet.pending - moved
                )._repay_debt()
                activated |= lots
                activation = Movement(activation.points + moved, activation.pending_points - moved)
        transitions = []
        if activated:
            transitions.append(Transition("activation", replace(activation, lots=activated)))
        if expired:
            transitions.append(Transition("expiry", replace(expiry, lots={k: -p for k, p in expired.items()})))
        return wallet, transitions

    # ------------------------------------------------------------------------------ moves

    def credit(self, points: int, key: LotKey) -> tuple[Wallet, Movement]:
        """``points`` into lot ``key`` (pending when its activation day is set), counted as earned."""
        key = _within_cap(self.lots, key)
        lots = _add(self.lots, key, points)
        if key.pending:
            return replace(self, lots=lots, pending=self.pending + points, earned=self.earned + points), Movement(
                pending_points=points, lots={key: points}
            )
        wallet = replace(self, lots=lots, balance=self.balance + points, earned=self.earned + points)
        return wallet._repay_debt(), Movement(points=points, lots={key: points})

    def debit(self, points: int, counted_as: Literal["redeemed", "earned"] = "redeemed") -> tuple[Wallet, Movement]:
        """``points`` taken from the active lots, first-expiring-first; ``counted_as``: a redemption
        counts as redeemed, a customer-service correction takes back what was earned."""
        if points > self.balance:
            raise NotEnoughPoints(self.balance, points)
        lots, taken = _take(self.lots, points, self._active_keys())
        wallet = replace(self, lots=lots, balance=self.balance - points)
        wallet = (
            replace(wallet, redeemed=wallet.redeemed + points)
            if counted_as == "redeemed"
            else replace(wallet, earned=wallet.earned - points)
        )
        return wallet, Movement(points=-points, lots={key: -p for key, p in taken.items()})

    def refund(self, lots: Mapping[LotKey, int]) -> tuple[Wallet, Movement]:
        """Points a debit took from ``lots`` given back to the same lots (settle next: a lot whose day
        has passed meanwhile expires). Spent points a reversal already took back are not given again:
        they pay that reversal's claims instead (a shortfall is kept, debt is paid, points taken from
        another lot go back to it, and on to that lot's own claims)."""
        total = sum(lots.values())
        remaining, clawed = dict(self.lots), dict(self.clawed)  # changed in place: linear in the lots
        claims_of: dict[LotKey, list[Claim]] = {}
        for claim in sorted(clawed, key=Claim.unwind_order):
            claims_of.setdefault(claim.lot, []).append(claim)
        given: dict[LotKey, int] = {}
        forgiven = debt_paid = 0
        due = list(lots.items())
        while due:
            key, points = due.pop()
            for claim in claims_of.get(key, []):
                share = min(points, clawed.get(claim, 0))
                if share == 0:
                    continue
                _bump(clawed, claim, -share)
                points -= share
                if claim.source == FORGIVEN:
                    forgiven += share
                elif claim.source == DEBT:
                    debt_paid += share
                else:
                    due.append((LotKey.decode(claim.source), share))
            if points:
                placed = _within_cap(remaining, key)
                _bump(remaining, placed, points)
                given[placed] = given.get(placed, 0) + points
        wallet = replace(
            self,
            lots=remaining,
            clawed=clawed,
            balance=self.balance + total - forgiven,
            redeemed=self.redeemed - total,
            earned=self.earned - forgiven,
            debt=self.debt - debt_paid,
        )
        return wallet._repay_debt(), Movement(points=total - forgiven, lots=given)

    def reverse(self, points: int, own_lot: LotKey, policy: ReturnPolicy) -> tuple[Wallet, Movement]:
        """Take back ``points`` of a credit: from the credit's own lot while it holds points (pending, or
        active once activated); then, of its lot's points that expired, nothing (counted once, from
        ``lapsed``); the rest was spent: from the balance first-expiring-first, and what the balance cannot
        give is a shortfall (``within_balance``) or debt (``allow_negative``). Each is a claim on the lot
        the points were spent from."""
        taken: dict[LotKey, int] = {}
        lots = dict(self.lots)
        pending_taken = active_taken = 0
        spent_from = own_lot.activated()
        for key in dict.fromkeys((own_lot, spent_from)):
            available = lots.get(key, 0)
            share = min(available, points - pending_taken - active_taken)
            if share > 0:
                lots = _add(lots, key, -share)
                taken[key] = taken.get(key, 0) + share
                if key.pending:
                    pending_taken += share
                else:
                    active_taken += share
        rest = points - pending_taken - active_taken
        expired = min(rest, self.lapsed.get(own_lot.expires_day, 0)) if own_lot.expires_day != NEVER else 0
        rest -= expired
        from_balance = min(rest, max(self.balance - active_taken, 0))
        lots, more = _take(lots, from_balance, _ordered_active(lots))
        clawed = dict(self.clawed)
        for key, share in more.items():
            taken[key] = taken.get(key, 0) + share
            _bump(clawed, Claim(spent_from, key.encode()), share)
        active_taken += from_balance
        unpaid = rest - from_balance
        debt = unpaid if policy == "allow_negative" else 0
        _bump(clawed, Claim(spent_from, DEBT), debt)
        _bump(clawed, Claim(spent_from, FORGIVEN), unpaid - debt)
        wallet = replace(
            self,
            lots=lots,
            balance=self.balance - active_taken - debt,
            pending=self.pending - pending_taken,
            earned=self.earned - (pending_taken + active_taken + debt),
            debt=self.debt + debt,
            lapsed=_add(self.lapsed, own_lot.expires_day, -expired),
            clawed=clawed,
        )
        return wallet, Movement(
            points=-(active_taken + debt),
            pending_points=-pending_taken,
            lots={key: -p for key, p in taken.items()},
            shortfall=unpaid - debt,
            expired=expired,
        )

    # ------------------------------------------------------------------------------ internals

    def _active_keys(self) -> list[LotKey]:
        return _ordered_active(self.lots)

    def _repay_debt(self) -> Wallet:
        """Active lots pay off debt first-expiring-first; the balance does not change."""
        if self.debt == 0:
            return self
        repaid = min(self.debt, self.active_points())
        if repaid == 0:
            return self
        lots, paid_by = _take(self.lots, repaid, self._active_keys())
        return replace(self, lots=lots, debt=self.debt - repaid, clawed=_debt_paid_by(self.clawed, paid_by))


def _debt_paid_by(clawed: Mapping[Claim, int], paid_by: Mapping[LotKey, int]) -> dict[Claim, int]:
    """Debt claims become claims on the lots that paid the debt: a refund that pays such a claim later
    gives the points back to those lots."""
    result = dict(clawed)
    debts = sorted(claim for claim in clawed if claim.source == DEBT)
    for key, paid in paid_by.items():
        left = paid
        while left and debts:
            claim = debts[0]
            share = min(left, result[claim])
            _bump(result, claim, -share)
            _bump(result, Claim(claim.lot, key.encode()), share)
            left -= share
            if claim not in result:
                debts.pop(0)
    return result


def _within_cap(lots: Mapping[LotKey, int], key: LotKey) -> LotKey:
    """``key``, or when a new lot would pass ``MAX_LOTS``, the existing lot it joins instead."""
    if key in lots or len(lots) < MAX_LOTS:
        return key
    same = [k for k in lots if k.activates_day == key.activates_day]
    if not same and not key.pending:
        return key  # spendable points never join a pending lot: one active lot past the cap, which later ones join
    same = same or list(lots)
    wanted = key.expires_day or LAST_DAY + 1

    def distance(candidate: LotKey) -> tuple[bool, int]:
        """A lot expiring later first (the customer never loses by the merge), the nearest of those."""
        expires = candidate.expires_day or LAST_DAY + 1
        return expires < wanted, abs(expires - wanted)

    return min(same, key=distance)


def _ordered_active(lots: Mapping[LotKey, int]) -> list[LotKey]:
    return sorted((key for key in lots if not key.pending), key=_spend_order)


def _due_days(lots: Mapping[LotKey, int], today: int) -> set[tuple[int, bool]]:
    due = {(key.activates_day, False) for key in lots if key.pending and key.activates_day <= today}
    return due | {(key.expires_day, True) for key in lots if key.expires_day != NEVER and key.expires_day <= today}


def _add[K](counts: Mapping[K, int], key: K, points: int) -> dict[K, int]:
    """``counts`` with ``points`` more at ``key``; a count that reaches zero is dropped."""
    result = dict(counts)
    _bump(result, key, points)
    return result


def _bump[K](counts: dict[K, int], key: K, points: int) -> None:
    """``_add`` in place, for loops over many lots or claims."""
    total = counts.get(key, 0) + points
    if total:
        counts[key] = total
    else:
        counts.pop(key, None)


def _without(lots: Mapping[LotKey, int], gone: Iterable[LotKey]) -> dict[LotKey, int]:
    gone = set(gone)
    return {key: points for key, points in lots.items() if key not in gone}


def _take(lots: Mapping[LotKey, int], points: int, order: list[LotKey]) -> tuple[dict[LotKey, int], dict[LotKey, int]]:
    """``points`` taken from ``lots`` in ``order``: the lots after, and what came from each."""
    remaining = dict(lots)  # one copy, changed in place: a debit over thousands of lots stays linear
    taken: dict[LotKey, int] = {}
    for key in order:
        if points <= 0:
            break
        share = min(remaining[key], points)
        taken[key] = share
        points -= share
        if share == remaining[key]:
            del remaining[key]
        else:
            remaining[key] -= share
    return remaining, taken
