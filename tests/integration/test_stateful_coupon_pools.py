"""Model-based test of a coupon pool and every route that moves one of its codes (tests/support/stateful.py).

Hypothesis imports codes (again, in other cases, with duplicates), redeems them on orders by any
customer (reusing order ids, with another code or another order payload), reverts orders naming any code
of the pool, hands codes out through a CAMPAIGN reward and a campaign rule's grant, and cancels those
reward redemptions, in random order. After every step:

- each answer is the one the model expects (an order id already used by another customer, code or
  payload is a 409; a revert naming a code its order did not use is a 400, and moves nothing);
- every code's stored state (available, issued, redeemed, voided), holder and order agree with the model,
  with the holder's own copy of the code, with the coupon's redemption records and the customer's uses;
- the pool's counts are the codes' states: ``available + issued + redeemed + voided = total``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test

from shared.storage import dynamodb, keys
from tests.support.coupons import order_body
from tests.support.stateful import ApiStateMachine, stateful_settings

CUSTOMERS = ["c-1", "c-2", "c-3"]
ORDERS = ["o-1", "o-2", "o-3"]
CODES = ["P-1", "P-2", "P-3", "P-4", "P-5"]
FIRST_IMPORT = CODES[:3]
SUBTOTALS = [800, 900]
State = Literal["available", "issued", "redeemed", "voided"]


@dataclass
class Code:
    state: State = "available"
    holder: str | None = None  # the customer the engine handed it to (kept through redeem and revert)
    order: str | None = None  # the order that redeemed it


@dataclass
class Order:
    customer: str
    code: str
    subtotal: int
    request_id: str
    completed: bool = True
    revert_request_id: str | None = None


@dataclass
class RewardRedemption:
    redemption_id: str
    customer: str
    code: str
    cancelled: bool = False


class CouponPoolMachine(ApiStateMachine):
    APPLICATIONS = ("a",)

    def __init__(self) -> None:
        super().__init__()
        self.api = self.clients["a"]
        self.coupon_id = self.reward_id = ""
        self.pool: list[str] = []  # import order: the engine hands codes out in it
        self.next_seq = 0  # the engine's next code to hand out (it moves past codes it finds used)
        self.codes: dict[str, Code] = {}  # by the code in upper case
        self.orders: dict[str, Order] = {}
        self.rewards: list[RewardRedemption] = []
        self.granted: set[str] = set()

    @initialize()
    def set_up(self) -> None:
        for customer in CUSTOMERS:
            assert self.api.put(f"/customers/{customer}", {"name": customer}).status == 201
        created = self.api.post("/coupons", {"discount": {"type": "percent", "value": 10}})
        self.coupon_id = created.json()["coupon_id"]
        reward = {"name": "Pool code", "type": "CAMPAIGN", "parameters": {"campaign": {"id": self.coupon_id}}}
        self.reward_id = self.api.post("/rewards", reward).json()["id"]
        gift = {"rule_name": "Gift", "action_type": "RTA", "actions": [{"event_name": "gift", "target": 1}],
                "reward": {"type": "coupon", "coupon_id": self.coupon_id}}  # fmt: skip
        assert self.api.post("/campaigns", {"campaign_name": "Gift", "rules": [gift]}).status == 201
        self.import_codes(FIRST_IMPORT)

    # ------------------------------------------------------------------------------ rules

    @rule(codes=st.lists(st.sampled_from(CODES + [c.lower() for c in CODES]), min_size=1, max_size=4))
    def import_codes(self, codes: list[str]) -> None:
        response = self.api.post(f"/coupons/{self.coupon_id}/codes", {"codes": codes})
        if len({c.upper() for c in codes}) < len(codes):
            assert response.status == 400, response.body
            assert "duplicate codes" in response.json()["details"]
            return
        assert response.status == 200, response.body
        new = [c for c in codes if c.upper() not in self.codes]
        assert (response.json()["created"], response.json()["already_in_pool"]) == (len(new), len(codes) - len(new))
        for code in new:
            self.pool.append(code.upper())
            self.codes[code.upper()] = Code()

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        code=st.sampled_from(CODES),
        order=st.sampled_from(ORDERS),
        subtotal=st.sampled_from(SUBTOTALS),
    )
    def redeem(self, customer: str, code: str, order: str, subtotal: int) -> None:
        body = order_body(self.coupon_id, code, source_id=customer, order_id=order, subtotal=subtotal)
        response = self.api.post("/coupons/apply?type=redeem", body)
        existing = self.orders.get(order)
        if existing is not None and existing.completed:
            if (existing.customer, existing.code, existing.subtotal) == (customer, code, subtotal):
                assert response.status == 200, response.body
                assert response.json()["request_id"] == existing.request_id  # the first result, replayed
                return
            field = (
                "source_id" if existing.customer != customer else "coupon_code" if existing.code != code else "order"
            )
            assert response.status == 409, response.body
            assert response.json()["details"].startswith(field), response.body
            return
        if existing is not None and existing.customer != customer:
            assert response.status == 409, response.body  # the order is another customer's
            assert response.json()["details"].startswith("source_id"), response.body
            return
        state = self.codes.get(code)
        if state is None:
            assert response.status == 400, response.body
            assert response.json()["message"] == "Invalid coupon code or coupon id"
            return
        refusal = {
            "redeemed": "coupon_code was already redeemed",
            "voided": "coupon_code was voided",
            "issued": None if state.holder == customer else "coupon_code was issued to another customer",
        }.get(state.state)
        if refusal is not None:
            assert response.status == 400, response.body
            assert response.json()["details"] == refusal
            return
        assert response.status == 200, response.body
        self.orders[order] = Order(customer, code, subtotal, response.json()["request_id"])
        state.state, state.order = "redeemed", order

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        code=st.sampled_from(CODES),
        order=st.sampled_from(ORDERS),
        own=st.booleans(),
    )
    def revert(self, customer: str, code: str, order: str, own: bool) -> None:
        existing = self.orders.get(order)
        if own and existing is not None:
            customer = existing.customer  # the order's own customer, naming any code of the pool
        body = order_body(self.coupon_id, code, source_id=customer, order_id=order)
        response = self.api.post("/coupons/apply?type=revert", body)
        if code not in self.codes:
            assert response.status == 400, response.body
            assert response.json()["message"] == "Invalid coupon code or coupon id"
        elif existing is None:
            assert response.status == 400, response.body
            assert response.json()["message"] == "Redemption not found"
        elif existing.customer != customer:
            assert response.status == 400, response.body
            assert response.json()["details"] == "Invalid source_id"
        elif existing.code != code:
            assert response.status == 400, response.body  # a code this order did not use: nothing moves
            assert response.json()["details"].startswith("coupon_code"), response.body
        elif not existing.completed:
            assert response.status == 200, response.body
            assert response.json()["request_id"] == existing.revert_request_id  # the first revert, replayed
        else:
            assert response.status == 200, response.body
            assert response.json()["status"] == "reverted"
            existing.completed, existing.revert_request_id = False, response.json()["request_id"]
            state = self.codes[code]
            state.state, state.order = ("issued" if state.holder else "available"), None

    @rule(customer=st.sampled_from(CUSTOMERS))
    def redeem_reward(self, customer: str) -> None:
        response = self.api.post(f"/customers/{customer}/rewards/{self.reward_id}/redeem", {})
        handed = self.hand_out(customer, response.json()["issued"]["code"] if response.status == 201 else None)
        if handed:
            self.rewards.append(RewardRedemption(response.json()["id"], customer, handed))
        else:
            assert response.status == 409, response.body
            assert response.json()["details"] == "the reward's coupon pool is exhausted"

    @rule(customer=st.sampled_from(CUSTOMERS))
    def grant(self, customer: str) -> None:
        response = self.api.post("/events", {"source_id": customer, "event_name": "gift", "properties": {}})
        assert response.status == 200, response.body
        if customer in self.granted:
            assert response.json()["rewards"] == []  # the rule is complete: nothing more
            return
        self.granted.add(customer)
        (granted,) = response.json()["rewards"]
        self.hand_out(customer, granted["coupon_code"])

    @rule(index=st.integers(0, 20))
    def cancel_reward(self, index: int) -> None:
        if not self.rewards:
            return
        redemption = self.rewards[index % len(self.rewards)]
        path = f"/customers/{redemption.customer}/rewards/redemptions/{redemption.redemption_id}/cancel"
        response = self.api.post(path)
        state = self.codes[redemption.code]
        if redemption.cancelled:
            assert response.status == 409, response.body
            assert response.json()["message"] == "Redemption already cancelled"
        elif state.state == "redeemed":
            assert response.status == 409, response.body
            assert response.json()["message"] == "Coupon already used"
        else:
            assert response.status == 200, response.body
            redemption.cancelled = True
            state.state = "voided"

    def hand_out(self, customer: str, code: str | None) -> str | None:
        """The code the engine hands out is the first available one from its position on (None: none left)."""
        ahead = [c for c in self.pool[self.next_seq :] if self.codes[c].state == "available"]
        expected = ahead[0] if ahead else None
        assert (code.upper() if code else None) == expected, (code, self.pool[self.next_seq :])
        if expected is None:
            self.next_seq = len(self.pool)
            return None
        self.next_seq = self.pool.index(expected) + 1
        self.codes[expected] = Code("issued", customer)
        return expected

    # ------------------------------------------------------------------------------ invariants

    @invariant()
    def every_code_agrees_with_its_holder_its_order_and_the_model(self) -> None:
        if not self.coupon_id:
            return
        app_id = self.api.credentials.app_id
        code_keys = {code: keys.coupon_code(app_id, code) for code in self.codes}
        held_keys = {
            code: keys.customer_coupon_code(app_id, state.holder, self.coupon_id, code)
            for code, state in self.codes.items()
            if state.holder is not None
        }
        uses_keys = {customer: keys.customer_coupon(app_id, customer, self.coupon_id) for customer in CUSTOMERS}
        found = dynamodb.batch_get([*code_keys.values(), *held_keys.values(), *uses_keys.values()])
        stored = {(item[keys.PK], item[keys.SK]): item for item in found}

        def at(key: dict[str, str]) -> dict[str, Any]:
            return stored.get((key[keys.PK], key[keys.SK]), {})

        for code, expected in self.codes.items():
            item = at(code_keys[code])
            seen = (item.get("status"), item.get("holder"), item.get("order_id"))
            assert seen == (expected.state, expected.holder, expected.order), code
            if code in held_keys:
                assert at(held_keys[code]).get("status") == expected.state, code
        for customer in CUSTOMERS:
            uses = int(at(uses_keys[customer]).get("uses", 0))
            assert uses == sum(o.completed and o.customer == customer for o in self.orders.values()), customer
            listed = self.api.get(f"/customers/{customer}/coupons", query={"limit": "100"}).json()["data"]
            shown = {"issued": "available", "redeemed": "redeemed", "voided": "voided"}
            held_codes = {c: shown[s.state] for c, s in self.codes.items() if s.holder == customer}
            assert {entry["coupon_code"].upper(): entry["state"] for entry in listed} == held_codes, customer

    @invariant()
    def redemption_records_are_the_models_orders(self) -> None:
        if not self.coupon_id:
            return
        page = self.api.get(f"/coupons/{self.coupon_id}/redemptions", query={"limit": "100"}).json()
        seen = {r["order_id"]: (r["source_id"], r["coupon_code"].upper(), r["status"]) for r in page["data"]}
        expected = {
            order_id: (o.customer, o.code, "completed" if o.completed else "reverted")
            for order_id, o in self.orders.items()
        }
        assert seen == expected
        redeemed = {c: s.order for c, s in self.codes.items() if s.state == "redeemed"}
        assert redeemed == {o.code: order_id for order_id, o in self.orders.items() if o.completed}

    @invariant()
    def the_pools_counts_are_the_codes_states(self) -> None:
        if not self.coupon_id:
            return
        counts = self.api.get(f"/coupons/{self.coupon_id}").json()["codes"]
        states = [c.state for c in self.codes.values()]
        expected: dict[str, Any] = {state: states.count(state) for state in ("available", "issued", "redeemed")}
        expected |= {"voided": states.count("voided"), "total": len(states)}
        assert counts == expected
        assert counts["available"] + counts["issued"] + counts["redeemed"] + counts["voided"] == counts["total"]


def test_a_coupon_pool_follows_the_model_through_every_route_that_moves_a_code() -> None:
    run_state_machine_as_test(CouponPoolMachine, settings=stateful_settings(max_examples=12, steps=25))
