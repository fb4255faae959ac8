"""Requests fired at the same instant (tests/support/concurrency.py): no lost update, one id per
customer, and one execution per Idempotency-Key."""

from __future__ import annotations

import pytest

from tests.support.api import ApiClient
from tests.support.concurrency import Request, send_together
from tests.support.faults import injecting_faults

ROUNDS = 3
DISJOINT_FIELDS = {
    "name": "Krish",
    "email": "k@example.com",
    "phone": "+91 98765 43210",
    "tags": ["vip", "cohortA"],
    "enrolled_at": "2022-01-05T10:00:00Z",
    "tier": "GOLD",
    "brand": "acme",
    "attributes": {"city": "Pune"},
}


@pytest.mark.parametrize("exists", [True, False], ids=["existing", "new"])
def test_concurrent_upserts_of_disjoint_fields_lose_no_field(api: ApiClient, exists: bool) -> None:
    for round_number in range(ROUNDS):
        path = f"/customers/c-{round_number}"
        if exists:
            assert api.put(path, {"tier": "SILVER"}).status == 201
        # When each field is written by its own request, all at once
        responses = send_together(api, [Request("PUT", path, {name: value}) for name, value in DISJOINT_FIELDS.items()])
        assert all(r.status in (200, 201) for r in responses), [(r.status, r.body) for r in responses]
        # Then every field landed
        stored = api.get(path).json()
        assert {name: stored[name] for name in DISJOINT_FIELDS} == DISJOINT_FIELDS


def test_concurrent_creates_of_one_new_customer_yield_one_customer(api: ApiClient) -> None:
    for round_number in range(ROUNDS):
        path = f"/customers/new-{round_number}"
        responses = send_together(api, [Request("PUT", path, {"tags": [f"t{i}"]}) for i in range(10)])
        statuses = sorted(r.status for r in responses)
        assert statuses == [200] * 9 + [201], statuses
        ids = {r.json()["id"] for r in responses}
        assert ids == {api.get(path).json()["id"]}, ids


def test_concurrent_puts_with_one_idempotency_key_execute_once(api: ApiClient, table: str) -> None:
    body = {"name": "Krish", "tags": ["vip"]}
    for round_number in range(ROUNDS):
        source_id = f"idem-{round_number}"
        key = {"Idempotency-Key": f"key-{round_number}"}
        with injecting_faults() as recorder:  # no plan: it only records the calls
            responses = send_together(api, [Request("PUT", f"/customers/{source_id}", body, key) for _ in range(8)])
        # Then one request executed, the others replayed its response or were told to retry
        # (a customer is created by a transaction with its referral code; nothing else here transacts)
        writes = recorder.calls_of("TransactWriteItems") + [
            c for c in recorder.calls_of("UpdateItem") if (c.partition_key or "").endswith(f"#CUST#{source_id}")
        ]
        assert len(writes) == 1, writes
        done = [r for r in responses if r.status < 300]
        busy = [r for r in responses if r.status == 409]
        assert len(done) + len(busy) == len(responses), [(r.status, r.body) for r in responses]
        assert [r.header("Idempotent-Replayed") for r in done].count(None) == 1
        assert {r.status for r in done} == {201}
        assert len({r.json()["updated_at"] for r in done}) == 1
        for response in busy:
            assert response.json()["message"] == "Request in progress", response.body
            assert response.header("Retry-After")
        # And a later retry gets the first response again
        again = api.put(f"/customers/{source_id}", body, headers=key)
        assert (again.status, again.json()["id"]) == (201, done[0].json()["id"])
