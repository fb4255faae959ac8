"""Model-based test of customers and Idempotency-Key (tests/support/stateful.py).

Hypothesis drives random sequences of upserts (random subsets of fields, ``null`` removing a field,
referrals), reads and keyed retries by two applications over one table, and checks every answer and,
after every step, the stored customers against an in-memory model:

- an upsert changes exactly the fields it names (``null`` removes), keeps the customer's id and
  creation time, and ``referred_by`` is set once (a customer cannot refer itself);
- a customer is visible only to the application that created it;
- the same Idempotency-Key with the same request replays the first response and changes nothing; with
  another request it is a 409 and changes nothing.

``STATEFUL_EXAMPLES`` / ``STATEFUL_STEPS`` scale the run up (CI: 25 examples of up to 20 steps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test

from rewards_cli.gateway import HttpResponse
from tests.support.stateful import ApiStateMachine, stateful_settings

SOURCE_IDS = ["KMN@123", "ana maria", "üser/7"]  # the path encodes '@', ' ', 'ü' and '/'
KEYS = ["key-1", "key-2"]
EMPTY: dict[str, Any] = {"tags": [], "attributes": {}}
PROFILE_FIELDS = ("name", "email", "phone", "tags", "enrolled_at", "tier", "brand", "attributes")

# Text the text rules accept (README, "Input limits"): refused text is covered by test_hostile_input.py.
readable = st.characters(
    codec="utf-8", exclude_categories=["Cc", "Cs", "Co", "Cn", "Zl", "Zp"], exclude_characters="\ufffd"
)
labels = st.sampled_from(["GOLD", "SILVER", "brand-1", "cohortA", "vip", "ünï"])
field_values: dict[str, st.SearchStrategy[Any]] = {
    "name": st.text(readable, min_size=1, max_size=20).filter(str.strip),
    "email": st.sampled_from(["k@example.com", "ana.maria@shop.co.in"]),
    "phone": st.sampled_from(["+91 98765 43210", "555-0100"]),
    "tags": st.lists(labels, max_size=3),
    "enrolled_at": st.sampled_from(["2022-01-05T10:00:00Z", "2023-06-30T23:59:59Z"]),
    "tier": labels,
    "brand": labels,
    "attributes": st.dictionaries(
        st.sampled_from(["city", "age", "plan.v2"]),
        st.one_of(
            st.text(readable | st.sampled_from("\n\t"), max_size=10),
            st.integers(-(10**9), 10**9),
            st.booleans(),
            st.lists(st.text(readable, max_size=5), max_size=3),
            st.none(),
        ),
        max_size=3,
    ),
    "referred_by": st.sampled_from(SOURCE_IDS),
}
# A random subset of the fields, each with a value or null (which removes it).
upserts = st.fixed_dictionaries({}, optional={name: st.none() | values for name, values in field_values.items()})


@dataclass
class Customer:
    id: str
    created_at: str
    referral_code: str  # given at creation, then never changes
    fields: dict[str, Any] = field(default_factory=dict)
    referred_by: str | None = None

    def view(self, source_id: str) -> dict[str, Any]:
        """The response body, but ``updated_at``."""
        return {
            "object": "customer",
            "id": self.id,
            "source_id": source_id,
            **{name: self.fields.get(name, EMPTY.get(name)) for name in PROFILE_FIELDS},
            "referred_by": self.referred_by,
            "referral_code": self.referral_code,
            "points": {"balance": 0, "pending": 0, "earned": 0, "redeemed": 0, "expired": 0, "expiring": []},
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Stored:
    """What an Idempotency-Key remembers: the request it was first used with, and the response."""

    request: tuple[str, Any]
    status: int
    body: Any


def path(source_id: str) -> str:
    return f"/customers/{quote(source_id, safe='')}"


def without_updated_at(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "updated_at"}


class CustomersMachine(ApiStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, dict[str, Customer]] = {name: {} for name in self.clients}
        self.keys: dict[str, dict[str, Stored]] = {name: {} for name in self.clients}
        self.touched: set[str] = set()
        self.last_keyed: tuple[str, str, dict[str, Any], str] | None = None

    # -------------------------------------------------------------- rules

    @rule(app=st.sampled_from(["a", "b"]), source_id=st.sampled_from(SOURCE_IDS), body=upserts)
    def upsert(self, app: str, source_id: str, body: dict[str, Any]) -> None:
        response = self.clients[app].put(path(source_id), body)
        self.expect_upsert(app, source_id, body, response)

    @rule(
        app=st.sampled_from(["a", "b"]),
        source_id=st.sampled_from(SOURCE_IDS),
        body=upserts,
        key=st.sampled_from(KEYS),
    )
    def upsert_with_key(self, app: str, source_id: str, body: dict[str, Any], key: str) -> None:
        self.last_keyed = (app, source_id, body, key)
        response = self.clients[app].put(path(source_id), body, headers={"Idempotency-Key": key})
        stored = self.keys[app].get(key)
        if stored is None:
            self.expect_upsert(app, source_id, body, response)
            if response.status < 300:  # a refused request (4xx) releases its key: it changed nothing
                self.keys[app][key] = Stored((source_id, body), response.status, response.json())
        elif stored.request == (source_id, body):
            event("idempotency: replayed")
            assert (response.status, response.json()) == (stored.status, stored.body), "not the first response"
            assert response.header("Idempotent-Replayed") == "true"
        else:
            event("idempotency: key reused with another request")
            assert response.status == 409, response.body
            assert response.json()["message"] == "Idempotency-Key reused"
        self.touched.add(source_id)

    @precondition(lambda self: self.last_keyed is not None)
    @rule()
    def retry_the_last_keyed_upsert(self) -> None:
        """A client that did not get the answer sends the same request again."""
        assert self.last_keyed is not None
        self.upsert_with_key(*self.last_keyed)

    @rule(app=st.sampled_from(["a", "b"]), source_id=st.sampled_from(SOURCE_IDS))
    def get(self, app: str, source_id: str) -> None:
        self.check(app, source_id)

    # -------------------------------------------------------------- the model

    def expect_upsert(self, app: str, source_id: str, body: dict[str, Any], response: HttpResponse) -> None:
        self.touched.add(source_id)
        customer = self.customers[app].get(source_id)
        referrer = body.get("referred_by")
        if "referred_by" in body and referrer == source_id:
            event("upsert: self-referral refused")
            assert response.status == 400, response.body
            assert response.json()["details"] == "referred_by: a customer cannot refer itself"
            return
        if "referred_by" in body and customer is not None and customer.referred_by not in (None, referrer):
            event("upsert: referrer change refused")
            assert response.status == 409, response.body
            assert response.json()["message"] == "Referrer already set"
            return
        event(f"upsert: {'updated' if customer else 'created'}, {sum(v is None for v in body.values())} removals")
        assert response.status == (200 if customer else 201), response.body
        answer = response.json()
        if customer is None:
            customer = self.customers[app][source_id] = Customer(
                answer["id"], answer["created_at"], answer["referral_code"]
            )
        for name, value in body.items():
            if name == "referred_by":
                customer.referred_by = value or customer.referred_by
            elif value is None:
                customer.fields.pop(name, None)
            else:
                customer.fields[name] = value
        assert without_updated_at(answer) == customer.view(source_id)

    def check(self, app: str, source_id: str) -> None:
        response = self.clients[app].get(path(source_id))
        customer = self.customers[app].get(source_id)
        if customer is None:
            assert response.status == 404, f"application {app} sees {source_id}: {response.body!r}"
            assert response.json()["details"] == f"Cannot find customer with source id {source_id}"
        else:
            assert response.status == 200, response.body
            assert without_updated_at(response.json()) == customer.view(source_id)

    @invariant()
    def the_store_matches_the_model(self) -> None:
        # every application sees exactly its own customers, checked where the last step wrote
        for source_id in self.touched:
            for app in self.clients:
                self.check(app, source_id)
        self.touched.clear()

    @invariant()
    def tenants_never_share_a_customer(self) -> None:
        ids = [c.id for customers in self.customers.values() for c in customers.values()]
        assert len(ids) == len(set(ids)), ids
        for customers in self.customers.values():
            codes = [c.referral_code for c in customers.values()]
            assert len(codes) == len(set(codes)), codes


def test_customers_and_idempotency_keys_follow_the_model() -> None:
    run_state_machine_as_test(CustomersMachine, settings=stateful_settings())
