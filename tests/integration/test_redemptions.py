"""Redeeming rewards with points and cancelling redemptions through the API: the debit and its ledger
entry with the custom transaction attributes, each refusal a clear 4xx that changes nothing,
Idempotency-Key, and cancel giving points and stock back exactly once."""

from __future__ import annotations

import random
import re
import time
from decimal import Decimal
from typing import Any

import pytest

from rewards_cli.outbox import local_client
from rewards_cli.template import read_document
from shared import clock
from shared.domain import redemptions as redemptions_domain
from shared.storage import allowance, dynamodb, keys
from shared.storage import redemptions as stored_redemptions
from shared.storage import rewards as stored_rewards
from tests.support.api import ApiClient, Credentials
from tests.support.faults import FaultPlan, injecting_faults
from tests.support.point_lots import credit
from tests.support.rewards import SEED_001_RULES, balance, create_reward, customer_path, give_points, ledger_sum

HEADPHONES: dict[str, Any] = {
    "name": "Headphones",
    "type": "MATERIAL",
    "parameters": {"product": {"id": "prod_3ttSkdxGuAfcv3"}},
    "stock": 2,
    "points_to_be_redeemed": 500,
    "custom_transaction_attributes": [
        {"attribute_id": "source_of_redemption", "attribute_name": "Source Of Redemption", "attribute_type": "Text",
         "is_attribute_mandatory": True},
        {"attribute_id": "store_number", "attribute_name": "Store", "attribute_type": "Number"},
        {"attribute_id": "gift", "attribute_name": "Gift", "attribute_type": "Boolean"},
        {"attribute_id": "visit", "attribute_name": "Visit", "attribute_type": "Date"},
    ],
}  # fmt: skip
ATTRIBUTES = {"custom_transaction_attributes": {"source_of_redemption": "mobile app", "store_number": 12}}


def redeem(api: ApiClient, source_id: str, reward_id: str, body: Any = None, **kwargs: Any) -> Any:
    return api.post(
        f"{customer_path(source_id)}/rewards/{reward_id}/redeem", ATTRIBUTES if body is None else body, **kwargs
    )


def state(api: ApiClient, source_id: str, reward_id: str) -> dict[str, Any]:
    """Everything a redemption changes, as the API shows it."""
    return {
        "customer": api.get(customer_path(source_id)).json()["points"],
        "ledger": api.get(f"{customer_path(source_id)}/transactions").json()["data"],
        "reward": api.get(f"/rewards/{reward_id}").json(),
        "redemptions": api.get(f"{customer_path(source_id)}/rewards/redemptions").json()["data"],
    }


@pytest.fixture
def kim(api: ApiClient) -> str:
    api.put(customer_path("kim"), {"tags": ["cohortA"], "enrolled_at": "2022-05-01T00:00:00Z"})
    give_points(api, "kim", 1200)
    return "kim"


def test_redeeming_debits_the_ledger_with_the_attributes_and_takes_one_from_stock(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, HEADPHONES)
    response = redeem(api, kim, reward_id)
    assert response.status == 201, response.body
    redemption = response.json()
    assert re.fullmatch(r"red_[A-Za-z0-9]{21}", redemption["id"])
    assert (redemption["status"], redemption["points"], redemption["reward_id"]) == ("completed", 500, reward_id)
    assert redemption["custom_transaction_attributes"] == ATTRIBUTES["custom_transaction_attributes"]
    assert redemption["issued"] == {
        "product_id": "prod_3ttSkdxGuAfcv3",
        "coupon_id": None,
        "code": None,
        "amount": None,
    }
    debit = api.get(f"{customer_path(kim)}/transactions").json()["data"][0]
    assert debit["id"] == redemption["transaction_id"]
    assert debit["id"].startswith("txn_")
    assert debit["description"] == "Redeemed Headphones"
    assert (debit["points"], debit["balance_after"], debit["reason"]) == (-500, 700, "reward_redemption")
    assert (debit["reward_id"], debit["redemption_id"]) == (reward_id, redemption["id"])
    assert debit["attributes"] == {"source_of_redemption": "mobile app", "store_number": 12}
    assert api.get(customer_path(kim)).json()["points"] == {
        "balance": 700,
        "earned": 1200,
        "redeemed": 500,
        "pending": 0,
        "expired": 0,
        "expiring": [],
    }
    reward = api.get(f"/rewards/{reward_id}").json()
    assert (reward["stock"], reward["redeemed"]) == (2, 1)
    assert api.get(f"{customer_path(kim)}/rewards/redemptions").json()["data"] == [redemption]


@pytest.mark.parametrize(
    ("change", "body", "status", "details"),
    [
        ({"is_active": False}, None, 409, "the reward is inactive"),
        ({"start_time": "2099-01-01T00:00:00Z"}, None, 409, "the reward starts at"),
        ({"end_time": "2021-01-01T00:00:00Z"}, None, 409, "the reward ended at"),
        ({"stock": 0}, None, 409, "the reward is out of stock"),
        ({"points_to_be_redeemed": 1201}, None, 409, "1 more points needed: the balance is 1200, the cost 1201"),
        ({"member_eligibility_rules": [{**SEED_001_RULES[1], "include_in_api_response": True}]}, None, 409,
         "member_eligibility_rules.0.conditions.0: missing tags cohortC, cohortD"),
        ({}, {}, 400, "custom_transaction_attributes.source_of_redemption is required (Source Of Redemption)"),
        ({}, {"custom_transaction_attributes": {"source_of_redemption": 5}}, 400,
         "source_of_redemption must be a text"),
        ({}, {"custom_transaction_attributes": {"source_of_redemption": "x", "store_number": "12"}}, 400,
         "store_number must be a number"),
        ({}, {"custom_transaction_attributes": {"source_of_redemption": "x", "gift": "yes"}}, 400,
         "gift must be true or false"),
        ({}, {"custom_transaction_attributes": {"source_of_redemption": "x", "visit": "soon"}}, 400,
         "visit must be an ISO date"),
        ({}, {"custom_transaction_attributes": {"source_of_redemption": "x", "visit": 20240501}}, 400,
         "visit must be an ISO date"),
        ({}, {"custom_transaction_attributes": {"source_of_redemption": "x", "colour": "red"}}, 400,
         "custom_transaction_attributes.colour is not an attribute of this reward"),
        ({}, {**ATTRIBUTES, "points": 10}, 400, "points: only COIN rewards take points"),
    ],
)  # fmt: skip
def test_each_refusal_is_a_clear_4xx_that_changes_nothing(
    api: ApiClient, kim: str, change: dict[str, Any], body: Any, status: int, details: str
) -> None:
    reward_id = create_reward(api, {**HEADPHONES, **change})
    before = state(api, kim, reward_id)
    response = redeem(api, kim, reward_id, body)
    assert response.status == status, response.body
    assert details in response.json()["details"]
    assert state(api, kim, reward_id) == before


def test_a_reward_unavailable_for_several_reasons_names_each(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "is_active": False, "stock": 0})
    refused = redeem(api, kim, reward_id)
    assert refused.status == 409, refused.body
    assert refused.json()["message"] == "Reward unavailable"
    assert refused.json()["details"] == "the reward is inactive; the reward is out of stock"


def test_a_member_no_rule_admits_is_told_each_rules_gap(api: ApiClient, kim: str) -> None:
    rule = {**SEED_001_RULES[1], "include_in_api_response": True}
    reward_id = create_reward(api, {**HEADPHONES, "member_eligibility_rules": [rule, rule]})
    refused = redeem(api, kim, reward_id)
    assert refused.status == 409, refused.body
    assert refused.json()["message"] == "Not eligible"
    gap = "missing tags cohortC, cohortD"
    assert refused.json()["details"] == (
        "no eligibility rule of the reward holds for this member: "
        f"member_eligibility_rules.0.conditions.0: {gap}; member_eligibility_rules.1.conditions.0: {gap}"
    )


def test_attribute_problems_are_all_named_up_to_five(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, HEADPHONES)
    unknown = {f"extra{n}": "x" for n in range(6)}
    refused = redeem(api, kim, reward_id, {"custom_transaction_attributes": {"source_of_redemption": "x", **unknown}})
    assert refused.status == 400, refused.body
    assert refused.json()["details"] == "; ".join(
        f"custom_transaction_attributes.extra{n} is not an attribute of this reward" for n in range(5)
    )


def test_a_free_reward_is_redeemed_without_a_ledger_entry(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "points_to_be_redeemed": 0})
    ledger = api.get(f"{customer_path(kim)}/transactions").json()["data"]
    redeemed = redeem(api, kim, reward_id)
    assert redeemed.status == 201, redeemed.body
    assert (redeemed.json()["points"], redeemed.json()["transaction_id"]) == (0, None)
    assert api.get(f"{customer_path(kim)}/transactions").json()["data"] == ledger


def test_points_gone_between_the_check_and_the_debit_refuse_the_redemption(
    api: ApiClient, kim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "points_to_be_redeemed": 1201})
    before = state(api, kim, reward_id)
    # the check saw enough points (they expired, or another debit took them, right after it)
    monkeypatch.setattr(redemptions_domain, "_refuse_unless_redeemable", lambda view, cost: None)
    refused = redeem(api, kim, reward_id)
    assert refused.status == 409, refused.body
    assert refused.json()["message"] == "Insufficient points"
    assert refused.json()["details"] == "1 more points needed: the balance is 1200, the cost 1201"
    assert state(api, kim, reward_id) == before


def test_the_cost_is_inclusive_a_balance_equal_to_it_redeems(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "points_to_be_redeemed": 1200})
    assert redeem(api, kim, reward_id).status == 201
    assert balance(api, kim) == 0
    refused = redeem(api, kim, reward_id)
    assert refused.status == 409
    assert refused.json()["message"] == "Insufficient points"


def test_unknown_customer_and_reward_are_404(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, HEADPHONES)
    assert redeem(api, "nobody", reward_id).json()["details"] == "Cannot find customer with source id nobody"
    for unknown in ("rew_000000000000000000000", "camp_00000"):
        refused = redeem(api, kim, unknown)
        assert refused.status == 404
        assert refused.json()["details"] == f"Cannot find reward with id {unknown}"


def test_the_same_idempotency_key_redeems_once(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, HEADPHONES)
    first = redeem(api, kim, reward_id, headers={"Idempotency-Key": "order-1"})
    again = redeem(api, kim, reward_id, headers={"Idempotency-Key": "order-1"})
    assert (first.status, again.status) == (201, 201)
    assert again.json() == first.json()
    assert again.header("Idempotent-Replayed") == "true"
    assert balance(api, kim) == 700
    other = {"custom_transaction_attributes": {"source_of_redemption": "web"}}
    other_body = redeem(api, kim, reward_id, other, headers={"Idempotency-Key": "order-1"})
    assert other_body.status == 409
    assert balance(api, kim) == 700


def test_cancel_gives_points_and_stock_back_exactly_once(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, HEADPHONES)
    redemption = redeem(api, kim, reward_id).json()
    cancel_path = f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel"
    cancelled = api.post(cancel_path)
    assert cancelled.status == 200, cancelled.body
    body = cancelled.json()
    assert body["status"] == "cancelled"
    assert body["cancelled_at"] is not None
    credit = api.get(f"{customer_path(kim)}/transactions").json()["data"][0]
    assert credit["id"] == body["refund_transaction_id"]
    assert credit["id"].startswith("txn_")
    assert (credit["points"], credit["balance_after"], credit["reason"]) == (500, 1200, "redemption_cancelled")
    assert (credit["redemption_id"], credit["reward_id"]) == (redemption["id"], reward_id)
    assert credit["description"] == "Cancelled redemption of Headphones"
    assert api.get(customer_path(kim)).json()["points"] == {
        "balance": 1200,
        "earned": 1200,
        "redeemed": 0,
        "pending": 0,
        "expired": 0,
        "expiring": [],
    }
    assert api.get(f"/rewards/{reward_id}").json()["redeemed"] == 0
    assert balance(api, kim) == ledger_sum(api, kim)
    # exactly once
    again = api.post(cancel_path)
    assert again.status == 409
    assert again.json()["message"] == "Redemption already cancelled"
    assert again.json()["details"] == f"redemption {redemption['id']} was cancelled at {body['cancelled_at']}"
    assert balance(api, kim) == 1200
    assert api.get(f"{customer_path(kim)}/rewards/redemptions").json()["data"] == [body], "stored as answered"


def test_a_redemption_takes_every_declared_attribute_type(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "stock": 3, "points_to_be_redeemed": 100})
    for visit in ("2024-05-01", "2024-05-01T10:30:00+00:00", "20240501T10"):  # a date, or a date and time
        given = {"source_of_redemption": "kiosk", "store_number": 4.5, "gift": True, "visit": visit}
        response = redeem(api, kim, reward_id, {"custom_transaction_attributes": given})
        assert response.status == 201, response.body
        assert api.get(f"{customer_path(kim)}/transactions").json()["data"][0]["attributes"] == given


def test_a_cancel_whose_answer_was_lost_is_answered_on_a_retry_with_its_key(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, HEADPHONES)
    redemption = redeem(api, kim, reward_id).json()
    cancel_path = f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel"
    # Given the store applies the cancel but every answer to it is lost
    with injecting_faults() as faults:
        faults.inject(FaultPlan("lost_response", where=lambda call: call.operation == "TransactWriteItems"))
        lost = api.post(cancel_path, headers={"Idempotency-Key": "cancel-1"})
    assert lost.status == 503, lost.body
    # When the client retries with the same key, it gets the cancellation it made, refunded once
    retried = api.post(cancel_path, headers={"Idempotency-Key": "cancel-1"})
    assert retried.status == 200, retried.body
    assert retried.json()["status"] == "cancelled"
    assert balance(api, kim) == 1200
    # and another cancel (another key) is the conflict
    assert api.post(cancel_path, headers={"Idempotency-Key": "cancel-2"}).status == 409


@pytest.mark.parametrize(
    ("attempts", "headers"),
    [(1, {"Idempotency-Key": "order-7"}), (1, {}), (None, {"Idempotency-Key": "order-7"})],
    ids=["the SDK's retry", "the SDK's retry without a key", "the client's retry"],
)
def test_a_redemption_whose_answer_was_lost_is_made_once(
    api: ApiClient, kim: str, attempts: int | None, headers: dict[str, str]
) -> None:
    reward_id = create_reward(api, HEADPHONES)
    # Given the store applies the redemption but the answer is lost: once (the SDK retries), or every time
    with injecting_faults() as faults:
        plan = FaultPlan("lost_response", attempts=attempts, where=lambda call: call.operation == "TransactWriteItems")
        faults.inject(plan)
        first = redeem(api, kim, reward_id, headers=headers)
    assert faults.injections, "no answer was lost"
    if attempts is None:
        assert first.status == 503, first.body
        first = redeem(api, kim, reward_id, headers=headers)
    # Then the redemption made is answered, and made once
    assert first.status == 201, first.body
    assert [r["id"] for r in api.get(f"{customer_path(kim)}/rewards/redemptions").json()["data"]] == [
        first.json()["id"]
    ]
    assert balance(api, kim) == 700


def lose_every_answer_to(api: ApiClient, source_id: str, reward_id: str, key: str) -> None:
    """The redemption is made, but its every answer is lost: the client saw a 503 and holds only its key."""
    with injecting_faults() as faults:
        faults.inject(FaultPlan("lost_response", where=lambda call: call.operation == "TransactWriteItems"))
        assert redeem(api, source_id, reward_id, headers={"Idempotency-Key": key}).status == 503
    assert faults.injections, "no answer was lost"


def sweep_expired(table: str, now_seconds: int) -> None:
    """What DynamoDB's TTL does some time after an item's expiry (``expires_at``): delete it."""
    client = local_client("dynamodb")
    for item in client.scan(TableName=table)["Items"]:
        expires = item.get(keys.TTL_ATTRIBUTE, {}).get("N")
        if expires is not None and Decimal(expires) < now_seconds:
            client.delete_item(TableName=table, Key={keys.PK: item[keys.PK], keys.SK: item[keys.SK]})


def test_a_redemptions_key_is_kept_7_days_for_a_client_whose_answer_was_lost(
    api: ApiClient, kim: str, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reward_id = create_reward(api, HEADPHONES)
    made_ms = (clock.now_epoch_ms() // 1000 + 1) * 1000 + 750  # within a second, not on its start
    now = {"ms": made_ms}
    monkeypatch.setattr(clock, "now_epoch_ms", lambda: now["ms"])
    lose_every_answer_to(api, kim, reward_id, "order-8")
    # When the client retries with its key a second before 7 days have passed, after DynamoDB swept what expired
    now["ms"] = made_ms + stored_redemptions.REQUEST_RETENTION_SECONDS * 1000 - 1000
    sweep_expired(table, now["ms"] // 1000)
    retried = redeem(api, kim, reward_id, headers={"Idempotency-Key": "order-8"})
    # Then it gets the redemption made a week ago, made once
    assert retried.status == 201, retried.body
    assert retried.json()["created_at"].startswith(clock.iso_from_epoch_ms(made_ms)[:19])
    assert [r["id"] for r in api.get(f"{customer_path(kim)}/rewards/redemptions").json()["data"]] == [
        retried.json()["id"]
    ]
    assert balance(api, kim) == 700


def test_a_key_that_redeemed_one_reward_is_a_409_on_another_and_changes_nothing(api: ApiClient, kim: str) -> None:
    mug = create_reward(api, {**HEADPHONES, "name": "Mug", "points_to_be_redeemed": 100})
    headphones = create_reward(api, HEADPHONES)
    lose_every_answer_to(api, kim, mug, "order-9")  # the mug is redeemed; the client never heard
    before = state(api, kim, headphones)
    # When the client sends the same key to redeem the headphones
    reused = redeem(api, kim, headphones, headers={"Idempotency-Key": "order-9"})
    # Then it is told the key is taken (not the mug's redemption as the headphones', nor a 503 to retry forever)
    assert reused.status == 409, reused.body
    assert reused.json()["message"] == "Idempotency-Key reused"
    redemption = before["redemptions"][0]
    assert reused.json()["details"] == (
        f"Idempotency-Key was already used to redeem reward {mug} (redemption {redemption['id']})"
    )
    assert state(api, kim, headphones) == before
    assert balance(api, kim) == 1100


def test_a_redemption_that_loses_every_race_answers_503_well_within_the_functions_timeout(
    api: ApiClient, kim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reward_id = create_reward(api, HEADPHONES)
    function = read_document()["Resources"]["RewardRedeemFunction"]["Properties"]
    timeout = function.get("Timeout", read_document()["Globals"]["Function"]["Timeout"])
    attempts: list[int] = []
    pauses: list[float] = []

    def another_request_always_got_there_first(actions: list[Any]) -> None:
        attempts.append(len(actions))
        raise dynamodb.TransactionCancelled(["ConditionalCheckFailed", *[None] * (len(actions) - 1)])

    monkeypatch.setattr(dynamodb, "transact_write", another_request_always_got_there_first)
    # every pause between attempts as long as its jitter allows
    monkeypatch.setattr(random, "uniform", max)
    monkeypatch.setattr(time, "sleep", pauses.append)
    refused = redeem(api, kim, reward_id)
    assert refused.status == 503, refused.body
    assert len(attempts) == redemptions_domain.MAX_ATTEMPTS
    # the pauses between them leave the 30 attempts (2 round trips each) 3 seconds: a 503 to retry, never
    # a request cut off mid-way by the function's timeout
    assert sum(pauses) <= timeout - 3, pauses
    assert balance(api, kim) == 1200


def test_cancel_returns_the_unit_of_stock(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "stock": 1, "points_to_be_redeemed": 100})
    first = redeem(api, kim, reward_id).json()
    assert redeem(api, kim, reward_id).status == 409  # out of stock
    api.post(f"{customer_path(kim)}/rewards/redemptions/{first['id']}/cancel")
    assert redeem(api, kim, reward_id).status == 201  # the unit is back


def test_a_reward_whose_stock_was_removed_is_redeemed_and_cancelled_without_one(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "points_to_be_redeemed": 100})
    assert api.patch(f"/rewards/{reward_id}", {"stock": None}).json()["stock"] is None
    redemption = redeem(api, kim, reward_id).json()
    assert api.post(f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel").status == 200
    assert (api.get(f"/rewards/{reward_id}").json()["redeemed"], balance(api, kim)) == (0, 1200)


def test_a_stock_set_while_a_cancel_is_in_flight_gets_its_unit_back(
    api: ApiClient, kim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "stock": None, "points_to_be_redeemed": 100})
    redemption = redeem(api, kim, reward_id).json()
    read = stored_rewards.get

    def read_as_the_merchant_sets_a_stock(app_id: str, wanted: str) -> stored_rewards.RewardRecord | None:
        found = read(app_id, wanted)  # the cancel reads the reward without a stock; then, before it writes:
        monkeypatch.setattr(stored_rewards, "get", read)
        assert api.patch(f"/rewards/{reward_id}", {"stock": 2}).json()["stock"] == 2  # 1 left: 1 redeemed
        return found

    monkeypatch.setattr(stored_rewards, "get", read_as_the_merchant_sets_a_stock)
    assert api.post(f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel").status == 200
    assert api.get(f"/rewards/{reward_id}").json()["redeemed"] == 0
    assert [redeem(api, kim, reward_id).status for _ in range(3)] == [201, 201, 409]  # both units of the stock


def test_the_last_unit_taken_while_a_redemption_is_in_flight_refuses_it(
    api: ApiClient, kim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "stock": 1, "points_to_be_redeemed": 100})
    give_points(api, "lee", 100)
    load = stored_redemptions.load

    def load_as_lee_takes_the_last_unit(*args: Any, **kwargs: Any) -> stored_redemptions.RedeemSnapshot:
        snapshot = load(*args, **kwargs)  # kim's redemption reads one unit left; then, before it writes:
        monkeypatch.setattr(stored_redemptions, "load", load)
        assert redeem(api, "lee", reward_id).status == 201
        return snapshot

    monkeypatch.setattr(stored_redemptions, "load", load_as_lee_takes_the_last_unit)
    refused = redeem(api, kim, reward_id)
    assert refused.status == 409, refused.body
    assert "out of stock" in refused.json()["details"]
    assert (api.get(f"/rewards/{reward_id}").json()["redeemed"], balance(api, kim)) == (1, 1200)


def test_cancel_of_an_unknown_or_other_customers_redemption_is_404(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, HEADPHONES)
    redemption = redeem(api, kim, reward_id).json()
    api.put(customer_path("lee"), {})
    for source_id, redemption_id in [
        ("lee", redemption["id"]),
        (kim, "red_000000000000000000000"),
        (kim, "not-a-redemption-id"),
    ]:
        refused = api.post(f"{customer_path(source_id)}/rewards/redemptions/{redemption_id}/cancel")
        assert refused.status == 404, refused.body
        assert refused.json()["details"] == f"Cannot find redemption with id {redemption_id}"
    unknown = api.post(f"{customer_path('nobody')}/rewards/redemptions/{redemption['id']}/cancel")
    assert unknown.status == 404
    assert unknown.json()["details"] == "Cannot find customer with source id nobody"
    assert balance(api, kim) == 700


def test_cancelling_a_one_point_redemption_gives_the_point_back(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "points_to_be_redeemed": 1})
    redemption = redeem(api, kim, reward_id).json()
    assert balance(api, kim) == 1199
    assert api.post(f"{customer_path(kim)}/rewards/redemptions/{redemption['id']}/cancel").status == 200
    assert balance(api, kim) == 1200


def test_a_cancel_gives_the_points_back_to_the_lots_they_came_from(api: ApiClient) -> None:
    api.put(customer_path("ann"), {})
    credit(api, "ann", 600, expire_after_days=10)
    expiring = api.get(customer_path("ann")).json()["points"]["expiring"]
    reward_id = create_reward(api, HEADPHONES)
    redemption = redeem(api, "ann", reward_id).json()
    assert api.get(customer_path("ann")).json()["points"]["expiring"] == [{**expiring[0], "points": 100}]
    assert api.post(f"{customer_path('ann')}/rewards/redemptions/{redemption['id']}/cancel").status == 200
    # the refunded 500 expire when they would have, not never
    assert api.get(customer_path("ann")).json()["points"]["expiring"] == expiring


def test_redemptions_are_listed_newest_first_in_pages(api: ApiClient, kim: str) -> None:
    reward_id = create_reward(api, {**HEADPHONES, "stock": None, "points_to_be_redeemed": 10})
    made = [redeem(api, kim, reward_id).json()["id"] for _ in range(5)]
    first = api.get(f"{customer_path(kim)}/rewards/redemptions", query={"limit": "3"}).json()
    second = api.get(
        f"{customer_path(kim)}/rewards/redemptions", query={"limit": "3", "cursor": first["next_cursor"]}
    ).json()
    assert [r["id"] for r in first["data"] + second["data"]] == made[::-1]
    assert second["has_more"] is False


def test_a_rewards_counts_live_on_its_allowance_shards_which_carry_its_version_and_active_flag(
    api: ApiClient, kim: str, credentials: Credentials
) -> None:
    app_id, stock = credentials.app_id, allowance.SHARDS + 1
    reward_id = create_reward(api, {**HEADPHONES, "stock": stock, "points_to_be_redeemed": 100})
    assert redeem(api, kim, reward_id).status == 201
    assert api.patch(f"/rewards/{reward_id}", {"name": "Renamed"}).status == 200

    def stored() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        item = dynamodb.get_item(keys.reward(app_id, reward_id))
        assert item is not None
        return item, dynamodb.batch_get(allowance.shard_keys(app_id, reward_id))

    item, shards = stored()
    assert {"redeemed", "stock_left"}.isdisjoint(item)  # a redemption never writes the catalog's partition
    assert {(shard["version"], shard["active"]) for shard in shards} == {(item["version"], True)} == {(2, True)}
    assert (sum(s["left"] for s in shards), sum(s["taken"] for s in shards)) == (stock - 1, 1)
    # every read of the reward sums its shards: one reward, the catalog, a member's view
    assert [(r["stock"], r["redeemed"]) for r in api.get("/rewards").json()["data"]] == [(stock, 1)]
    assert api.get(f"{customer_path(kim)}/rewards").json()["data"][0]["reward"]["redeemed"] == 1
    assert api.delete(f"/rewards/{reward_id}").status == 200
    item, shards = stored()
    assert {(shard["version"], shard["active"]) for shard in shards} == {(item["version"], False)} == {(3, False)}
    assert redeem(api, kim, reward_id).status == 409
