"""Idempotency records spread over partitions: each keyed request's record under a partition key of its
own (keys.idempotency_record), never all of a function's records on one partition (Powertools' layout,
whose 1,000 write units a second capped a function's keyed writes: bench/heat.py)."""

from __future__ import annotations

import boto3

from shared.storage import keys
from tests.conftest import TABLE_NAME
from tests.support.api import ApiClient


def _idempotency_records() -> list[dict[str, str]]:
    items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]
    return [{"PK": i["PK"]["S"], "SK": i["SK"]["S"]} for i in items if i["PK"]["S"].startswith("idempotency#")]


def test_each_keyed_request_has_a_partition_of_its_own_and_a_retry_meets_it(api: ApiClient) -> None:
    body = {"source_id": "ana", "event_name": "signup"}
    first = api.post("/events", body, headers={"Idempotency-Key": "k-1"})
    second = api.post("/events", body, headers={"Idempotency-Key": "k-2"})
    assert (first.status, second.status) == (200, 200), (first.body, second.body)
    records = _idempotency_records()
    assert len({r["PK"] for r in records}) == 2, records
    assert {r["SK"] for r in records} == {keys.IDEMPOTENCY_SK}
    # the scope is Powertools' ``idempotency#<function>`` (the function's name is Lambda's, unset here)
    assert all(r["PK"].startswith("idempotency#") and r["PK"].count("#") >= 3 for r in records), records
    retried = api.post("/events", body, headers={"Idempotency-Key": "k-1"})
    assert retried.header("Idempotent-Replayed") == "true"
    assert retried.json() == first.json()
    assert len(_idempotency_records()) == 2
