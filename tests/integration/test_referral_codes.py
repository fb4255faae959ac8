"""Referral codes: every customer has one (short, unique per application, stable), and a referee is
linked by its referrer's code in POST /customers and PUT /customers/{source_id}."""

from __future__ import annotations

import re
from functools import partial

import pytest

from rewards_cli.gateway import HttpResponse
from shared.domain import customers as customers_domain
from shared.ids import REFERRAL_CODE_ALPHABET
from tests.integration.test_referrals import referral_campaign
from tests.support.api import ApiClient
from tests.support.campaigns import event
from tests.support.concurrency import fire_together

CODE = re.compile(rf"^[{REFERRAL_CODE_ALPHABET}]{{8}}$")


def code_of(api: ApiClient, source_id: str) -> str:
    code: str = api.get(f"/customers/{source_id}").json()["referral_code"]
    return code


def test_every_customer_has_a_short_unique_stable_code_however_it_was_created(api: ApiClient) -> None:
    api.put("/customers/by-put", {"name": "A"})
    api.post("/customers", {"source_id": "by-identify"})
    api.post("/events", event("by-event", "page_viewed"))
    api.post("/campaigns", referral_campaign())
    api.post("/events", event("by-ruled-event", "order_success", amount=10))
    codes = {s: code_of(api, s) for s in ("by-put", "by-identify", "by-event", "by-ruled-event")}
    assert all(CODE.match(code) for code in codes.values()), codes
    assert len(set(codes.values())) == len(codes)
    # stable: updates and events never change it
    api.put("/customers/by-put", {"name": "B", "tier": "GOLD"})
    api.post("/customers", {"source_id": "by-put", "metadata": {"plan": "pro"}})
    api.post("/events", event("by-put", "order_success", amount=300))
    assert code_of(api, "by-put") == codes["by-put"]


def test_a_referee_identified_with_a_referrers_code_makes_the_referrers_rule_progress(api: ApiClient) -> None:
    api.post("/campaigns", referral_campaign())
    api.post("/customers", {"source_id": "alice", "metadata": {"name": "Alice"}})
    code = code_of(api, "alice")
    bob = api.post("/customers", {"source_id": "bob", "metadata": {"name": "Bob"}, "referral_code": code})
    assert bob.status == 201, bob.body
    assert bob.json()["referred_by"] == "alice"
    assert bob.json()["referral_code"] != code  # bob's own code
    # carol types alice's code by hand: lower case, grouped, O for 0 and I for 1 are all the same code
    typed = f"{code[:4].lower()}-{code[4:]}".replace("0", "O").replace("1", "I")
    carol = api.put("/customers/carol", {"referral_code": typed})
    assert carol.status == 201, carol.body
    assert carol.json()["referred_by"] == "alice"

    api.post("/events/invoke", {"event_name": "order_success", "source_id": "bob", "metadata": {"amount": 300}})
    done = api.post(
        "/events/invoke", {"event_name": "order_success", "source_id": "carol", "metadata": {"amount": 250}}
    )
    assert sorted((r["source_id"], r["points"]) for r in done.json()["rewards"]) == [("alice", 500), ("carol", 50)]
    assert api.get("/customers/alice").json()["points"]["balance"] == 500


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_an_unknown_code_is_a_400_naming_referral_code_and_writes_nothing(api: ApiClient, method: str) -> None:
    api.post("/customers", {"source_id": "alice"})
    unknown = next(c for c in ("ZZZZZZZZ", "ZZZZZZZY") if c != code_of(api, "alice"))
    if method == "POST":
        response = api.post("/customers", {"source_id": "bob", "referral_code": unknown})
    else:
        response = api.put("/customers/bob", {"referral_code": unknown})
    assert response.status == 400
    assert response.json()["details"] == "referral_code: no customer has this referral code"
    assert api.get("/customers/bob").status == 404


def test_codes_belong_to_one_application(api: ApiClient, other_api: ApiClient) -> None:
    api.post("/customers", {"source_id": "alice"})
    response = other_api.post("/customers", {"source_id": "bob", "referral_code": code_of(api, "alice")})
    assert response.status == 400
    assert response.json()["details"] == "referral_code: no customer has this referral code"


def test_a_customer_cannot_use_its_own_code(api: ApiClient) -> None:
    api.post("/customers", {"source_id": "alice"})
    response = api.put("/customers/alice", {"referral_code": code_of(api, "alice")})
    assert response.status == 400
    assert response.json()["details"] == "referral_code: a customer cannot use its own referral code"
    assert api.get("/customers/alice").json()["referred_by"] is None


def test_the_referrer_is_set_once_by_code_or_by_source_id(api: ApiClient) -> None:
    for name in ("alice", "dave"):
        api.post("/customers", {"source_id": name})
    alice, dave = code_of(api, "alice"), code_of(api, "dave")
    assert api.put("/customers/bob", {"referred_by": "alice"}).status == 201
    assert api.post("/customers", {"source_id": "bob", "referral_code": alice}).status == 200  # the same: fine
    changed = api.post("/customers", {"source_id": "bob", "referral_code": dave})
    assert changed.status == 409
    assert changed.json()["details"] == "referral_code: customer bob was already referred by alice"
    assert api.put("/customers/bob", {"referred_by": "dave"}).status == 409
    assert api.get("/customers/bob").json()["referred_by"] == "alice"


def test_a_code_and_a_referred_by_that_disagree_are_a_400(api: ApiClient) -> None:
    for name in ("alice", "dave"):
        api.post("/customers", {"source_id": name})
    response = api.put("/customers/bob", {"referral_code": code_of(api, "alice"), "referred_by": "dave"})
    assert response.status == 400
    assert response.json()["details"] == "referral_code: belongs to customer alice, but referred_by names dave"
    agreeing = api.put("/customers/bob", {"referral_code": code_of(api, "alice"), "referred_by": "alice"})
    assert agreeing.status == 201


def test_a_code_already_taken_is_never_shared(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Codes are random: when a new one collides, the claim fails and the creation retries with another."""
    codes = iter(["AAAAAAAA", "AAAAAAAA", "BBBBBBBB", "AAAAAAAA", "CCCCCCCC", "DDDDDDDD"])
    monkeypatch.setattr(customers_domain, "new_referral_code", lambda: next(codes))
    api.post("/customers", {"source_id": "first"})
    api.put("/customers/second", {"name": "Second"})
    api.post("/events", event("third", "page_viewed"))
    assert [code_of(api, s) for s in ("first", "second", "third")] == ["AAAAAAAA", "BBBBBBBB", "CCCCCCCC"]
    bob = api.post("/customers", {"source_id": "bob", "referral_code": "AAAAAAAA"}).json()
    assert bob["referred_by"] == "first"


def test_concurrent_first_identifies_create_one_customer_with_one_code(api: ApiClient) -> None:
    def identify(index: int) -> HttpResponse:
        return api.post("/customers", {"source_id": "same", "metadata": {f"k{index}": index}})

    answers = fire_together([partial(identify, i) for i in range(6)])
    assert sorted(a.status for a in answers) == [200] * 5 + [201]
    customer = api.get("/customers/same").json()
    assert len({a.json()["id"] for a in answers}) == 1
    assert {a.json()["referral_code"] for a in answers} == {customer["referral_code"]}
    assert customer["attributes"] == {f"k{i}": i for i in range(6)}  # every merge landed
