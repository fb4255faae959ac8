"""Points as lots (``shared/domain/points/lots.py``) and their placement as ledger entries
(``placement.place``, pure): a state machine of credits (pending or not, expiring or not, some already
past), debits (redemptions, which may be cancelled, and corrections), reversals under both return
policies, the days passing and the scheduled job settling, with the books checked after every step (and
points never taken or given twice, in any order of reversals, cancels and expiries; again with lots
merged at the cap), every placement written as the profile keeps it and read back from there; properties
of ``settle`` on its own; the entries that record what time did, and profiles and redemptions from
before lots."""

from __future__ import annotations

import re
from itertools import count
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from shared.api.schemas.points import TransactionResponse
from shared.domain.points import lots
from shared.domain.points.lots import DEBT, NotEnoughPoints, Wallet
from shared.domain.points.placement import PointsState, lot_of, place, points_state, refund_lots
from shared.entities.points import (
    DAY_MS,
    NEVER,
    DatedLot,
    LedgerEntry,
    LotKey,
    PointsWrite,
    Posting,
    TransactionRecord,
    dated_lots,
)
from shared.storage.customers import CustomerRecord, points_update
from tests.support.point_lots import assert_reversals_within_credits

START_DAY = 20_000  # 2024-10-04


def _spend_order(key: LotKey) -> tuple[int, int]:
    return (1, 0) if key.expires_day == NEVER else (0, key.expires_day)


def _profile(source_id: str = "kim", **stored: Any) -> CustomerRecord:
    """A profile read from an item holding ``stored`` (its attributes as storage names them)."""
    item = {"customer_id": f"cust_{source_id}", "source_id": source_id, "created_at": "", "updated_at": ""}
    return CustomerRecord.from_item(item | stored)


def _stored(write: PointsWrite) -> CustomerRecord:
    """The profile as storage keeps a placement's write: the values its update sets, read back."""
    clauses, _, values = points_update(write.app_id, write.source_id, write.after)
    return _profile(write.source_id, **{name: values[value] for name, value in (c.split(" = ") for c in clauses)})


def _lots_of(entry: LedgerEntry) -> dict[LotKey, int]:
    return {LotKey.decode(text): points for text, points in (entry.lots or {}).items()}


def assert_first_expiring_first(before: Wallet, taken: dict[LotKey, int]) -> None:
    """The lots a debit took are a prefix of the active lots in spending order: no lot was touched while
    an earlier-expiring one (or, for never-expiring lots, any expiring one) still had points."""
    order = sorted((k for k in before.lots if not k.pending), key=_spend_order)
    amounts = [-taken.get(key, 0) for key in order]
    assert all(amount >= 0 for amount in amounts)
    assert set(taken) <= set(order), "a debit took from a pending or unknown lot"
    touched = [i for i, amount in enumerate(amounts) if amount]
    if touched:
        last = touched[-1]
        for i in range(last):
            assert amounts[i] == before.lots[order[i]], f"{order[last]} spent while {order[i]} had points left"


class LotsMachine(RuleBasedStateMachine):
    """A customer's points through any sequence of moves and days; the model is the ledger itself."""

    merged_at_cap = False  # the variant below: a cap of 3 lots, so credits and refunds join other lots

    @initialize()
    def start(self) -> None:
        self.state = PointsState.empty()
        self.today = START_DAY
        self.entries: list[LedgerEntry] = []
        self.credits: dict[str, tuple[LotKey, int]] = {}  # txn_id -> (its lot, points left to reverse)
        self.redemptions: list[LedgerEntry] = []  # debits of redemptions not cancelled yet
        self.ids = count()

    @property
    def now_ms(self) -> int:
        return self.today * DAY_MS + 3_600_000

    def _place(self, *postings: Posting) -> list[LedgerEntry]:
        """As a request does: place after the profile read, write, and read the profile back."""
        placed = place("app", "kim", self.state, postings, self.now_ms)
        self.state = points_state(_stored(placed.write()))
        assert self.state == placed.after, "the profile keeps the points as placed"
        self.entries += placed.entries
        return placed.entries

    # --------------------------------------------------------------------------------- moves

    @rule(
        points=st.integers(1, 500),
        days_ago=st.integers(0, 6),
        expire_after=st.none() | st.integers(1, 20),
        pending=st.integers(0, 4),
    )
    def credit(self, points: int, days_ago: int, expire_after: int | None, pending: int) -> None:
        if expire_after is not None and pending >= expire_after:
            pending = 0  # the policy refuses points that would expire before activating
        event_ms = self.now_ms - days_ago * DAY_MS
        posting = Posting(
            txn_id=f"txn_{next(self.ids):04d}",
            points=points,
            reason="rule_completion",
            operation="credit",
            activates_ms=event_ms + pending * DAY_MS if pending else None,
            expires_ms=event_ms + expire_after * DAY_MS if expire_after is not None else None,
        )
        (entry,) = [e for e in self._place(posting) if e.txn_id == posting.txn_id]
        ((placed, _),) = _lots_of(entry).items()  # the lot it joined at the cap, as its record keeps it
        assert placed == lot_of(posting, self.now_ms) or self.merged_at_cap
        self.credits[posting.txn_id] = (placed, points)

    @rule(points=st.integers(1, 800), redemption=st.booleans())
    def debit(self, points: int, redemption: bool) -> None:
        """A redemption (which may be cancelled) or a customer-service correction."""
        before = self.state.wallet.settle(self.today)[0]
        posting = Posting(
            txn_id=f"txn_{next(self.ids):04d}",
            points=-points,
            reason="reward_redemption" if redemption else "adjustment",
            operation="debit",
            counted_as="redeemed" if redemption else "earned",
        )
        if points > before.balance:
            with pytest.raises(NotEnoughPoints) as refused:
                self._place(posting)
            assert (refused.value.balance, refused.value.needed) == (before.balance, points)
            return
        placed = self._place(posting)
        (debit,) = [e for e in placed if e.txn_id == posting.txn_id]
        assert debit.points == -points
        assert_first_expiring_first(before, _lots_of(debit))
        if redemption:
            self.redemptions.append(debit)

    @precondition(lambda self: self.redemptions)
    @rule(data=st.data())
    def cancel_redemption(self, data: st.DataObject) -> None:
        """The refund gives back what the debit took, less what reversals already took back of it."""
        debit = self.redemptions.pop(data.draw(st.integers(0, len(self.redemptions) - 1)))
        posting = Posting(
            txn_id=f"txn_{next(self.ids):04d}",
            points=-debit.points,
            reason="redemption_cancelled",
            operation="refund",
            refund_lots=refund_lots(debit.lots, -debit.points),
        )
        (refund,) = [e for e in self._place(posting) if e.txn_id == posting.txn_id]
        assert 0 <= refund.points <= -debit.points

    @precondition(lambda self: any(left for _, left in self.credits.values()))
    @rule(data=st.data(), policy=st.sampled_from(["within_balance", "allow_negative"]))
    def reverse(self, data: st.DataObject, policy: str) -> None:
        txn_id = data.draw(st.sampled_from(sorted(t for t, (_, left) in self.credits.items() if left)))
        own_lot, left = self.credits[txn_id]
        amount = data.draw(st.integers(1, left))
        posting = Posting(
            txn_id=f"txn_{next(self.ids):04d}",
            points=-amount,
            reason="reversal",
            operation="reversal",
            reverses=txn_id,
            own_lot=own_lot,
            return_policy=policy,  # type: ignore[arg-type]
        )
        placed = self._place(posting)
        (reversal,) = [e for e in placed if e.txn_id == posting.txn_id]
        taken = -(reversal.points + reversal.pending_points) + reversal.shortfall + reversal.expired
        assert taken == amount, "a reversal takes what was asked, or records what it could not or what expired"
        if policy == "allow_negative":
            assert reversal.shortfall == 0
        self.credits[txn_id] = (own_lot, left - amount)

    @rule(days=st.integers(0, 12))
    def days_pass(self, days: int) -> None:
        self.today += days

    @rule()
    def job_settles(self) -> None:
        """The scheduled job: a placement with no postings. Run twice, the second records nothing."""
        self._place()
        assert self._place() == []

    # --------------------------------------------------------------------------------- the books

    @invariant()
    def balance_is_the_active_lots_less_debt_and_the_ledger_sum(self) -> None:
        wallet = self.state.wallet
        assert wallet.balance == wallet.active_points() - wallet.debt
        assert wallet.balance == sum(e.points for e in self.entries) == self.state.head.balance
        assert wallet.debt >= 0
        assert all(points > 0 for points in wallet.lots.values())

    @invariant()
    def pending_is_the_pending_lots_and_the_ledger_sum(self) -> None:
        wallet = self.state.wallet
        assert wallet.pending == sum(p for k, p in wallet.lots.items() if k.pending)
        assert wallet.pending == sum(e.pending_points for e in self.entries)

    @invariant()
    def balance_is_earned_less_redeemed_expired_and_pending(self) -> None:
        wallet = self.state.wallet
        assert wallet.balance == wallet.earned - wallet.redeemed - wallet.expired - wallet.pending

    @invariant()
    def every_expiry_is_recorded_once(self) -> None:
        expiries = [e for e in self.entries if e.reason == "expiry"]
        assert self.state.wallet.expired == -sum(sum(_lots_of(e).values()) for e in expiries)
        assert all(e.points == sum(p for k, p in _lots_of(e).items() if not k.pending) for e in expiries)

    @invariant()
    def reading_shows_what_the_job_would_record(self) -> None:
        read = self.state.wallet.as_of(self.now_ms)
        settled = place("app", "kim", self.state, [], self.now_ms).after.wallet
        assert read == settled
        assert all(k.expires_day == NEVER or k.expires_day > self.today for k in read.lots)
        assert all(not k.pending or k.activates_day > self.today for k in read.lots)

    @invariant()
    def the_ledger_runs_in_order(self) -> None:
        running = 0
        for sequence, entry in enumerate(self.entries, start=1):
            running += entry.points
            assert (entry.balance_after, entry.sequence) == (running, sequence)

    @invariant()
    def points_are_never_taken_or_given_twice(self) -> None:
        shown = [TransactionResponse.from_entry(entry).model_dump() for entry in self.entries]
        assert_reversals_within_credits(shown, self.state.wallet, by_day=not self.merged_at_cap)

    @invariant()
    def claims_and_lapsed_points_are_positive_and_debt_claims_within_the_debt(self) -> None:
        wallet = self.state.wallet
        assert all(points > 0 for points in [*wallet.clawed.values(), *wallet.lapsed.values()])
        assert sum(p for claim, p in wallet.clawed.items() if claim.source == DEBT) <= wallet.debt


TestLots = LotsMachine.TestCase
TestLots.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)


class LotsAtTheCapMachine(LotsMachine):
    """The same moves for a customer whose lots are at ``MAX_LOTS`` (3 here): credits and refunds join
    other lots, so days mix and the books are checked summed over days."""

    merged_at_cap = True

    def __init__(self) -> None:
        super().__init__()
        self._cap, lots.MAX_LOTS = lots.MAX_LOTS, 3

    def teardown(self) -> None:
        lots.MAX_LOTS = self._cap


TestLotsAtTheCap = LotsAtTheCapMachine.TestCase
TestLotsAtTheCap.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)


# ------------------------------------------------------------------------------------- settle alone


def _credited(credits: list[tuple[int, int, int]]) -> Wallet:
    wallet = Wallet()
    for points, expires, pending in credits:
        activates = START_DAY + pending if pending and (expires == NEVER or START_DAY + pending < expires) else 0
        wallet = wallet.credit(points, LotKey(expires, activates))[0]
    return wallet


wallets = st.builds(
    _credited,
    st.lists(
        st.tuples(st.integers(1, 300), st.sampled_from([NEVER, *range(START_DAY, START_DAY + 15)]), st.integers(0, 8)),
        max_size=12,
    ),
)


@given(wallets, st.integers(START_DAY - 1, START_DAY + 20))
def test_settle_is_idempotent(wallet: Wallet, day: int) -> None:
    once, _ = wallet.settle(day)
    again, transitions = once.settle(day)
    assert (again, transitions) == (once, [])


@given(wallets, st.integers(START_DAY, START_DAY + 10), st.integers(0, 10))
def test_settling_day_by_day_or_at_once_ends_the_same(wallet: Wallet, first: int, more: int) -> None:
    stepped, early = wallet.settle(first)
    stepped, late = stepped.settle(first + more)
    direct, at_once = wallet.settle(first + more)
    assert stepped == direct
    for kind in ("activation", "expiry"):
        total = sum(t.movement.points for t in early + late if t.kind == kind)
        assert total == sum(t.movement.points for t in at_once if t.kind == kind)


@given(wallets, st.integers(1, 3000))
def test_never_expiring_lots_are_spent_last(wallet: Wallet, points: int) -> None:
    if points > wallet.balance:
        return
    before = wallet
    _, movement = wallet.debit(points)
    assert_first_expiring_first(before, dict(movement.lots))
    expiring = sum(p for k, p in before.lots.items() if not k.pending and k.expires_day != NEVER)
    took_never = -movement.lots.get(LotKey(NEVER), 0)
    assert took_never == max(0, points - expiring)


def test_the_issues_example_takes_the_10_day_lot_first() -> None:
    wallet = Wallet().credit(100, LotKey(START_DAY + 100))[0].credit(100, LotKey(START_DAY + 10))[0]
    after, movement = wallet.debit(50)
    assert movement.lots == {LotKey(START_DAY + 10): -50}
    assert after.expiring(2) == [(START_DAY + 10, 50), (START_DAY + 100, 100)]


def test_points_expire_at_the_end_of_their_day_not_before() -> None:
    wallet = Wallet().credit(30, LotKey(START_DAY + 1))[0]
    assert wallet.as_of((START_DAY + 1) * DAY_MS - 1).balance == 30
    assert wallet.as_of((START_DAY + 1) * DAY_MS).balance == 0


def test_an_entrys_lots_read_soonest_expiry_first_with_their_days_as_instants() -> None:
    pending = LotKey(20_000, activates_day=19_990)
    shown = dated_lots({LotKey(NEVER).encode(): 7, LotKey(20_001).encode(): -3, pending.encode(): 5})
    assert shown == [
        DatedLot(points=5, expires_at="2024-10-04T00:00:00.000Z", activates_at="2024-09-24T00:00:00.000Z"),
        DatedLot(points=-3, expires_at="2024-10-05T00:00:00.000Z", activates_at=None),
        DatedLot(points=7, expires_at=None, activates_at=None),
    ]
    assert dated_lots(None) == dated_lots({}) == []


def test_a_refund_after_a_reversal_clawed_the_spent_points_pays_the_claims_not_the_customer_twice() -> None:
    # 100 credited to the soon lot and spent; the credit reversed: 50 taken from the later lot, 50 a
    # shortfall. Refunding the debit forgives the shortfall and gives the later lot its 50 back: only 50
    # return to the balance, not the 100 the debit took.
    soon, later = LotKey(START_DAY + 10), LotKey(START_DAY + 20)
    wallet, spent = Wallet().credit(100, soon)[0].credit(50, later)[0].debit(100)
    wallet, reversed_ = wallet.reverse(100, soon, "within_balance")
    assert (reversed_.points, reversed_.shortfall, wallet.balance) == (-50, 50, 0)
    refunded, movement = wallet.refund({key: -points for key, points in spent.lots.items()})
    assert (movement.points, movement.lots) == (50, {later: 50})
    assert (refunded.balance, refunded.lots, refunded.clawed, refunded.earned) == (50, {later: 50}, {}, 50)


# ------------------------------------------------------------------------------- what entries say


def test_each_entry_names_what_its_request_named() -> None:
    # Given a rule's credit, a redemption with its custom attributes, and a reversal of the credit
    earned = Posting(
        "txn_earned", 100, "rule_completion", "credit", campaign_id="camp_1", rule_id="rul_1", event_name="Order"
    )
    redeemed = Posting(
        "txn_redeemed",
        -30,
        "reward_redemption",
        "debit",
        description="Redeemed Mug",
        reward_id="rew_1",
        redemption_id="red_1",
        attributes={"store": "Berlin"},
    )
    reversed_ = Posting(
        "txn_reversed",
        -10,
        "reversal",
        "reversal",
        description="Reversal of txn_earned",
        reverses="txn_earned",
        own_lot=LotKey(NEVER),
    )
    # When they are placed
    placed = place("app", "kim", PointsState.empty(), [earned, redeemed, reversed_], START_DAY * DAY_MS)
    # Then each entry names what its request named, and nothing else
    named = ("campaign_id", "rule_id", "event_name", "reward_id", "redemption_id", "attributes", "description")
    shown = [TransactionResponse.from_entry(entry).model_dump() for entry in placed.entries]
    assert [{key: entry[key] for key in (*named, "reverses")} for entry in shown] == [
        {**dict.fromkeys(named), "campaign_id": "camp_1", "rule_id": "rul_1", "event_name": "Order", "reverses": None},
        {
            **dict.fromkeys(named),
            "reward_id": "rew_1",
            "redemption_id": "red_1",
            "attributes": {"store": "Berlin"},
            "description": "Redeemed Mug",
            "reverses": None,
        },
        {**dict.fromkeys(named), "description": "Reversal of txn_earned", "reverses": "txn_earned"},
    ]


def test_a_redemption_counts_as_redeemed_and_a_correction_takes_back_what_was_earned() -> None:
    credited = place("app", "kim", PointsState.empty(), [Posting("txn_earned", 100, "rule_completion", "credit")], 0)
    redeemed = Posting("txn_redeemed", -30, "reward_redemption", "debit")
    corrected = Posting("txn_corrected", -20, "adjustment", "debit", counted_as="earned")
    wallet = place("app", "kim", credited.after, [redeemed, corrected], 0).after.wallet
    assert (wallet.balance, wallet.earned, wallet.redeemed) == (50, 80, 30)


def test_a_placement_keeps_a_record_where_a_later_request_reads_one() -> None:
    # Given a rule's credit, a pending one, a redemption, an adjustment taking points back, and a reversal
    now_ms = START_DAY * DAY_MS
    postings = [
        Posting("txn_earned", 100, "rule_completion", "credit", expires_ms=now_ms + 10 * DAY_MS),
        Posting("txn_pending", 40, "rule_completion", "credit", activates_ms=now_ms + DAY_MS),
        Posting("txn_redeemed", -30, "reward_redemption", "debit"),
        Posting("txn_corrected", -20, "adjustment", "debit", counted_as="earned"),
        Posting("txn_reversed", -10, "reversal", "reversal", reverses="txn_earned", own_lot=LotKey(START_DAY + 10)),
    ]
    # When they are placed
    placed = place("app", "kim", PointsState.empty(), postings, now_ms)
    # Then each credit's record holds its points and lot (for its reversals), each adjustment's and
    # reversal's its whole entry (a retry's answer), and a redemption has none (its own record answers)
    corrected, reversed_ = placed.entries[3:]
    assert placed.records == [
        TransactionRecord("txn_earned", 100, LotKey(START_DAY + 10), reversed=0, entry=None),
        TransactionRecord("txn_pending", 40, LotKey(NEVER, START_DAY + 1), reversed=0, entry=None),
        TransactionRecord("txn_corrected", -20, None, reversed=0, entry=corrected),
        TransactionRecord("txn_reversed", -10, None, reversed=0, entry=reversed_),
    ]


# ------------------------------------------------------------------------------- what time did


def test_activations_and_expiries_are_entries_that_say_so_before_the_customers_next_move() -> None:
    # Given 30 points pending for a day, 20 expiring after two and 40 pending for a week, credited an
    # hour into a day
    now_ms = START_DAY * DAY_MS + 3_600_000
    pending = Posting("txn_pending", 30, "rule_completion", "credit", activates_ms=now_ms + DAY_MS)
    expiring = Posting("txn_expiring", 20, "rule_completion", "credit", expires_ms=now_ms + 2 * DAY_MS)
    later = Posting("txn_later", 40, "rule_completion", "credit", activates_ms=now_ms + 7 * DAY_MS)
    credited = place("app", "kim", PointsState.empty(), [pending, expiring, later], now_ms).after
    # When the customer spends 10 three days later (or the scheduled job runs then)
    spent = Posting("txn_spent", -10, "adjustment", "debit")
    activation, expiry, debit = place("app", "kim", credited, [spent], now_ms + 3 * DAY_MS).entries
    # Then the activation and the expiry are recorded first, each an entry of its own that says what happened
    shown = [TransactionResponse.from_entry(entry).model_dump() for entry in (activation, expiry)]
    assert all(re.fullmatch("txn_[A-Za-z0-9]{21}", entry.txn_id) for entry in (activation, expiry))
    assert activation.txn_id != expiry.txn_id
    day_iso = "2024-10-0{}T00:00:00.000Z".format
    said = ("reason", "description", "points", "pending_points", "balance_after", "pending_after", "lots")
    assert [{key: entry[key] for key in said} for entry in shown] == [
        {
            "reason": "activation",
            "description": "Pending points became active",
            "points": 30,
            "pending_points": -30,
            "balance_after": 50,
            "pending_after": 40,
            "lots": [{"points": 30, "expires_at": None, "activates_at": day_iso(6)}],
        },
        {
            "reason": "expiry",
            "description": "Points expired",
            "points": -20,
            "pending_points": 0,
            "balance_after": 30,
            "pending_after": 40,
            "lots": [{"points": -20, "expires_at": day_iso(7), "activates_at": None}],
        },
    ]
    assert (debit.txn_id, debit.balance_after) == ("txn_spent", 20)


# ---------------------------------------------------------------------------------- before lots


@pytest.mark.parametrize("balance", [1, 300])
def test_a_profile_credited_before_lots_existed_spends_its_balance_as_never_expiring(balance: int) -> None:
    # Given a profile written before lots: a balance and no lots
    before_lots = points_state(_profile("ida", points_balance=balance, points_earned=balance))
    # When it is all spent ten years later
    years_later = (START_DAY + 3650) * DAY_MS
    spent = Posting("txn_spent", -balance, "reward_redemption", "debit")
    placed = place("app", "ida", before_lots, [spent], years_later)
    # Then the balance was one never-expiring lot, and nothing is left of it
    (debit,) = placed.entries
    assert debit.lots == {LotKey(NEVER).encode(): -balance}
    assert placed.after.wallet == Wallet(earned=balance, redeemed=balance)


def test_a_profile_with_no_points_holds_no_lot() -> None:
    assert points_state(_profile()) == PointsState.empty()


def test_cancelling_a_redemption_made_before_lots_gives_its_points_back_never_expiring() -> None:
    # Given Ida redeemed 100 of her 300 points before lots existed: the redemption names no lots
    before_lots = points_state(_profile("ida", points_balance=200, points_earned=300, points_redeemed=100))
    # When it is cancelled
    now_ms = START_DAY * DAY_MS
    refund = Posting("txn_refund", 100, "redemption_cancelled", "refund", refund_lots=refund_lots(None, 100))
    placed = place("app", "ida", before_lots, [refund], now_ms)
    # Then the 100 return to the never-expiring lot, and are still there ten years later
    (entry,) = placed.entries
    assert entry.lots == {LotKey(NEVER).encode(): 100}
    ten_years_later = placed.after.wallet.as_of(now_ms + 3650 * DAY_MS)
    assert ten_years_later == Wallet(lots={LotKey(NEVER): 300}, balance=300, earned=300)


def test_a_debt_read_back_from_the_profile_is_repaid_by_the_next_credit() -> None:
    # Given Ida spent her 100 points and the credit was then reversed under allow_negative: she owes 100
    now_ms = START_DAY * DAY_MS
    credited = place(
        "app", "ida", PointsState.empty(), [Posting("txn_earned", 100, "rule_completion", "credit")], now_ms
    )
    spent = place(
        "app",
        "ida",
        points_state(_stored(credited.write())),
        [Posting("txn_spent", -100, "reward_redemption", "debit")],
        now_ms,
    )
    (lot,) = _lots_of(credited.entries[0])
    reversal = Posting(
        "txn_back", -100, "reversal", "reversal", reverses="txn_earned", own_lot=lot, return_policy="allow_negative"
    )
    owed = place("app", "ida", points_state(_stored(spent.write())), [reversal], now_ms)
    assert (owed.after.wallet.balance, owed.after.wallet.debt) == (-100, 100)
    # When a later request reads her profile and credits 150
    later = place(
        "app", "ida", points_state(_stored(owed.write())), [Posting("txn_more", 150, "adjustment", "credit")], now_ms
    )
    # Then the debt is repaid first, from the new lot: 50 are left to spend, and 50 in lots (not 150)
    assert (later.after.wallet.balance, later.after.wallet.debt) == (50, 0)
    assert sum(later.after.wallet.lots.values()) == 50
