"""The documented boundaries of points lots (shared/domain/points/lots.py), each with an example that
fails if it flips: times round up to the next UTC day boundary (a boundary itself stays), a lot expires
at the start of its expiry day (inclusive) and activates at the start of its activation day,
never-expiring lots are spent last, a reversal takes from its own lot first, debt is paid off by
the next active points, and a refund after reversals pays their claims in order before it gives back."""

from __future__ import annotations

import pytest

from shared.domain.points.lots import MAX_LOTS, Movement, NotEnoughPoints, Wallet, day_at_or_after
from shared.entities.points import DAY_MS, LAST_DAY, NEVER, LotKey, ReturnPolicy

DAY = 20_000  # an arbitrary day number


def test_a_time_on_a_day_boundary_is_that_day_and_one_ms_later_is_the_next() -> None:
    assert day_at_or_after(DAY * DAY_MS) == DAY
    assert day_at_or_after(DAY * DAY_MS + 1) == DAY + 1
    assert day_at_or_after(DAY * DAY_MS - 1) == DAY


def test_the_first_day_is_1_so_no_time_maps_to_day_0_which_means_never() -> None:
    assert [day_at_or_after(ms) for ms in (-DAY_MS, 0, 1, DAY_MS, DAY_MS + 1)] == [1, 1, 1, 1, 2]


def test_points_still_pending_on_their_expiry_day_expire_from_pending() -> None:
    # a rule's own expiry can come before the policy's pending days end
    wallet, _ = Wallet().credit(10, LotKey(DAY, DAY + 5))
    settled, (expiry,) = wallet.settle(DAY)
    assert (settled.balance, settled.pending, settled.expired, settled.lots) == (0, 0, 10, {})
    assert (expiry.kind, expiry.movement.points, expiry.movement.pending_points) == ("expiry", 0, -10)


def test_a_lot_expires_on_its_day_not_the_day_before() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY))
    assert wallet.settle(DAY - 1) == (wallet, [])
    settled, (expiry,) = wallet.settle(DAY)
    assert (settled.balance, settled.expired, settled.lots) == (0, 10, {})
    assert (expiry.kind, expiry.movement.points, dict(expiry.movement.lots)) == ("expiry", -10, {LotKey(DAY): -10})


def test_a_pending_lot_activates_on_its_day_not_the_day_before() -> None:
    wallet, movement = Wallet().credit(10, LotKey(0, DAY))
    assert (wallet.balance, wallet.pending, movement.points, movement.pending_points) == (0, 10, 0, 10)
    assert wallet.settle(DAY - 1)[0].balance == 0
    settled, (activation,) = wallet.settle(DAY)
    assert (settled.balance, settled.pending, settled.lots) == (10, 0, {LotKey(0): 10})
    assert (activation.movement.points, activation.movement.pending_points) == (10, -10)


def test_activations_of_several_days_settled_at_once_name_every_lot_they_moved() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY + 30, DAY))
    wallet, _ = wallet.credit(7, LotKey(DAY + 40, DAY + 1))
    settled, (activation,) = wallet.settle(DAY + 1)
    assert dict(activation.movement.lots) == {LotKey(DAY + 30, DAY): 10, LotKey(DAY + 40, DAY + 1): 7}
    assert (activation.movement.points, settled.balance, settled.pending) == (17, 17, 0)


def test_a_lot_activating_and_expiring_the_same_day_is_active_then_expired() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY, DAY))
    settled, transitions = wallet.settle(DAY)
    assert [t.kind for t in transitions] == ["activation", "expiry"]
    assert (settled.balance, settled.pending, settled.expired) == (0, 0, 10)


def test_never_expiring_points_are_spent_last() -> None:
    wallet, _ = Wallet().credit(10, LotKey(0))
    wallet, _ = wallet.credit(10, LotKey(DAY + 5))
    wallet, _ = wallet.credit(10, LotKey(DAY + 1))
    wallet, movement = wallet.debit(15)
    assert dict(movement.lots) == {LotKey(DAY + 1): -10, LotKey(DAY + 5): -5}
    assert wallet.lots == {LotKey(0): 10, LotKey(DAY + 5): 5}


def test_a_debit_of_exactly_the_balance_is_allowed_and_one_more_is_not() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY))
    assert wallet.debit(10)[0].balance == 0
    with pytest.raises(NotEnoughPoints):
        wallet.debit(11)


def test_a_redemption_counts_as_redeemed_and_a_correction_takes_back_what_was_earned() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY))
    redeemed, _ = wallet.debit(4)
    corrected, movement = wallet.debit(4, "earned")
    assert (redeemed.balance, redeemed.earned, redeemed.redeemed) == (6, 10, 4)
    assert (corrected.balance, corrected.earned, corrected.redeemed, corrected.lots) == (6, 6, 0, {LotKey(DAY): 6})
    assert dict(movement.lots) == {LotKey(DAY): -4}


def test_pending_points_are_not_spendable() -> None:
    wallet, _ = Wallet().credit(10, LotKey(0, DAY))
    with pytest.raises(NotEnoughPoints):
        wallet.debit(1)


def test_a_reversal_takes_from_its_own_lot_before_earlier_expiring_ones() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY + 1))
    wallet, _ = wallet.credit(10, LotKey(DAY + 9))
    wallet, movement = wallet.reverse(4, LotKey(DAY + 9), "within_balance")
    assert dict(movement.lots) == {LotKey(DAY + 9): -4}
    assert (wallet.balance, wallet.earned, movement.shortfall) == (16, 16, 0)


def test_a_reversal_of_a_single_point_takes_it_from_its_own_lot() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY + 1))
    wallet, _ = wallet.credit(1, LotKey(DAY + 9))
    wallet, movement = wallet.reverse(1, LotKey(DAY + 9), "within_balance")
    assert dict(movement.lots) == {LotKey(DAY + 9): -1}
    assert wallet.lots == {LotKey(DAY + 1): 10}


def test_a_reversal_names_only_the_lots_it_took_points_from() -> None:
    # a pending credit reversed whole: its pending lot only, not the (untouched) active lot of its day
    own = LotKey(DAY + 30, DAY)
    wallet, _ = Wallet().credit(5, own.activated())
    wallet, _ = wallet.credit(10, own)
    wallet, movement = wallet.reverse(10, own, "within_balance")
    assert dict(movement.lots) == {own: -10}
    assert wallet.lots == {own.activated(): 5}


def test_a_reversal_beyond_its_own_lot_takes_the_rest_first_expiring_first_and_names_each_lot() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY + 1))
    wallet, _ = wallet.credit(10, LotKey(DAY + 9))
    wallet, _ = wallet.credit(10, LotKey(DAY + 20))
    wallet, _ = wallet.debit(5)  # from the first-expiring lot: the credit to reverse keeps 5
    wallet, movement = wallet.reverse(10, LotKey(DAY + 1), "within_balance")
    assert dict(movement.lots) == {LotKey(DAY + 1): -5, LotKey(DAY + 9): -5}
    assert (wallet.balance, wallet.lots, movement.points) == (15, {LotKey(DAY + 9): 5, LotKey(DAY + 20): 10}, -10)


def test_a_reversal_of_a_pending_credit_takes_pending_points() -> None:
    wallet, _ = Wallet().credit(10, LotKey(0, DAY))
    wallet, movement = wallet.reverse(10, LotKey(0, DAY), "within_balance")
    assert (movement.points, movement.pending_points, wallet.pending, wallet.balance) == (0, -10, 0, 0)


def test_within_balance_records_the_shortfall_and_allow_negative_records_debt() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY))
    wallet, _ = wallet.debit(8)  # the credit's points were mostly spent
    within, shortfall = wallet.reverse(10, LotKey(DAY), "within_balance")
    assert (within.balance, within.debt, shortfall.points, shortfall.shortfall) == (0, 0, -2, 8)
    negative, owed = wallet.reverse(10, LotKey(DAY), "allow_negative")
    assert (negative.balance, negative.debt, owed.points, owed.shortfall) == (-8, 8, -10, 0)


def test_a_debt_of_a_single_point_is_paid_off_by_the_next_credit() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY))
    wallet, _ = wallet.debit(10)
    wallet, _ = wallet.reverse(1, LotKey(DAY), "allow_negative")
    assert (wallet.balance, wallet.debt) == (-1, 1)
    paid, _ = wallet.credit(7, LotKey(DAY + 5))
    assert (paid.balance, paid.debt, paid.lots) == (6, 0, {LotKey(DAY + 5): 6})


def test_debt_is_paid_off_by_the_next_active_points_and_not_by_pending_ones() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY))
    wallet, _ = wallet.debit(10)
    wallet, _ = wallet.reverse(5, LotKey(DAY), "allow_negative")
    assert (wallet.balance, wallet.debt) == (-5, 5)
    pending, _ = wallet.credit(3, LotKey(0, DAY))
    assert (pending.balance, pending.debt, pending.pending) == (-5, 5, 3)
    paid, movement = wallet.credit(7, LotKey(0))
    assert (paid.balance, paid.debt, paid.lots, movement.points) == (2, 0, {LotKey(0): 2}, 7)


def test_a_refund_into_a_lot_whose_day_has_passed_expires_at_the_next_settle() -> None:
    wallet, _ = Wallet().credit(10, LotKey(DAY))
    wallet, debit = wallet.debit(10)
    refunded, _ = wallet.refund({key: -points for key, points in debit.lots.items()})
    settled, (expiry,) = refunded.settle(DAY)
    assert (settled.balance, settled.expired, settled.redeemed, expiry.movement.points) == (0, 10, 0, -10)


def test_the_next_due_day_is_the_first_activation_or_expiry() -> None:
    wallet, _ = Wallet().credit(10, LotKey(0))
    assert wallet.next_due_day() is None
    wallet, _ = wallet.credit(10, LotKey(DAY + 9, DAY + 3))
    assert wallet.next_due_day() == DAY + 3
    wallet, _ = wallet.credit(10, LotKey(DAY + 2))
    assert wallet.next_due_day() == DAY + 2


def test_points_expiring_on_one_day_are_summed_whether_active_or_pending() -> None:
    wallet, _ = Wallet().credit(5, LotKey(DAY + 9))
    wallet, _ = wallet.credit(10, LotKey(DAY + 9, DAY + 2))
    wallet, _ = wallet.credit(1, LotKey(DAY + 30))
    assert wallet.expiring(1) == [(DAY + 9, 15)]


def test_past_the_lot_cap_a_credit_joins_the_nearest_later_lot_and_at_the_cap_minus_one_it_does_not() -> None:
    lots = {LotKey(DAY + 2 * n): 1 for n in range(MAX_LOTS - 1)}
    wallet = Wallet(lots=lots, balance=MAX_LOTS - 1, earned=MAX_LOTS - 1)
    below, _ = wallet.credit(5, LotKey(DAY + 1))
    assert below.lots[LotKey(DAY + 1)] == 5
    assert len(below.lots) == MAX_LOTS
    joined, movement = below.credit(5, LotKey(DAY + 3))
    assert len(joined.lots) == MAX_LOTS
    assert LotKey(DAY + 3) not in joined.lots
    assert joined.lots[LotKey(DAY + 4)] == 6  # as near as DAY + 2, and later
    assert dict(movement.lots) == {LotKey(DAY + 4): 5}
    assert joined.balance == below.balance + 5


def test_past_the_lot_cap_a_credit_never_joins_an_earlier_lot_when_a_later_one_exists() -> None:
    far = {LotKey(DAY + 1000 + n): 1 for n in range(MAX_LOTS - 2)}
    wallet = Wallet(lots={LotKey(DAY): 1, LotKey(DAY + 10): 1, **far}, balance=MAX_LOTS, earned=MAX_LOTS)
    joined, _ = wallet.credit(5, LotKey(DAY + 2))  # 2 days after DAY, 8 before DAY + 10
    assert (joined.lots[LotKey(DAY)], joined.lots[LotKey(DAY + 10)]) == (1, 6)
    last = DAY + 1000 + MAX_LOTS - 3
    beyond, _ = wallet.credit(5, LotKey(last + 50))  # nothing later: the latest lot before it
    assert beyond.lots[LotKey(last)] == 6


def test_at_the_lot_cap_with_only_pending_lots_a_refund_stays_spendable() -> None:
    """A refund (or an active credit) never joins a pending lot: its points stay spendable and the books
    agree (balance = active lots less debt); it opens one active lot past the cap, which later ones join."""
    pending = {LotKey(0, DAY + 1 + n): 1 for n in range(MAX_LOTS)}
    wallet = Wallet(lots=pending, pending=MAX_LOTS, earned=MAX_LOTS + 5, redeemed=5)
    refunded, movement = wallet.refund({LotKey(DAY + 30): 5})
    assert dict(movement.lots) == {LotKey(DAY + 30): 5}
    assert refunded.balance == refunded.active_points() - refunded.debt == 5
    joined, _ = refunded.credit(3, LotKey(DAY + 40))
    assert len(joined.lots) == MAX_LOTS + 1
    assert joined.lots[LotKey(DAY + 30)] == 8


def test_past_the_lot_cap_a_credit_joins_a_lot_of_its_own_activation_before_a_nearer_one() -> None:
    pending = {LotKey(DAY + 1000 + n, DAY + 1): 1 for n in range(MAX_LOTS - 1)}
    wallet = Wallet(lots={LotKey(DAY + 6000): 1, **pending}, balance=1, pending=MAX_LOTS - 1, earned=MAX_LOTS)
    joined, movement = wallet.credit(5, LotKey(DAY + 1001))  # active: the far active lot, not a pending one
    assert dict(movement.lots) == {LotKey(DAY + 6000): 5}
    assert (joined.balance, joined.pending) == (6, MAX_LOTS - 1)


def test_past_the_lot_cap_a_credit_with_no_lot_of_its_activation_joins_the_nearest_later_lot() -> None:
    active = {LotKey(DAY + 2 * n): 1 for n in range(MAX_LOTS)}
    wallet = Wallet(lots=active, balance=MAX_LOTS, earned=MAX_LOTS)
    joined, movement = wallet.credit(5, LotKey(DAY + 3, DAY + 1))
    assert dict(movement.lots) == {LotKey(DAY + 4): 5}
    assert len(joined.lots) == MAX_LOTS


def test_past_the_lot_cap_never_expiring_points_join_the_latest_expiring_lot() -> None:
    lots = {LotKey(DAY + n): 1 for n in range(MAX_LOTS - 2)} | {LotKey(LAST_DAY - 1): 1, LotKey(LAST_DAY): 1}
    wallet = Wallet(lots=lots, balance=MAX_LOTS, earned=MAX_LOTS)
    _, movement = wallet.credit(5, LotKey(NEVER))
    assert dict(movement.lots) == {LotKey(LAST_DAY): 5}


def test_past_the_lot_cap_a_credit_with_no_lot_of_its_activation_joins_the_lot_of_its_own_expiry() -> None:
    active = {LotKey(DAY + 2 * n): 1 for n in range(MAX_LOTS)}
    wallet = Wallet(lots=active, balance=MAX_LOTS, earned=MAX_LOTS)
    _, movement = wallet.credit(5, LotKey(DAY + 4, DAY + 1))
    assert dict(movement.lots) == {LotKey(DAY + 4): 5}


def test_past_the_lot_cap_a_never_expiring_lot_is_later_than_any_dated_one() -> None:
    lots = {LotKey(DAY + n): 1 for n in range(MAX_LOTS - 2)} | {LotKey(LAST_DAY): 1, LotKey(NEVER): 1}
    wallet = Wallet(lots=lots, balance=MAX_LOTS, earned=MAX_LOTS)
    _, movement = wallet.credit(5, LotKey(LAST_DAY - 5))
    assert dict(movement.lots) == {LotKey(LAST_DAY): 5}


def test_a_credit_of_no_points_leaves_no_empty_lot() -> None:
    wallet, _ = Wallet().credit(0, LotKey(DAY))
    assert (wallet.lots, wallet.balance) == ({}, 0)


# ------------------------------------------------------------------------ refunds after reversals
# A reversal that took back spent points leaves claims on the lot they were spent from; a refund of
# those points pays the claims (forgiven first, then debt, then the lots taken from, latest-spent
# first) and gives the customer only the rest.


def _given_back(debit: Movement) -> dict[LotKey, int]:
    """What a refund of ``debit`` gives back: the lots it took from."""
    return {key: -points for key, points in debit.lots.items()}


def test_a_refund_settles_what_a_reversal_forgave_before_the_debt_it_charged() -> None:
    # 10 spent by two redemptions of 5, the credit then reversed: 6 charged as debt, later 4 forgiven.
    # Cancelling one redemption: 4 settle the forgiven shortfall (nothing to the customer), 1 repays debt.
    soon = LotKey(DAY + 10)
    wallet, _ = Wallet().credit(10, soon)
    wallet, first = wallet.debit(5)
    wallet, _ = wallet.debit(5)
    wallet, _ = wallet.reverse(6, soon, "allow_negative")
    wallet, _ = wallet.reverse(4, soon, "within_balance")
    assert (wallet.balance, wallet.debt) == (-6, 6)
    refunded, movement = wallet.refund(_given_back(first))
    assert (movement.points, refunded.balance, refunded.debt, refunded.earned) == (1, -5, 5, 0)


def test_a_refund_repays_a_reversals_debt_before_the_lots_it_took_from() -> None:
    # The reversal took 6 from the later lot (whose own credit was reversed next, all forgiven) and
    # charged 4 as debt. A refund of 5: 4 repay the debt, 1 goes back to the later lot and on to its
    # forgiven claim. Giving the later lot its 5 first would forgive them and leave the debt.
    soon, later = LotKey(DAY + 10), LotKey(DAY + 20)
    wallet, _ = Wallet().credit(10, soon)
    wallet, first = wallet.debit(5)
    wallet, _ = wallet.debit(5)
    wallet, _ = wallet.credit(6, later)
    wallet, _ = wallet.reverse(10, soon, "allow_negative")
    wallet, _ = wallet.reverse(6, later, "within_balance")
    assert (wallet.balance, wallet.debt) == (-4, 4)
    refunded, movement = wallet.refund(_given_back(first))
    assert (movement.points, refunded.balance, refunded.debt, refunded.lots) == (4, 0, 0, {})


def test_a_refund_gives_back_first_to_the_lots_a_reversal_took_from_last() -> None:
    # The reversal took 2 from each active lot, first-expiring-first (never-expiring last). A refund of
    # 5 undoes that backwards: the never-expiring lot, then the latest-expiring, then the soonest.
    soon, sooner, later = LotKey(DAY + 10), LotKey(DAY + 20), LotKey(DAY + 30)
    wallet, _ = Wallet().credit(10, soon)
    wallet, first = wallet.debit(5)
    wallet, _ = wallet.debit(5)
    for key in (sooner, later, LotKey(NEVER)):
        wallet, _ = wallet.credit(2, key)
    wallet, reversal = wallet.reverse(6, soon, "within_balance")
    assert dict(reversal.lots) == {sooner: -2, later: -2, LotKey(NEVER): -2}
    refunded, movement = wallet.refund(_given_back(first))
    assert dict(movement.lots) == refunded.lots == {LotKey(NEVER): 2, later: 2, sooner: 1}
    assert refunded.as_of((DAY + 20) * DAY_MS).balance == 4


def test_a_single_forgiven_point_is_settled_by_the_refund_too() -> None:
    soon = LotKey(DAY + 10)
    wallet, spent = Wallet().credit(10, soon)[0].debit(10)
    wallet, reversal = wallet.reverse(1, soon, "within_balance")
    assert reversal.shortfall == 1
    refunded, movement = wallet.refund(_given_back(spent))
    assert (movement.points, refunded.balance, refunded.lots, refunded.clawed) == (9, 9, {soon: 9}, {})


@pytest.mark.parametrize("policy", ["within_balance", "allow_negative"])
def test_a_refund_spanning_two_reversed_lots_pays_both_claims(policy: ReturnPolicy) -> None:
    # Both credits spent by one redemption, then both reversed: cancelling it pays both claims (the
    # two shortfalls forgiven, or the two debts repaid) and gives nothing back.
    soon, later = LotKey(DAY + 10), LotKey(DAY + 20)
    wallet, spent = Wallet().credit(5, soon)[0].credit(5, later)[0].debit(10)
    wallet = wallet.reverse(5, soon, policy)[0].reverse(5, later, policy)[0]
    refunded, movement = wallet.refund(_given_back(spent))
    assert (refunded.balance, refunded.debt, refunded.earned, refunded.redeemed, refunded.lots) == (0, 0, 0, 0, {})
    assert movement.points == (10 if policy == "allow_negative" else 0)
    # no debt left: the next credit stays in its lot
    assert refunded.credit(3, LotKey(DAY + 30))[0].expiring(1) == [(DAY + 30, 3)]


def test_a_refund_that_reaches_a_lot_twice_pays_its_claims_once_and_names_each_lot_once() -> None:
    # The redemption took 5 from the soon lot and 3 from the later one. The soon credit's reversal took
    # 5 from the later lot; the later credit's reversal took its own 2, 5 from the last lot, and forgave
    # 2. The refund reaches the later lot twice (its own 3, then the soon lot's claim of 5): the
    # forgiven 2 are settled once, the last lot gets its 5 back, the later lot keeps the 1 left.
    soon, later, last = LotKey(DAY + 10), LotKey(DAY + 20), LotKey(DAY + 30)
    wallet, spent = Wallet().credit(5, soon)[0].credit(10, later)[0].debit(8)
    assert dict(spent.lots) == {soon: -5, later: -3}
    wallet, _ = wallet.reverse(5, soon, "within_balance")
    wallet, _ = wallet.credit(5, last)
    wallet, reversal = wallet.reverse(9, later, "within_balance")
    assert (dict(reversal.lots), reversal.shortfall) == ({later: -2, last: -5}, 2)
    refunded, movement = wallet.refund(_given_back(spent))
    assert (movement.points, dict(movement.lots)) == (6, {last: 5, later: 1})
    assert (refunded.balance, refunded.lots, refunded.clawed) == (6, {last: 5, later: 1}, {})


def test_debt_repaid_by_two_later_credits_goes_back_to_each_credits_lot_on_a_refund() -> None:
    # 10 spent, the credit reversed into 10 of debt; a never-expiring credit of 3 repays part of it, a
    # credit of 7 expiring later the rest. Cancelling the redemption gives each lot what it paid.
    soon, later = LotKey(DAY + 10), LotKey(DAY + 30)
    wallet, spent = Wallet().credit(10, soon)[0].debit(10)
    wallet, _ = wallet.reverse(10, soon, "allow_negative")
    wallet, _ = wallet.credit(3, LotKey(NEVER))
    assert (wallet.balance, wallet.debt, wallet.lots) == (-7, 7, {})
    wallet, _ = wallet.credit(7, later)
    assert (wallet.balance, wallet.debt, wallet.lots) == (0, 0, {})
    refunded, movement = wallet.refund(_given_back(spent))
    assert dict(movement.lots) == refunded.lots == {LotKey(NEVER): 3, later: 7}
    assert refunded.expiring(1) == [(DAY + 30, 7)]


def test_one_credit_repays_the_debts_of_two_reversals() -> None:
    soon, later = LotKey(DAY + 10), LotKey(DAY + 20)
    wallet, spent = Wallet().credit(5, soon)[0].credit(5, later)[0].debit(10)
    wallet = wallet.reverse(5, soon, "allow_negative")[0].reverse(5, later, "allow_negative")[0]
    wallet, _ = wallet.credit(10, LotKey(NEVER))
    assert (wallet.balance, wallet.debt, wallet.lots) == (0, 0, {})
    refunded, _ = wallet.refund(_given_back(spent))
    assert (refunded.balance, refunded.lots) == (10, {LotKey(NEVER): 10})
