"""Points as lots through the API, on the paths that existed before lots (campaign credits, reward
redemptions and their cancellation): expiry and pending days from the event's time, a rule's own
policy, first-expiring-first debits that name their lots, refunds into the lots a debit took from,
a profile credited before lots existed, and a customer with 5,000 credits redeeming in one request."""

from __future__ import annotations

import time
from typing import Any

import pytest

from shared import clock
from shared.domain.points.placement import post
from shared.entities.points import DAY_MS, Posting
from shared.storage import dynamodb, keys
from shared.storage.customers import CustomerRecord
from tests.support.api import ApiClient, Credentials
from tests.support.rewards import create_reward, customer_path, ledger_sum

DAY = 86_400


def points_rule(event_name: str, points_given: int, **policy: int) -> dict[str, Any]:
    return {
        "campaign_name": f"Points on {event_name}",
        "rules": [
            {
                "rule_name": "Points",
                "action_type": "RTA",
                "actions": [{"event_name": event_name, "target": 1}],
                "reward": {"type": "points", "points": points_given, **policy},
            }
        ],
    }


def earn(api: ApiClient, source_id: str, points_given: int, days_ago: float = 0, **policy: int) -> dict[str, Any]:
    """``points_given`` credited by a rule with its own ``policy``, for an event ``days_ago``."""
    event_name = f"earn_{points_given}_{len(policy)}_{int(days_ago * 10)}_{'_'.join(map(str, policy.values()))}"
    created = api.post("/campaigns", points_rule(event_name, points_given, **policy))
    assert created.status == 201, created.body
    timestamp = int(time.time() - days_ago * DAY)
    sent = api.post("/events", {"source_id": source_id, "event_name": event_name, "timestamp": timestamp})
    assert sent.status == 200, sent.body
    answer: dict[str, Any] = sent.json()
    return answer


def customer_points(api: ApiClient, source_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api.get(customer_path(source_id)).json()["points"]
    return found


def entries(api: ApiClient, source_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get(f"{customer_path(source_id)}/transactions", query={"limit": "100"}).json()[
        "data"
    ]
    return found


def day_end_iso(days_from_now: float) -> str:
    """The end of the UTC day on which ``days_from_now`` falls (where lots expire)."""
    moment_ms = int((time.time() + days_from_now * DAY) * 1000)
    return clock.iso_from_epoch_ms(-(-moment_ms // DAY_MS) * DAY_MS)


MATERIAL = {"name": "Mug", "type": "MATERIAL", "parameters": {"product": {"id": "prod_mug"}}, "stock": 100}


def reward_costing(api: ApiClient, cost: int) -> str:
    return create_reward(api, {**MATERIAL, "points_to_be_redeemed": cost})


def redeem(api: ApiClient, source_id: str, reward_id: str) -> Any:
    return api.post(f"{customer_path(source_id)}/rewards/{reward_id}/redeem", {})


# ------------------------------------------------------------------------------------------ expiry


def test_a_credit_already_past_its_expiry_never_counts_and_shows_as_expired(api: ApiClient) -> None:
    earn(api, "ann", 100, days_ago=3, expire_after_days=1)
    assert customer_points(api, "ann") == {
        "balance": 0,
        "pending": 0,
        "earned": 100,
        "redeemed": 0,
        "expired": 100,
        "expiring": [],
    }
    expiry, credit = entries(api, "ann")
    assert (credit["reason"], credit["points"], credit["balance_after"]) == ("rule_completion", 100, 100)
    assert (expiry["reason"], expiry["points"], expiry["balance_after"]) == ("expiry", -100, 0)
    assert expiry["lots"] == [{"points": -100, "expires_at": day_end_iso(-2), "activates_at": None}]
    assert redeem(api, "ann", reward_costing(api, 1)).status == 409


def test_a_credit_expiring_later_today_still_counts(api: ApiClient) -> None:
    """The boundary: 2 days ago with 2 days to live expires at the end of today, not now."""
    earn(api, "bea", 100, days_ago=2, expire_after_days=2)
    assert customer_points(api, "bea")["balance"] == 100
    assert customer_points(api, "bea")["expiring"] == [{"points": 100, "expires_at": day_end_iso(0)}]


def test_a_debit_takes_from_the_lot_expiring_first_and_names_it(api: ApiClient) -> None:
    earn(api, "cy", 100, expire_after_days=100)
    earn(api, "cy", 100, expire_after_days=10)
    earn(api, "cy", 100)  # never expires: spent last
    assert customer_points(api, "cy")["expiring"] == [
        {"points": 100, "expires_at": day_end_iso(10)},
        {"points": 100, "expires_at": day_end_iso(100)},
    ]
    assert redeem(api, "cy", reward_costing(api, 150)).status == 201
    debit = entries(api, "cy")[0]
    assert debit["lots"] == [
        {"points": -100, "expires_at": day_end_iso(10), "activates_at": None},
        {"points": -50, "expires_at": day_end_iso(100), "activates_at": None},
    ]
    assert customer_points(api, "cy")["expiring"] == [{"points": 50, "expires_at": day_end_iso(100)}]
    assert customer_points(api, "cy")["balance"] == 150


def test_cancelling_a_redemption_gives_the_points_back_to_the_lots_it_took(api: ApiClient) -> None:
    earn(api, "dot", 100, expire_after_days=10)
    earn(api, "dot", 100, expire_after_days=100)
    redemption = redeem(api, "dot", reward_costing(api, 120)).json()
    cancelled = api.post(f"{customer_path('dot')}/rewards/redemptions/{redemption['id']}/cancel")
    assert cancelled.status == 200, cancelled.body
    refund = entries(api, "dot")[0]
    assert (refund["reason"], refund["points"]) == ("redemption_cancelled", 120)
    assert sorted((lot["points"], lot["expires_at"]) for lot in refund["lots"]) == [
        (20, day_end_iso(100)),
        (100, day_end_iso(10)),
    ]
    assert customer_points(api, "dot")["expiring"] == [
        {"points": 100, "expires_at": day_end_iso(10)},
        {"points": 100, "expires_at": day_end_iso(100)},
    ]


# ------------------------------------------------------------------------------------------ pending


def test_pending_points_cannot_be_spent_until_their_day(api: ApiClient) -> None:
    granted = earn(api, "eve", 100, pending_days=14, expire_after_days=30)
    (grant,) = granted["rewards"]
    assert (grant["points"], grant["activates_at"], grant["expires_at"]) == (100, day_end_iso(14), day_end_iso(30))
    assert customer_points(api, "eve") == {
        "balance": 0,
        "pending": 100,
        "earned": 100,
        "redeemed": 0,
        "expired": 0,
        "expiring": [{"points": 100, "expires_at": day_end_iso(30)}],
    }
    (credit,) = entries(api, "eve")
    assert (credit["points"], credit["pending_points"], credit["pending_after"]) == (0, 100, 100)
    assert credit["lots"] == [{"points": 100, "expires_at": day_end_iso(30), "activates_at": day_end_iso(14)}]
    assert redeem(api, "eve", reward_costing(api, 1)).status == 409


def test_points_whose_pending_period_has_passed_are_spendable_at_once(api: ApiClient) -> None:
    granted = earn(api, "fay", 100, days_ago=15, pending_days=14)
    assert (granted["rewards"][0]["activates_at"], granted["rewards"][0]["expires_at"]) == (None, None)
    assert customer_points(api, "fay")["balance"] == 100
    assert customer_points(api, "fay")["pending"] == 0
    (credit,) = entries(api, "fay")
    assert (credit["points"], credit["pending_points"]) == (100, 0)


def test_pending_points_activate_at_the_end_of_their_day_even_before_the_job(
    api: ApiClient, credentials: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    earn(api, "gus", 100, pending_days=1)
    assert customer_points(api, "gus")["pending"] == 100
    later = time.time() + 2 * DAY
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "time_ns", lambda: int(later * 1e9))
    assert (customer_points(api, "gus")["balance"], customer_points(api, "gus")["pending"]) == (100, 0)
    assert redeem(api, "gus", reward_costing(api, 100)).status == 201
    debit, activation, _ = entries(api, "gus")
    assert (activation["reason"], activation["points"], activation["pending_points"]) == ("activation", 100, -100)
    assert (debit["points"], debit["balance_after"]) == (-100, 0)
    assert ledger_sum(api, "gus") == 0


# ------------------------------------------------------------------------------------------ campaigns


@pytest.mark.parametrize(
    ("reward", "field"),
    [
        ({"type": "points", "points": 5, "expire_after_days": 0}, "expire_after_days"),
        ({"type": "points", "points": 5, "expire_after_days": 3651}, "expire_after_days"),
        ({"type": "points", "points": 5, "pending_days": -1}, "pending_days"),
        ({"type": "points", "points": 5, "pending_days": 366}, "pending_days"),
        ({"type": "coupon", "coupon_id": "coupm_" + "a" * 21, "pending_days": 3}, "pending_days"),
    ],
)
def test_a_rules_points_policy_out_of_range_is_refused(api: ApiClient, reward: dict[str, Any], field: str) -> None:
    campaign = points_rule("refused", 5)
    campaign["rules"][0]["reward"] = reward
    response = api.post("/campaigns", campaign)
    assert response.status == 400, response.body
    assert field in response.json()["details"]


def test_a_rules_points_policy_at_its_limits_is_kept(api: ApiClient) -> None:
    campaign = points_rule("kept", 5, expire_after_days=3650, pending_days=365)
    created = api.post("/campaigns", campaign)
    assert created.status == 201, created.body
    reward = api.get(f"/campaigns/{created.json()['campaign_id']}").json()["rules"][0]["reward"]
    assert (reward["expire_after_days"], reward["pending_days"]) == (3650, 365)


# ------------------------------------------------------------------------------------------ scale and history


def _credit(txn: int, days: int) -> Posting:
    now_ms = clock.now_epoch_ms()
    return Posting(
        txn_id=f"txn_{txn:021d}",
        points=1 + txn % 3,
        reason="adjustment",
        operation="credit",
        expires_ms=now_ms + days * DAY_MS,
    )


def _profile(app_id: str, source_id: str) -> CustomerRecord:
    item = dynamodb.get_item(keys.customer(app_id, source_id))
    assert item is not None
    return CustomerRecord.from_item(item)


def test_a_customer_with_5000_credits_redeems_in_one_request(api: ApiClient, credentials: Credentials) -> None:
    """5,000 credits over 1,000 expiry days: the debit is one write naming each lot it took from."""
    api.put(customer_path("hal"), {"name": "Hal"})
    credits = [_credit(n, 2 + n % 1000) for n in range(5000)]
    for start in range(0, len(credits), 40):
        profile = _profile(credentials.app_id, "hal")
        _, actions = post(credentials.app_id, profile, credits[start : start + 40], clock.now_epoch_ms())
        dynamodb.transact_write(actions)
    total = sum(c.points for c in credits)
    assert customer_points(api, "hal")["balance"] == total
    assert len(_profile(credentials.app_id, "hal").lots) == 1000

    response = redeem(api, "hal", reward_costing(api, total - 1))
    assert response.status == 201, response.body
    assert customer_points(api, "hal")["balance"] == 1
    assert customer_points(api, "hal")["expiring"] == [{"points": 1, "expires_at": day_end_iso(1001)}]
    debit = entries(api, "hal")[0]
    assert len(debit["lots"]) == 1000
    assert [lot["expires_at"] for lot in debit["lots"]] == sorted(lot["expires_at"] for lot in debit["lots"])
    assert ledger_sum(api, "hal") == 1


def test_a_profile_credited_before_lots_existed_spends_its_balance_as_never_expiring(
    api: ApiClient, credentials: Credentials
) -> None:
    api.put(customer_path("ida"), {"name": "Ida"})
    dynamodb.update_item(
        keys.customer(credentials.app_id, "ida"),
        dynamodb.Expression("SET points_balance = :b, points_earned = :b", values={":b": 300}),
    )
    assert customer_points(api, "ida")["balance"] == 300
    assert redeem(api, "ida", reward_costing(api, 100)).status == 201
    assert customer_points(api, "ida") == {
        "balance": 200,
        "pending": 0,
        "earned": 300,
        "redeemed": 100,
        "expired": 0,
        "expiring": [],
    }
    assert entries(api, "ida")[0]["lots"] == [{"points": -100, "expires_at": None, "activates_at": None}]
