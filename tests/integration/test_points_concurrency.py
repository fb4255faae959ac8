"""Adjustments and reversals fired at the same instant (tests/support/concurrency.py): a balance of lots is
never overspent, a credit is never taken back more than once, and the balance equals the ledger's sum and
the sum of the lots, whatever the interleaving."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from functools import partial

import pytest

from rewards_cli.gateway import HttpResponse
from tests.support.api import ApiClient
from tests.support.concurrency import fire_together, warm_up
from tests.support.point_lots import points_of
from tests.support.points import adjust, credit, reverse, set_policy, stored_lots, transactions
from tests.support.rewards import customer_path

REQUESTS = 100
DEBIT = 30


def until_answered(send: Callable[[dict[str, str]], HttpResponse], key: str) -> HttpResponse:
    """A well-behaved client: a 5xx or a 409 'in progress' is retried with the same Idempotency-Key."""
    headers = {"Idempotency-Key": key}
    for _ in range(100):
        response = send(headers)
        busy = response.status == 409 and response.json()["message"] == "Request in progress"
        if response.status < 500 and not busy:
            return response
        time.sleep(0.05)
    raise AssertionError(f"never answered: {response.status} {response.body!r}")


@pytest.fixture
def kim(api: ApiClient) -> str:
    assert api.put(customer_path("kim"), {}).status == 201
    return "kim"


def test_100_concurrent_debits_against_lots_never_overspend(api: ApiClient, kim: str) -> None:
    # Given 2,500 points in three lots: 1,000 expiring in 10 days, 1,000 in 100 days, 500 never
    set_policy(api, expire_after_days=10)
    credit(api, kim, 1000)
    set_policy(api, expire_after_days=100)
    credit(api, kim, 1000)
    set_policy(api, expire_after_days=None)
    credit(api, kim, 500)
    # When 100 debits of 30 (3,000 in all) arrive at once
    path = f"{customer_path(kim)}/transactions"
    warm_up(api.gateway, [("POST", path)] * REQUESTS)
    calls = [
        partial(until_answered, lambda h: adjust(api, kim, -DEBIT, "Correction", headers=h), f"debit-{i}")
        for i in range(REQUESTS)
    ]
    responses = fire_together(calls)
    # Then exactly the 83 the balance covers succeeded and the others were refused, naming points
    statuses = Counter(r.status for r in responses)
    assert statuses == {201: 2500 // DEBIT, 409: REQUESTS - 2500 // DEBIT}, statuses
    refused = [r.json() for r in responses if r.status == 409]
    assert all(body["details"].startswith("points: the balance is ") for body in refused), refused
    # And the balance never went below zero, equals the ledger's sum and the sum of the lots
    remaining = 2500 - DEBIT * statuses[201]
    assert points_of(api, kim)["balance"] == remaining == 10
    entries = transactions(api, kim)
    assert sum(e["points"] for e in entries) == remaining
    assert all(e["balance_after"] >= 0 for e in entries)
    debits = sorted((e for e in entries if e["points"] < 0), key=lambda e: e["balance_after"], reverse=True)
    assert [e["balance_after"] for e in debits] == list(range(2500 - DEBIT, remaining - 1, -DEBIT))
    assert sum(stored_lots(api, kim).values()) == remaining
    # And each debit took from the lots first-expiring-first: only never-expiring points are left
    assert stored_lots(api, kim) == {"0:0": remaining}
    assert points_of(api, kim)["expiring"] == []
    for entry in debits:
        assert sum(share["points"] for share in entry["lots"]) == -DEBIT, entry


def test_concurrent_partial_reversals_take_a_credit_back_at_most_once(api: ApiClient, kim: str) -> None:
    # Given a credit of 100 (and other points, so that the balance is not what limits)
    credited = credit(api, kim, 100)
    credit(api, kim, 1000)
    # When 20 reversals of 10 arrive at once
    path = f"{customer_path(kim)}/transactions/{credited['id']}/reverse"
    warm_up(api.gateway, [("POST", path)] * 20)
    calls = [
        partial(until_answered, lambda h: reverse(api, kim, credited["id"], 10, headers=h), f"return-{i}")
        for i in range(20)
    ]
    responses = fire_together(calls)
    # Then exactly 10 took 10 each; the others were refused (more than is left, or reversed in full)
    statuses = Counter(r.status for r in responses)
    assert statuses[201] == 10, statuses
    assert set(statuses) <= {201, 400, 409}, statuses
    assert points_of(api, kim)["balance"] == 1000
    assert sum(e["points"] for e in transactions(api, kim)) == 1000
    assert sum(e["points"] for e in transactions(api, kim, reason="reversal")) == -100
    assert reverse(api, kim, credited["id"]).status == 409
