"""Model-based test of points lots through the API, with time moving (tests/support/stateful.py).

Hypothesis earns points through campaign rules with their own expiry and pending days (for events now
or days ago), redeems rewards, cancels redemptions, moves the clock forward by days and runs the
scheduled points job, against a plain model: a list of lots per (activation day, expiry day), spent
soonest expiry first. After every step:

- the customer's balance, pending, earned, redeemed, expired and next expiring days equal the model's,
  whether or not the job has run (reads settle in memory);
- a redemption succeeds exactly when the model's balance covers it;
- every ledger entry's ``balance_after`` and ``pending_after`` are the running sums of the entries;
- once the job has run, the ledger's sums equal the balance and the pending points.

Hypothesis also reverses credits (in part or in full, under either return policy) among those moves. The
plain model does not follow where a reversal's claims send refunded points, so from the first reversal
on the balances are checked against the ledger and the stored lots instead, and after every step (with
or without reversals) points are never taken or given twice: for the credits of each expiry day,
reversals take back at most what was credited less what expired, and that day's lots hold at most what
is left (issue 21).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule, run_state_machine_as_test

from shared.domain.points.ledger import settle_due
from tests.support.campaigns import ledger
from tests.support.point_lots import assert_reversals_within_credits, rewards_costing, stored_wallet
from tests.support.points import reverse
from tests.support.stateful import ApiStateMachine, stateful_settings

DAY_MS = 86_400_000
CUSTOMER = "lot-holder"
COSTS = (1, 7, 50, 120)
NEVER = 0


def day_at_or_after(epoch_ms: int) -> int:
    return -(-epoch_ms // DAY_MS)


@dataclass
class Redemption:
    redemption_id: str
    taken: dict[int, int]  # expiry day (NEVER) -> points
    cancelled: bool = False


@dataclass
class PointsModel:
    active: dict[int, int] = field(default_factory=dict)  # expiry day -> points
    pending: dict[tuple[int, int], int] = field(default_factory=dict)  # (activation day, expiry day) -> points
    earned: int = 0
    redeemed: int = 0
    expired: int = 0
    redemptions: list[Redemption] = field(default_factory=list)

    def advance_to(self, today: int) -> None:
        """Activations then expiries of each day up to ``today`` (the documented order)."""
        for (activates, expires), points in sorted(self.pending.items()):
            if activates <= today:
                del self.pending[(activates, expires)]
                self.active[expires] = self.active.get(expires, 0) + points
        for expires, points in list(self.active.items()):
            if expires != NEVER and expires <= today:
                del self.active[expires]
                self.expired += points
        for (activates, expires), points in list(self.pending.items()):
            if expires != NEVER and expires <= today:
                del self.pending[(activates, expires)]
                self.expired += points

    @property
    def balance(self) -> int:
        return sum(self.active.values())

    def credit(self, points: int, activates: int, expires: int, today: int) -> None:
        self.earned += points
        if activates > today:
            self.pending[(activates, expires)] = self.pending.get((activates, expires), 0) + points
        else:
            self.active[expires] = self.active.get(expires, 0) + points
        self.advance_to(today)

    def spend(self, points: int) -> dict[int, int]:
        taken: dict[int, int] = {}
        for expires in sorted(self.active, key=lambda day: (day == NEVER, day)):
            share = min(points, self.active[expires])
            if share:
                taken[expires] = share
                self.active[expires] -= share
                points -= share
            if self.active[expires] == 0:
                del self.active[expires]
        self.redeemed += sum(taken.values())
        return taken

    def refund(self, taken: dict[int, int], today: int) -> None:
        for expires, points in taken.items():
            self.active[expires] = self.active.get(expires, 0) + points
        self.redeemed -= sum(taken.values())
        self.advance_to(today)

    def expiring(self) -> list[tuple[int, int]]:
        by_day: dict[int, int] = {}
        for expires, points in self.active.items():
            if expires != NEVER:
                by_day[expires] = by_day.get(expires, 0) + points
        for (_, expires), points in self.pending.items():
            if expires != NEVER:
                by_day[expires] = by_day.get(expires, 0) + points
        return sorted(by_day.items())[:5]


class PointsLotsMachine(ApiStateMachine):
    APPLICATIONS = ("a",)

    def __init__(self) -> None:
        super().__init__()
        self.api = self.clients["a"]
        self.model = PointsModel()
        self.offset_ms = 0
        self.campaigns = 0
        self.settled = False
        real_time, real_time_ns = time.time, time.time_ns
        time.time = lambda: real_time() + self.offset_ms / 1000
        time.time_ns = lambda: real_time_ns() + self.offset_ms * 1_000_000

        def restore() -> None:
            time.time, time.time_ns = real_time, real_time_ns

        self._resources.callback(restore)
        self.rewards: dict[int, str] = {}
        self.left_to_reverse: dict[str, int] = {}  # credit txn_id -> points
        self.modelled = True  # no reversal yet: the plain model holds
        self.return_policy = "within_balance"

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def today(self) -> int:
        return self.now_ms() // DAY_MS

    @initialize()
    def create_rewards(self) -> None:
        self.rewards = rewards_costing(self.api, COSTS)

    @rule(
        points=st.sampled_from([1, 5, 30, 100]),
        days_ago=st.sampled_from([0, 1, 3]),
        expire_after_days=st.sampled_from([None, 1, 2, 10]),
        pending_days=st.sampled_from([None, 1, 2]),
    )
    def earn(self, points: int, days_ago: int, expire_after_days: int | None, pending_days: int | None) -> None:
        self.campaigns += 1
        event_name = f"earn_{self.campaigns}"
        reward: dict[str, Any] = {"type": "points", "points": points}
        if expire_after_days is not None:
            reward["expire_after_days"] = expire_after_days
        if pending_days is not None and (expire_after_days is None or pending_days < expire_after_days):
            reward["pending_days"] = pending_days
        rule_body = {
            "rule_name": "Earn",
            "action_type": "RTA",
            "actions": [{"event_name": event_name, "target": 1}],
            "reward": reward,
        }
        assert self.api.post("/campaigns", {"campaign_name": event_name, "rules": [rule_body]}).status == 201
        event_ms = self.now_ms() - days_ago * DAY_MS
        sent = self.api.post(
            "/events", {"source_id": CUSTOMER, "event_name": event_name, "timestamp": event_ms // 1000}
        )
        assert sent.status == 200, sent.body
        (granted,) = sent.json()["rewards"]
        self.left_to_reverse[granted["transaction_id"]] = points
        event_ms = event_ms // 1000 * 1000  # the API takes seconds
        expires = day_at_or_after(event_ms + reward["expire_after_days"] * DAY_MS) if expire_after_days else NEVER
        pending = reward.get("pending_days")
        activates = day_at_or_after(event_ms + pending * DAY_MS) if pending else 0
        self.model.credit(points, activates, expires, self.today())
        self.settled = False

    def balance(self) -> int:
        """The model's balance, or once reversals happened, the one the API shows."""
        if self.modelled:
            return self.model.balance
        found = self.api.get(f"/customers/{CUSTOMER}")
        return int(found.json()["points"]["balance"]) if found.status == 200 else 0

    @rule(cost=st.sampled_from(COSTS))
    def redeem(self, cost: int) -> None:
        self.model.advance_to(self.today())
        balance = self.balance()
        response = self.api.post(f"/customers/{CUSTOMER}/rewards/{self.rewards[cost]}/redeem", {})
        if balance < cost:
            assert response.status in (404, 409), response.body  # 404 before the first credit
            return
        assert response.status == 201, response.body
        self.model.redemptions.append(Redemption(response.json()["id"], self.model.spend(cost)))
        self.settled = False

    @precondition(lambda self: any(not r.cancelled for r in self.model.redemptions))
    @rule(index=st.integers(0, 20))
    def cancel(self, index: int) -> None:
        open_ones = [r for r in self.model.redemptions if not r.cancelled]
        redemption = open_ones[index % len(open_ones)]
        response = self.api.post(f"/customers/{CUSTOMER}/rewards/redemptions/{redemption.redemption_id}/cancel")
        assert response.status == 200, response.body
        redemption.cancelled = True
        self.model.refund(redemption.taken, self.today())  # only read while no reversal happened
        self.settled = False

    @precondition(lambda self: self.left_to_reverse)
    @rule(
        index=st.integers(0, 20),
        points=st.one_of(st.none(), st.sampled_from([1, 5, 40, 120])),
        policy=st.sampled_from(["within_balance", "allow_negative"]),
    )
    def reverse_credit(self, index: int, points: int | None, policy: str) -> None:
        """A return: all that is left of a credit, or part of it (more than is left is a 400)."""
        if policy != self.return_policy:
            assert self.api.put("/settings/points", {"return_policy": policy}).status == 200
            self.return_policy = policy
        txn_id = sorted(self.left_to_reverse)[index % len(self.left_to_reverse)]
        left = self.left_to_reverse[txn_id]
        response = reverse(self.api, CUSTOMER, txn_id, points)
        if left == 0:
            assert response.status == 409, response.body
        elif points is not None and points > left:
            assert response.status == 400, response.body
        else:
            assert response.status == 201, response.body
            entry = response.json()
            wanted = left if points is None else points
            assert -(entry["points"] + entry["pending_points"]) + entry["shortfall"] + entry["expired"] == wanted
            self.left_to_reverse[txn_id] -= wanted
            self.modelled = self.settled = False

    @rule(days=st.sampled_from([1, 2, 5]))
    def time_passes(self, days: int) -> None:
        self.offset_ms += days * DAY_MS
        self.model.advance_to(self.today())
        self.settled = False

    @rule()
    def the_job_runs(self) -> None:
        settle_due(lambda: 60_000)
        self.settled = True

    @invariant()
    def points_and_ledger_match_the_model(self) -> None:
        self.model.advance_to(self.today())
        found = self.api.get(f"/customers/{CUSTOMER}")
        if found.status == 404:
            assert self.model.earned == 0
            return
        points = found.json()["points"]
        if self.modelled:
            assert points["balance"] == self.model.balance
            assert points["pending"] == sum(self.model.pending.values())
            assert (points["earned"], points["redeemed"], points["expired"]) == (
                self.model.earned,
                self.model.redeemed,
                self.model.expired,
            )
            assert [(p["points"], p["expires_at"][:10]) for p in points["expiring"]] == [
                (amount, time.strftime("%Y-%m-%d", time.gmtime(day * 86_400))) for day, amount in self.model.expiring()
            ]
        assert points["earned"] - points["redeemed"] - points["expired"] == points["balance"] + points["pending"]
        entries = ledger(self.api, CUSTOMER)
        assert_reversals_within_credits(entries, stored_wallet(self.api.credentials.app_id, CUSTOMER))
        running = pending = 0
        for entry in reversed(entries):
            running += entry["points"]
            pending += entry["pending_points"]
            assert (entry["balance_after"], entry["pending_after"]) == (running, pending)
        if self.settled:
            assert (running, pending) == (points["balance"], points["pending"])


def test_points_lots_follow_the_model_as_time_passes() -> None:
    run_state_machine_as_test(PointsLotsMachine, settings=stateful_settings(max_examples=12, steps=20))
