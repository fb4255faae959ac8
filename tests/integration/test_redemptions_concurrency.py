"""Redemptions fired at the same instant (tests/support/concurrency.py): a stock is never oversold and a
balance never overspent, whatever the interleaving; the balance always equals the ledger's sum."""

from __future__ import annotations

from collections import Counter

from shared.storage import allowance
from tests.support.api import ApiClient
from tests.support.concurrency import Request, send_together
from tests.support.rewards import balance, create_reward, customer_path, give_points, ledger_sum

REQUESTS = 100


def test_stock_10_with_100_concurrent_redemptions_gives_exactly_10(api: ApiClient) -> None:
    # Given a reward with 10 in stock and 100 members who can all afford it
    reward_id = create_reward(
        api, {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "prod_mug"}}, "stock": 10}
    )
    members = [f"m{i}" for i in range(REQUESTS)]
    for source_id in members:
        api.put(customer_path(source_id), {})
    # When they all redeem at once
    responses = send_together(
        api, [Request("POST", f"{customer_path(m)}/rewards/{reward_id}/redeem", {}) for m in members]
    )
    # Then exactly 10 got one, the others a clear 409, and the stock never went below 0
    statuses = Counter(r.status for r in responses)
    assert statuses == {201: 10, 409: 90}, statuses
    assert {r.json()["details"] for r in responses if r.status == 409} == {"the reward is out of stock"}
    reward = api.get(f"/rewards/{reward_id}").json()
    assert (reward["stock"], reward["redeemed"]) == (10, 10)
    winners = {r.json()["source_id"] for r in responses if r.status == 201}
    assert len(winners) == 10


def test_a_stock_raised_while_its_last_units_are_redeemed_at_once_is_never_oversold(api: ApiClient) -> None:
    # Given a reward with one unit more than it has allowance shards, and 30 members
    stock = allowance.SHARDS + 1
    reward_id = create_reward(
        api, {"name": "Cap", "type": "MATERIAL", "parameters": {"product": {"id": "prod_cap"}}, "stock": stock}
    )
    members = [f"m{i}" for i in range(30)]
    for source_id in members:
        api.put(customer_path(source_id), {})
    # When 25 redeem while the merchant raises the stock to 20
    redeems = [Request("POST", f"{customer_path(m)}/rewards/{reward_id}/redeem", {}) for m in members[:25]]
    *answers, patched = send_together(api, [*redeems, Request("PATCH", f"/rewards/{reward_id}", {"stock": 20})])
    # Then the change applied, no more than the stock was given, and what is left is exactly what remains
    assert patched.status == 200, patched.body
    won = sum(r.status == 201 for r in answers)
    assert stock <= won <= 20
    assert api.get(f"/rewards/{reward_id}").json()["redeemed"] == won
    late = send_together(
        api, [Request("POST", f"{customer_path(m)}/rewards/{reward_id}/redeem", {}) for m in members[25:]]
    )
    assert sum(r.status == 201 for r in late) == min(5, 20 - won)
    assert api.get(f"/rewards/{reward_id}").json()["redeemed"] == min(20, won + 5)


def test_100_concurrent_redemptions_against_one_balance_spend_only_what_it_covers(api: ApiClient) -> None:
    # Given a member with 1000 points and a reward of 100 points, unlimited
    reward_id = create_reward(
        api,
        {"name": "Voucher", "type": "MATERIAL", "parameters": {"product": {"id": "p"}}, "points_to_be_redeemed": 100},
    )
    api.put(customer_path("kim"), {})
    give_points(api, "kim", 1000)
    # When 100 redemptions arrive at once
    path = f"{customer_path('kim')}/rewards/{reward_id}/redeem"
    responses = send_together(api, [Request("POST", path, {}) for _ in range(REQUESTS)])
    # Then exactly the 10 the balance covers succeeded, and the balance is 0 and equals the ledger's sum
    statuses = Counter(r.status for r in responses)
    assert statuses == {201: 10, 409: 90}, statuses
    assert balance(api, "kim") == 0
    assert ledger_sum(api, "kim") == 0
    entries = api.get(f"{customer_path('kim')}/transactions", query={"limit": "100"}).json()["data"]
    assert sorted(e["balance_after"] for e in entries if e["points"] < 0) == list(range(0, 1000, 100))
    assert all(e["balance_after"] >= 0 for e in entries)
