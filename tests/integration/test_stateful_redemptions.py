"""Model-based test of redeem / cancel / eligibility (tests/support/stateful.py).

Hypothesis earns points, tags and untags members, redeems a MATERIAL reward (stock 3, 100 points, for
members tagged vip) and a COIN reward, changes the stock (never below what was redeemed: 400), and cancels
redemptions (some twice), in random order; after every
step the API must agree with a plain model: each balance equals the model's and the ledger's sum, the
stock and the redeemed count are the model's, every redemption has the model's status, and the member's
eligible rewards list the MATERIAL reward exactly when the member is vip and stock is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test

from tests.support.stateful import ApiStateMachine, stateful_settings

MEMBERS = ["m-1", "m-2"]
EARN_RULES = 8  # the n-th "earn" event completes the n-th rule: 100 points each
COST = 100
STOCK = 3


@dataclass
class Redemption:
    redemption_id: str
    member: str
    points: int
    material: bool
    cancelled: bool = False


@dataclass
class Model:
    balance: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEMBERS, 0))
    earned: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEMBERS, 0))
    vip: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(MEMBERS, False))
    stock: int = STOCK
    stock_left: int = STOCK
    redemptions: list[Redemption] = field(default_factory=list)


class RedemptionsMachine(ApiStateMachine):
    APPLICATIONS = ("a",)

    def __init__(self) -> None:
        super().__init__()
        self.api = self.clients["a"]
        self.model = Model()
        self.material = self.coin = ""

    @initialize()
    def set_up(self) -> None:
        rules = [
            {"rule_name": f"Earn {n}", "action_type": "RTA", "actions": [{"event_name": "earn", "target": n}],
             "reward": {"type": "points", "points": 100}}
            for n in range(1, EARN_RULES + 1)
        ]  # fmt: skip
        assert self.api.post("/campaigns", {"campaign_name": "Earn", "rules": rules}).status == 201
        vip_only = {"conditions": [{"operator": "Contain all of", "attribute": "User Tags", "value": ["vip"]}]}
        material = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "p"}}, "stock": STOCK,
                    "points_to_be_redeemed": COST, "member_eligibility_rules": [vip_only]}  # fmt: skip
        self.material = self.api.post("/rewards", material).json()["id"]
        coin = {"name": "Coin", "type": "COIN", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 10}}}
        self.coin = self.api.post("/rewards", coin).json()["id"]
        for member in MEMBERS:
            assert self.api.put(f"/customers/{member}", {"tags": []}).status == 201

    @rule(member=st.sampled_from(MEMBERS))
    def earn(self, member: str) -> None:
        assert self.api.post("/events", {"source_id": member, "event_name": "earn", "properties": {}}).status == 200
        if self.model.earned[member] < EARN_RULES * 100:
            self.model.earned[member] += 100
            self.model.balance[member] += 100

    @rule(member=st.sampled_from(MEMBERS), vip=st.booleans())
    def tag(self, member: str, vip: bool) -> None:
        assert self.api.put(f"/customers/{member}", {"tags": ["vip"] if vip else []}).status == 200
        self.model.vip[member] = vip

    @rule(member=st.sampled_from(MEMBERS))
    def redeem_material(self, member: str) -> None:
        response = self.api.post(f"/customers/{member}/rewards/{self.material}/redeem", {})
        can = self.model.vip[member] and self.model.stock_left > 0 and self.model.balance[member] >= COST
        assert response.status == (201 if can else 409), (response.status, response.body)
        if can:
            self.model.balance[member] -= COST
            self.model.stock_left -= 1
            self.model.redemptions.append(Redemption(response.json()["id"], member, COST, material=True))

    @rule(member=st.sampled_from(MEMBERS), points=st.sampled_from([10, 50, 150, 1000]))
    def redeem_coin(self, member: str, points: int) -> None:
        response = self.api.post(f"/customers/{member}/rewards/{self.coin}/redeem", {"points": points})
        can = self.model.balance[member] >= points
        assert response.status == (201 if can else 409), (response.status, response.body)
        if can:
            assert response.json()["issued"]["amount"] == f"{points / 10:.2f}"
            self.model.balance[member] -= points
            self.model.redemptions.append(Redemption(response.json()["id"], member, points, material=False))

    @rule(index=st.integers(0, 20))
    def cancel(self, index: int) -> None:
        if not self.model.redemptions:
            return
        redemption = self.model.redemptions[index % len(self.model.redemptions)]
        path = f"/customers/{redemption.member}/rewards/redemptions/{redemption.redemption_id}/cancel"
        response = self.api.post(path)
        assert response.status == (409 if redemption.cancelled else 200), (response.status, response.body)
        if not redemption.cancelled:
            redemption.cancelled = True
            self.model.balance[redemption.member] += redemption.points
            self.model.stock_left += redemption.material

    @rule(stock=st.integers(0, STOCK + 2))
    def change_the_stock(self, stock: int) -> None:
        response = self.api.patch(f"/rewards/{self.material}", {"stock": stock})
        redeemed = self.model.stock - self.model.stock_left
        if stock < redeemed:
            assert response.status == 400, response.body
            assert response.json()["details"] == f"stock: {redeemed} already redeemed; stock cannot be less than that"
            return
        assert response.status == 200, response.body
        assert (response.json()["stock"], response.json()["redeemed"]) == (stock, redeemed)
        self.model.stock, self.model.stock_left = stock, stock - redeemed

    @invariant()
    def balances_ledgers_stock_and_eligibility_match_the_model(self) -> None:
        if not self.material:
            return
        reward = self.api.get(f"/rewards/{self.material}").json()
        assert (reward["stock"], reward["redeemed"]) == (self.model.stock, self.model.stock - self.model.stock_left)
        for member in MEMBERS:
            points = self.api.get(f"/customers/{member}").json()["points"]
            assert points["balance"] == self.model.balance[member]
            assert points["balance"] == sum(e["points"] for e in self.ledger(member))
            listed = self.api.get(f"/customers/{member}/rewards").json()["data"]
            eligible = {entry["reward"]["id"]: entry for entry in listed}
            assert (self.material in eligible) == (self.model.vip[member] and self.model.stock_left > 0)
            if self.material in eligible:
                assert eligible[self.material]["affordable"] == (self.model.balance[member] >= COST)
            mine = self.api.get(f"/customers/{member}/rewards/redemptions", query={"limit": "100"}).json()["data"]
            expected = {r.redemption_id: r.cancelled for r in self.model.redemptions if r.member == member}
            assert {r["id"]: r["status"] == "cancelled" for r in mine} == expected

    def ledger(self, member: str) -> list[dict[str, Any]]:
        page = self.api.get(f"/customers/{member}/transactions", query={"limit": "100"}).json()
        entries: list[dict[str, Any]] = page["data"]
        assert not page["has_more"]
        return entries


def test_redeem_cancel_and_eligibility_follow_the_model() -> None:
    run_state_machine_as_test(RedemptionsMachine, settings=stateful_settings(max_examples=10, steps=15))
