"""Model-based test of customer-service points through the API (tests/support/stateful.py): hypothesis changes the
points policy, credits, debits and reverses by customer service, and moves the clock by hours or days,
and checks after every step that:

- the balance equals the ledger's sum of ``points`` and ``pending`` the sum of ``pending_points``; every
  ``balance_after`` is the running total;
- the stored lots hold exactly the balance (plus any debt) and the pending points, and ``expiring``
  shows the lots that expire;
- what was earned, less what expired, is what the customer holds (``earned - expired = balance + pending``);
- a debit is accepted exactly when it fits the balance, and never takes a later-expiring lot while an
  earlier one still holds points;
- reversals of a credit add up to at most the credit (400 beyond what is left, 409 once none is left);
- the balance goes below zero only by a reversal under ``allow_negative``;
- points are never taken or given twice (issue 21), whatever the order of credits, redemptions, their
  cancels, reversals and expiries: for the credits of each expiry day, reversals take back at most what
  was credited less what expired, and that day's lots hold at most what is left.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, initialize, invariant, multiple, precondition, rule, run_state_machine_as_test

from tests.support.point_lots import assert_reversals_within_credits, points_of, rewards_costing, stored_wallet
from tests.support.points import NOON, FrozenClock, adjust, reverse, stored_lots, transactions
from tests.support.rewards import customer_path
from tests.support.stateful import ApiStateMachine, stateful_settings

KIM = "kim"
NEVER = 0
REWARD_COSTS = (40, 150)


def spend_order(encoded: str) -> tuple[int, int]:
    """A stored lot's place in the spending order (``activates:expires``; never-expiring last)."""
    expires = int(encoded.split(":")[1])
    return (1, 0) if expires == NEVER else (0, expires)


def is_pending(encoded: str) -> bool:
    return encoded.split(":", maxsplit=1)[0] != "0"


class AdjustmentsMachine(ApiStateMachine):
    APPLICATIONS = ("a",)
    credits = Bundle("credits")

    def __init__(self) -> None:
        super().__init__()
        from unittest.mock import patch

        from shared import clock

        self.api = self.clients["a"]
        self.clock = FrozenClock(NOON)
        self._resources.enter_context(patch.object(clock, "now_epoch_ms", lambda: self.clock.ms))
        self._resources.enter_context(patch.object(clock, "now_epoch", lambda: self.clock.ms // 1000))
        self.credited: dict[str, int] = {}  # txn_id: points
        self.reversed: dict[str, int] = {}
        self.negative_allowed_ever = False
        self.return_policy = "within_balance"
        self.rewards: dict[int, str] = {}
        self.open_redemptions: list[str] = []

    @initialize(target=credits)
    def create_customer_with_three_lots(self) -> object:
        """Lots expiring in 30 days, in 10 days and never, so that debits have an order to keep."""
        assert self.api.put(customer_path(KIM), {}).status == 201
        self.rewards = rewards_costing(self.api, REWARD_COSTS)
        made = []
        for expire in (30, 10, None):
            assert self.api.put("/settings/points", {"expire_after_days": expire}).status == 200
            made.append(self.credit(200))
        return multiple(*made)

    @rule(
        expire=st.sampled_from([None, 1, 3, 10, 30]),
        pending=st.sampled_from([0, 0, 1, 2]),
        negative=st.booleans(),
    )
    def set_policy(self, expire: int | None, pending: int, negative: bool) -> None:
        if expire is not None and pending >= expire:
            pending = 0
        return_policy = "allow_negative" if negative else "within_balance"
        policy = {"expire_after_days": expire, "pending_days": pending, "return_policy": return_policy}
        assert self.api.put("/settings/points", policy).status == 200
        self.negative_allowed_ever |= negative
        self.return_policy = return_policy

    @rule(target=credits, points=st.integers(1, 500))
    def credit_points(self, points: int) -> str:
        return self.credit(points)

    def credit(self, points: int) -> str:
        response = adjust(self.api, KIM, points)
        assert response.status == 201, response.body
        txn_id: str = response.json()["id"]
        self.credited[txn_id] = points
        self.reversed[txn_id] = 0
        return txn_id

    @rule(percent=st.integers(1, 120))
    def debit(self, percent: int) -> None:
        """A debit of ``percent`` of the balance (over 100: more than it holds)."""
        balance = points_of(self.api, KIM)["balance"]
        points = max(balance * percent // 100, 1)
        response = adjust(self.api, KIM, -points)
        if points > balance:
            assert response.status == 409, response.body
            return
        assert response.status == 201, response.body
        taken = [share for share in response.json()["lots"] if share["points"] < 0]
        assert sum(share["points"] for share in taken) == -points
        # first-expiring-first: no active lot left spends before the last lot this debit took from
        latest = max(spend_order(f"0:{self._day(share['expires_at'])}") for share in taken)
        left = [lot for lot in stored_lots(self.api, KIM) if not is_pending(lot)]
        assert all(spend_order(lot) >= latest for lot in left), (taken, left)

    @rule(cost=st.sampled_from(REWARD_COSTS))
    def redeem(self, cost: int) -> None:
        balance = points_of(self.api, KIM)["balance"]
        response = self.api.post(f"{customer_path(KIM)}/rewards/{self.rewards[cost]}/redeem", {})
        if balance < cost:
            assert response.status == 409, response.body
            return
        assert response.status == 201, response.body
        self.open_redemptions.append(response.json()["id"])

    @precondition(lambda self: self.open_redemptions)
    @rule(index=st.integers(0, 20))
    def cancel_redemption(self, index: int) -> None:
        """The refund gives back what the redemption spent, less what reversals already took back of it."""
        redemption_id = self.open_redemptions.pop(index % len(self.open_redemptions))
        response = self.api.post(f"{customer_path(KIM)}/rewards/redemptions/{redemption_id}/cancel")
        assert response.status == 200, response.body

    @rule(txn_id=credits, points=st.one_of(st.none(), st.integers(1, 300)))
    def reverse_credit(self, txn_id: str, points: int | None) -> None:
        left = self.credited[txn_id] - self.reversed[txn_id]
        before = points_of(self.api, KIM)["balance"]
        response = reverse(self.api, KIM, txn_id, points)
        if left == 0:
            assert response.status == 409, response.body
        elif points is not None and points > left:
            assert response.status == 400, response.body
            assert response.json()["details"].startswith("points:")
        else:
            assert response.status == 201, response.body
            entry = response.json()
            wanted = left if points is None else points
            assert entry["reverses"] == txn_id
            assert -(entry["points"] + entry["pending_points"]) + entry["shortfall"] + entry["expired"] == wanted
            if self.return_policy == "allow_negative":
                assert entry["shortfall"] == 0, "allow_negative takes all of it"
            else:
                assert entry["balance_after"] >= min(before, 0), "within_balance never goes below zero"
            self.reversed[txn_id] += wanted

    @rule(hours=st.sampled_from([6, 24, 72, 24 * 11]), reads_first=st.booleans())
    def time_passes(self, hours: int, reads_first: bool) -> None:
        """Time passes and the scheduled job records activations and expiries (run twice: the second
        run finds nothing due); a read before the job already shows what the job will record."""
        from shared.domain.points.ledger import settle_due

        self.clock.advance(hours=hours)
        shown = points_of(self.api, KIM) if reads_first else None
        settle_due(lambda: 60_000, safety_ms=0)
        assert settle_due(lambda: 60_000, safety_ms=0).entries_written == 0, "settled twice"
        if shown is not None:
            assert points_of(self.api, KIM) == shown, "the job changed what a read showed"

    @invariant()
    def the_books_balance(self) -> None:
        if not self.credited and self.clock.ms == NOON:
            return
        points = points_of(self.api, KIM)
        entries = transactions(self.api, KIM)
        assert points["balance"] == sum(e["points"] for e in entries)
        assert points["pending"] == sum(e["pending_points"] for e in entries)
        running = 0
        for entry in reversed(entries):
            running += entry["points"]
            assert entry["balance_after"] == running
        assert points["earned"] - points["redeemed"] - points["expired"] == points["balance"] + points["pending"]
        if not self.negative_allowed_ever:
            assert points["balance"] >= 0
        assert_reversals_within_credits(entries, stored_wallet(self.api.credentials.app_id, KIM))

    @invariant()
    def the_lots_hold_the_balance(self) -> None:
        wallet = stored_wallet(self.api.credentials.app_id, KIM)
        shown = points_of(self.api, KIM)
        lots = {key.encode(): p for key, p in wallet.lots.items()}
        active = sum(p for lot, p in lots.items() if not is_pending(lot))
        assert sum(p for lot, p in lots.items() if is_pending(lot)) == shown["pending"] == wallet.pending
        assert active - wallet.debt == shown["balance"] == wallet.balance
        assert active == 0 or wallet.debt == 0, "debt is paid before any lot is spendable"
        expiring = {(int(lot.split(":")[1])): 0 for lot in lots if spend_order(lot)[0] == 0}
        for lot, p in lots.items():
            if spend_order(lot)[0] == 0:
                expiring[int(lot.split(":")[1])] += p
        assert [e["points"] for e in shown["expiring"]] == [expiring[day] for day in sorted(expiring)][:5]

    @staticmethod
    def _day(expires_at: str | None) -> int:
        if expires_at is None:
            return NEVER
        from datetime import datetime

        return int(datetime.fromisoformat(expires_at).timestamp()) // 86_400


def test_adjustments_and_reversals_follow_the_model() -> None:
    run_state_machine_as_test(AdjustmentsMachine, settings=stateful_settings(max_examples=15, steps=20))
