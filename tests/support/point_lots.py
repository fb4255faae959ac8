"""Customers with points in lots (credits that activate and expire) and the scheduled points settler,
for the tests of expiry and activation."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest

from rewards_cli.apigw import scheduled_event
from rewards_cli.lambdas import FunctionPool
from rewards_cli.template import load
from shared.domain.points.lots import Wallet
from shared.domain.points.placement import wallet_of
from shared.entities.points import DAY_MS, NEVER
from shared.storage import customers
from tests.support.api import ApiClient
from tests.support.campaigns import ledger
from tests.support.rewards import customer_path

_credits = itertools.count()


def credit(
    api: ApiClient,
    source_id: str,
    points: int,
    *,
    expire_after_days: int | None = None,
    pending_days: int | None = None,
    timestamp: int | None = None,
) -> str:
    """Credit ``points`` through a one-rule campaign whose points reward overrides the policy's days;
    ``timestamp``: the event's time (epoch seconds), from which the lot's days count. The txn_id."""
    event_name = f"lot_{next(_credits)}"
    reward: dict[str, Any] = {"type": "points", "points": points}
    if expire_after_days is not None:
        reward["expire_after_days"] = expire_after_days
    if pending_days is not None:
        reward["pending_days"] = pending_days
    rule = {"rule_name": "Lot", "action_type": "RTA", "actions": [{"event_name": event_name, "target": 1}]}
    created = api.post("/campaigns", {"campaign_name": event_name, "rules": [rule | {"reward": reward}]})
    assert created.status == 201, created.body
    body: dict[str, Any] = {"source_id": source_id, "event_name": event_name, "properties": {}}
    if timestamp is not None:
        body["timestamp"] = timestamp
    sent = api.post("/events", body)
    assert sent.status == 200, sent.body
    (granted,) = sent.json()["rewards"]
    txn_id: str = granted["transaction_id"]
    return txn_id


@contextmanager
def days_later(monkeypatch: pytest.MonkeyPatch, days: float) -> Iterator[None]:
    """The engine's clock (reads, the settler, redemptions) ``days`` ahead of the wall clock."""
    from shared import clock

    real = clock.now_epoch_ms
    with monkeypatch.context() as patched:
        patched.setattr(clock, "now_epoch_ms", lambda: real() + int(days * DAY_MS))
        yield


def run_points_settler(pool: FunctionPool | None = None) -> dict[str, Any]:
    """One scheduled run of PointsSettlerFunction, as its EventBridge rule invokes it."""
    function = load().functions["PointsSettlerFunction"]
    report: dict[str, Any] = (pool or FunctionPool()).invoke(function, scheduled_event("PointsSettler"))
    return report


def rewards_costing(api: ApiClient, costs: Iterable[int]) -> dict[int, str]:
    """A MATERIAL reward per cost, by cost: the points a redemption will debit."""
    made = {}
    for cost in costs:
        body = {
            "name": f"Costs {cost}",
            "type": "MATERIAL",
            "parameters": {"product": {"id": f"p{cost}"}},
            "points_to_be_redeemed": cost,
        }
        created = api.post("/rewards", body)
        assert created.status == 201, created.body
        made[cost] = created.json()["id"]
    return made


def entries(api: ApiClient, source_id: str, reason: str | None = None) -> list[dict[str, Any]]:
    """The customer's ledger, oldest first; ``reason``: only entries of that reason."""
    found = list(reversed(ledger(api, source_id)))
    return [entry for entry in found if reason is None or entry["reason"] == reason]


def points_of(api: ApiClient, source_id: str) -> dict[str, Any]:
    answer = api.get(customer_path(source_id))
    assert answer.status == 200, answer.body
    points: dict[str, Any] = answer.json()["points"]
    return points


def stored_wallet(app_id: str, source_id: str) -> Wallet:
    """The lots and counters as stored on the profile (not settled at read)."""
    profile = customers.get(app_id, source_id)
    assert profile is not None
    return wallet_of(profile)


def assert_books_balance(api: ApiClient, app_id: str, source_id: str) -> None:
    """Balance = the ledger's sum of points = the stored active lots less debt; pending = the ledger's
    sum of pending_points = the stored pending lots; every entry's balance_after follows from the last."""
    found = entries(api, source_id)
    shown = points_of(api, source_id)
    wallet = stored_wallet(app_id, source_id)
    assert shown["balance"] == sum(e["points"] for e in found) == wallet.active_points() - wallet.debt
    assert shown["pending"] == sum(e["pending_points"] for e in found) == wallet.pending
    assert wallet.pending == sum(p for key, p in wallet.lots.items() if key.pending)
    running = 0
    for entry in found:
        running += entry["points"]
        assert entry["balance_after"] == running, entry


def _expiry_day(expires_at: str | None) -> int:
    return NEVER if expires_at is None else int(datetime.fromisoformat(expires_at).timestamp()) // 86_400


def assert_reversals_within_credits(
    ledger_entries: Iterable[Mapping[str, Any]], wallet: Wallet, *, by_day: bool = True
) -> None:
    """Points are never taken twice nor given twice (issue 21): for the credits of each expiry day, what
    their reversals took back (from lots, as debt or as a shortfall) is at most what they credited less
    what of that day expired, and that day's lots hold at most what is left. Stated on the ledger (entries
    as the API shows them) and the stored lots only, whatever lot a reversal or a refund moved.
    ``by_day=False``: summed over all days (a customer at ``MAX_LOTS``, whose refunds may join another
    day's lot)."""
    credited: Counter[int] = Counter()
    expired: Counter[int] = Counter()
    taken: Counter[int] = Counter()
    day_of: dict[str, int] = {}
    credit_of: dict[str, int] = {}
    taken_of: Counter[str] = Counter()
    entries = list(ledger_entries)  # in any order
    for entry in entries:
        if entry["reason"] in ("rule_completion", "adjustment") and entry["points"] + entry["pending_points"] > 0:
            (share,) = entry["lots"]
            day_of[entry["id"]] = _expiry_day(share["expires_at"])
            credit_of[entry["id"]] = share["points"]
            credited[day_of[entry["id"]]] += share["points"]
    for entry in entries:
        if entry["reason"] == "expiry":
            for share in entry["lots"]:
                expired[_expiry_day(share["expires_at"])] -= share["points"]
        elif entry["reason"] == "reversal":
            took = entry["shortfall"] - entry["points"] - entry["pending_points"]
            taken[day_of[entry["reverses"]]] += took
            taken_of[entry["reverses"]] += took
    for txn_id, took in taken_of.items():
        assert took <= credit_of[txn_id], f"{txn_id}: {took} taken back of a credit of {credit_of[txn_id]}"
    held: Counter[int] = Counter()
    for key, points in wallet.lots.items():
        held[key.expires_day] += points
    if not by_day:
        credited, expired, taken, held = (Counter({0: c.total()}) for c in (credited, expired, taken, held))
    for day in credited.keys() | held.keys():
        assert taken[day] <= credited[day] - expired[day], f"day {day}: taken twice ({taken[day]} taken back)"
        assert held[day] <= credited[day] - expired[day] - taken[day], f"day {day}: given twice ({held[day]} held)"
