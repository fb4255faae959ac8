"""What points that expire, activate and are reversed announce (EventBridge and webhooks): one event per
ledger entry, from the stream, whoever recorded it; ``points`` summed over a customer's points events
is the balance, ``pending_points`` the pending points."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.points import ledger as points_domain
from tests.integration.test_points_settler import COIN
from tests.support.api import ApiClient
from tests.support.outbox import Announced, BusTap
from tests.support.point_lots import credit, days_later, entries, points_of, run_points_settler
from tests.support.rewards import create_reward, customer_path


def _of(announced: list[Announced], source_id: str) -> list[Announced]:
    return [a for a in announced if a.type.startswith("points.") and a.data["source_id"] == source_id]


def _sums(announced: list[Announced]) -> tuple[int, int]:
    return sum(a.data["points"] for a in announced), sum(a.data["pending_points"] for a in announced)


def test_a_pending_credit_is_credited_with_its_pending_points_and_activated_later(
    api: ApiClient, bus: BusTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    txn_id = credit(api, "kim", 40, pending_days=1)
    (credited,) = _of(bus.read(), "kim")
    assert credited.type == "points.credited"
    assert (credited.data["transaction_id"], credited.data["points"], credited.data["pending_points"]) == (
        txn_id,
        0,
        40,
    )
    assert (credited.data["balance_after"], credited.data["pending_after"]) == (0, 40)
    with days_later(monkeypatch, 2):
        run_points_settler()
        (activated,) = _of(bus.read(), "kim")
        (entry,) = entries(api, "kim", "activation")
        assert activated.type == "points.activated"
        assert activated.id.startswith("evt_")
        assert activated.data == {
            "source_id": "kim",
            "transaction_id": entry["id"],
            "points": 40,
            "balance_after": 40,
            "pending_points": -40,
            "pending_after": 0,
            "lots": [{"points": 40, "activates_at": entry["lots"][0]["activates_at"]}],  # never expires
        }
        assert _sums(_of(bus.seen, "kim")) == (points_of(api, "kim")["balance"], points_of(api, "kim")["pending"])
        # a second run announces nothing
        run_points_settler()
        assert _of(bus.read(), "kim") == []


def test_an_expiry_is_announced_once_with_its_lots_and_the_events_sum_to_the_balance(
    api: ApiClient, bus: BusTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    credit(api, "lee", 70, expire_after_days=1)
    credit(api, "lee", 30, expire_after_days=9)
    bus.read()
    with days_later(monkeypatch, 2):
        run_points_settler()
        run_points_settler()
        (expired,) = _of(bus.read(), "lee")
        (entry,) = entries(api, "lee", "expiry")
        assert expired.type == "points.expired"
        assert expired.data == {
            "source_id": "lee",
            "transaction_id": entry["id"],
            "points": -70,
            "balance_after": 30,
            "pending_points": 0,
            "pending_after": 0,
            "lots": [{"points": -70, "expires_at": entry["lots"][0]["expires_at"]}],
        }
        assert entry["lots"] == [{"points": -70, "expires_at": entry["lots"][0]["expires_at"], "activates_at": None}]
        assert expired.envelope["created_at"] == entry["created_at"]
        assert _sums(_of(bus.seen, "lee")) == (30, 0) == (points_of(api, "lee")["balance"], 0)


def test_an_expiry_the_customers_own_debit_records_is_announced_the_same_way(
    api: ApiClient, bus: BusTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    reward_id = create_reward(api, COIN)
    credit(api, "max", 50, expire_after_days=1)
    credit(api, "max", 30)
    bus.read()
    with days_later(monkeypatch, 2):
        # this redemption's placement records the expiry before its debit
        redeemed = api.post(f"{customer_path('max')}/rewards/{reward_id}/redeem", {"points": 10})
        assert redeemed.status == 201, redeemed.body
        announced = _of(bus.read(), "max")
        assert [(a.type, a.data["points"]) for a in announced] == [("points.expired", -50), ("points.debited", -10)]
        assert run_points_settler()["entries_written"] == 0
        assert _of(bus.read(), "max") == []


def test_a_reversal_is_announced_with_the_credit_it_takes_back_and_its_shortfall(api: ApiClient, bus: BusTap) -> None:
    app_id = api.credentials.app_id
    first = credit(api, "ann", 100)
    credit(api, "ann", 20)
    bus.read()
    partly = points_domain.reverse(app_id, "ann", first, 30)
    (reversed_,) = _of(bus.read(), "ann")
    assert reversed_.type == "points.reversed"
    assert {k: v for k, v in reversed_.data.items() if k != "lots"} == {
        "source_id": "ann",
        "transaction_id": partly.txn_id,
        "reverses": first,
        "points": -30,
        "balance_after": 90,
        "pending_points": 0,
        "pending_after": 0,
        "shortfall": 0,
        "expired": 0,
        "description": f"Reversal of {first}",
    }
    assert [lot["points"] for lot in reversed_.data["lots"]] == [-30]
    assert _sums(_of(bus.seen, "ann")) == (90, 0)


def test_webhooks_can_subscribe_to_the_new_types(api: ApiClient) -> None:
    for kind in ("points.expired", "points.activated", "points.reversed"):
        created = api.post("/webhooks", {"url": "https://93.184.215.14/hooks", "events": [kind]})
        assert created.status == 201, created.body
        body: dict[str, Any] = created.json()
        assert body["events"] == [kind]
