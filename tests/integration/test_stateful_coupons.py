"""Model-based test of redeem and revert (tests/support/stateful.py).

Hypothesis sends random sequences of redeems and reverts of a limited fixed-code coupon and of a pool
coupon, for two customers and a few orders, right and wrong (a revert of an order never redeemed, by
another customer, twice, naming another code; a redeem of an order already redeemed, by another customer
or with another code, of a pool code already used), and checks after every step that:

- each answer is the one the model expects (the seed's bodies and error messages);
- the coupon's use count, the pool's counts and the redemption records equal the model's;
- a use is consumed only within the total and per-customer limits, and a revert gives it back once;
- the total limit, raised, lowered (never below the uses: 409) or removed meanwhile, holds as changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test

from tests.support.coupons import order_body
from tests.support.stateful import ApiStateMachine, stateful_settings

CUSTOMERS = ["c-1", "c-2"]
ORDERS = ["o-1", "o-2", "o-3", "o-4"]
POOL_CODES = ["P-1", "P-2", "P-3"]
LIMIT, PER_CUSTOMER = 3, 2


@dataclass
class Redemption:
    customer: str
    code: str
    completed: bool = True


@dataclass
class CouponModel:
    redemptions: dict[str, Redemption] = field(default_factory=dict)  # by order

    def uses(self, customer: str | None = None) -> int:
        return sum(1 for r in self.redemptions.values() if r.completed and customer in (None, r.customer))

    def code_in_use(self, code: str) -> bool:
        return any(r.completed and r.code == code for r in self.redemptions.values())


class CouponsMachine(ApiStateMachine):
    APPLICATIONS = ("a",)

    def __init__(self) -> None:
        super().__init__()
        self.api = self.clients["a"]
        self.models = {"fixed": CouponModel(), "pool": CouponModel()}
        self.ids: dict[str, str] = {}
        self.limit: int | None = LIMIT  # the fixed coupon's

    @initialize()
    def create_coupons(self) -> None:
        for customer in CUSTOMERS:
            assert self.api.put(f"/customers/{customer}", {"name": customer}).status == 201
        fixed = {"coupon_code": "LIMITED", "discount": {"type": "amount", "value": 10}, "usage_limit": LIMIT,
                 "usage_limit_per_customer": PER_CUSTOMER}  # fmt: skip
        self.ids["fixed"] = self.api.post("/coupons", fixed).json()["coupon_id"]
        self.ids["pool"] = self.api.post("/coupons", {"discount": {"type": "percent", "value": 5}}).json()["coupon_id"]
        assert self.api.post(f"/coupons/{self.ids['pool']}/codes", {"codes": POOL_CODES}).status == 200

    def body(self, kind: str, code: str, customer: str, order: str) -> dict[str, Any]:
        return order_body(self.ids[kind], code if kind == "pool" else "LIMITED", source_id=customer, order_id=order)

    @rule(
        kind=st.sampled_from(["fixed", "pool"]),
        code=st.sampled_from(POOL_CODES),
        customer=st.sampled_from(CUSTOMERS),
        order=st.sampled_from(ORDERS),
    )
    def redeem(self, kind: str, code: str, customer: str, order: str) -> None:
        model = self.models[kind]
        response = self.api.post("/coupons/apply?type=redeem", self.body(kind, code, customer, order))
        existing = model.redemptions.get(order)
        used = code if kind == "pool" else "LIMITED"
        if existing is not None and (existing.customer != customer or (existing.completed and existing.code != used)):
            # an order id names one order: another customer's, or another code of it, is a conflict
            field = "source_id" if existing.customer != customer else "coupon_code"
            assert response.status == 409, response.body
            assert response.json()["details"].startswith(field), response.body
            return
        if existing is not None and existing.completed:
            assert response.status == 200, response.body
            assert response.json()["status"] == "completed"
            return
        refusals = []
        if kind == "fixed":
            if model.uses(customer) >= PER_CUSTOMER:
                refusals.append("usage limit per customer reached")
            if self.limit is not None and model.uses() >= self.limit:
                refusals.append("coupon usage limit reached")
        elif model.code_in_use(code):
            refusals.append("coupon_code was already redeemed")
        if refusals:
            assert response.status == 400, response.body
            assert (response.json()["message"], response.json()["details"]) == (
                "coupon validation failed",
                "; ".join(refusals),
            )
            return
        assert response.status == 200, response.body
        assert response.json()["request_id"] == response.header("x-request-id")
        model.redemptions[order] = Redemption(customer, code if kind == "pool" else "LIMITED")

    @rule(
        kind=st.sampled_from(["fixed", "pool"]),
        code=st.sampled_from(POOL_CODES),
        customer=st.sampled_from(CUSTOMERS),
        order=st.sampled_from(ORDERS),
    )
    def revert(self, kind: str, code: str, customer: str, order: str) -> None:
        model = self.models[kind]
        response = self.api.post("/coupons/apply?type=revert", self.body(kind, code, customer, order))
        existing = model.redemptions.get(order)
        if existing is None:
            assert response.status == 400, response.body
            assert response.json()["message"] == "Redemption not found"
        elif existing.customer != customer:
            assert response.status == 400, response.body
            assert response.json()["details"] == "Invalid source_id"
        elif kind == "pool" and existing.code != code:
            assert response.status == 400, response.body  # not the code this order used: nothing moves
            assert response.json()["message"] == "Invalid coupon code for this order"
        else:
            assert response.status == 200, response.body
            assert response.json()["status"] == "reverted"
            existing.completed = False

    @rule(limit=st.none() | st.integers(1, LIMIT + 2))
    def change_the_limit(self, limit: int | None) -> None:
        response = self.api.patch(f"/coupons/{self.ids['fixed']}", {"usage_limit": limit})
        uses = self.models["fixed"].uses()
        if limit is not None and limit < uses:
            assert response.status == 409, response.body
            assert response.json()["message"] == "Usage limit below uses"
            return
        assert response.status == 200, response.body
        assert (response.json()["usage_limit"], response.json()["redeemed"]) == (limit, uses)
        self.limit = limit

    @invariant()
    def counts_and_records_match_the_model(self) -> None:
        if not self.ids:
            return
        for kind, model in self.models.items():
            coupon = self.api.get(f"/coupons/{self.ids[kind]}").json()
            assert coupon["redeemed"] == model.uses(), (kind, coupon)
            records = self.api.get(f"/coupons/{self.ids[kind]}/redemptions", query={"limit": "100"}).json()["data"]
            seen = {r["order_id"]: (r["source_id"], r["status"]) for r in records}
            expected = {
                order: (r.customer, "completed" if r.completed else "reverted")
                for order, r in model.redemptions.items()
            }
            assert seen == expected, kind
        assert self.limit is None or self.models["fixed"].uses() <= self.limit
        for customer in CUSTOMERS:
            assert self.models["fixed"].uses(customer) <= PER_CUSTOMER


def test_redeem_and_revert_by_right_and_wrong_orders() -> None:
    run_state_machine_as_test(CouponsMachine, settings=stateful_settings(max_examples=10, steps=20))
