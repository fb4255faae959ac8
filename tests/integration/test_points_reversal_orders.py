"""A reversal takes back at most what its credit still holds or spent, in every order of operations (issue 21,
class 7): points that expired are never taken again from another lot, and a cancelled redemption never
returns points that a reversal already took back (from other lots, as debt, or as a shortfall). Time is
frozen (tests/support/points.py) so that lot days are exact."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.concurrency import fire_together, warm_up
from tests.support.point_lots import credit as earn
from tests.support.point_lots import points_of
from tests.support.points import DAY_MS, FrozenClock, credit, day_end_iso, freeze_clock, reverse, set_policy
from tests.support.points import transactions as ledger
from tests.support.rewards import create_reward, customer_path

KIM = "kim@shop"
POLICIES = ["within_balance", "allow_negative"]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch)


@pytest.fixture
def kim(api: ApiClient, clock: FrozenClock) -> str:
    assert api.put(customer_path(KIM), {"name": "Kim"}).status == 201
    return KIM


def credit_expiring(api: ApiClient, days: int | None, points: int) -> str:
    set_policy(api, expire_after_days=days)
    return str(credit(api, KIM, points)["id"])


def redeem(api: ApiClient, cost: int, source_id: str = KIM) -> str:
    reward_id = create_reward(
        api,
        {
            "name": f"Costs {cost}",
            "type": "MATERIAL",
            "parameters": {"product": {"id": f"p{cost}"}},
            "points_to_be_redeemed": cost,
        },
    )
    response = api.post(f"{customer_path(source_id)}/rewards/{reward_id}/redeem", {})
    assert response.status == 201, response.body
    return str(response.json()["id"])


def cancel(api: ApiClient, redemption_id: str) -> dict[str, Any]:
    response = api.post(f"{customer_path(KIM)}/rewards/redemptions/{redemption_id}/cancel")
    assert response.status == 200, response.body
    return dict(response.json())


def reversed_entry(api: ApiClient, txn_id: str, points: int | None = None) -> dict[str, Any]:
    response = reverse(api, KIM, txn_id, points)
    assert response.status == 201, response.body
    return dict(response.json())


def assert_books_balance(api: ApiClient) -> None:
    points, entries = points_of(api, KIM), ledger(api, KIM)
    assert points["balance"] == sum(e["points"] for e in entries)
    assert points["earned"] - points["redeemed"] - points["expired"] == points["balance"] + points["pending"]


@pytest.mark.parametrize("policy", POLICIES)
def test_reversing_a_credit_that_expired_unspent_takes_nothing_from_another_lot(
    api: ApiClient, kim: str, clock: FrozenClock, policy: str
) -> None:
    """The issue's example: the 100 points expired, so reversing their credit takes nothing again."""
    expired = credit_expiring(api, 10, 100)
    credit_expiring(api, None, 100)
    set_policy(api, return_policy=policy)
    clock.advance(days=11)
    entry = reversed_entry(api, expired)
    assert (entry["points"], entry["pending_points"], entry["shortfall"], entry["expired"]) == (0, 0, 0, 100)
    assert points_of(api, KIM)["balance"] == 100, "the live credit is untouched"
    assert reverse(api, KIM, expired).status == 409, "the whole credit counts as reversed"
    assert_books_balance(api)


@pytest.mark.parametrize("policy", POLICIES)
def test_reversing_a_partly_spent_credit_after_its_expiry_takes_only_what_was_spent(
    api: ApiClient, kim: str, clock: FrozenClock, policy: str
) -> None:
    spent = credit_expiring(api, 10, 100)
    credit_expiring(api, None, 100)
    set_policy(api, return_policy=policy)
    redeem(api, 60)  # from the 10-day lot first: 40 of it are left to expire
    clock.advance(days=11)
    assert points_of(api, KIM)["balance"] == 100
    first = reversed_entry(api, spent, 50)  # the expired part counts first: 40 expired, 10 spent
    assert (first["points"], first["expired"]) == (-10, 40)
    rest = reversed_entry(api, spent)
    assert (rest["points"], rest["expired"], rest["shortfall"]) == (-50, 0, 0)
    assert points_of(api, KIM)["balance"] == 40, "100 credited, 60 spent and taken back, 40 expired"
    assert_books_balance(api)


@pytest.mark.parametrize("policy", POLICIES)
def test_cancelling_a_redemption_after_reversing_the_credit_it_spent_returns_nothing_taken_back(
    api: ApiClient, kim: str, policy: str
) -> None:
    """The issue's second example: the shortfall (or debt) is paid by the refund, never given again."""
    set_policy(api, return_policy=policy)
    txn_id = credit(api, KIM, 100)["id"]
    redemption = redeem(api, 100)
    entry = reversed_entry(api, txn_id)
    assert (entry["points"], entry["shortfall"]) == ((0, 100) if policy == "within_balance" else (-100, 0))
    cancel(api, redemption)
    shown = points_of(api, KIM)
    assert (shown["balance"], shown["earned"], shown["redeemed"]) == (0, 0, 0)
    assert_books_balance(api)


@pytest.mark.parametrize("policy", POLICIES)
def test_a_cancel_after_a_reversal_that_took_from_another_lot_gives_that_lot_back(
    api: ApiClient, kim: str, clock: FrozenClock, policy: str
) -> None:
    """The reversal took the spent points from the 30-day lot; the cancel gives them back to it (not to
    the 10-day lot of the reversed credit), so they expire when that lot does and its credit can still
    be reversed in full."""
    set_policy(api, return_policy=policy)
    reversed_credit = credit_expiring(api, 10, 100)
    other = credit_expiring(api, 30, 100)
    redemption = redeem(api, 100)
    assert reversed_entry(api, reversed_credit)["points"] == -100
    refund_id = cancel(api, redemption)["refund_transaction_id"]
    refund = next(e for e in ledger(api, KIM) if e["id"] == refund_id)
    assert refund["points"] == 100
    assert [share["expires_at"] for share in refund["lots"]] == [day_end_iso(clock.ms + 30 * DAY_MS)]
    clock.advance(days=11)
    assert points_of(api, KIM)["balance"] == 100, "nothing of the other credit expired with the 10-day lot"
    assert reversed_entry(api, other)["points"] == -100
    assert points_of(api, KIM)["balance"] == 0
    assert_books_balance(api)


def test_a_partial_shortfall_is_paid_first_by_the_refund_and_the_rest_comes_back(api: ApiClient, kim: str) -> None:
    """within_balance: the reversal took 30 from the balance and fell 70 short; the refund of 100 pays the
    70 and gives the 30 back: 130 credited, 100 reversed, nothing spent."""
    txn_id = credit(api, KIM, 100)["id"]
    redemption = redeem(api, 100)
    credit(api, KIM, 30)
    entry = reversed_entry(api, txn_id)
    assert (entry["points"], entry["shortfall"]) == (-30, 70)
    cancel(api, redemption)
    assert points_of(api, KIM)["balance"] == 30
    assert_books_balance(api)


@pytest.mark.parametrize("policy", POLICIES)
def test_cancel_first_then_reverse_takes_the_credit_from_its_own_lot(api: ApiClient, kim: str, policy: str) -> None:
    set_policy(api, return_policy=policy)
    txn_id = credit(api, KIM, 100)["id"]
    credit(api, KIM, 50)
    cancel(api, redeem(api, 120))
    entry = reversed_entry(api, txn_id)
    assert (entry["points"], entry["shortfall"]) == (-100, 0)
    assert points_of(api, KIM)["balance"] == 50
    assert_books_balance(api)


def test_a_refund_that_expires_after_the_cancel_is_not_taken_again_by_the_reversal(
    api: ApiClient, kim: str, clock: FrozenClock
) -> None:
    """The redemption is cancelled after the lot's day: its points come back and expire at once; reversing
    the credit then finds them expired."""
    set_policy(api, return_policy="allow_negative")
    txn_id = credit_expiring(api, 10, 100)
    credit_expiring(api, None, 20)
    redemption = redeem(api, 100)
    clock.advance(days=11)
    cancel(api, redemption)
    assert points_of(api, KIM)["balance"] == 20
    entry = reversed_entry(api, txn_id)
    assert (entry["points"], entry["expired"]) == (0, 100)
    assert points_of(api, KIM)["balance"] == 20
    assert_books_balance(api)


def test_a_credit_recorded_already_expired_is_reversed_without_taking_anything(
    api: ApiClient, kim: str, clock: FrozenClock
) -> None:
    """An old event's points expire as they are recorded; reversing them takes nothing from live points."""
    credit(api, KIM, 50)
    old = earn(api, KIM, 100, expire_after_days=1, timestamp=(clock.ms - 5 * DAY_MS) // 1000)
    entry = reversed_entry(api, old)
    assert points_of(api, KIM)["balance"] == 50
    assert (entry["points"], entry["shortfall"], entry["expired"]) == (0, 0, 100)
    assert_books_balance(api)


def test_debt_paid_by_a_later_credit_goes_back_to_that_credits_lot_when_the_redemption_is_cancelled(
    api: ApiClient, kim: str, clock: FrozenClock
) -> None:
    """allow_negative: the reversal leaves 100 of debt, a later 30-day credit pays it; cancelling the
    redemption gives those 100 back to the 30-day lot (its expiry kept), not to the reversed credit's."""
    set_policy(api, return_policy="allow_negative")
    reversed_credit = credit(api, KIM, 100)["id"]
    redemption = redeem(api, 100)
    assert reversed_entry(api, reversed_credit)["points"] == -100
    later = credit_expiring(api, 30, 100)
    assert points_of(api, KIM)["balance"] == 0, "the later credit paid the debt"
    cancel(api, redemption)
    shown = points_of(api, KIM)
    assert shown["balance"] == 100
    assert [(e["points"], e["expires_at"]) for e in shown["expiring"]] == [(100, day_end_iso(clock.ms + 30 * DAY_MS))]
    assert reversed_entry(api, later)["points"] == -100
    assert points_of(api, KIM)["balance"] == 0
    assert_books_balance(api)


def test_a_reversal_racing_the_cancel_of_the_redemption_that_spent_its_credit_ends_the_same_either_way(
    api: ApiClient, clock: FrozenClock
) -> None:
    """Ten customers each with 100 points spent on a redemption and 30 more; the credit's reversal and the
    redemption's cancel arrive at once. Whichever lands first, each ends with the 30: 130 credited, 100
    reversed, nothing spent (each move is one transaction conditioned on the ledger head it read)."""
    customers = [f"racer-{n}" for n in range(10)]
    credits, redemptions = {}, {}
    for source_id in customers:
        assert api.put(customer_path(source_id), {}).status == 201
        credits[source_id] = credit(api, source_id, 100)["id"]
        redemptions[source_id] = redeem(api, 100, source_id)
        credit(api, source_id, 30)
    reversal_path = f"{customer_path(customers[0])}/transactions/{credits[customers[0]]}/reverse"
    cancel_path = f"{customer_path(customers[0])}/rewards/redemptions/{redemptions[customers[0]]}/cancel"
    warm_up(api.gateway, [("POST", reversal_path), ("POST", cancel_path)] * 4)
    calls = []
    for source_id in customers:
        calls.append(partial(reverse, api, source_id, credits[source_id], headers={"Idempotency-Key": source_id}))
        calls.append(
            partial(
                api.post,
                f"{customer_path(source_id)}/rewards/redemptions/{redemptions[source_id]}/cancel",
                headers={"Idempotency-Key": f"cancel-{source_id}"},
            )
        )
    responses = fire_together(calls)
    assert sorted(r.status for r in responses) == [200] * 10 + [201] * 10, [r.body for r in responses]
    for source_id in customers:
        shown = points_of(api, source_id)
        assert (shown["balance"], shown["redeemed"], shown["earned"]) == (30, 0, 30), source_id
        entries = ledger(api, source_id)
        assert shown["balance"] == sum(e["points"] for e in entries)
