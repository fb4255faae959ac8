"""rewards_cli/moto_speedup.py reaches into moto's DynamoDB backend: these tests fail loudly when a moto
upgrade changes what it relies on, and check that transactions keep DynamoDB's all-or-nothing semantics
with the lighter backup."""

from __future__ import annotations

import inspect
import time

import boto3
import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as table_module
import pytest
from botocore.exceptions import ClientError

from rewards_cli import moto_speedup


def test_moto_still_has_what_the_speedup_replaces() -> None:
    source = inspect.getsource(dynamodb_models.DynamoDBBackend.transact_write_items.__wrapped__)  # type: ignore[attr-defined]
    assert "copy.deepcopy(" in source, "moto no longer backs up tables with copy.deepcopy"
    assert "self.tables[table_name] = original_table_state[table_name]" in source, "moto's rollback changed"
    assert isinstance(getattr(dynamodb_models, "copy"), moto_speedup._NoTableCopies)  # noqa: B009 - not exported
    assert getattr(dynamodb_models, "get_filter_expression") is moto_speedup._cached_filter_expression  # noqa: B009
    assert getattr(table_module, "get_filter_expression") is moto_speedup._cached_filter_expression  # noqa: B009


def _put(name: str, value: str) -> dict[str, object]:
    return {"Put": {"TableName": "t", "Item": {"PK": {"S": name}, "SK": {"S": "S"}, "v": {"S": value}}}}


@pytest.fixture
def client(table: str) -> object:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return dynamodb


def _value(client: object, name: str) -> str | None:
    item = client.get_item(TableName="t", Key={"PK": {"S": name}, "SK": {"S": "S"}}).get("Item")  # type: ignore[attr-defined]
    return item["v"]["S"] if item else None


def _stream_records(table_name: str) -> int:
    backend = dynamodb_models.dynamodb_backends["123456789012"]["us-east-1"]
    shard = backend.tables[table_name].stream_shard
    return len(shard.items) if shard else 0


def test_a_cancelled_transaction_leaves_every_item_and_the_stream_as_they_were(client: object) -> None:
    client.transact_write_items(TransactItems=[_put("a", "1"), _put("b", "1")])  # type: ignore[attr-defined]
    records = _stream_records("t")

    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(  # type: ignore[attr-defined]
            TransactItems=[
                _put("a", "2"),
                _put("new", "2"),
                {"Update": {"TableName": "t", "Key": {"PK": {"S": "b"}, "SK": {"S": "S"}},
                            "UpdateExpression": "SET v = :v", "ConditionExpression": "v = :other",
                            "ExpressionAttributeValues": {":v": {"S": "2"}, ":other": {"S": "9"}}}},
            ]
        )  # fmt: skip

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert (_value(client, "a"), _value(client, "b"), _value(client, "new")) == ("1", "1", None)
    assert _stream_records("t") == records


def test_a_transaction_costs_the_same_whatever_the_tables_size(client: object) -> None:
    def one_transaction() -> float:
        started = time.perf_counter()
        client.transact_write_items(TransactItems=[_put(f"x{time.perf_counter_ns()}", "1")])  # type: ignore[attr-defined]
        return time.perf_counter() - started

    small = min(one_transaction() for _ in range(5))
    for start in range(0, 5000, 25):
        client.batch_write_item(  # type: ignore[attr-defined]
            RequestItems={
                "t": [
                    {"PutRequest": {"Item": {"PK": {"S": f"f{n}"}, "SK": {"S": "S"}}}} for n in range(start, start + 25)
                ]
            }
        )
    large = min(one_transaction() for _ in range(5))

    assert large < small * 5 + 0.005, (small, large)  # a whole-table copy of 5,000 items takes ~100 ms
