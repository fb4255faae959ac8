"""Coupons under concurrency, faults and size: a use is consumed only within the total and per-customer
limits however many requests arrive at once; a flash sale on an unlimited code touches no hot item; a
100,000-code pool costs a redemption what a 10-code pool does; faults lose and double nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from shared.storage import allowance, dynamodb, keys
from shared.storage.allowance import Allowance
from shared.storage.coupons import redemptions as stored
from shared.storage.coupons.errors import ApplyRaced
from tests.support.api import ApiClient, Credentials
from tests.support.concurrency import Request, send_together
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon
from tests.support.faults import WRITE_OPERATIONS, FaultPlan, injecting_faults

REDEEM, REVERT = "/coupons/apply?type=redeem", "/coupons/apply?type=revert"
LIMIT_REACHED = "coupon usage limit reached"


def outcomes(responses: list[HttpResponse]) -> Counter[str]:
    """200s, and the refusals by their details; anything else fails the test."""
    seen: Counter[str] = Counter()
    for response in responses:
        if response.status == 200:
            seen["redeemed"] += 1
        else:
            assert response.status == 400, f"{response.status} {response.body!r}"
            seen[response.json()["details"]] += 1
    return seen


def customers(api: ApiClient, count: int) -> list[str]:
    return [customer(api, f"shopper-{n}") for n in range(count)]


def redeem_request(coupon_id: str, code: str, source_id: str, order_id: str) -> Request:
    return Request("POST", REDEEM, order_body(coupon_id, code, source_id=source_id, order_id=order_id))


def test_50_concurrent_redeems_on_each_of_20_single_use_coupons_give_one_success_each(api: ApiClient) -> None:
    shoppers = customers(api, 50)
    for round_number in range(20):
        code = f"ONCE{round_number}"
        coupon_id = create_coupon(api, simple_coupon(code, usage_limit=1))["coupon_id"]
        requests = [redeem_request(coupon_id, code, shoppers[n], f"r{round_number}-o{n}") for n in range(50)]

        seen = outcomes(send_together(api, requests))

        assert seen == Counter({"redeemed": 1, LIMIT_REACHED: 49}), (round_number, seen)
        coupon = api.get(f"/coupons/{coupon_id}").json()
        assert coupon["redeemed"] == 1
        assert len(api.get(f"/coupons/{coupon_id}/redemptions").json()["data"]) == 1


def test_a_usage_limit_of_5_under_40_concurrent_orders_gives_exactly_5(api: ApiClient) -> None:
    shoppers = customers(api, 40)
    coupon_id = create_coupon(api, simple_coupon("FIVE", usage_limit=5))["coupon_id"]

    seen = outcomes(send_together(api, [redeem_request(coupon_id, "FIVE", s, f"o-{s}") for s in shoppers]))

    assert seen == Counter({"redeemed": 5, LIMIT_REACHED: 35})
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 5


def test_a_per_customer_limit_of_1_with_10_concurrent_orders_of_one_customer_gives_1(api: ApiClient) -> None:
    (shopper,) = customers(api, 1)
    coupon_id = create_coupon(api, simple_coupon("MINE", usage_limit_per_customer=1))["coupon_id"]

    seen = outcomes(send_together(api, [redeem_request(coupon_id, "MINE", shopper, f"o{n}") for n in range(10)]))

    assert seen == Counter({"redeemed": 1, "usage limit per customer reached": 9})
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 1


def test_the_same_order_redeemed_10_times_at_once_consumes_one_use(api: ApiClient) -> None:
    (shopper,) = customers(api, 1)
    coupon_id = create_coupon(api, simple_coupon("SAME", usage_limit=3))["coupon_id"]

    responses = send_together(api, [redeem_request(coupon_id, "SAME", shopper, "one-order")] * 10)

    assert outcomes(responses) == Counter({"redeemed": 10})
    assert len({r.json()["request_id"] for r in responses}) == 1  # every answer is the first result
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 1


def test_redeem_revert_redeem_cycles_at_once_keep_counts_exact(api: ApiClient) -> None:
    shoppers = customers(api, 12)
    coupon_id = create_coupon(api, simple_coupon("CYCLE", usage_limit=6, usage_limit_per_customer=1))["coupon_id"]
    for shopper in shoppers[:6]:
        assert (
            api.post(REDEEM, order_body(coupon_id, "CYCLE", source_id=shopper, order_id=f"o-{shopper}")).status == 200
        )

    reverts = [
        Request("POST", REVERT, order_body(coupon_id, "CYCLE", source_id=s, order_id=f"o-{s}")) for s in shoppers[:6]
    ]
    redeems = [redeem_request(coupon_id, "CYCLE", s, f"o-{s}") for s in shoppers[6:]]
    responses = send_together(api, reverts + redeems)

    assert all(r.status == 200 for r in responses[:6]), [r.body for r in responses[:6]]
    won = sum(r.status == 200 for r in responses[6:])
    redemptions = api.get(f"/coupons/{coupon_id}/redemptions", query={"limit": "100"}).json()["data"]
    completed = [r for r in redemptions if r["status"] == "completed"]
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == len(completed) == won <= 6
    # and the reverted customers may redeem again, up to the limit
    for shopper in shoppers[:6]:
        api.post(REDEEM, order_body(coupon_id, "CYCLE", source_id=shopper, order_id=f"again-{shopper}"))
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 6


def test_a_limit_raised_while_its_last_uses_are_redeemed_at_once_stays_exact(api: ApiClient) -> None:
    shoppers = customers(api, 40)
    coupon_id = create_coupon(api, simple_coupon("MOVING", usage_limit=allowance.SHARDS + 1))["coupon_id"]
    redeems = [redeem_request(coupon_id, "MOVING", s, f"o-{s}") for s in shoppers[:25]]
    raised = Request("PATCH", f"/coupons/{coupon_id}", {"usage_limit": 20})

    *answers, patched = send_together(api, [*redeems, raised])

    assert patched.status == 200, patched.body
    won = outcomes(answers)["redeemed"]
    assert allowance.SHARDS + 1 <= won <= 20
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == won
    # what the raised limit leaves, and not one use more, is there for the next shoppers
    late = outcomes(send_together(api, [redeem_request(coupon_id, "MOVING", s, f"o-{s}") for s in shoppers[25:]]))
    assert late == Counter({"redeemed": 20 - won, LIMIT_REACHED: 15 - (20 - won)})
    assert api.patch(f"/coupons/{coupon_id}", {"usage_limit": 19}).status == 409
    assert api.patch(f"/coupons/{coupon_id}", {"usage_limit": 20}).status == 200


def usage_shards(app_id: str, coupon_id: str) -> list[int]:
    return [int(item["taken"]) for item in dynamodb.batch_get(allowance.shard_keys(app_id, coupon_id))]


def test_a_flash_sale_on_an_unlimited_code_spreads_its_uses_and_counts_every_one(
    api: ApiClient, credentials: Credentials
) -> None:
    shoppers = customers(api, 60)
    coupon_id = create_coupon(api, simple_coupon("FLASH"))["coupon_id"]

    seen = outcomes(send_together(api, [redeem_request(coupon_id, "FLASH", s, f"o-{s}") for s in shoppers]))

    assert seen == Counter({"redeemed": 60})
    definition = dynamodb.get_item(keys.coupon(credentials.app_id, coupon_id))
    assert definition is not None
    assert "redeemed" not in definition  # no redemption wrote the definition: no hot item
    shards = usage_shards(credentials.app_id, coupon_id)
    assert sum(shards) == 60
    assert sum(1 for taken in shards if taken) > 3  # spread over several items
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 60


def test_limiting_an_unlimited_coupon_moves_its_uses_and_stays_exact(api: ApiClient) -> None:
    shoppers = customers(api, 10)
    coupon_id = create_coupon(api, simple_coupon("LATER"))["coupon_id"]
    for shopper in shoppers[:4]:
        api.post(REDEEM, order_body(coupon_id, "LATER", source_id=shopper, order_id=f"o-{shopper}"))

    too_low = api.patch(f"/coupons/{coupon_id}", {"usage_limit": 3})
    limited = api.patch(f"/coupons/{coupon_id}", {"usage_limit": 6})
    api.post(REVERT, order_body(coupon_id, "LATER", source_id=shoppers[0], order_id=f"o-{shoppers[0]}"))
    seen = outcomes(send_together(api, [redeem_request(coupon_id, "LATER", s, f"o-{s}") for s in shoppers[4:]]))

    assert too_low.status == 409
    assert limited.json()["redeemed"] == 4
    assert seen == Counter({"redeemed": 3, LIMIT_REACHED: 3})
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 6
    unlimited = api.patch(f"/coupons/{coupon_id}", {"usage_limit": None}).json()
    assert unlimited["redeemed"] == 6
    api.post(REVERT, order_body(coupon_id, "LATER", source_id=shoppers[1], order_id=f"o-{shoppers[1]}"))
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 5


# ------------------------------------------------------------------------------------- size


def business_calls(injector: Any) -> list[str]:
    """DynamoDB calls of a request, without the authorizer's credential read."""
    return [c.operation for c in injector.calls if not (c.partition_key or "").startswith("APIKEY#")]


def calls_of_one_redeem(api: ApiClient, coupon_id: str, code: str, order_id: str) -> list[str]:
    with injecting_faults() as injector:
        response = api.post(REDEEM, order_body(coupon_id, code, order_id=order_id))
        assert response.status == 200, response.body
        return business_calls(injector)


def test_a_100000_code_pool_imports_in_calls_of_10000_and_redeems_at_a_10_code_pools_cost(api: ApiClient) -> None:
    customer(api)
    small = create_coupon(api, simple_coupon(None))["coupon_id"]
    large = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{small}/codes", {"codes": [f"S{n}" for n in range(10)]})

    for batch in range(10):
        codes = [f"L{batch * 10_000 + n:06d}" for n in range(10_000)]
        response = api.post(f"/coupons/{large}/codes", {"codes": codes})
        assert response.status == 200, response.body
        assert response.json()["created"] == 10_000

    assert api.get(f"/coupons/{large}").json()["codes"] == {
        "total": 100_000,
        "issued": 0,
        "redeemed": 0,
        "voided": 0,
        "available": 100_000,
    }
    small_calls = calls_of_one_redeem(api, small, "S7", "order-small")
    large_calls = calls_of_one_redeem(api, large, "L099999", "order-large")
    assert small_calls == large_calls == ["BatchGetItem", "TransactWriteItems"]


def test_validate_reads_once_and_revert_takes_two_round_trips(api: ApiClient) -> None:
    customer(api)
    coupon_id = create_coupon(api, simple_coupon("RT", usage_limit=10))["coupon_id"]
    api.post(REDEEM, order_body(coupon_id, "RT"))

    with injecting_faults() as injector:
        assert api.post("/coupons/validate", order_body(coupon_id, "RT", order_id="other")).status == 200
        validate_calls = business_calls(injector)
        injector.reset_records()
        assert api.post(REVERT, order_body(coupon_id, "RT")).status == 200
        revert_calls = business_calls(injector)

    assert validate_calls == ["BatchGetItem"]
    assert revert_calls == ["BatchGetItem", "TransactWriteItems"]


# ------------------------------------------------------------------------------------- faults


def retry_until_answered(api: ApiClient, path: str, body: dict[str, Any], key: str) -> HttpResponse:
    """A client that retries with the same Idempotency-Key on 5xx and 409 in progress."""
    for _ in range(50):
        response = api.post(path, body, headers={"Idempotency-Key": key})
        if response.status < 500 and response.status != 409:
            return response
    raise AssertionError(f"never answered: {response.status} {response.body!r}")


@pytest.mark.parametrize("kind", ["throttle", "lost_response"])
@pytest.mark.parametrize("attempts", [1, None], ids=["sdk-recovers", "fault-reaches-client"])
def test_faults_on_every_third_write_lose_and_double_nothing(api: ApiClient, kind: Any, attempts: int | None) -> None:
    shoppers = customers(api, 6)
    coupon_id = create_coupon(api, simple_coupon("FAULTY", usage_limit=4))["coupon_id"]
    pool_id = create_coupon(api, simple_coupon(None))["coupon_id"]
    api.post(f"/coupons/{pool_id}/codes", {"codes": [f"PC{n}" for n in range(6)]})
    with injecting_faults() as injector:
        # The engine's own writes; the idempotency records are exercised by tests/integration/test_faults.py.
        business_writes = lambda call: (  # noqa: E731
            call.operation in WRITE_OPERATIONS and not (call.partition_key or "").startswith("idempotency#")
        )
        injector.inject(FaultPlan(kind=kind, every=3, attempts=attempts, where=business_writes))
        answers = [
            retry_until_answered(api, REDEEM, order_body(coupon_id, "FAULTY", source_id=s, order_id=f"o-{s}"), f"k-{s}")
            for s in shoppers
        ]
        pooled = [
            retry_until_answered(api, REDEEM, order_body(pool_id, f"PC{n}", source_id=s, order_id=f"p-{s}"), f"p-{s}")
            for n, s in enumerate(shoppers)
        ]
        reverted = retry_until_answered(
            api, REVERT, order_body(coupon_id, "FAULTY", source_id=shoppers[0], order_id=f"o-{shoppers[0]}"), "rv"
        )
        assert injector.injections, "the plan injected no fault"

    assert [a.status for a in answers] == [200] * 4 + [400] * 2
    assert [p.status for p in pooled] == [200] * 6
    assert reverted.status == 200
    assert api.get(f"/coupons/{coupon_id}").json()["redeemed"] == 3
    assert api.get(f"/coupons/{pool_id}").json()["codes"]["redeemed"] == 6
    records = api.get(f"/coupons/{coupon_id}/redemptions", query={"limit": "100"}).json()["data"]
    assert Counter(r["status"] for r in records) == Counter({"completed": 3, "reverted": 1})


def test_a_read_torn_by_a_concurrent_patch_is_read_again_not_a_failure(
    api: ApiClient, credentials: Credentials
) -> None:
    # A batch read is no snapshot: it may see a definition from before a PATCH and its shards from after
    # it (or a redemption, and not yet its shard's take). Such a read is a lost race: read again.
    app_id, shopper = credentials.app_id, customer(api, "torn")
    coupon_id = create_coupon(api, simple_coupon("TORN", usage_limit=5))["coupon_id"]
    assert api.post(REDEEM, order_body(coupon_id, "TORN", source_id=shopper, order_id="o-1")).status == 200
    (state,) = stored.load_for_apply(app_id, shopper, "o-1", [(coupon_id, "TORN")]).coupons
    assert state.coupon is not None
    assert state.redemption is not None
    record = replace(state.redemption, order_id="o-2")

    nothing_left = replace(
        state, coupon=replace(state.coupon, usage=Allowance((0,) * allowance.SHARDS, (0,) * allowance.SHARDS))
    )
    with pytest.raises(ApplyRaced):
        stored.redeem_actions(app_id, nothing_left, record, "2026-01-01T00:00:00Z")
    with pytest.raises(ApplyRaced):
        stored.revert_actions(app_id, nothing_left, "cancelled", "req", "2026-01-01T00:00:00Z")
